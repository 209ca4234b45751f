"""The OAuth 2.0 adapter against the stand-in: what a failed refresh means for the token."""

import pytest

from app.adapters.x_oauth2 import OAuth2XClient
from app.core.errors import XRefreshLost, XRefreshRejected, XUnavailable
from app.sandbox.x_standin import Fault, XStandin
from tests.support.constants import CLIENT_ID, CLIENT_SECRET
from tests.support.owner_flows import oauth2_account


@pytest.fixture
def client(x_standin: XStandin, x_url: str) -> OAuth2XClient:
    x_standin.oauth2.clients[CLIENT_ID] = CLIENT_SECRET
    return OAuth2XClient(
        base_url=x_url,
        authorize_url=f"{x_url}/i/oauth2/authorize",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes="tweet.read tweet.write users.read offline.access",
        timeout_seconds=0.5,
    )


def test_a_refresh_rotates_and_the_old_token_is_spent(
    client: OAuth2XClient, x_standin: XStandin, x_url: str
) -> None:
    account = oauth2_account(x_standin, x_url, "HelloBot")

    grant = client.refresh(account.refresh_token)

    assert grant.refresh_token != account.refresh_token
    assert grant.lifetime_seconds == 7200
    assert client.get_me(grant.access_token).screen_name == "HelloBot"
    with pytest.raises(XRefreshRejected):
        client.refresh(account.refresh_token)  # reuse: invalid_grant, and the family dies
    with pytest.raises(Exception, match="no longer accepts"):
        client.get_me(grant.access_token)


def test_an_answer_lost_after_x_rotated_is_lost_not_retryable(
    client: OAuth2XClient, x_standin: XStandin, x_url: str
) -> None:
    account = oauth2_account(x_standin, x_url, "HelloBot")
    x_standin.fail_next("oauth2_token", Fault(after_work=True, delay_seconds=2))

    with pytest.raises(XRefreshLost, match="not sent again"):
        client.refresh(account.refresh_token)

    assert len(x_standin.oauth2.record.refreshes) == 1  # X did rotate


@pytest.mark.parametrize("fault", [Fault(status=503), Fault(status=500)])
def test_x_answering_an_error_left_the_token_unspent(
    client: OAuth2XClient, x_standin: XStandin, x_url: str, fault: Fault
) -> None:
    account = oauth2_account(x_standin, x_url, "HelloBot")
    x_standin.fail_next("oauth2_token", fault)

    with pytest.raises(XUnavailable):
        client.refresh(account.refresh_token)

    assert client.refresh(account.refresh_token).refresh_token  # still works


def test_nothing_listening_is_never_sent(x_standin: XStandin, x_url: str) -> None:
    down = OAuth2XClient(
        base_url="http://127.0.0.1:9",
        authorize_url="http://127.0.0.1:9/i/oauth2/authorize",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scopes="offline.access",
        timeout_seconds=0.5,
    )

    with pytest.raises(XUnavailable) as raised:
        down.refresh("rt")
    assert not isinstance(raised.value, XRefreshLost)


def test_a_wrong_client_secret_is_refused(x_standin: XStandin, x_url: str) -> None:
    x_standin.oauth2.clients[CLIENT_ID] = CLIENT_SECRET
    wrong = OAuth2XClient(
        base_url=x_url,
        authorize_url=f"{x_url}/i/oauth2/authorize",
        client_id=CLIENT_ID,
        client_secret="not-it",
        scopes="offline.access",
        timeout_seconds=0.5,
    )

    with pytest.raises(Exception, match="401"):
        wrong.revoke("anything")
