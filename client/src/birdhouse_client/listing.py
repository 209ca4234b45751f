"""The accounts prefix, listed once: what the service and bot jobs both read of the fleet.

ListSecrets a page (100) at a time, filtered at AWS, tags and dates only, never a value. A
revoked account is still an onboarded one: it is listed, its status tag says "revoked", and
what that means is the caller's to decide (the operator's list shows it, a load refuses it).
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from birdhouse_client.layout import STATUS_UNCHECKED, TAG_STATUS, AccountSummary, accounts_prefix

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_secretsmanager.type_defs import FilterTypeDef, SecretListEntryTypeDef

LIST_PAGE_SIZE = 100  # ListSecrets' limit


def account_secrets(
    client: "SecretsManagerClient",
    *,
    secrets_prefix: str,
    scheduled_for_deletion: bool = False,
    filters: "Sequence[FilterTypeDef]" = (),
) -> "Iterator[SecretListEntryTypeDef]":
    """Every account secret's entry: the live ones, or only those scheduled for deletion.

    `filters` narrow the listing at AWS (a tag key, a tag value); they match loosely, so a
    caller still checks what it asked for. Raises botocore's errors: each caller translates.
    """
    names_start = accounts_prefix(secrets_prefix)
    pages = client.get_paginator("list_secrets").paginate(
        Filters=[{"Key": "name", "Values": [names_start]}, *filters],
        IncludePlannedDeletion=scheduled_for_deletion,
        PaginationConfig={"PageSize": LIST_PAGE_SIZE},
    )
    for page in pages:
        for entry in page.get("SecretList", []):
            # The name filter is a case-insensitive prefix match: check the exact prefix too.
            if not entry.get("Name", "").startswith(names_start):
                continue
            if ("DeletedDate" in entry) is scheduled_for_deletion:
                yield entry


def listing_filters(*, status: str | None = None) -> "list[FilterTypeDef]":
    """ListSecrets filters for accounts in this status (by their status tag). None for
    "unchecked": an account never checked may have no status tag to match."""
    if status is None or status == STATUS_UNCHECKED:
        return []
    return [{"Key": "tag-key", "Values": [TAG_STATUS]}, {"Key": "tag-value", "Values": [status]}]


def account_secrets_page(
    client: "SecretsManagerClient",
    *,
    names_start: str,
    filters: "Sequence[FilterTypeDef]" = (),
    page_size: int = LIST_PAGE_SIZE,
    next_token: str | None = None,
) -> "tuple[list[SecretListEntryTypeDef], str | None]":
    """One ListSecrets call: the live account secrets whose names start with `names_start`
    (exactly: AWS's name filter ignores case), and the token of the next call."""
    request: dict[str, Any] = {
        "Filters": [{"Key": "name", "Values": [names_start]}, *filters],
        "MaxResults": max(1, min(LIST_PAGE_SIZE, page_size)),
    }
    if next_token:
        request["NextToken"] = next_token
    answer = client.list_secrets(**request)
    entries = [
        entry
        for entry in answer.get("SecretList", [])
        if entry.get("Name", "").startswith(names_start) and "DeletedDate" not in entry
    ]
    return entries, answer.get("NextToken") or None


def tag_dict(entry: Mapping[str, Any]) -> dict[str, str]:
    """A secret's tags (from ListSecrets or DescribeSecret) as key → value."""
    return {tag.get("Key", ""): tag.get("Value", "") for tag in entry.get("Tags", [])}


def account_summary(secret_name: str, entry: Mapping[str, Any]) -> AccountSummary:
    """What the tags of one listed or described account secret say, never its value."""
    changed = entry.get("LastChangedDate") or entry.get("CreatedDate")
    return AccountSummary.from_tags(
        secret_name,
        tag_dict(entry),
        changed_at=changed.replace(microsecond=0).isoformat() if changed else "",
    )
