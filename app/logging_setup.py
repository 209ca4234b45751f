"""Log setup: the app at LOG_LEVEL, and libraries that print signing material kept quiet."""

import logging
import os

# oauthlib logs signature base strings and headers at DEBUG; botocore logs request bodies
# (secret values included) at DEBUG. Neither may follow the app down to DEBUG.
_QUIET_LIBRARIES = ("oauthlib", "requests_oauthlib", "botocore", "boto3", "urllib3")


def configure_logging() -> None:
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.getLogger("app").setLevel(level)
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    root = logging.getLogger()
    if not root.handlers:
        # Lambda installs a handler already; uvicorn and scripts may not.
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
