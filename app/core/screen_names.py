"""X screen names as the service takes them: the client's one rule, answered with our error."""

from app.core.errors import InvalidScreenName
from birdhouse_client.layout import NotAScreenName, parse_screen_name


def validate_screen_name(screen_name: str) -> str:
    """Return the screen name as given (without a leading @) or raise InvalidScreenName."""
    try:
        return parse_screen_name(screen_name)
    except NotAScreenName as exc:
        raise InvalidScreenName(str(exc)) from None
