"""The pretend X's OAuth 2.0, as X documents it, and as strict as the strictest provider.

Authorization code with PKCE: the authorize page (log in as any username, Authorize or
Cancel), codes bound to the client, the redirect URI and an S256 challenge, used once. The
token endpoint wants HTTP Basic client authentication (a confidential client), issues access
tokens that last two hours (by the stand-in's clock, which tests move) and, with
`offline.access`, refresh tokens that are single use and rotate. Presenting a spent refresh
token revokes its whole family (every token descended from one authorization), so a race
between two refreshers is visible: the loser gets invalid_grant and the winner's new token dies.
"""

import base64
import hashlib
import itertools
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.responses import Response

from app.sandbox.x_standin.answers import Refused, Route, form_fields, with_query
from app.sandbox.x_standin.authorize import render_authorize_page, valid_username
from app.sandbox.x_standin.state import StandinAccount, StandinState

ACCESS_TOKEN_SECONDS = 7200
AUTHORIZE_PATH = "/i/oauth2/authorize"
_CODE_SECONDS = 30
_SCOPES = {"tweet.read", "tweet.write", "users.read", "offline.access", "media.write"}


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scopes: tuple[str, ...]
    account: StandinAccount
    issued_at: float


@dataclass
class _Family:
    """Every token descended from one authorization."""

    id: int
    account: StandinAccount
    client_id: str
    scopes: tuple[str, ...]
    revoked: bool = False


@dataclass
class _Access:
    family: _Family
    expires_at: float


@dataclass
class _Refresh:
    family: _Family
    spent: bool = False


@dataclass
class OAuth2Record:
    """What tests read: each refresh's time and outcome, and every token handed out."""

    refreshes: list[tuple[float, int]] = field(default_factory=list)
    invalid_grants: int = 0
    reuse_revocations: int = 0
    issued: list[str] = field(default_factory=list)


def _unauthorized() -> Refused:
    return Refused(401, {"title": "Unauthorized", "type": "about:blank", "status": 401})


def _oauth_error(error: str, description: str, status: int = 400) -> Refused:
    return Refused(status, {"error": error, "error_description": description})


class OAuth2Standin:
    """OAuth 2.0 state and endpoints: clients (id → secret), codes, token families."""

    def __init__(
        self,
        state: StandinState,
        *,
        clients: dict[str, str],
        clock: Callable[[], float] = time.time,
        sandbox_banner: bool = False,
    ) -> None:
        self._state = state
        self.clients = dict(clients)
        self.clock = clock
        self.record = OAuth2Record()
        self._sandbox = sandbox_banner
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _Access] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._families = itertools.count(1)
        self._lock = threading.Lock()
        self.routes = (
            Route("GET", AUTHORIZE_PATH, "oauth2_authorize", self.page),
            Route("POST", AUTHORIZE_PATH, "oauth2_authorize", self.decision),
            Route("POST", "/2/oauth2/token", "oauth2_token", self.token),
            Route("POST", "/2/oauth2/revoke", "oauth2_revoke", self.revoke),
        )

    # --- the owner's browser ---------------------------------------------------------

    async def page(self, request: Request) -> Response:
        query = dict(request.query_params)
        problem = self._request_problem(query)
        if problem:
            return render_authorize_page(problem, sandbox=self._sandbox, status=400)
        return render_authorize_page(
            "Authorize app",
            sandbox=self._sandbox,
            hidden={key: query[key] for key in sorted(query)},
            scopes=query.get("scope", ""),
            force_login=True,
        )

    async def decision(self, request: Request) -> Response:
        form = await form_fields(request)
        query = {k: v for k, v in form.items() if k not in ("action", "screen_name")}
        problem = self._request_problem(query)
        if problem:
            return render_authorize_page(problem, sandbox=self._sandbox, status=400)
        if form.get("action") == "cancel":
            return RedirectResponse(self.deny(query), status_code=302)
        screen_name = str(form.get("screen_name", "")).strip().removeprefix("@")
        if not valid_username(screen_name):
            return render_authorize_page(
                "Authorize app",
                sandbox=self._sandbox,
                hidden=query,
                screen_name=screen_name,
                force_login=True,
                error="Enter the account's username (1-15 letters, digits, _).",
                status=400,
            )
        return RedirectResponse(self.approve(query, screen_name=screen_name), status_code=302)

    def approve(self, query: dict[str, str], *, screen_name: str) -> str:
        """What "Authorize app" does: a code for the redirect URI, with the state."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(
                client_id=query["client_id"],
                redirect_uri=query["redirect_uri"],
                challenge=query["code_challenge"],
                scopes=tuple(query["scope"].split()),
                account=self._state.account(screen_name),
                issued_at=self.clock(),
            )
        return with_query(query["redirect_uri"], state=query.get("state", ""), code=code)

    def deny(self, query: dict[str, str]) -> str:
        return with_query(
            query["redirect_uri"], error="access_denied", state=query.get("state", "")
        )

    def approve_url(self, authorize_url: str, *, screen_name: str) -> str:
        """For tests: the authorize page's link, approved as `screen_name`."""
        return self.approve(_query_of(authorize_url), screen_name=screen_name)

    def deny_url(self, authorize_url: str) -> str:
        return self.deny(_query_of(authorize_url))

    def _request_problem(self, query: dict[str, str]) -> str | None:
        if query.get("response_type") != "code":
            return "response_type must be code"
        if query.get("client_id") not in self.clients:
            return "Unknown client"
        if not query.get("redirect_uri", "").startswith(("http://", "https://")):
            return "redirect_uri is missing"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return "PKCE with S256 is required"
        scopes = set(query.get("scope", "").split())
        if not scopes or not scopes <= _SCOPES:
            return "Unknown scopes"
        return None

    # --- the token endpoint ------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        client_id = self._client(request)
        form = await form_fields(request)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return JSONResponse(self._exchange(client_id, form))
        if grant_type == "refresh_token":
            return JSONResponse(self._refreshed(client_id, form.get("refresh_token", "")))
        raise _oauth_error("unsupported_grant_type", "grant_type is not supported")

    async def revoke(self, request: Request) -> Response:
        client_id = self._client(request)
        token = (await form_fields(request)).get("token", "")
        with self._lock:
            family = self._family_of(token)
            if family is not None and family.client_id == client_id:
                family.revoked = True
        # RFC 7009: an unknown token is no error (nothing to revoke).
        return JSONResponse({"revoked": True})

    def _client(self, request: Request) -> str:
        header = request.headers.get("authorization", "")
        if not header.startswith("Basic "):
            raise _oauth_error("invalid_client", "Client authentication is required", 401)
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            raise _oauth_error("invalid_client", "Bad client authentication", 401) from None
        known = self.clients.get(client_id)
        if known is None or not secrets.compare_digest(known, secret):
            raise _oauth_error("invalid_client", "Client authentication failed", 401)
        return client_id

    def _exchange(self, client_id: str, form: dict[str, str]) -> dict[str, object]:
        with self._lock:
            code = self._codes.pop(form.get("code", ""), None)  # a code works once
            if (
                code is None
                or code.client_id != client_id
                or code.redirect_uri != form.get("redirect_uri")
                or self.clock() - code.issued_at > _CODE_SECONDS
            ):
                raise _oauth_error("invalid_grant", "Value passed for the code was invalid")
            if _challenge(form.get("code_verifier", "")) != code.challenge:
                raise _oauth_error("invalid_grant", "code_verifier does not match the challenge")
            family = _Family(next(self._families), code.account, client_id, code.scopes)
            return self._issue_locked(family)

    def _refreshed(self, client_id: str, refresh_token: str) -> dict[str, object]:
        with self._lock:
            found = self._refresh.get(refresh_token)
            if found is None or found.family.client_id != client_id or found.family.revoked:
                self.record.invalid_grants += 1
                raise _oauth_error("invalid_grant", "Value passed for the token was invalid")
            if found.spent:
                # Reuse of a spent refresh token: somebody raced, or it leaked. Kill the family.
                found.family.revoked = True
                self.record.invalid_grants += 1
                self.record.reuse_revocations += 1
                raise _oauth_error("invalid_grant", "Value passed for the token was invalid")
            found.spent = True
            self.record.refreshes.append((self.clock(), found.family.id))
            return self._issue_locked(found.family)

    def _issue_locked(self, family: _Family) -> dict[str, object]:
        access = f"{family.account.user_id}-{secrets.token_urlsafe(30)}"
        self._access[access] = _Access(family, expires_at=self.clock() + ACCESS_TOKEN_SECONDS)
        answer: dict[str, object] = {
            "token_type": "bearer",
            "expires_in": ACCESS_TOKEN_SECONDS,
            "access_token": access,
            "scope": " ".join(family.scopes),
        }
        self.record.issued.append(access)
        if "offline.access" in family.scopes:
            refresh = secrets.token_urlsafe(40)
            self._refresh[refresh] = _Refresh(family)
            answer["refresh_token"] = refresh
            self.record.issued.append(refresh)
        return answer

    def _family_of(self, token: str) -> _Family | None:
        if token in self._access:
            return self._access[token].family
        if token in self._refresh:
            return self._refresh[token].family
        return None

    # --- Bearer on v2 ------------------------------------------------------------------

    def account_for(self, request: Request) -> StandinAccount:
        """The account whose live, unexpired access token is the request's Bearer token."""
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        with self._lock:
            found = self._access.get(token)
            if found is None or found.family.revoked or self.clock() >= found.expires_at:
                raise _unauthorized()
            return found.family.account

    def can_write(self, request: Request) -> bool:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        with self._lock:
            found = self._access.get(token)
            return found is not None and "tweet.write" in found.family.scopes


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(url.partition("?")[2], keep_blank_values=True))
