"""X's OAuth 1.0a and v2 endpoints, verifying every HMAC-SHA1 signature like X does.

Signatures are checked with oauthlib's server-side functions over the request exactly as it
arrived, so a client that signs wrongly fails here as it would at X. Faults are queued per
endpoint with `fail_next`, and every answer is recorded in `calls`.
"""

import asyncio
import itertools
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    StreamingResponse,
)
from jinja2 import Environment, select_autoescape
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header, unescape
from starlette.responses import Response

from app.sandbox import refuse_to_run_in_lambda

ENDPOINTS = (
    "request_token",
    "authorize",
    "access_token",
    "invalidate_token",
    "users_me",
    "tweets",
    "verify_credentials",
    "statuses_update",
)
# How v1.1 writes dates: "Wed Oct 10 20:19:24 +0000 2018".
_V1_DATE_FORMAT = "%a %b %d %H:%M:%S +0000 %Y"
_TIMESTAMP_TOLERANCE_SECONDS = 300
_SCREEN_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@dataclass(frozen=True)
class Fault:
    """What an endpoint does instead of its work, once."""

    status: int = 503
    body: str = '{"title": "Service Unavailable"}'
    delay_seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    # Send the body a byte at a time, this far apart: each gap shorter than a read timeout,
    # so only a bound on the whole call stops the client.
    trickle_seconds: float = 0.0


@dataclass
class Quirks:
    """Habits of other OAuth 1.0a servers that Birdhouse tolerates; tests turn them on."""

    # Some servers answer "True" or "TRUE".
    callback_confirmed: str = "true"
    # Cancel comes back as ?error=access_denied (OAuth 2.0 style) instead of ?denied=.
    cancel_with_error: bool = False
    # The PIN shown for oob is letters and digits, not 7 digits.
    alphanumeric_pins: bool = False
    # The access-token answer carries the tokens but not user_id and screen_name.
    access_token_without_user: bool = False


@dataclass
class StandinAccount:
    user_id: str
    screen_name: str
    can_write: bool = True


@dataclass
class _RequestToken:
    token: str
    secret: str
    consumer_key: str
    callback: str
    verifier: str | None = None
    account: StandinAccount | None = None


@dataclass
class _AccessToken:
    token: str
    secret: str
    consumer_key: str
    account: StandinAccount
    revoked: bool = False


def _access_level(account: StandinAccount) -> dict[str, str]:
    """X tells user-context callers what the token may do."""
    return {"x-access-level": "read-write" if account.can_write else "read"}


class _Refused(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status = status
        self.body = body


class XStandin:
    """The state of a pretend X: apps, accounts, tokens and posts."""

    def __init__(self, *, consumers: dict[str, str], sandbox_banner: bool = False) -> None:
        refuse_to_run_in_lambda()
        self.consumers = dict(consumers)
        self._account_faults: dict[str, Fault] = {}
        self.sandbox_banner = sandbox_banner
        self.quirks = Quirks()
        self.accounts: dict[str, StandinAccount] = {}
        self.tweets: list[dict[str, str]] = []
        self.calls: list[tuple[str, int]] = []
        # Every token secret ever handed out, so tests can look for them where they must not be.
        self.issued_secrets: list[str] = []
        self._request_tokens: dict[str, _RequestToken] = {}
        self._access_tokens: dict[str, _AccessToken] = {}
        self._seen_nonces: set[tuple[str, str, str]] = set()
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._user_ids = itertools.count(1_500_000_000_000_000_001)
        self._lock = threading.Lock()
        self.app = self._build_app()

    # --- test controls -----------------------------------------------------------------

    def fail_next(self, endpoint: str, fault: Fault | None = None, *, times: int = 1) -> None:
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; one of {ENDPOINTS}")
        with self._lock:
            self._faults[endpoint].extend([fault or Fault()] * times)

    def fail_for(self, screen_name: str, fault: Fault | None) -> None:
        """Every /2/users/me signed by this account answers `fault` (None: back to normal)."""
        with self._lock:
            if fault is None:
                self._account_faults.pop(screen_name.lower(), None)
            else:
                self._account_faults[screen_name.lower()] = fault

    def account(self, screen_name: str) -> StandinAccount:
        """The account with this name (any case), made on first mention like a sign-up."""
        with self._lock:
            return self._account_locked(screen_name)

    def rename(self, screen_name: str, new_screen_name: str) -> None:
        with self._lock:
            account = self.accounts.pop(screen_name.lower())
            account.screen_name = new_screen_name
            self.accounts[new_screen_name.lower()] = account

    def approve(self, oauth_token: str, *, screen_name: str) -> str:
        """What pressing "Authorize app" as `screen_name` does; returns the callback URL."""
        with self._lock:
            pending = self._request_tokens[oauth_token]
            pending.account = self._account_locked(screen_name)
            # Like X: the PIN flow (oob) shows a 7-digit number; a callback gets a token.
            oob = pending.callback == "oob"
            if oob and self.quirks.alphanumeric_pins:
                pending.verifier = secrets.token_urlsafe(6)
            elif oob:
                pending.verifier = f"{secrets.randbelow(10**7):07d}"
            else:
                pending.verifier = secrets.token_urlsafe(24)
            return _with_query(
                pending.callback, oauth_token=oauth_token, oauth_verifier=pending.verifier
            )

    def deny(self, oauth_token: str) -> str:
        """What pressing "Cancel" does; returns the callback URL."""
        with self._lock:
            pending = self._request_tokens.pop(oauth_token)
            if self.quirks.cancel_with_error:
                return _with_query(pending.callback, error="access_denied", oauth_token=oauth_token)
            return _with_query(pending.callback, denied=oauth_token)

    def regenerate_consumer_key(self, consumer_key: str) -> tuple[str, str]:
        """What "Regenerate" on the X app's keys does: the old key is refused from now on, and
        the users' tokens keep working with the new key (X leaves this undocumented; this is
        the kinder of the two outcomes, and the one rotation is built to use)."""
        with self._lock:
            del self.consumers[consumer_key]
            new_key, new_secret = secrets.token_urlsafe(18), secrets.token_urlsafe(36)
            self.consumers[new_key] = new_secret
            for issued in self._access_tokens.values():
                if issued.consumer_key == consumer_key:
                    issued.consumer_key = new_key
            return new_key, new_secret

    def revoke_all(self, screen_name: str) -> None:
        """What the account owner does in X's "Connected apps" settings."""
        with self._lock:
            for issued in self._access_tokens.values():
                if issued.account.screen_name.lower() == screen_name.lower():
                    issued.revoked = True

    def access_token_for(self, screen_name: str) -> tuple[str, str] | None:
        with self._lock:
            for issued in self._access_tokens.values():
                if issued.account.screen_name.lower() == screen_name.lower() and not issued.revoked:
                    return issued.token, issued.secret
        return None

    def calls_to(self, endpoint: str) -> list[int]:
        return [status for name, status in self.calls if name == endpoint]

    # --- the app -----------------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        app = FastAPI(title="X stand-in", openapi_url=None, docs_url=None, redoc_url=None)
        app.post("/oauth/request_token")(self._endpoint("request_token", self._request_token))
        app.get("/oauth/authorize")(self._endpoint("authorize", self._authorize_page))
        app.post("/oauth/authorize")(self._endpoint("authorize", self._authorize_decision))
        app.post("/oauth/access_token")(self._endpoint("access_token", self._access_token))
        app.post("/1.1/oauth/invalidate_token")(
            self._endpoint("invalidate_token", self._invalidate_token)
        )
        app.get("/2/users/me")(self._endpoint("users_me", self._users_me))
        app.post("/2/tweets")(self._endpoint("tweets", self._create_tweet))
        # v1.1, for bot authors trying twython's and tweepy.API's helpers against the sandbox.
        app.get("/1.1/account/verify_credentials.json")(
            self._endpoint("verify_credentials", self._verify_credentials)
        )
        app.post("/1.1/statuses/update.json")(
            self._endpoint("statuses_update", self._update_status)
        )
        return app

    def _endpoint(self, name: str, work: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            with self._lock:
                fault = self._faults[name].popleft() if self._faults[name] else None
            if fault is not None:
                if fault.delay_seconds:
                    await asyncio.sleep(fault.delay_seconds)
                response: Response = (
                    StreamingResponse(
                        _trickle(fault.body.encode(), fault.trickle_seconds),
                        status_code=fault.status,
                        headers=fault.headers,
                        media_type=fault.content_type,
                    )
                    if fault.trickle_seconds
                    else Response(
                        fault.body,
                        status_code=fault.status,
                        headers=fault.headers,
                        media_type=fault.content_type,
                    )
                )
            else:
                try:
                    response = await work(request)
                except _Refused as refused:
                    response = JSONResponse(refused.body, status_code=refused.status)
            self.calls.append((name, response.status_code))
            return response

        return endpoint

    async def _request_token(self, request: Request) -> Response:
        params = await self._verified_params(request, token_secret_for=lambda _token: None)
        callback = params.get("oauth_callback", "")
        if not callback or (callback != "oob" and not callback.startswith(("http://", "https://"))):
            raise _Refused(
                400,
                _v1_error(417, "Desktop applications only support the oauth_callback value 'oob'"),
            )
        token = _RequestToken(
            token=secrets.token_urlsafe(20),
            secret=secrets.token_urlsafe(24),
            consumer_key=params["oauth_consumer_key"],
            callback=callback,
        )
        with self._lock:
            self._request_tokens[token.token] = token
            self.issued_secrets.append(token.secret)
        return _form(
            oauth_token=token.token,
            oauth_token_secret=token.secret,
            oauth_callback_confirmed=self.quirks.callback_confirmed,
        )

    async def _authorize_page(self, request: Request) -> Response:
        oauth_token = request.query_params.get("oauth_token", "")
        with self._lock:
            known = oauth_token in self._request_tokens
        if not known:
            return self._page("This page is no longer valid", status=400)
        return self._page(
            "Authorize app",
            oauth_token=oauth_token,
            screen_name=request.query_params.get("screen_name", ""),
            force_login=request.query_params.get("force_login") == "true",
        )

    async def _authorize_decision(self, request: Request) -> Response:
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        oauth_token = str(form.get("oauth_token", ""))
        screen_name = str(form.get("screen_name", "")).strip().removeprefix("@")
        with self._lock:
            known = oauth_token in self._request_tokens
        if not known:
            return self._page("This page is no longer valid", status=400)
        if form.get("action") == "cancel":
            return RedirectResponse(self.deny(oauth_token), status_code=302)
        if not (1 <= len(screen_name) <= 15 and set(screen_name) <= _SCREEN_NAME_CHARS):
            return self._page(
                "Authorize app",
                oauth_token=oauth_token,
                screen_name=screen_name,
                force_login=True,
                error="Enter the account's username (1-15 letters, digits, _).",
                status=400,
            )
        callback_url = self.approve(oauth_token, screen_name=screen_name)
        if callback_url.startswith("oob"):
            pin = callback_url.rsplit("oauth_verifier=", 1)[1]
            return self._page("Enter this PIN in the app", pin=pin)
        return RedirectResponse(callback_url, status_code=302)

    async def _access_token(self, request: Request) -> Response:
        params = await self._verified_params(request, token_secret_for=self._request_token_secret)
        with self._lock:
            pending = self._request_tokens.get(params.get("oauth_token", ""))
            if pending is None or pending.account is None or pending.verifier is None:
                raise _Refused(401, _v1_error(89, "Invalid or expired token."))
            if not secrets.compare_digest(params.get("oauth_verifier", ""), pending.verifier):
                raise _Refused(401, _v1_error(89, "Invalid or expired token."))
            del self._request_tokens[pending.token]  # a request token works once
            issued = self._access_token_locked(pending.consumer_key, pending.account)
        if self.quirks.access_token_without_user:
            return _form(oauth_token=issued.token, oauth_token_secret=issued.secret)
        answer = _form(
            oauth_token=issued.token,
            oauth_token_secret=issued.secret,
            user_id=issued.account.user_id,
            screen_name=issued.account.screen_name,
        )
        answer.headers.update(_access_level(issued.account))
        return answer

    async def _invalidate_token(self, request: Request) -> Response:
        params = await self._verified_params(request, token_secret_for=self._access_token_secret)
        with self._lock:
            self._issued_to_this_app(params).revoked = True
        return JSONResponse({"access_token": params["oauth_token"]})

    async def _users_me(self, request: Request) -> Response:
        account = await self._authorized_account(request)
        with self._lock:
            fault = self._account_faults.get(account.screen_name.lower())
        if fault is not None:
            return Response(
                fault.body,
                status_code=fault.status,
                headers=fault.headers,
                media_type=fault.content_type,
            )
        return JSONResponse(
            {
                "data": {
                    "id": account.user_id,
                    "name": account.screen_name,
                    "username": account.screen_name,
                }
            },
            headers=_access_level(account),
        )

    async def _create_tweet(self, request: Request) -> Response:
        account = await self._authorized_account(request)
        if not account.can_write:
            raise _Refused(
                403,
                {
                    "title": "Forbidden",
                    "status": 403,
                    "type": "https://api.twitter.com/2/problems/oauth1-permissions",
                    "detail": (
                        "Your client app is not configured with the appropriate oauth1 app "
                        "permissions for this endpoint."
                    ),
                },
            )
        body = await request.json()
        text = str(body.get("text", "")) if isinstance(body, dict) else ""
        with self._lock:
            if any(t["text"] == text and t["author_id"] == account.user_id for t in self.tweets):
                raise _Refused(
                    403,
                    {
                        "title": "Forbidden",
                        "status": 403,
                        "type": "about:blank",
                        "detail": "You are not allowed to create a Tweet with duplicate content.",
                    },
                )
            tweet = {
                "id": str(1_900_000_000_000_000_000 + len(self.tweets)),
                "text": text,
                "author_id": account.user_id,
            }
            self.tweets.append(tweet)
        return JSONResponse(
            {"data": {"id": tweet["id"], "text": text}},
            status_code=201,
            headers=_access_level(account),
        )

    async def _verify_credentials(self, request: Request) -> Response:
        account = await self._authorized_account(request)
        return JSONResponse(_v1_user(account))

    async def _update_status(self, request: Request) -> Response:
        # A form body: its fields are part of the OAuth 1.0a signature, which is checked first.
        account = await self._authorized_account(request)
        # Like X, from the form body or the query string (tweepy.API sends it in the query).
        form = dict(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        text = form.get("status") or request.query_params.get("status", "")
        if not text:
            raise _Refused(400, _v1_error(170, "Missing required parameter: status."))
        if not account.can_write:
            raise _Refused(401, _v1_error(261, "Application cannot perform write actions."))
        with self._lock:
            if any(t["text"] == text and t["author_id"] == account.user_id for t in self.tweets):
                raise _Refused(403, _v1_error(187, "Status is a duplicate."))
            tweet = {
                "id": str(1_900_000_000_000_000_000 + len(self.tweets)),
                "text": text,
                "author_id": account.user_id,
            }
            self.tweets.append(tweet)
        return JSONResponse(
            {
                "id": int(tweet["id"]),
                "id_str": tweet["id"],
                "text": text,
                "created_at": time.strftime(_V1_DATE_FORMAT, time.gmtime()),
                "user": _v1_user(account),
            }
        )

    # --- signatures --------------------------------------------------------------------

    async def _authorized_account(self, request: Request) -> StandinAccount:
        params = await self._verified_params(request, token_secret_for=self._access_token_secret)
        return self._issued_to_this_app(params).account

    def _issued_to_this_app(self, params: dict[str, str]) -> _AccessToken:
        """Like X: a user's token works only with the keys of the app it was issued to."""
        issued = self._access_tokens[params["oauth_token"]]
        if issued.consumer_key != params["oauth_consumer_key"]:
            raise _Refused(401, _v1_error(89, "Invalid or expired token."))
        return issued

    async def _verified_params(self, request: Request, *, token_secret_for: Any) -> dict[str, str]:
        """Check the HMAC-SHA1 signature, timestamp and nonce, as X does; return the params."""
        header = request.headers.get("authorization", "")
        try:
            header_params = dict(parse_authorization_header(header))
        except ValueError:
            raise _Refused(400, _v1_error(215, "Bad Authentication data.")) from None
        content_type = request.headers.get("content-type", "")
        body = (
            (await request.body()).decode("latin-1")
            if "x-www-form-urlencoded" in content_type
            else ""
        )
        uri = str(request.url)
        params = oauth_signature.collect_parameters(
            uri_query=urlsplit(uri).query, body=body, headers={"Authorization": header}
        )
        flat = dict(params)
        consumer_secret = self.consumers.get(flat.get("oauth_consumer_key", ""))
        if consumer_secret is None:
            raise _Refused(401, _v1_error(32, "Could not authenticate you."))
        if flat.get("oauth_signature_method") != "HMAC-SHA1":
            raise _Refused(401, _v1_error(32, "Could not authenticate you."))
        timestamp = flat.get("oauth_timestamp", "")
        if (
            not timestamp.isdigit()
            or abs(time.time() - int(timestamp)) > _TIMESTAMP_TOLERANCE_SECONDS
        ):
            raise _Refused(401, _v1_error(135, "Timestamp out of bounds."))
        token = flat.get("oauth_token")
        token_secret = token_secret_for(token)
        if token is not None and token_secret is None:
            raise _Refused(401, _v1_error(89, "Invalid or expired token."))
        oauth_request = OAuthRequest(uri, http_method=request.method, body=body)
        oauth_request.params = params
        oauth_request.signature = unescape(header_params.get("oauth_signature", ""))
        if not oauth_signature.verify_hmac_sha1(oauth_request, consumer_secret, token_secret):
            raise _Refused(401, _v1_error(32, "Could not authenticate you."))
        nonce_key = (flat["oauth_consumer_key"], flat.get("oauth_nonce", ""), timestamp)
        with self._lock:
            if nonce_key in self._seen_nonces:
                raise _Refused(401, _v1_error(32, "Could not authenticate you."))
            self._seen_nonces.add(nonce_key)
        return flat

    def _request_token_secret(self, token: str | None) -> str | None:
        with self._lock:
            pending = self._request_tokens.get(token or "")
            return pending.secret if pending else None

    def _access_token_secret(self, token: str | None) -> str | None:
        with self._lock:
            issued = self._access_tokens.get(token or "")
            return issued.secret if issued and not issued.revoked else None

    # --- helpers -----------------------------------------------------------------------

    def _account_locked(self, screen_name: str) -> StandinAccount:
        key = screen_name.lower()
        if key not in self.accounts:
            self.accounts[key] = StandinAccount(
                user_id=str(next(self._user_ids)), screen_name=screen_name
            )
        return self.accounts[key]

    def _access_token_locked(self, consumer_key: str, account: StandinAccount) -> _AccessToken:
        # Like X: one account authorizing one app again gets the same token back.
        for issued in self._access_tokens.values():
            if (
                issued.account is account
                and issued.consumer_key == consumer_key
                and not issued.revoked
            ):
                return issued
        issued = _AccessToken(
            token=f"{account.user_id}-{secrets.token_urlsafe(30)}",
            secret=secrets.token_urlsafe(32),
            consumer_key=consumer_key,
            account=account,
        )
        self._access_tokens[issued.token] = issued
        self.issued_secrets.extend([issued.token, issued.secret])
        return issued

    def _page(self, title: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        html = _AUTHORIZE_TEMPLATE.render(title=title, sandbox=self.sandbox_banner, **context)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


async def _trickle(body: bytes, gap_seconds: float) -> AsyncIterator[bytes]:
    for index in range(len(body)):
        await asyncio.sleep(gap_seconds)
        yield body[index : index + 1]


def _form(**fields: str) -> PlainTextResponse:
    return PlainTextResponse(urlencode(fields), media_type="application/x-www-form-urlencoded")


def _v1_user(account: StandinAccount) -> dict[str, Any]:
    return {
        "id": int(account.user_id),
        "id_str": account.user_id,
        "name": account.screen_name,
        "screen_name": account.screen_name,
        "created_at": time.strftime(_V1_DATE_FORMAT, time.gmtime(1_700_000_000)),
    }


def _v1_error(code: int, message: str) -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message}]}


def _with_query(url: str, **params: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


_AUTHORIZE_TEMPLATE = Environment(autoescape=select_autoescape(default=True)).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · X sandbox</title>
<style>
body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#0f1419;color:#e7e9ea}
.banner{background:#ffd400;color:#0f1419;font-weight:700;text-align:center;padding:.6rem}
main{max-width:26rem;margin:2rem auto;padding:0 1.25rem}
h1{font-size:1.6rem}label{display:block;margin:1rem 0 .35rem;color:#8b98a5}
input{width:100%;box-sizing:border-box;padding:.7rem;border-radius:6px;border:1px solid #536471;
background:#000;color:#e7e9ea;font-size:1rem}
.buttons{display:flex;gap:.75rem;margin-top:1.5rem}
button{flex:1;padding:.75rem;border-radius:999px;border:0;font-weight:700;font-size:1rem;cursor:pointer}
.authorize{background:#1d9bf0;color:#fff}.cancel{background:#eff3f4;color:#0f1419}
.error{color:#f4212e}.note{color:#8b98a5;font-size:.9rem}
</style></head>
<body>
{% if sandbox %}
<div class="banner">X SANDBOX — not the real X. Nothing here reaches X.</div>
{% endif %}
<main>
<h1>{{ title }}</h1>
{% if oauth_token %}
<p>An app wants to read and post as the account you log in with.</p>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
<form method="post" action="authorize">
<input type="hidden" name="oauth_token" value="{{ oauth_token }}">
<label for="screen_name">Log in as (username)</label>
<input id="screen_name" name="screen_name" value="{{ screen_name }}" autocomplete="off"
 autocapitalize="none" spellcheck="false" placeholder="username">
{% if force_login %}<p class="note">You are asked to log in even if you already are
(force_login).</p>{% endif %}
<div class="buttons">
<button class="authorize" type="submit" name="action" value="authorize">Authorize app</button>
<button class="cancel" type="submit" name="action" value="cancel">Cancel</button>
</div>
</form>
{% elif pin %}
<p class="pin" style="font-size:2.2rem;letter-spacing:.3rem;font-weight:700">{{ pin }}</p>
<p>Type it where the app asks for the PIN.</p>
{% else %}
<p>Start again from the app that sent you here.</p>
{% endif %}
</main></body></html>"""
)
