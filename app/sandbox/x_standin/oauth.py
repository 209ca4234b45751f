"""X's OAuth 1.0a token endpoints: request token, access token, invalidate token."""

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from app.sandbox.x_standin.answers import Refused, Route, form_answer, v1_error
from app.sandbox.x_standin.signatures import SignatureCheck
from app.sandbox.x_standin.state import StandinAccount, StandinState


def access_level(account: StandinAccount) -> dict[str, str]:
    """X tells user-context callers what the token may do."""
    return {"x-access-level": "read-write" if account.can_write else "read"}


class OAuthEndpoints:
    def __init__(self, state: StandinState, signatures: SignatureCheck) -> None:
        self._state = state
        self._signatures = signatures
        self.routes = (
            Route("POST", "/oauth/request_token", "request_token", self.request_token),
            Route("POST", "/oauth/access_token", "access_token", self.access_token),
            Route("POST", "/1.1/oauth/invalidate_token", "invalidate_token", self.invalidate),
        )

    async def request_token(self, request: Request) -> Response:
        params = await self._signatures.params(request, token_secret_for=lambda _token: None)
        callback = params.get("oauth_callback", "")
        if not callback or (callback != "oob" and not callback.startswith(("http://", "https://"))):
            raise Refused(
                400,
                v1_error(417, "Desktop applications only support the oauth_callback value 'oob'"),
            )
        token = self._state.issue_request_token(
            consumer_key=params["oauth_consumer_key"], callback=callback
        )
        return form_answer(
            oauth_token=token.token,
            oauth_token_secret=token.secret,
            oauth_callback_confirmed=self._state.quirks.callback_confirmed,
        )

    async def access_token(self, request: Request) -> Response:
        params = await self._signatures.params(
            request, token_secret_for=self._state.request_token_secret
        )
        issued = self._state.exchange(
            params.get("oauth_token", ""), params.get("oauth_verifier", "")
        )
        if self._state.quirks.access_token_without_user:
            return form_answer(oauth_token=issued.token, oauth_token_secret=issued.secret)
        answer = form_answer(
            oauth_token=issued.token,
            oauth_token_secret=issued.secret,
            user_id=issued.account.user_id,
            screen_name=issued.account.screen_name,
        )
        answer.headers.update(access_level(issued.account))
        return answer

    async def invalidate(self, request: Request) -> Response:
        params = await self._signatures.params(
            request, token_secret_for=self._state.access_token_secret
        )
        self._state.invalidate(params)
        return JSONResponse({"access_token": params["oauth_token"]})
