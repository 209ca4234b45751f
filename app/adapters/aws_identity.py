"""Who the command line runs as: the caller's AWS identity (STS GetCallerIdentity).

The command line holds no operator key: whoever can reach the tables and secrets is trusted by
IAM, and the audit trail names them by the ARN IAM knows them as.
"""

import logging

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

log = logging.getLogger(__name__)

# One quick try: the command's own calls say more when AWS is out of reach.
_STS_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"total_max_attempts": 2})
UNKNOWN_CALLER = "aws:unknown"


def caller_arn() -> str:
    """The ARN of the credentials in use (a user, or an assumed role with its session name)."""
    try:
        return str(boto3.client("sts", config=_STS_CONFIG).get_caller_identity()["Arn"])
    except (BotoCoreError, ClientError) as exc:
        log.warning("could not ask STS who this is: %s", type(exc).__name__)
        return UNKNOWN_CALLER
