"""X's OAuth 2.0 endpoints (authorization code with PKCE, confidential client) and Bearer calls.

Every call goes through `send_to_x`: the same wall-clock bound, deadline and error names as the
OAuth 1.0a client. The token endpoint authenticates the app with HTTP Basic (client id and
secret); user-context calls send `Authorization: Bearer <user access token>`.
"""

import json
import logging
from urllib.parse import urlencode

import requests
from requests.auth import AuthBase, HTTPBasicAuth
from urllib3.exceptions import NewConnectionError

from app.adapters.bounded_http import HttpAnswer
from app.adapters.x_client import (
    _int_header,
    _json_data,
    _screen_name,
    _text,
    send_to_x,
    shared_session,
)
from app.core.errors import (
    XBadResponse,
    XError,
    XRefreshLost,
    XRefreshRejected,
    XRejected,
    XTimeout,
    XUnavailable,
)
from app.core.oauth2 import Grant
from app.core.x import Tweet, XUser
from birdhouse_client.oauth2 import TOKEN_PATH, grant_from_answer

log = logging.getLogger(__name__)

REVOKE_PATH = "/2/oauth2/revoke"


class _Bearer(AuthBase):
    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request


class OAuth2XClient:
    """X's OAuth 2.0 for one app's client id and secret, on the container's shared session."""

    def __init__(
        self,
        *,
        base_url: str,
        authorize_url: str,
        client_id: str,
        client_secret: str,
        scopes: str,
        timeout_seconds: float,
        session: requests.Session | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._authorize_url = authorize_url
        self._client = HTTPBasicAuth(client_id, client_secret)
        self._client_id = client_id
        self._scopes = scopes
        self._timeout = timeout_seconds
        self._session = session or shared_session()

    def __repr__(self) -> str:
        return f"OAuth2XClient(base_url={self._base_url!r})"

    def authorize_url(
        self, *, state: str, code_challenge: str, redirect_uri: str, screen_name: str | None
    ) -> str:
        # X's OAuth 2.0 page has no force_login or screen_name: the owner logs in as the bot.
        query = {
            "response_type": "code",
            "client_id": self._client_id,
            "redirect_uri": redirect_uri,
            "scope": self._scopes,
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self._authorize_url}?{urlencode(query)}"

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> Grant:
        fields = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        answer = self._token_call(TOKEN_PATH, fields)
        return self._grant(answer, TOKEN_PATH)

    def refresh(self, refresh_token: str) -> Grant:
        """One refresh; whether X may have rotated the token decides what a failure is.

        Not connected, or X answered an error: the stored refresh token is unspent (XError).
        invalid_grant: it is dead (XRefreshRejected). Sent and no usable answer (a timeout, a
        dropped connection, garbage): it may be spent (XRefreshLost), never to be sent again.
        """
        fields = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        try:
            answer = self._token_call(TOKEN_PATH, fields)
        except XRejected as exc:
            if _oauth_error(exc.x_body) == "invalid_grant":
                raise XRefreshRejected(
                    "X refused the account's refresh token (invalid_grant): its owner must "
                    "authorize again.",
                    x_status=exc.x_status,
                    x_body=exc.x_body,
                ) from exc
            raise
        except (XTimeout, XUnavailable) as exc:
            if _never_sent(exc):
                raise
            raise XRefreshLost(
                "The refresh reached X and its answer was lost; the old refresh token may be "
                "spent, so it is not sent again."
            ) from exc
        try:
            return self._grant(answer, TOKEN_PATH)
        except XBadResponse as exc:
            raise XRefreshLost(
                "X answered the refresh with something unreadable; the old refresh token is "
                "spent, so it is not sent again."
            ) from exc

    def revoke(self, token: str) -> None:
        self._token_call(REVOKE_PATH, {"token": token})

    def get_me(self, access_token: str) -> XUser:
        response = self._user_call("GET", "/2/users/me", access_token)
        data = _json_data(response, "/2/users/me")
        return XUser(
            user_id=_text(data, "id"),
            screen_name=_screen_name(_text(data, "username")),
            access_level=response.headers.get("x-access-level") or None,
            rate_limit_remaining=_int_header(response.headers, "x-rate-limit-remaining"),
            rate_limit_reset=_int_header(response.headers, "x-rate-limit-reset"),
        )

    def create_tweet(self, access_token: str, *, text: str) -> Tweet:
        response = self._user_call("POST", "/2/tweets", access_token, json={"text": text})
        data = _json_data(response, "/2/tweets")
        return Tweet(tweet_id=_text(data, "id"), text=_text(data, "text"))

    def _token_call(self, path: str, fields: dict[str, str]) -> HttpAnswer:
        return send_to_x(
            self._session,
            "POST",
            f"{self._base_url}{path}",
            path=path,
            timeout_seconds=self._timeout,
            data=fields,
            auth=self._client,
        )

    def _user_call(
        self, method: str, path: str, access_token: str, **options: object
    ) -> HttpAnswer:
        return send_to_x(
            self._session,
            method,
            f"{self._base_url}{path}",
            path=path,
            timeout_seconds=self._timeout,
            as_account=True,
            auth=_Bearer(access_token),
            **options,
        )

    def _grant(self, answer: HttpAnswer, path: str) -> Grant:
        try:
            return grant_from_answer(answer.json())
        except ValueError:
            raise XBadResponse(f"X's answer to {path} lacks the token pair.") from None


def _oauth_error(body: str) -> str:
    try:
        payload = json.loads(body)
    except ValueError:
        return ""
    return str(payload.get("error", "")) if isinstance(payload, dict) else ""


def _never_sent(exc: XError) -> bool:
    """The connection failed before the request went out: X cannot have seen it."""
    cause = exc.__cause__
    if isinstance(cause, requests.ConnectTimeout):
        return True
    if isinstance(cause, requests.ConnectionError):
        reason = cause.args[0] if cause.args else None
        return isinstance(getattr(reason, "reason", None), NewConnectionError)
    return isinstance(exc, XUnavailable) and cause is None  # X answered 5xx: it rotated nothing
