"""X screen names: validation and the normal form used in secret names."""

import re

from app.errors import InvalidScreenName

SCREEN_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,15}$")


def validate_screen_name(screen_name: str) -> str:
    """Return the screen name as given (without a leading @) or raise InvalidScreenName."""
    candidate = screen_name.removeprefix("@")
    if not SCREEN_NAME_PATTERN.fullmatch(candidate):
        raise InvalidScreenName(
            f"A screen name is 1 to 15 letters, digits or underscores, got {screen_name[:40]!r}"
        )
    return candidate


def normalise_screen_name(screen_name: str) -> str:
    """Lower case: X treats screen names case-insensitively, Secrets Manager does not."""
    return validate_screen_name(screen_name).lower()


def same_account_name(first: str, second: str) -> bool:
    return first.lower() == second.lower()
