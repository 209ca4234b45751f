"""X API v1.1, for bot authors trying twython's and tweepy.API's helpers against the sandbox."""

import time
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.responses import Response

from app.sandbox.x_standin.answers import Refused, Route, form_fields, v1_error
from app.sandbox.x_standin.signatures import SignatureCheck
from app.sandbox.x_standin.state import StandinAccount, StandinState

# How v1.1 writes dates: "Wed Oct 10 20:19:24 +0000 2018".
_V1_DATE_FORMAT = "%a %b %d %H:%M:%S +0000 %Y"


class V1Endpoints:
    def __init__(self, state: StandinState, signatures: SignatureCheck) -> None:
        self._state = state
        self._signatures = signatures
        self.routes = (
            Route(
                "GET",
                "/1.1/account/verify_credentials.json",
                "verify_credentials",
                self.verify_credentials,
            ),
            Route("POST", "/1.1/statuses/update.json", "statuses_update", self.update_status),
        )

    async def verify_credentials(self, request: Request) -> Response:
        account = await self._signatures.account(request)
        return JSONResponse(_v1_user(account))

    async def update_status(self, request: Request) -> Response:
        # A form body: its fields are part of the OAuth 1.0a signature, which is checked first.
        account = await self._signatures.account(request)
        # Like X, from the form body or the query string (tweepy.API sends it in the query).
        form = await form_fields(request)
        text = form.get("status") or request.query_params.get("status", "")
        if not text:
            raise Refused(400, v1_error(170, "Missing required parameter: status."))
        if not account.can_write:
            raise Refused(401, v1_error(261, "Application cannot perform write actions."))
        tweet = self._state.post(account, text)
        if tweet is None:
            raise Refused(403, v1_error(187, "Status is a duplicate."))
        return JSONResponse(
            {
                "id": int(tweet["id"]),
                "id_str": tweet["id"],
                "text": text,
                "created_at": time.strftime(_V1_DATE_FORMAT, time.gmtime()),
                "user": _v1_user(account),
            }
        )


def _v1_user(account: StandinAccount) -> dict[str, Any]:
    return {
        "id": int(account.user_id),
        "id_str": account.user_id,
        "name": account.screen_name,
        "screen_name": account.screen_name,
        "created_at": time.strftime(_V1_DATE_FORMAT, time.gmtime(1_700_000_000)),
    }
