"""Bootstrap: the app secret's first write (or an update), with the consumer keys proven at X.

The admin token and signing key are generated here and kept on later runs; `rotate` replaces
both and keeps the old signing key as a previous one (links already out keep working) unless
`revoke_links` drops every earlier key.
"""

import logging
import secrets
from dataclasses import dataclass
from typing import Any

from app.core.accounts import SaveOutcome
from app.core.app_secret import (
    MAX_PREVIOUS_SIGNING_KEYS,
    MIN_CONSUMER_KEY_LENGTH,
    MIN_GENERATED_LENGTH,
    PREVIOUS_SIGNING_KEYS,
    AppSecretSource,
    looks_like_placeholder,
)
from app.core.errors import BootstrapRefused, KeysNotProven, RotationRefused
from app.core.x import XClient
from app.flows.rotation import prove_consumer_keys

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bootstrapped:
    outcome: SaveOutcome
    # Set when a new admin token was generated: shown to the operator once, never stored here.
    admin_token: str | None
    # The app secret existed before this run (its token and key were kept or replaced).
    existed: bool


def bootstrap_app_secret(
    *,
    app_secret_id: str,
    source: AppSecretSource,
    consumer_key: str,
    consumer_secret: str,
    prove_with: XClient | None,
    rotate: bool = False,
    revoke_links: bool = False,
) -> Bootstrapped:
    """Check the keys, prove them at X (unless `prove_with` is None), write the app secret."""
    if not consumer_key or not consumer_secret:
        raise BootstrapRefused("The consumer key and secret are both needed.")
    if revoke_links and not rotate:
        raise BootstrapRefused("Revoking the links goes with rotating the signing key.")
    for what, typed in (("consumer key", consumer_key), ("consumer secret", consumer_secret)):
        if looks_like_placeholder(typed, min_length=MIN_CONSUMER_KEY_LENGTH):
            raise BootstrapRefused(
                f"The {what} looks like a placeholder (or is cut short): paste the one X shows "
                "for the app (Keys and tokens). Nothing was written."
            )
    if prove_with is not None:
        # Refused (wrong keys) or unreachable alike: nothing is written without proof.
        try:
            prove_consumer_keys(prove_with)
        except RotationRefused as exc:
            raise KeysNotProven(exc.message) from exc
    existing = source.read_app_secret(app_secret_id) or {}
    # Only values the service would accept are kept or carried forward (it refuses short ones).
    keep = not rotate and all(
        _acceptable(existing.get(key)) for key in ("admin_token", "signing_key")
    )
    admin_token = str(existing["admin_token"]) if keep else secrets.token_urlsafe(32)
    value: dict[str, Any] = {
        "consumer_key": consumer_key,
        "consumer_secret": consumer_secret,
        "admin_token": admin_token,
        "signing_key": str(existing["signing_key"]) if keep else secrets.token_urlsafe(48),
        PREVIOUS_SIGNING_KEYS: previous_signing_keys(existing, rotate=rotate, revoke=revoke_links),
    }
    outcome = source.write_app_secret(app_secret_id, value)
    log.info("app secret %s %s", app_secret_id, outcome.value)
    return Bootstrapped(
        outcome=outcome, admin_token=None if keep else admin_token, existed=bool(existing)
    )


def _acceptable(key: object) -> bool:
    return isinstance(key, str) and not looks_like_placeholder(key, min_length=MIN_GENERATED_LENGTH)


def previous_signing_keys(existing: dict[str, Any], *, rotate: bool, revoke: bool) -> list[str]:
    """Newest first, at most MAX_PREVIOUS_SIGNING_KEYS: each rotation pushes the old key."""
    # Only keys the service would accept (it refuses short ones) are carried forward.
    kept = [str(k) for k in existing.get(PREVIOUS_SIGNING_KEYS) or [] if _acceptable(k)]
    if revoke:
        return []
    if rotate and _acceptable(existing.get("signing_key")):
        kept = [str(existing["signing_key"]), *kept]
    return kept[:MAX_PREVIOUS_SIGNING_KEYS]
