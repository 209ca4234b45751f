"""X API v2 under user context, OAuth 1.0a (signed) or OAuth 2.0 (Bearer): who am I, and post."""

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from app.sandbox.x_standin.answers import Refused, Route
from app.sandbox.x_standin.faults import Faults, fault_response
from app.sandbox.x_standin.oauth import access_level
from app.sandbox.x_standin.oauth2 import OAuth2Standin
from app.sandbox.x_standin.signatures import SignatureCheck
from app.sandbox.x_standin.state import StandinAccount, StandinState


class V2Endpoints:
    def __init__(
        self,
        state: StandinState,
        signatures: SignatureCheck,
        faults: Faults,
        oauth2: OAuth2Standin | None = None,
    ) -> None:
        self._state = state
        self._signatures = signatures
        self._faults = faults
        self._oauth2 = oauth2
        self.routes = (
            Route("GET", "/2/users/me", "users_me", self.users_me),
            Route("POST", "/2/tweets", "tweets", self.create_tweet),
        )

    async def _account(self, request: Request) -> StandinAccount:
        """Who made the call: a Bearer user token (OAuth 2.0) or a signature (OAuth 1.0a)."""
        if self._oauth2 is not None and request.headers.get("authorization", "").startswith(
            "Bearer "
        ):
            return self._oauth2.account_for(request)
        return await self._signatures.account(request)

    def _may_write(self, request: Request, account: StandinAccount) -> bool:
        if self._oauth2 is not None and request.headers.get("authorization", "").startswith(
            "Bearer "
        ):
            return account.can_write and self._oauth2.can_write(request)
        return account.can_write

    async def users_me(self, request: Request) -> Response:
        account = await self._account(request)
        fault = self._faults.for_account(account.screen_name)
        if fault is not None:
            return fault_response(fault)
        return JSONResponse(
            {
                "data": {
                    "id": account.user_id,
                    "name": account.screen_name,
                    "username": account.screen_name,
                }
            },
            headers=access_level(account),
        )

    async def create_tweet(self, request: Request) -> Response:
        account = await self._account(request)
        if not self._may_write(request, account):
            raise Refused(
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
        tweet = self._state.post(account, text)
        if tweet is None:
            raise Refused(
                403,
                {
                    "title": "Forbidden",
                    "status": 403,
                    "type": "about:blank",
                    "detail": "You are not allowed to create a Tweet with duplicate content.",
                },
            )
        return JSONResponse(
            {"data": {"id": tweet["id"], "text": text}},
            status_code=201,
            headers=access_level(account),
        )
