"""IAM policies that let a bot job read exactly the accounts it drives."""

from collections.abc import Sequence
from typing import Any

from birdhouse_client.layout import REPORT_SOURCE, account_secret_name, normalise_screen_name

# Only a secret's current value: the versions before it (AWSPREVIOUS, or any by version id)
# may hold tokens of an account that moved away from this name, or a leaked token replaced.
CURRENT_VERSION_ONLY: dict[str, Any] = {
    "StringEqualsIfExists": {"secretsmanager:VersionStage": "AWSCURRENT"},
    "Null": {"secretsmanager:VersionId": "true"},
}


def bot_job_policy(
    screen_names: Sequence[str],
    *,
    secrets_prefix: str,
    region: str = "*",
    account_id: str = "*",
    partition: str = "aws",
    kms_key_arn: str | None = None,
    oauth2_lease_table: str | None = None,
    event_bus: str | None = None,
) -> dict[str, Any]:
    """GetSecretValue of the current version of these accounts' secrets only (exact names,
    Secrets Manager's 6-character ARN suffix; no AWSPREVIOUS, no version ids),
    BatchGetSecretValue (which IAM cannot scope; it still needs GetSecretValue on
    each secret), Decrypt on the customer-managed key if the secrets use one, and with
    `event_bus` PutEvents of bot-job reports to Birdhouse's bus (source birdhouse.bot-jobs
    only: the bus refuses `birdhouse` itself to everyone but Birdhouse's roles).

    Every account secret carries the app's consumer key and secret as well as its own tokens.

    `oauth2_lease_table` (for jobs driving OAuth 2.0 accounts): what the client needs to refresh
    a token it finds about to expire, through Birdhouse's lease, and nothing more:
    UpdateItem on these accounts' lease items only (IAM's dynamodb:LeadingKeys) and
    PutSecretValue on these secrets (the new pair; plus GenerateDataKey under a customer key).
    """
    arns = sorted(
        {
            f"arn:{partition}:secretsmanager:{region}:{account_id}:secret:"
            f"{account_secret_name(name, prefix=secrets_prefix)}-??????"
            for name in screen_names
        }
    )
    statements: list[dict[str, Any]] = [
        {
            "Sid": "ReadTheseBirdhouseAccounts",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": arns,
            "Condition": CURRENT_VERSION_ONLY,
        },
        {
            "Sid": "BatchReadsStillCheckEachSecret",
            "Effect": "Allow",
            "Action": ["secretsmanager:BatchGetSecretValue"],
            "Resource": "*",
        },
    ]
    if oauth2_lease_table:
        statements += [
            {
                "Sid": "WriteTheirRefreshedTokens",
                "Effect": "Allow",
                "Action": ["secretsmanager:PutSecretValue"],
                "Resource": arns,
            },
            {
                "Sid": "TakeTheirRefreshLeases",
                "Effect": "Allow",
                "Action": ["dynamodb:UpdateItem"],
                "Resource": f"arn:{partition}:dynamodb:{region}:{account_id}:table/"
                f"{oauth2_lease_table}",
                "Condition": {
                    "ForAllValues:StringEquals": {
                        "dynamodb:LeadingKeys": sorted(
                            {normalise_screen_name(name) for name in screen_names}
                        )
                    }
                },
            },
        ]
    if kms_key_arn:
        statements.append(
            {
                "Sid": "DecryptTheAccountSecrets",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"]
                if oauth2_lease_table
                else ["kms:Decrypt"],
                "Resource": kms_key_arn,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
                }
                if region != "*"
                else {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}},
            }
        )
    if event_bus:
        statements.append(
            {
                "Sid": "ReportWhatXAnswersToBirdhouse",
                "Effect": "Allow",
                "Action": ["events:PutEvents"],
                "Resource": f"arn:{partition}:events:{region}:{account_id}:event-bus/{event_bus}",
                "Condition": {"StringEquals": {"events:source": REPORT_SOURCE}},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}
