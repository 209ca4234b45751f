"""The Settings model, read from the environment by pydantic-settings.

Imported through app.config on first use, not with the app: see app/config.py. The environment
is the one source: local entry points load the repository's `.env` into it first
(`app.env_file`), so settings, boto3 and the launchers all see the same values.
"""

import re
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core.deadline import DEFAULT_MARGIN_SECONDS, SECRETS_OPERATION_WORST_SECONDS

# Secrets Manager allows more, but the prefix becomes part of IAM resource ARNs too.
_SECRETS_PREFIX_PATTERN = re.compile(r"^[A-Za-z0-9_+=.@-]+(/[A-Za-z0-9_+=.@-]+)*$")


class Settings(BaseSettings):
    """Everything Birdhouse reads from its environment."""

    model_config = SettingsConfigDict(extra="ignore")

    secrets_prefix: str = "twitter-bots"
    # X's docs put every OAuth endpoint on api.x.com; api.twitter.com redirects can lose the
    # request token.
    x_api_base_url: str = "https://api.x.com"
    # Where the owner's browser reaches Birdhouse, e.g. https://birdhouse.example.com or
    # https://abc.execute-api.eu-west-1.amazonaws.com/prod. Derived from the request when unset.
    public_base_url: str | None = None
    # Outside Lambda and without PUBLIC_BASE_URL, the Host header builds the links, so only
    # these hosts (and loopback) are answered: comma-separated, e.g. "birdhouse.lan,10.0.0.5".
    allowed_hosts: Annotated[frozenset[str], NoDecode] = frozenset()
    # Every X call, connecting and reading included, ends within this long (and within what
    # the request's deadline has left), so an owner sees an answer within ~10 s.
    x_timeout_seconds: float = Field(default=8.0, gt=0, le=25)
    # The Lambda function's timeout (serverless.yml sets it from provider.timeout): checked
    # against X_TIMEOUT_SECONDS, so one X call and the keys' write fit in it.
    function_timeout_seconds: float | None = Field(default=None, gt=0, le=900)
    # Kept back from the Lambda's remaining time to write the answer after the last upstream.
    deadline_margin_seconds: float = Field(default=DEFAULT_MARGIN_SECONDS, ge=0, le=5)
    # How long a container keeps the app secret before reading it again: a rotated admin token
    # or signing key takes effect everywhere within this many seconds.
    app_secret_ttl_seconds: float = Field(default=300, ge=0, le=3600)
    # A customer-managed KMS key (ARN or id) for new account secrets; the AWS-managed key if unset.
    secrets_kms_key_id: str | None = None
    # Account events go to this EventBridge bus. Deployed, serverless.yml sets Birdhouse's own
    # (`birdhouse-{stage}`, whose policy lets only Birdhouse's roles publish as `birdhouse`);
    # local runs and moto have only the default bus, and nobody else reads it there.
    event_bus_name: str = "default"
    # The sweep's "Account status changed" event for a revoked account names the fresh invite;
    # with this true (and PUBLIC_BASE_URL set) it carries the link itself, a bearer credential.
    events_invite_links: bool = False
    # The in-process sweep (python -m app sweep): how long one run may take, how many X reads
    # at once, and an optional pause between batches (none by default: GET /2/users/me is
    # limited per user token, and the deployed worker stops on X's own limit headers instead).
    sweep_budget_seconds: float = Field(default=240, gt=0, le=900)
    sweep_concurrency: int = Field(default=4, ge=1, le=16)
    sweep_seconds_between_calls: float = Field(default=0.0, ge=0, le=60)
    # The deployed sweep: the planner sends accounts to this SQS queue, the worker function
    # drains it (serverless.yml sets both URLs). Unset: no queue (local runs sweep in-process).
    sweep_queue_url: str | None = None
    sweep_dead_letter_queue_url: str | None = None
    # How many worker functions run at once (the event source mapping's maximum concurrency;
    # serverless.yml's sweepMaxConcurrency, the same default). Also the benchmark's threads.
    sweep_max_concurrency: int = Field(default=10, ge=2, le=1000)
    # An account whose bot job reported a good answer from X within this many days (and whose
    # last check found it ok) is left out of the sweep: its paid read goes to a silent bot.
    sweep_reported_healthy_days: float = Field(default=7, ge=0, le=90)
    # The invite ledger's DynamoDB table.
    invites_table: str = Field(default="birdhouse-invites", pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    # Operators' keys (hashes only) and the audit trail: DynamoDB tables beside the ledger.
    operators_table: str = Field(default="birdhouse-operators", pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    audit_table: str = Field(default="birdhouse-audit", pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    # How long an audit record is kept before DynamoDB's TTL removes it.
    audit_retention_days: int = Field(default=400, ge=1, le=3650)
    # The refresh leases' DynamoDB table (one item per OAuth 2.0 account being refreshed).
    refresh_leases_table: str = Field(
        default="birdhouse-refresh-leases", pattern=r"^[A-Za-z0-9_.-]{3,255}$"
    )
    # OAuth 2.0: where owners authorize (X's docs also show twitter.com/i/oauth2/authorize),
    # and the scopes asked for (offline.access is what yields a refresh token).
    x_oauth2_authorize_url: str = "https://x.com/i/oauth2/authorize"
    x_oauth2_scopes: str = "tweet.read tweet.write users.read offline.access"
    # The refresher: every OAuth 2.0 token with less than this left is refreshed on its run
    # (every REFRESH_SCHEDULE, 15 minutes by default), so bot jobs find minutes left.
    refresh_ahead_seconds: float = Field(default=1800, ge=300, le=6600)
    # Days a deleted account can still be restored (Secrets Manager allows 7 to 30).
    deletion_recovery_days: int = Field(default=7, ge=7, le=30)
    # /docs and /openapi.json: on outside Lambda, off in it unless this says true.
    docs_enabled: bool | None = None
    # Set by Lambda itself: how Birdhouse knows it runs there.
    aws_lambda_function_name: str | None = None

    # Local overrides for the app secret in Secrets Manager (`{secrets_prefix}/app`).
    consumer_key: SecretStr | None = None
    consumer_secret: SecretStr | None = None
    admin_token: SecretStr | None = None
    signing_key: SecretStr | None = None
    client_id: SecretStr | None = None
    client_secret: SecretStr | None = None

    @field_validator("secrets_prefix")
    @classmethod
    def _prefix_is_a_secret_name(cls, value: str) -> str:
        if not _SECRETS_PREFIX_PATTERN.fullmatch(value):
            raise ValueError(
                "SECRETS_PREFIX must be letters, digits and _+=.@- in '/'-separated parts, "
                f"got {value!r}"
            )
        return value

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _comma_separated_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(host.strip().lower() for host in value.split(",") if host.strip())
        return value

    @field_validator("x_oauth2_scopes")
    @classmethod
    def _scopes_need_offline_access(cls, value: str) -> str:
        scopes = value.split()
        if "offline.access" not in scopes:
            raise ValueError(
                "X_OAUTH2_SCOPES must include offline.access: without it X issues no refresh "
                "token and every OAuth 2.0 account dies after two hours"
            )
        return " ".join(scopes)

    @field_validator("x_api_base_url", "public_base_url", "x_oauth2_authorize_url")
    @classmethod
    def _absolute_url_without_trailing_slash(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"must be an absolute http(s) URL, got {value!r}")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _x_timeout_fits_the_function_timeout(self) -> "Settings":
        # The callback's path: one X call, then the keys' write with its retries, then the
        # answer. A longer X timeout would leave the write no time when X is slow.
        if self.function_timeout_seconds is None:
            return self
        room = (
            self.function_timeout_seconds
            - SECRETS_OPERATION_WORST_SECONDS
            - self.deadline_margin_seconds
        )
        if self.x_timeout_seconds > room:
            raise ValueError(
                f"X_TIMEOUT_SECONDS={self.x_timeout_seconds:g} leaves no time within "
                f"FUNCTION_TIMEOUT_SECONDS={self.function_timeout_seconds:g} to save the keys "
                f"after X answers: at most {max(room, 0):g} (the function timeout less "
                f"{SECRETS_OPERATION_WORST_SECONDS:g} s for a Secrets Manager write with its "
                f"retries and DEADLINE_MARGIN_SECONDS={self.deadline_margin_seconds:g})"
            )
        return self

    @property
    def in_lambda(self) -> bool:
        return bool(self.aws_lambda_function_name)

    @property
    def docs_served(self) -> bool:
        return self.docs_enabled if self.docs_enabled is not None else not self.in_lambda

    @property
    def app_secret_id(self) -> str:
        return f"{self.secrets_prefix}/app"
