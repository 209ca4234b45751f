"""Consumer-key rotation: new keys proven at X, written once, then into every account secret.

Every account secret carries its own copy of the app's consumer key and secret (the four-key
layout bot jobs read), so regenerating them at X would break every bot until each secret is
rewritten. The run is resumable: the app secret is written only when it differs, accounts
already on the new pair are skipped, and each rewrite is one PutSecretValue (whole, never half
written; the old pair stays readable as AWSPREVIOUS).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from app.core.accounts import AccountStore
from app.core.app_secret import MIN_CONSUMER_KEY_LENGTH, AppSecretSource, looks_like_placeholder
from app.core.errors import BirdhouseError, RotationRefused, StoreUnavailable, XError, XTokenRevoked
from app.core.invites import REINVITE_LIFETIME, InviteLedger
from app.core.signing import SigningKeys
from app.core.x import TokenPair, XClient
from app.flows.invites import create_invite
from birdhouse_client.layout import OAuth2AccountSecret

log = logging.getLogger(__name__)


class Verdict(StrEnum):
    OK = "ok"
    NEEDS_REONBOARDING = "needs re-onboarding"
    FAILED = "failed"


@dataclass(frozen=True)
class AccountOutcome:
    screen_name: str
    rewritten: bool  # False: it was on the new pair already (an earlier, interrupted run)
    verdict: Verdict
    detail: str = ""
    invite_id: str | None = None
    invite_token: str | None = None


@dataclass
class RotationSummary:
    app_secret_written: bool
    accounts: list[AccountOutcome] = field(default_factory=list)

    def count(self, verdict: Verdict) -> int:
        return sum(1 for account in self.accounts if account.verdict is verdict)


def check_new_consumer_keys(consumer_key: str, consumer_secret: str) -> None:
    """Refuse placeholders and anything too short to be X's, before any call."""
    for name, value in (("consumer key", consumer_key), ("consumer secret", consumer_secret)):
        if looks_like_placeholder(value, min_length=MIN_CONSUMER_KEY_LENGTH):
            raise RotationRefused(
                f"The new {name} looks like a placeholder: paste the one X shows for the app "
                "(Keys and tokens). Nothing was written."
            )


def prove_consumer_keys(x_client: XClient) -> None:
    """One `oob` request token: X accepts these keys, or nothing is written (bootstrap and
    rotation both prove keys this way)."""
    try:
        x_client.fetch_request_token(callback_url="oob")
    except XError as exc:
        raise RotationRefused(
            f"X did not accept the consumer key and secret ({exc.message}). Nothing was written."
        ) from exc


def rotate_consumer_keys(
    *,
    consumer_key: str,
    consumer_secret: str,
    app_secret_id: str,
    source: AppSecretSource,
    store: AccountStore,
    x_client_for: Callable[[str, str], XClient],
    ledger: InviteLedger | None,
    signing_keys: SigningKeys,
    on_account: Callable[[AccountOutcome], None] = lambda _outcome: None,
) -> RotationSummary:
    """Prove, write the app secret, rewrite every account, verify each with the new pair."""
    check_new_consumer_keys(consumer_key, consumer_secret)
    x_client = x_client_for(consumer_key, consumer_secret)
    prove_consumer_keys(x_client)

    summary = RotationSummary(
        app_secret_written=_write_app_secret(consumer_key, consumer_secret, app_secret_id, source)
    )
    names = sorted((a.screen_name for a in store.list_accounts()), key=str.lower)
    for done, name in enumerate(names):
        try:
            outcome = _rotate_account(
                name,
                consumer_key=consumer_key,
                consumer_secret=consumer_secret,
                store=store,
                x_client=x_client,
                ledger=ledger,
                signing_keys=signing_keys,
            )
        except StoreUnavailable as exc:
            raise RotationRefused(
                f"Secrets Manager failed at @{name} ({exc.message}); {done} of {len(names)} "
                "accounts are done, none is half-written. Run the command again to finish."
            ) from exc
        summary.accounts.append(outcome)
        on_account(outcome)
    return summary


def _write_app_secret(
    consumer_key: str, consumer_secret: str, app_secret_id: str, source: AppSecretSource
) -> bool:
    existing: dict[str, Any] = source.read_app_secret(app_secret_id) or {}
    if not existing:
        raise RotationRefused(
            f"The app secret {app_secret_id!r} does not exist: run bootstrap first."
        )
    if (existing.get("consumer_key"), existing.get("consumer_secret")) == (
        consumer_key,
        consumer_secret,
    ):
        return False  # a second run: already written
    source.write_app_secret(
        app_secret_id,
        {**existing, "consumer_key": consumer_key, "consumer_secret": consumer_secret},
    )
    log.info("app secret %s now holds the new consumer key", app_secret_id)
    return True


def _rotate_account(
    screen_name: str,
    *,
    consumer_key: str,
    consumer_secret: str,
    store: AccountStore,
    x_client: XClient,
    ledger: InviteLedger | None,
    signing_keys: SigningKeys,
) -> AccountOutcome:
    account = store.get_account(screen_name)
    if account is None:  # deleted since the listing
        return AccountOutcome(screen_name, False, Verdict.FAILED, "no longer stored")
    if isinstance(account, OAuth2AccountSecret):
        # Its tokens belong to the app's OAuth 2.0 client: see rotate-client-secret.
        return AccountOutcome(
            account.screen_name, False, Verdict.OK, "OAuth 2.0: does not use the consumer keys"
        )
    rewritten = (account.consumer_key, account.consumer_secret) != (consumer_key, consumer_secret)
    if rewritten:
        account = replace(account, consumer_key=consumer_key, consumer_secret=consumer_secret)
        store.replace_account_value(account)
    try:
        x_client.get_me(TokenPair.of_account(account))
    except XTokenRevoked:
        return _needs_reonboarding(account.screen_name, rewritten, store, ledger, signing_keys)
    except XError as exc:
        return AccountOutcome(account.screen_name, rewritten, Verdict.FAILED, exc.message)
    return AccountOutcome(account.screen_name, rewritten, Verdict.OK)


def _needs_reonboarding(
    screen_name: str,
    rewritten: bool,
    store: AccountStore,
    ledger: InviteLedger | None,
    signing_keys: SigningKeys,
) -> AccountOutcome:
    detail = "X refuses its token with the new keys: onboard it again"
    if ledger is None:
        return AccountOutcome(screen_name, rewritten, Verdict.NEEDS_REONBOARDING, detail)
    try:
        invite = create_invite(
            ledger=ledger,
            store=store,
            signing_key=signing_keys,
            screen_name=screen_name,
            lifetime=REINVITE_LIFETIME,
            note="re-onboarding after a consumer key rotation",
        )
    except BirdhouseError as exc:
        return AccountOutcome(
            screen_name,
            rewritten,
            Verdict.NEEDS_REONBOARDING,
            f"{detail} (no invite: {exc.message})",
        )
    return AccountOutcome(
        screen_name,
        rewritten,
        Verdict.NEEDS_REONBOARDING,
        detail,
        invite_id=invite.record.id,
        invite_token=invite.token,
    )
