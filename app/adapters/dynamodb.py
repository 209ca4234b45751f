"""What Birdhouse's DynamoDB tables share: one client per container, and errors translated.

The invite ledger, the operator keys and the audit trail each have a table of their own
(each table's role grants differ), reached through the same client.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError

from app.core.errors import BirdhouseError, LedgerUnavailable
from birdhouse_client.layout import aws_error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

log = logging.getLogger(__name__)

# Like Secrets Manager's: an owner waits on these calls. Three tries, short timeouts.
DYNAMODB_CLIENT_CONFIG = Config(
    connect_timeout=1,
    read_timeout=2,
    retries={"mode": "standard", "total_max_attempts": 3},
)
CONDITION_FAILED = "ConditionalCheckFailedException"


@lru_cache
def create_dynamodb_client() -> "DynamoDBClient":
    """One client per container, made on first use: region and endpoint from AWS_* variables."""
    try:
        return boto3.client("dynamodb", config=DYNAMODB_CLIENT_CONFIG)
    except NoRegionError as exc:
        raise LedgerUnavailable("No AWS region: set AWS_DEFAULT_REGION or AWS_REGION") from exc
    except BotoCoreError as exc:
        raise LedgerUnavailable(f"DynamoDB client could not be created: {exc}") from exc


@contextmanager
def translated_errors(
    action: str, *, table: str, what: str, error: type[BirdhouseError]
) -> Iterator[None]:
    """AWS's refusals as `error`, naming `what` could not do `action` and AWS's code."""
    try:
        yield
    except ClientError as exc:
        code = aws_error_code(exc)
        log.warning("DynamoDB %s on %s failed: %s", action, table, code)
        raise error(f"{what} could not {action} ({code}); nothing was saved.") from exc
    except NoCredentialsError as exc:
        raise error(f"No AWS credentials for {what[0].lower()}{what[1:]} to {action}") from exc
    except BotoCoreError as exc:
        log.warning("DynamoDB %s on %s failed: %s", action, table, type(exc).__name__)
        raise error(
            f"{what} could not {action} ({type(exc).__name__}); nothing was saved."
        ) from exc


def s(value: str) -> "AttributeValueTypeDef":
    return {"S": value}


def n(value: int) -> "AttributeValueTypeDef":
    return {"N": str(value)}
