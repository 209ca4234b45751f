"""X's OAuth 1.0a and v2 endpoints, signed by requests-oauthlib, behind a small interface."""

import json
import logging
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

import requests
from requests_oauthlib import OAuth1

from app.adapters.bounded_http import (
    BodyTooLarge,
    CallTimedOut,
    HttpAnswer,
    bounded_request,
    bounded_session,
)
from app.core.deadline import MIN_X_CALL_SECONDS, current_deadline
from app.core.errors import (
    XAppNotEnrolled,
    XBadResponse,
    XCreditsDepleted,
    XDuplicateContent,
    XError,
    XForbidden,
    XPermissionMissing,
    XRateLimited,
    XRejected,
    XTimeout,
    XTokenRevoked,
    XUnavailable,
)
from app.core.x import AuthorizedAccount, TokenPair, Tweet, XUser
from birdhouse_client.layout import SCREEN_NAME_PATTERN

log = logging.getLogger(__name__)

# Read at most this much of an error body: enough for X's JSON error, not a flood.
_MAX_ERROR_BODY = 2000
# X's answers to Birdhouse's calls are a few hundred bytes; refuse a flood outright.
_MAX_BODY_BYTES = 1024 * 1024
# Connecting to X takes milliseconds when it works; don't spend the whole budget on it.
_MAX_CONNECT_SECONDS = 3.05
# X's rate-limit windows are 15 minutes; the wait to suggest when X does not say.
_DEFAULT_RETRY_AFTER_SECONDS = 15 * 60


@lru_cache
def shared_session() -> requests.Session:
    """One connection pool per container: warm requests reuse the TLS connection to X."""
    return bounded_session()


class OAuth1XClient:
    """X over HTTPS with HMAC-SHA1 signatures, on the container's shared session by default.

    Each call ends within `timeout_seconds` in all (connecting, sending, every byte of the
    answer), and within what the request's deadline has left, whichever comes first.
    """

    def __init__(
        self,
        *,
        base_url: str,
        consumer_key: str,
        consumer_secret: str,
        timeout_seconds: float,
        session: requests.Session | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self._timeout = timeout_seconds
        self._session = session or shared_session()

    def __repr__(self) -> str:
        return f"OAuth1XClient(base_url={self._base_url!r})"

    def fetch_request_token(self, *, callback_url: str) -> TokenPair:
        auth = OAuth1(self._consumer_key, self._consumer_secret, callback_uri=callback_url)
        # x_auth_access_type=write asks for write access even if the app default changes.
        fields = self._post_form(
            "/oauth/request_token", auth, params={"x_auth_access_type": "write"}
        )
        # Compared case-insensitively: other OAuth 1.0a servers answer "True" or "TRUE".
        if fields.get("oauth_callback_confirmed", "").lower() != "true":
            raise XBadResponse("X did not confirm the callback URL for the request token.")
        return TokenPair(
            token=_required(fields, "oauth_token"), secret=_required(fields, "oauth_token_secret")
        )

    def authorize_url(self, *, oauth_token: str, screen_name: str | None) -> str:
        # force_login makes X ask for the bot's password even in a browser logged in to the
        # owner's own account; screen_name prefills the login box.
        query = {"oauth_token": oauth_token, "force_login": "true"}
        if screen_name:
            query["screen_name"] = screen_name
        return f"{self._base_url}/oauth/authorize?{urlencode(query)}"

    def fetch_access_token(self, request_token: TokenPair, *, verifier: str) -> AuthorizedAccount:
        auth = self._signed_with(request_token, verifier=verifier)
        response = self._send("POST", "/oauth/access_token", auth)
        fields = dict(parse_qsl(response.text, keep_blank_values=True))
        access_level = response.headers.get("x-access-level") or None
        tokens = TokenPair(
            token=_required(fields, "oauth_token"), secret=_required(fields, "oauth_token_secret")
        )
        if fields.get("screen_name") and not SCREEN_NAME_PATTERN.fullmatch(fields["screen_name"]):
            # Nothing here could store it under that name; the token is live, so give it back.
            self._discard(tokens)
            raise XBadResponse("X named the authorized account with something not a screen name.")
        if fields.get("user_id") and fields.get("screen_name"):
            return AuthorizedAccount(
                tokens=tokens,
                user_id=fields["user_id"],
                screen_name=fields["screen_name"],
                access_level=access_level,
            )
        # Some servers answer with the tokens alone. The token is live now: ask who it is
        # rather than fail and leave it working with nobody holding it.
        log.info("X's access-token answer lacks user_id or screen_name; asking /2/users/me")
        try:
            user = self.get_me(tokens)
        except XError as exc:
            self._discard(tokens)
            raise XBadResponse(
                "X authorized an account but did not say which, and could not tell when asked."
            ) from exc
        return AuthorizedAccount(
            tokens=tokens,
            user_id=user.user_id,
            screen_name=user.screen_name,
            access_level=access_level or user.access_level,
        )

    def invalidate_token(self, tokens: TokenPair) -> None:
        self._send(
            "POST", "/1.1/oauth/invalidate_token", self._signed_with(tokens), as_account=True
        )

    def _discard(self, tokens: TokenPair) -> None:
        """Best effort: revoke a token nobody will store."""
        try:
            self.invalidate_token(tokens)
        except XError:
            log.warning("could not revoke a token X issued for an unknown account")

    def get_me(self, tokens: TokenPair) -> XUser:
        response = self._send("GET", "/2/users/me", self._signed_with(tokens), as_account=True)
        data = _json_data(response, "/2/users/me")
        return XUser(
            user_id=_text(data, "id"),
            screen_name=_screen_name(_text(data, "username")),
            access_level=response.headers.get("x-access-level") or None,
            rate_limit_remaining=_int_header(response.headers, "x-rate-limit-remaining"),
            rate_limit_reset=_int_header(response.headers, "x-rate-limit-reset"),
        )

    def create_tweet(self, tokens: TokenPair, *, text: str) -> Tweet:
        # JSON bodies are not part of an OAuth 1.0a signature; X signs the URL and headers.
        response = self._send(
            "POST",
            "/2/tweets",
            self._signed_with(tokens),
            json_body={"text": text},
            as_account=True,
        )
        data = _json_data(response, "/2/tweets")
        return Tweet(tweet_id=_text(data, "id"), text=_text(data, "text"))

    def _signed_with(self, tokens: TokenPair, *, verifier: str | None = None) -> OAuth1:
        return OAuth1(
            self._consumer_key,
            self._consumer_secret,
            resource_owner_key=tokens.token,
            resource_owner_secret=tokens.secret,
            verifier=verifier,
        )

    def _post_form(
        self, path: str, auth: OAuth1, params: dict[str, str] | None = None
    ) -> dict[str, str]:
        response = self._send("POST", path, auth, params=params)
        return dict(parse_qsl(response.text, keep_blank_values=True))

    def _send(
        self,
        method: str,
        path: str,
        auth: OAuth1,
        *,
        params: dict[str, str] | None = None,
        json_body: dict[str, str] | None = None,
        as_account: bool = False,
    ) -> HttpAnswer:
        """One signed call; `as_account` when signed with an account's access token."""
        return send_to_x(
            self._session,
            method,
            f"{self._base_url}{path}",
            path=path,
            timeout_seconds=self._timeout,
            as_account=as_account,
            params=params,
            json=json_body,
            auth=auth,
        )


def send_to_x(
    session: requests.Session,
    method: str,
    url: str,
    *,
    path: str,
    timeout_seconds: float,
    as_account: bool = False,
    **request_options: Any,
) -> HttpAnswer:
    """One call to X within the timeout and the request's deadline; X's answers as our errors.

    `as_account` when the call is made with an account's token (a 401 then means that token).
    """
    budget = _budget(method, path, timeout_seconds)
    try:
        response = bounded_request(
            session,
            method,
            url,
            budget_seconds=budget,
            connect_seconds=_MAX_CONNECT_SECONDS,
            max_body_bytes=_MAX_BODY_BYTES,
            **request_options,
        )
    except (CallTimedOut, requests.Timeout) as exc:
        log.warning("X %s %s timed out after %.2fs", method, path, budget)
        raise XTimeout(f"X did not answer {path} within {budget:.3g} seconds.") from exc
    except BodyTooLarge as exc:
        log.warning("X %s %s answered more than %s bytes", method, path, _MAX_BODY_BYTES)
        raise XBadResponse(f"X's answer to {path} was far larger than expected.") from exc
    except requests.RequestException as exc:
        log.warning("X %s %s failed: %s", method, path, type(exc).__name__)
        raise XUnavailable(f"X could not be reached for {path}.") from exc
    log.info("X %s %s answered %s", method, path, response.status_code)
    if response.status_code >= 500:
        raise XUnavailable(f"X answered {path} with {response.status_code}.")
    if response.status_code >= 400:
        raise _refusal(path, response, as_account=as_account)
    return response


def _budget(method: str, path: str, timeout_seconds: float) -> float:
    """This call's time: the timeout, or less if the request's deadline is nearer."""
    deadline = current_deadline()
    if deadline is None:
        return timeout_seconds
    budget = min(timeout_seconds, deadline.remaining())
    if budget < MIN_X_CALL_SECONDS:
        log.warning("X %s %s not started: %.2fs left in the request", method, path, budget)
        raise XTimeout(f"There was no time left in this request to ask X ({path}).")
    return budget


def _refusal(path: str, response: HttpAnswer, *, as_account: bool) -> XRejected:
    """X's 4xx, named for what it means to the operator."""
    status, body = response.status_code, response.text[:_MAX_ERROR_BODY]
    detail = _x_detail(body)
    said = f" X said: {detail}" if detail else ""
    if status == 429:
        wait, pointless_today = _retry_after(response.headers)
        today = " Retrying today is pointless: a 24-hour cap is spent." if pointless_today else ""
        return XRateLimited(
            f"X is rate-limiting {path}; try again in {wait} seconds.{today}{said}",
            x_status=status,
            retry_after_seconds=wait,
            x_body=body,
            retry_pointless_today=pointless_today,
        )
    if status == 402:
        return XCreditsDepleted(
            "X refused because the X developer account is out of credits (pay-per-use): top "
            "it up in the developer portal; nothing is wrong with the account." + said,
            x_status=status,
            x_body=body,
        )
    if status == 403 and any(kind in body for kind in ("client-forbidden", "client-not-enrolled")):
        return XAppNotEnrolled(
            "X refused the app, not the account: attach the X app to a Project and check its "
            "access level in the developer portal." + said,
            x_status=status,
            x_body=body,
        )
    if as_account and status == 401:
        return XTokenRevoked(
            "X no longer accepts this account's token: it was revoked (in the account's "
            "settings, or by a password change). Onboard the account again." + said,
            x_status=status,
            x_body=body,
        )
    if as_account and status == 403:
        lowered = body.lower()
        if "oauth1-permissions" in lowered:
            return XPermissionMissing(
                "X says this token may not post: the X app lacks 'Read and write' permission, "
                "or the token was issued before that was set. Set it, then onboard the "
                "account again." + said,
                x_status=status,
                x_body=body,
            )
        if "duplicate content" in lowered:
            return XDuplicateContent(
                "X refused the post because the account already posted the same text." + said,
                x_status=status,
                x_body=body,
            )
        return XForbidden(f"X refused {path} for this account.{said}", x_status=status, x_body=body)
    return XRejected(f"X refused {path} with {status}.{said}", x_status=status, x_body=body)


def _x_detail(body: str) -> str:
    """X's own explanation, from a v2 problem or a v1.1 error list; short and printable."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    detail: object = ""
    if isinstance(data, dict):
        detail = data.get("detail") or ""
        errors = data.get("errors")
        if not detail and isinstance(errors, list) and errors and isinstance(errors[0], dict):
            detail = errors[0].get("message") or ""
    text = "".join(ch for ch in str(detail) if ch.isprintable())
    return text[:200]


def _retry_after(headers: Mapping[str, str]) -> tuple[int, bool]:
    """Seconds to wait, and whether a 24-hour cap is spent (then its reset is the real wait)."""
    for scope in ("user", "app"):
        if headers.get(f"x-{scope}-limit-24hour-remaining") == "0":
            reset = _seconds_until(headers.get(f"x-{scope}-limit-24hour-reset"))
            if reset is not None:
                return reset, True
    reset = _seconds_until(headers.get("x-rate-limit-reset"))
    return (_DEFAULT_RETRY_AFTER_SECONDS if reset is None else reset), False


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    try:
        return int(headers.get(name) or "")
    except ValueError:
        return None


def _seconds_until(reset_header: str | None) -> int | None:
    try:
        reset_epoch = int(reset_header or "")
    except ValueError:
        return None
    return max(1, min(reset_epoch - int(time.time()), 24 * 3600))


def _json_data(response: HttpAnswer, path: str) -> dict[str, object]:
    try:
        payload = response.json()
    except ValueError:
        raise XBadResponse(f"X's answer to {path} is not JSON.") from None
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict):
        raise XBadResponse(f"X's answer to {path} lacks 'data'.")
    return data


def _text(data: dict[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise XBadResponse(f"X's answer lacks {key!r}.")
    return value


def _screen_name(value: str) -> str:
    if not SCREEN_NAME_PATTERN.fullmatch(value):
        raise XBadResponse("X's answer has a username that is not a screen name.")
    return value


def _required(fields: dict[str, str], key: str) -> str:
    value = fields.get(key)
    if not value:
        raise XBadResponse(f"X's answer lacks {key!r}.")
    return value
