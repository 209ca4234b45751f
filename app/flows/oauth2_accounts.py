"""What verify, test-tweet, the sweep, delete and reset do with an OAuth 2.0 account.

Every call is made with the user access token as Bearer; a token near its end is refreshed
first, through the lease (`Refresher`). A 401 to a Bearer token means that token: unlike
OAuth 1.0a's, it carries no app signature to doubt.
"""

import logging
from dataclasses import dataclass

from app.core.errors import (
    BirdhouseError,
    OAuth2NotConfigured,
    RefreshBusy,
    RefreshLost,
    XError,
    XRefreshRejected,
    XTokenRevoked,
)
from app.core.oauth2 import OAuth2Client
from app.core.x import Tweet, XUser
from app.flows.health import Finding, answered, refused_by_x
from app.flows.refresh import Refresher, utc_now
from birdhouse_client.layout import (
    STATUS_REFRESH_LOST,
    STATUS_REFRESH_REJECTED,
    STATUS_REVOKED,
    STATUS_UNREACHABLE,
    OAuth2AccountSecret,
)

log = logging.getLogger(__name__)

NOT_CONFIGURED = (
    "This is an OAuth 2.0 account and the app secret has no client_id / client_secret: add "
    "the X app's OAuth 2.0 Client ID and Secret to it."
)


@dataclass
class OAuth2Accounts:
    """Bearer calls for OAuth 2.0 accounts, each with a token that has minutes left.

    Without a refresher (the sweep's: it writes no secret), a token is used while it works
    and an expired one is left to the scheduled refresher.
    """

    client: OAuth2Client
    refresher: Refresher | None = None

    def fresh(self, account: OAuth2AccountSecret) -> OAuth2AccountSecret:
        if self.refresher is not None:
            return self.refresher.fresh(account.screen_name).account
        if account.seconds_left(utc_now()) <= 0:
            raise RefreshBusy(
                f"@{account.screen_name}'s token has expired and is due for its refresh; the "
                "scheduled refresher renews it (POST /accounts/{name}/refresh does it now)."
            )
        return account

    def get_me(self, account: OAuth2AccountSecret) -> XUser:
        return self.client.get_me(self.fresh(account).access_token)

    def post(self, account: OAuth2AccountSecret, *, text: str) -> Tweet:
        return self.client.create_tweet(self.fresh(account).access_token, text=text)

    def check(self, account: OAuth2AccountSecret) -> Finding:
        """GET /2/users/me with a fresh token, read as a status (the sweep's and verify's)."""

        def refused(status: str, error: BirdhouseError) -> Finding:
            return Finding(account.screen_name, account.user_id, status, error=error)

        try:
            user = self.get_me(account)
        except XRefreshRejected as exc:
            return refused(STATUS_REFRESH_REJECTED, exc)
        except RefreshLost as exc:
            return refused(STATUS_REFRESH_LOST, exc)
        except RefreshBusy as exc:
            return refused(STATUS_UNREACHABLE, exc)
        except XTokenRevoked as exc:
            return refused(STATUS_REVOKED, exc)
        except XError as exc:
            return refused_by_x(account, exc)
        except BirdhouseError as exc:  # the lease or the store: try again later
            return refused(STATUS_UNREACHABLE, exc)
        return answered(account, user)

    def revoke(self, account: OAuth2AccountSecret) -> None:
        """Revoke at X: the refresh token (the family) and the access token."""
        self.client.revoke(account.refresh_token)
        self.client.revoke(account.access_token)


def required(oauth2: OAuth2Accounts | None) -> OAuth2Accounts:
    if oauth2 is None:
        raise OAuth2NotConfigured(NOT_CONFIGURED)
    return oauth2
