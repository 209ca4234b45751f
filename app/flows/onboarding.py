"""The onboarding flow: invite → request token → (owner at X) → access token → stored secret.

An account is its X user id, not its screen name: names change and are freed for others. The
callback refuses a name that now belongs to a different user, moves a renamed bot's secret to its
new name, and claims the invite (single use) only once every check has passed.
"""

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from app.core.accounts import AccountStore, SaveOutcome
from app.core.app_secret import AppSecret, AppSecretRefresher
from app.core.deadline import (
    CLAIM_SAVE_RELEASE_SECONDS,
    MIN_X_CALL_SECONDS,
    ONE_LEDGER_CALL_SECONDS,
    Deadline,
    current_deadline,
    deadline_scope,
)
from app.core.errors import (
    AccountMismatch,
    BirdhouseError,
    LedgerUnavailable,
    OAuth2NotConfigured,
    OnboardingSessionError,
    ScreenNameTaken,
    StoreUnavailable,
    XError,
    XRateLimited,
    XRejected,
    XTimeout,
    XUnavailable,
)
from app.core.events import ACCOUNT_CONNECTED, EventPublisher
from app.core.invites import InviteLedger, InviteRecord
from app.core.oauth2 import (
    Authorized2,
    Grant,
    OAuth2Client,
    code_challenge,
    code_verifier,
    key_id,
)
from app.core.x import AuthorizedAccount, TokenPair, XClient
from app.flows.invites import open_invite, read_invite_id
from birdhouse_client.layout import (
    KIND_OAUTH2,
    STATUS_OK,
    STATUS_READ_ONLY,
    AccountSecret,
    AccountSummary,
    OAuth2AccountSecret,
    StoredAccount,
    same_account_name,
    utc_timestamp,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OnboardingState:
    """What the callback needs from the start: the request token, the invite, whom it names."""

    request_token: TokenPair
    expected_screen_name: str | None
    # Set when the invite re-connects a known account: only that X user may complete it.
    expected_user_id: str | None = None
    # The ledger record to claim; None for the operator's PIN flow, which has no invite.
    invite_id: str | None = None

    @property
    def oauth_token(self) -> str:
        return self.request_token.token


@dataclass(frozen=True)
class OAuth2OnboardingState:
    """What the OAuth 2.0 callback needs from the start. The PKCE verifier is not here: it is
    derived from `state` with the signing key named by `key_id`, and never leaves Birdhouse."""

    state: str
    key_id: str
    expected_screen_name: str | None
    expected_user_id: str | None = None
    invite_id: str | None = None

    @property
    def oauth_token(self) -> str:
        """What the cookie and the ledger's spent-state note are keyed by (as for OAuth 1.0a)."""
        return self.state


@dataclass(frozen=True)
class OnboardingStart:
    authorize_url: str
    state: OnboardingState


@dataclass(frozen=True)
class OAuth2Start:
    authorize_url: str
    state: OAuth2OnboardingState


@dataclass(frozen=True)
class ConnectedAccount:
    screen_name: str
    user_id: str
    outcome: SaveOutcome
    # The bot was renamed at X: its keys moved from this name.
    moved_from: str | None = None
    access_level: str | None = None

    @property
    def read_only(self) -> bool:
        return self.access_level == "read"


def start_onboarding(
    *,
    invite_token: str,
    app_secret: AppSecret,
    x_client: XClient,
    ledger: InviteLedger,
    callback_url: str,
    refresh_app_secret: AppSecretRefresher | None = None,
    oauth2: OAuth2Client | None = None,
) -> OnboardingStart | OAuth2Start:
    """Check the invite (signature, then the ledger) before anything reaches X.

    When X refuses the app's own keys, `refresh_app_secret` reads the app secret again: the
    keys may have been rotated since this container read them, and the owner's next try works.
    An OAuth 2.0 invite goes to X's OAuth 2.0 authorize page instead (`oauth2`).
    """
    invite_id = read_invite_id(invite_token, signing_key=app_secret.signing_keys)
    invite = open_invite(invite_id, ledger=ledger)
    if invite.auth == KIND_OAUTH2:
        return _start_oauth2(
            invite, app_secret=app_secret, oauth2=oauth2, callback_url=callback_url
        )
    try:
        request_token = x_client.fetch_request_token(callback_url=callback_url)
    except XRateLimited:
        raise
    except XRejected as exc:
        # The owner can't fix this: the consumer keys are wrong or the callback isn't registered.
        log.error("X refused a request token (%s): %s", exc.x_status, exc.x_body)
        if exc.x_status == 401 and refresh_app_secret is not None:
            _refresh(refresh_app_secret)
        raise XRejected(
            "X refused to start the authorization. This is a setup problem on our side, not yours.",
            x_status=exc.x_status,
            hint="Let the person who sent you the link know; they need to check the X app's "
            "keys and that its callback URL is registered.",
        ) from exc
    log.info("onboarding started for invite %s (%s)", invite.id, _describe(invite.screen_name))
    return OnboardingStart(
        authorize_url=x_client.authorize_url(
            oauth_token=request_token.token, screen_name=invite.screen_name
        ),
        state=OnboardingState(
            request_token=request_token,
            expected_screen_name=invite.screen_name,
            expected_user_id=invite.user_id,
            invite_id=invite.id,
        ),
    )


def _start_oauth2(
    invite: InviteRecord, *, app_secret: AppSecret, oauth2: OAuth2Client | None, callback_url: str
) -> OAuth2Start:
    """PKCE S256 with a verifier derived from a fresh state (see OAuth2OnboardingState)."""
    if oauth2 is None:
        log.error("invite %s asks for OAuth 2.0; the app secret has no client_id", invite.id)
        raise OAuth2NotConfigured(
            "This link asks for an OAuth 2.0 authorization, which is not set up here yet.",
            hint="Tell the person who sent you the link; nothing you do here can fix it.",
        )
    state = OAuth2OnboardingState(
        state=secrets.token_urlsafe(24),
        key_id=key_id(app_secret.signing_key),
        expected_screen_name=invite.screen_name,
        expected_user_id=invite.user_id,
        invite_id=invite.id,
    )
    verifier = code_verifier(state.state, signing_key=app_secret.signing_key)
    log.info(
        "OAuth 2.0 onboarding started for invite %s (%s)", invite.id, _describe(invite.screen_name)
    )
    return OAuth2Start(
        authorize_url=oauth2.authorize_url(
            state=state.state,
            code_challenge=code_challenge(verifier),
            redirect_uri=callback_url,
            screen_name=invite.screen_name,
        ),
        state=state,
    )


def start_pin_onboarding(*, x_client: XClient, screen_name: str | None) -> OnboardingStart:
    """The operator's PIN flow: an `oob` request token, and the link to authorize it at X."""
    request_token = x_client.fetch_request_token(callback_url="oob")
    return OnboardingStart(
        authorize_url=x_client.authorize_url(
            oauth_token=request_token.token, screen_name=screen_name
        ),
        state=OnboardingState(request_token=request_token, expected_screen_name=screen_name),
    )


def complete_pin_onboarding(
    *,
    state: OnboardingState,
    pin: str,
    app_secret: AppSecret,
    x_client: XClient,
    store: AccountStore,
    events: EventPublisher,
    recovery_window_days: int,
) -> ConnectedAccount:
    """The PIN X showed is the verifier; every rule of the browser flow applies, no invite."""
    if not pin.strip():
        raise OnboardingSessionError("The PIN is what X shows after you authorize.")
    try:
        return complete_onboarding(
            state=state,
            verifier=pin.strip(),
            app_secret=app_secret,
            x_client=x_client,
            store=store,
            ledger=None,  # the operator's own run: no invite to claim
            events=events,
            recovery_window_days=recovery_window_days,
        )
    except OnboardingSessionError as exc:
        raise OnboardingSessionError("X did not accept that PIN; run the command again.") from exc


# What either token exchange answers: the tokens, and who authorized.
Authorized = AuthorizedAccount | Authorized2
# Revokes the tokens X just issued for an account Birdhouse refuses (best effort).
Revoke = Callable[[Authorized], None]


def complete_onboarding(
    *,
    state: OnboardingState,
    verifier: str,
    app_secret: AppSecret,
    x_client: XClient,
    store: AccountStore,
    ledger: InviteLedger | None,
    events: EventPublisher,
    recovery_window_days: int = 7,
) -> ConnectedAccount:
    """Exchange the verifier, refuse the wrong account, claim the invite, store the secret,
    and announce it ("Account connected")."""

    def account_secret(access: Authorized, authorized_at: str) -> StoredAccount:
        assert isinstance(access.tokens, TokenPair)
        return AccountSecret(
            screen_name=access.screen_name,
            user_id=access.user_id,
            authorized_at=authorized_at,
            consumer_key=app_secret.consumer_key,
            consumer_secret=app_secret.consumer_secret,
            access_token=access.tokens.token,
            access_token_secret=access.tokens.secret,
        )

    return _finish(
        state=state,
        exchange=lambda: x_client.fetch_access_token(state.request_token, verifier=verifier),
        revoke=lambda access: x_client.invalidate_token(_token_pair(access)),
        account_secret=account_secret,
        store=store,
        ledger=ledger,
        events=events,
        recovery_window_days=recovery_window_days,
    )


def complete_oauth2_onboarding(
    *,
    state: OAuth2OnboardingState,
    code: str,
    code_verifier: str,
    redirect_uri: str,
    app_secret: AppSecret,
    oauth2: OAuth2Client,
    store: AccountStore,
    ledger: InviteLedger | None,
    events: EventPublisher,
    recovery_window_days: int = 7,
) -> ConnectedAccount:
    """The OAuth 2.0 callback: exchange the code (PKCE, HTTP Basic), ask X who authorized
    (/2/users/me), then every rule the OAuth 1.0a callback has."""

    def exchange() -> Authorized:
        grant = oauth2.exchange_code(
            code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
        )
        try:
            user = oauth2.get_me(grant.access_token)
        except XError as exc:
            _revoke_grant(oauth2, grant)  # live tokens nobody would hold
            raise XUnavailable(
                "X authorized an account but could not say which; nothing was saved."
            ) from exc
        return Authorized2(
            tokens=grant,
            user_id=user.user_id,
            screen_name=user.screen_name,
            access_level=user.access_level,
        )

    def account_secret(access: Authorized, authorized_at: str) -> StoredAccount:
        grant = access.tokens
        assert isinstance(grant, Grant)
        assert app_secret.client_id
        assert app_secret.client_secret
        return OAuth2AccountSecret(
            screen_name=access.screen_name,
            user_id=access.user_id,
            authorized_at=authorized_at,
            client_id=app_secret.client_id,
            client_secret=app_secret.client_secret,
            access_token=grant.access_token,
            refresh_token=grant.refresh_token,
            expires_at=utc_timestamp(grant.expires_at(datetime.fromisoformat(authorized_at))),
            scopes=grant.scopes,
        )

    def revoke(access: Authorized) -> None:
        assert isinstance(access.tokens, Grant)
        _revoke_grant(oauth2, access.tokens)

    return _finish(
        state=state,
        exchange=exchange,
        revoke=revoke,
        account_secret=account_secret,
        store=store,
        ledger=ledger,
        events=events,
        recovery_window_days=recovery_window_days,
    )


def _finish(
    *,
    state: "OnboardingState | OAuth2OnboardingState",
    exchange: Callable[[], Authorized],
    revoke: Revoke,
    account_secret: Callable[[Authorized, str], StoredAccount],
    store: AccountStore,
    ledger: InviteLedger | None,
    events: EventPublisher,
    recovery_window_days: int,
) -> ConnectedAccount:
    """Both callbacks' rules, whichever OAuth issued the tokens.

    An invite's state buys one token exchange: a replayed callback is refused before X is
    asked. When X did not take the verifier or code (down, slow, rate-limited), the state is
    given back, so reloading the page can still complete the authorization.
    """
    if state.invite_id and ledger is not None:
        # Before the state is spent and X issues a token nobody could store in time.
        _refuse_without_time_to_save(plus=MIN_X_CALL_SECONDS)
        _spend_state(ledger, state)
    try:
        access = exchange()
    except (XRateLimited, XUnavailable, XTimeout):
        if state.invite_id and ledger is not None:
            _give_back_state(ledger, state)
        raise  # reloading the page later can still complete this authorization
    except XRejected as exc:
        log.warning("X refused the token exchange (%s)", exc.x_status)
        raise OnboardingSessionError(
            "X did not accept this authorization. It may have been completed already, "
            "or it took too long.",
            hint="Open your invite link again to start over.",
        ) from exc

    try:
        _refuse_another_account(state, access, revoke=revoke, store=store)
        previous = _previous_name(access, store=store)
    except StoreUnavailable as exc:
        raise StoreUnavailable(
            "X authorized the account, but Birdhouse could not reach its storage to check it, "
            "so nothing was saved.",
            hint="Wait a minute, then open your invite link again.",
        ) from exc

    claim_id = secrets.token_hex(8)
    if state.invite_id and ledger is not None:
        _refuse_without_time_to_save()
        try:
            ledger.claim(
                state.invite_id,
                claim_id=claim_id,
                screen_name=access.screen_name,
                user_id=access.user_id,
                now=datetime.now(UTC),
            )
        except LedgerUnavailable:
            _release(ledger, state.invite_id, claim_id)  # in case the write went through
            raise
        except BirdhouseError:
            # Lost to another callback, or withdrawn meanwhile: this token will not be stored
            # here (the clean-up keeps it if a stored account uses it). A callback of the same
            # X user won: X issued it the same token, which that callback is saving now.
            if not _claimed_by_user(ledger, state.invite_id, access.user_id):
                _discard_unwanted_token(access, revoke=revoke, store=store)
            raise
    account = account_secret(access, utc_timestamp(datetime.now(UTC)))
    claimed = bool(state.invite_id and ledger is not None)
    # A claim's release keeps its own time: the save may not spend it.
    reserve = ONE_LEDGER_CALL_SECONDS if claimed else 0.0
    try:
        with deadline_scope(_less(current_deadline(), reserve)):
            outcome = store.save_account(account)
    except StoreUnavailable as exc:
        released = True
        if state.invite_id and ledger is not None:
            released = _release(ledger, state.invite_id, claim_id)
        # Usually nothing was written; if only the answer was lost, the secret is complete
        # (Secrets Manager writes whole values), and onboarding again just rewrites it.
        if not released:
            raise StoreUnavailable(
                "X authorized the account, but Birdhouse could not confirm that it saved the "
                "keys, and the link may now count as used.",
                hint="Ask the person who sent you the link for a new one.",
            ) from exc
        raise StoreUnavailable(
            "X authorized the account, but Birdhouse could not confirm that it saved the keys, "
            "so the account is not connected yet.",
            hint="Wait a minute, then open your invite link again; doing so is safe.",
        ) from exc
    if previous is not None:
        _retire_old_name(previous, account, store=store, recovery_window_days=recovery_window_days)
    if access.access_level:
        store.record_check(
            account.screen_name,
            status=STATUS_READ_ONLY if access.access_level == "read" else STATUS_OK,
            access_level=access.access_level,
            checked_at=account.authorized_at,
        )
    log.info("connected @%s (user id %s, %s)", account.screen_name, account.user_id, outcome.value)
    connected = ConnectedAccount(
        screen_name=account.screen_name,
        user_id=account.user_id,
        outcome=outcome,
        moved_from=previous.screen_name if previous else None,
        access_level=access.access_level,
    )
    events.publish(
        ACCOUNT_CONNECTED,
        {
            "screen_name": connected.screen_name,
            "user_id": connected.user_id,
            "status": STATUS_READ_ONLY if connected.read_only else STATUS_OK,
            "access_level": connected.access_level,
        },
    )
    return connected


def _refuse_another_account(
    state: "OnboardingState | OAuth2OnboardingState",
    access: Authorized,
    *,
    revoke: Revoke,
    store: AccountStore,
) -> None:
    """The invite's account, and a name that still belongs to the user stored under it."""
    expected = state.expected_screen_name
    # An invite bound to a user id re-connects that X user whatever its name is now (a renamed
    # bot); one bound to a name only wants that name.
    if (
        not state.expected_user_id
        and expected
        and not same_account_name(expected, access.screen_name)
    ):
        log.warning("refused @%s: the invite is for @%s", access.screen_name, expected)
        _discard_unwanted_token(access, revoke=revoke, store=store)
        raise AccountMismatch(
            f"This link is for @{expected}, but you authorized @{access.screen_name}. "
            "Nothing was saved.",
            hint=f"Open the link again and log in to X as @{expected}.",
        )
    if state.expected_user_id and state.expected_user_id != access.user_id:
        log.warning(
            "refused user %s (@%s): the invite re-connects user %s",
            access.user_id,
            access.screen_name,
            state.expected_user_id,
        )
        _discard_unwanted_token(access, revoke=revoke, store=store)
        raise AccountMismatch(
            f"This link re-connects the account that was @{expected or access.screen_name} "
            f"here, but @{access.screen_name} is now a different X account. Nothing was saved.",
            hint="Ask the person who sent the link: the name may have changed hands at X.",
        )
    stored = store.get_account(access.screen_name)
    if stored is not None and stored.user_id and stored.user_id != access.user_id:
        detail = (
            f"X user {access.user_id} tried to connect as @{access.screen_name} at "
            f"{datetime.now(UTC).replace(microsecond=0).isoformat()}"
        )
        log.warning(
            "refused user %s: @%s is stored here for user %s (the name changed hands)",
            access.user_id,
            access.screen_name,
            stored.user_id,
        )
        store.note_name_conflict(stored.screen_name, detail=detail)
        _discard_unwanted_token(access, revoke=revoke, store=store)
        raise ScreenNameTaken(
            f"@{access.screen_name} is connected here as a different X account (user id "
            f"{stored.user_id}); you authorized user id {access.user_id}, which holds that "
            "name now. Nothing was saved, and the stored account is unchanged.",
            hint="Tell the person who sent you the link; they can check which account is which.",
        )


def _previous_name(access: Authorized, *, store: AccountStore) -> AccountSummary | None:
    """The stored account of this X user under another name: the bot was renamed."""
    found = store.find_by_user_id(access.user_id)
    if found is None or same_account_name(found.screen_name, access.screen_name):
        return None
    log.info(
        "user %s was @%s and is now @%s", access.user_id, found.screen_name, access.screen_name
    )
    return found


def _retire_old_name(
    previous: AccountSummary,
    account: StoredAccount,
    *,
    store: AccountStore,
    recovery_window_days: int,
) -> None:
    """The new secret is written; the old one goes, restorable, tagged with where it went."""
    try:
        store.schedule_deletion(
            previous.screen_name,
            recovery_window_days=recovery_window_days,
            moved_to=account.screen_name,
        )
    except StoreUnavailable:
        # The old name may still be live (its value a tombstone, or still the same keys);
        # the account's next onboarding finds it by user id and retires it again. Never fail
        # the owner's page for it.
        log.warning("could not retire @%s after its move", previous.screen_name)


def _refresh(refresh_app_secret: AppSecretRefresher) -> None:
    try:
        refresh_app_secret()
    except BirdhouseError:
        log.warning("could not re-read the app secret after X refused its keys")


def _spend_state(ledger: InviteLedger, state: "OnboardingState | OAuth2OnboardingState") -> None:
    assert state.invite_id is not None
    if not ledger.spend_state(
        state.invite_id, oauth_token=state.oauth_token, now=datetime.now(UTC)
    ):
        log.warning("invite %s: a callback came again with a spent state", state.invite_id)
        raise OnboardingSessionError(
            "This authorization was already sent back to Birdhouse once, so it can't be used "
            "again. Nothing was saved this time.",
            hint="Open your invite link again to start over.",
        )


def _give_back_state(
    ledger: InviteLedger, state: "OnboardingState | OAuth2OnboardingState"
) -> None:
    assert state.invite_id is not None
    try:
        ledger.return_state(state.invite_id, oauth_token=state.oauth_token)
    except BirdhouseError:
        log.warning("invite %s: could not give the callback's state back", state.invite_id)


def _refuse_without_time_to_save(*, plus: float = 0.0) -> None:
    """Claim the invite only if the save, and the release should it fail, fit the request
    (and, before X is asked, with time for X's answer too)."""
    deadline = current_deadline()
    if deadline is None or deadline.remaining() >= CLAIM_SAVE_RELEASE_SECONDS + plus:
        return
    log.warning("not claiming: %.2fs left, too little to save and release", deadline.remaining())
    raise StoreUnavailable(
        "X authorized the account, but too little time was left to save its keys safely, so "
        "nothing was saved and your link still works.",
        hint="Open your invite link again.",
    )


def _less(deadline: Deadline | None, seconds: float) -> Deadline | None:
    return None if deadline is None else replace(deadline, at=deadline.at - seconds)


def _release(ledger: InviteLedger, invite_id: str, claim_id: str) -> bool:
    """Undo our claim; False if that failed (the invite then stays used)."""
    try:
        ledger.release(invite_id, claim_id=claim_id)
    except BirdhouseError:
        log.error("invite %s stays used although its account was not stored", invite_id)
        return False
    return True


def _claimed_by_user(ledger: InviteLedger, invite_id: str, user_id: str) -> bool:
    try:
        record = ledger.get(invite_id)
    except BirdhouseError:
        return True  # can't tell who won: keeping a token is safer than killing a live bot
    return record is not None and record.connected_user_id == user_id


def _discard_unwanted_token(access: Authorized, *, revoke: Revoke, store: AccountStore) -> None:
    """Best effort: revoke the token just issued for an account we refuse.

    X hands out the same token each time one account authorizes one app, so if any stored
    account holds this token, it is the one its bot uses: never revoke it then. Decided by the
    token itself, not by tags: a secret without the user-id tag (written before tags, or whose
    tagging failed) is read and compared too.
    """
    try:
        if _stored_somewhere(access, store):
            log.info("kept the token of user %s: a stored account uses it", access.user_id)
            return
        revoke(access)
        log.info("revoked the token issued for @%s", access.screen_name)
    except BirdhouseError as exc:
        # XError and StoreUnavailable both land here; the refusal stands either way.
        kind = "X" if isinstance(exc, XError) else "store"
        log.warning("could not revoke the token issued for @%s (%s)", access.screen_name, kind)


def _stored_somewhere(access: Authorized, store: AccountStore) -> bool:
    names = {access.screen_name}
    found = store.find_by_user_id(access.user_id)
    if found is not None:
        names.add(found.screen_name)
    else:
        # Untagged secrets are invisible to the search by user id: compare their tokens.
        names.update(a.screen_name for a in store.list_accounts() if not a.user_id)
    for name in names:
        account = store.get_account(name)
        if account is not None and account.access_token == _access_token(access):
            return True
    return False


def _access_token(access: Authorized) -> str:
    tokens = access.tokens
    return tokens.token if isinstance(tokens, TokenPair) else tokens.access_token


def _token_pair(access: Authorized) -> TokenPair:
    assert isinstance(access.tokens, TokenPair)
    return access.tokens


def _revoke_grant(oauth2: OAuth2Client, grant: Grant) -> None:
    """Revoke both tokens of a grant (the refresh token first: it is the family's root)."""
    try:
        oauth2.revoke(grant.refresh_token)
        oauth2.revoke(grant.access_token)
    except XError:
        log.warning("could not revoke an OAuth 2.0 grant nobody will store")


def _describe(screen_name: str | None) -> str:
    return f"@{screen_name}" if screen_name else "any account"
