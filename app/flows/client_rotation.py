"""OAuth 2.0 client secret rotation: the new secret proven at X, written to the app secret,
then into every OAuth 2.0 account's secret (bot jobs refresh with it).

Resumable like the consumer-key rotation: the app secret is written only when it differs,
accounts already on the new client are skipped, each rewrite is one PutSecretValue. Users'
tokens are the client's, not the secret's: they keep working.
"""

import logging
from dataclasses import dataclass, field, replace
from typing import Any

import birdhouse_client.single_writer as single_writer
from app.core.accounts import AccountStore
from app.core.app_secret import AppSecretSource, looks_like_placeholder
from app.core.errors import BirdhouseError, RotationRefused, XError
from app.core.oauth2 import OAuth2Client, RefreshLease
from app.flows.refresh import StoreSecrets, utc_now
from birdhouse_client.layout import KIND_OAUTH2, OAuth2AccountSecret

log = logging.getLogger(__name__)

# X's OAuth 2.0 client ids are 34 characters and secrets 50.
_MIN_LENGTH = 16
# Revoking a token X never issued: RFC 7009's 200 when the client is authentic, 401 if not.
_PROOF_TOKEN = "birdhouse-proves-the-client"  # noqa: S105 (not a secret: a probe)


@dataclass
class ClientRotation:
    app_secret_written: bool
    rewritten: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)


def prove_client(client: OAuth2Client) -> None:
    """X accepts this client id and secret, or nothing is written."""
    try:
        client.revoke(_PROOF_TOKEN)
    except XError as exc:
        raise RotationRefused(
            f"X did not accept the OAuth 2.0 client id and secret ({exc.message}). Nothing was "
            "written."
        ) from exc


def rotate_client_secret(
    *,
    client_id: str,
    client_secret: str,
    app_secret_id: str,
    source: AppSecretSource,
    store: AccountStore,
    client: OAuth2Client,
    lease: RefreshLease,
) -> ClientRotation:
    """Prove, write the app secret, rewrite every OAuth 2.0 account's client, each under its
    refresh lease (a refresh racing the rewrite would otherwise lose its new pair)."""
    for name, value in (("client id", client_id), ("client secret", client_secret)):
        if looks_like_placeholder(value, min_length=_MIN_LENGTH):
            raise RotationRefused(
                f"The {name} looks like a placeholder: paste the one X shows (Keys and tokens, "
                "OAuth 2.0 Client ID and Client Secret). Nothing was written."
            )
    prove_client(client)
    existing: dict[str, Any] = source.read_app_secret(app_secret_id) or {}
    if not existing:
        raise RotationRefused(f"The app secret {app_secret_id!r} does not exist: run bootstrap.")
    written = (existing.get("client_id"), existing.get("client_secret")) != (
        client_id,
        client_secret,
    )
    if written:
        source.write_app_secret(
            app_secret_id, {**existing, "client_id": client_id, "client_secret": client_secret}
        )
    rotation = ClientRotation(app_secret_written=written)
    names = sorted(
        (a.screen_name for a in store.list_accounts() if a.kind == KIND_OAUTH2), key=str.lower
    )

    def new_client(account: OAuth2AccountSecret) -> OAuth2AccountSecret:
        return replace(account, client_id=client_id, client_secret=client_secret)

    for done, name in enumerate(names):
        try:
            changed = single_writer.rewrite_holding_the_lease(
                name,
                new_client,
                secrets_io=StoreSecrets(store),
                lease=lease,
                now=utc_now,
            )
        except (BirdhouseError, single_writer.RefreshBusy) as exc:
            why = exc.message if isinstance(exc, BirdhouseError) else str(exc)
            raise RotationRefused(
                f"Rewriting @{name} failed ({why}); {done} of {len(names)} accounts are done, "
                "none is half-written. Run the command again to finish."
            ) from exc
        (rotation.rewritten if changed else rotation.already).append(name)
    log.info("client secret rotated; %d account(s) rewritten", len(rotation.rewritten))
    return rotation
