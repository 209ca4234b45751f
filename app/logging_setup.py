"""Log setup: the app at LOG_LEVEL, and libraries that print signing material kept quiet."""

import logging
import os
import re

# oauthlib logs signature base strings and headers at DEBUG; botocore logs request bodies
# (secret values included) at DEBUG. Neither may follow the app down to DEBUG.
_QUIET_LIBRARIES = ("oauthlib", "requests_oauthlib", "botocore", "boto3", "urllib3")
# Query values on our routes are bearer material: invite tokens, oauth_token, the one-time
# oauth_verifier, denied=<token>.
_QUERY_VALUE = re.compile(r"(?<=[?&])([^=&#\s]+)=[^&#\s\"]*")


def configure_logging() -> None:
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.getLogger("app").setLevel(level)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    root = logging.getLogger()
    if not root.handlers:
        # Lambda installs a handler already; uvicorn and scripts may not.
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, MaskQueryValues) for f in access_log.filters):
        access_log.addFilter(MaskQueryValues())


def mask_query_values(text: str) -> str:
    """`/callback?oauth_token=abc&oauth_verifier=123` -> `/callback?oauth_token=***&...=***`."""
    return _QUERY_VALUE.sub(r"\1=***", text)


class MaskQueryValues(logging.Filter):
    """Masks every query value in uvicorn's access log lines (local runs; Lambda has none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_query_values(arg) if isinstance(arg, str) and "?" in arg else arg
                for arg in record.args
            )
        return True
