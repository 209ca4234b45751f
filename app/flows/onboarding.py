"""The onboarding flow: invite → request token → (owner at X) → access token → stored secret."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from app.adapters.secrets_manager import AccountStore, SaveOutcome
from app.adapters.x_client import AuthorizedAccount, TokenPair, XClient
from app.app_secret import AppSecret
from app.errors import (
    AccountMismatch,
    BirdhouseError,
    OnboardingSessionError,
    StoreUnavailable,
    XError,
    XRateLimited,
    XRejected,
)
from app.flows.invites import read_invite
from birdhouse_client.layout import AccountSecret, same_account_name

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OnboardingState:
    """What the callback needs from the start: the request token and whom the invite names."""

    request_token: TokenPair
    expected_screen_name: str | None

    @property
    def oauth_token(self) -> str:
        return self.request_token.token


@dataclass(frozen=True)
class OnboardingStart:
    authorize_url: str
    state: OnboardingState


@dataclass(frozen=True)
class ConnectedAccount:
    screen_name: str
    user_id: str
    outcome: SaveOutcome


def start_onboarding(
    *, invite_token: str, app_secret: AppSecret, x_client: XClient, callback_url: str
) -> OnboardingStart:
    """Check the invite before anything reaches X, then get a request token."""
    invite = read_invite(invite_token, signing_key=app_secret.signing_key)
    try:
        request_token = x_client.fetch_request_token(callback_url=callback_url)
    except XRateLimited:
        raise
    except XRejected as exc:
        # The owner can't fix this: the consumer keys are wrong or the callback isn't registered.
        log.error("X refused a request token (%s): %s", exc.x_status, exc.x_body)
        raise XRejected(
            "X refused to start the authorization. This is a setup problem on our side, not yours.",
            x_status=exc.x_status,
            hint="Let the person who sent you the link know; they need to check the X app's "
            "keys and that its callback URL is registered.",
        ) from exc
    log.info("onboarding started (expecting %s)", _describe(invite.screen_name))
    return OnboardingStart(
        authorize_url=x_client.authorize_url(
            oauth_token=request_token.token, screen_name=invite.screen_name
        ),
        state=OnboardingState(request_token=request_token, expected_screen_name=invite.screen_name),
    )


def complete_onboarding(
    *,
    state: OnboardingState,
    verifier: str,
    app_secret: AppSecret,
    x_client: XClient,
    store: AccountStore,
) -> ConnectedAccount:
    """Exchange the verifier, refuse the wrong account, store the secret."""
    try:
        access = x_client.fetch_access_token(state.request_token, verifier=verifier)
    except XRateLimited:
        raise  # reloading the page later can still complete this authorization
    except XRejected as exc:
        log.warning("X refused the access token exchange (%s)", exc.x_status)
        raise OnboardingSessionError(
            "X did not accept this authorization. It may have been completed already, "
            "or it took too long.",
            hint="Open your invite link again to start over.",
        ) from exc

    expected = state.expected_screen_name
    if expected and not same_account_name(expected, access.screen_name):
        log.warning("refused @%s: the invite is for @%s", access.screen_name, expected)
        _discard_unwanted_token(access, x_client=x_client, store=store)
        raise AccountMismatch(
            f"This link is for @{expected}, but you authorized @{access.screen_name}. "
            "Nothing was saved.",
            hint=f"Open the link again and log in to X as @{expected}.",
        )

    account = AccountSecret(
        screen_name=access.screen_name,
        user_id=access.user_id,
        authorized_at=datetime.now(UTC).replace(microsecond=0).isoformat(),
        consumer_key=app_secret.consumer_key,
        consumer_secret=app_secret.consumer_secret,
        access_token=access.tokens.token,
        access_token_secret=access.tokens.secret,
    )
    try:
        outcome = store.save_account(account)
    except StoreUnavailable as exc:
        # Usually nothing was written; if only the answer was lost, the secret is complete
        # (Secrets Manager writes whole values), and onboarding again just rewrites it.
        raise StoreUnavailable(
            "X authorized the account, but Birdhouse could not confirm that it saved the keys, "
            "so the account is not connected yet.",
            hint="Wait a minute, then open your invite link again; doing so is safe.",
        ) from exc
    log.info("connected @%s (user id %s, %s)", account.screen_name, account.user_id, outcome.value)
    return ConnectedAccount(
        screen_name=account.screen_name, user_id=account.user_id, outcome=outcome
    )


def _discard_unwanted_token(
    access: AuthorizedAccount, *, x_client: XClient, store: AccountStore
) -> None:
    """Best effort: revoke the token just issued for the wrong account.

    X hands out the same token each time one account authorizes one app, so if that account
    is already onboarded here, revoking would cut off a working bot: leave it then.
    """
    try:
        existing = store.get_account(access.screen_name)
        if existing is not None and existing.access_token == access.tokens.token:
            log.info("kept the token of @%s: it is already onboarded", access.screen_name)
            return
        x_client.invalidate_token(access.tokens)
        log.info("revoked the token issued for @%s", access.screen_name)
    except BirdhouseError as exc:
        # XError and StoreUnavailable both land here; the refusal stands either way.
        kind = "X" if isinstance(exc, XError) else "store"
        log.warning("could not revoke the token issued for @%s (%s)", access.screen_name, kind)


def _describe(screen_name: str | None) -> str:
    return f"@{screen_name}" if screen_name else "any account"
