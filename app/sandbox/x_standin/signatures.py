"""The OAuth 1.0a check: HMAC-SHA1 signature, timestamp and nonce, as X makes them."""

import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from fastapi import Request
from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature as oauth_signature
from oauthlib.oauth1.rfc5849.utils import parse_authorization_header, unescape

from app.sandbox.x_standin.answers import Refused, invalid_token, not_authenticated, v1_error
from app.sandbox.x_standin.state import StandinAccount, StandinState

_TIMESTAMP_TOLERANCE_SECONDS = 300

TokenSecretLookup = Callable[[str | None], str | None]


class SignatureCheck:
    """Verifies requests against the apps and tokens the state knows; remembers nonces."""

    def __init__(self, state: StandinState) -> None:
        self._state = state
        self._seen_nonces: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()

    async def account(self, request: Request) -> StandinAccount:
        """The account whose access token (issued to the signing app) signed this request."""
        params = await self.params(request, token_secret_for=self._state.access_token_secret)
        return self._state.issued_to_this_app(params).account

    async def params(
        self, request: Request, *, token_secret_for: TokenSecretLookup
    ) -> dict[str, str]:
        """Check the HMAC-SHA1 signature, timestamp and nonce, as X does; return the params."""
        header = request.headers.get("authorization", "")
        try:
            header_params = dict(parse_authorization_header(header))
        except ValueError:
            raise Refused(400, v1_error(215, "Bad Authentication data.")) from None
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
        consumer_secret = self._state.consumers.get(flat.get("oauth_consumer_key", ""))
        if consumer_secret is None:
            raise not_authenticated()
        if flat.get("oauth_signature_method") != "HMAC-SHA1":
            raise not_authenticated()
        timestamp = flat.get("oauth_timestamp", "")
        if (
            not timestamp.isdigit()
            or abs(time.time() - int(timestamp)) > _TIMESTAMP_TOLERANCE_SECONDS
        ):
            raise Refused(401, v1_error(135, "Timestamp out of bounds."))
        token = flat.get("oauth_token")
        token_secret = token_secret_for(token)
        if token is not None and token_secret is None:
            raise invalid_token()
        oauth_request = OAuthRequest(uri, http_method=request.method, body=body)
        oauth_request.params = params
        oauth_request.signature = unescape(header_params.get("oauth_signature", ""))
        if not oauth_signature.verify_hmac_sha1(oauth_request, consumer_secret, token_secret):
            raise not_authenticated()
        nonce_key = (flat["oauth_consumer_key"], flat.get("oauth_nonce", ""), timestamp)
        with self._lock:
            if nonce_key in self._seen_nonces:
                raise not_authenticated()
            self._seen_nonces.add(nonce_key)
        return flat
