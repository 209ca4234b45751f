"""Rotation through the Lambda handler: a reset that hands back an invite, and a warm app that
picks up regenerated consumer keys as soon as X refuses the old ones."""

import json
from typing import Any

import pytest

from app.sandbox.x_standin import XStandin
from birdhouse_client import AccountRevoked, load_account
from birdhouse_client.layout import AccountSecret
from tests.support.admin_api import AdminApi
from tests.support.constants import APP_SECRET_ID, CONSUMER_KEY
from tests.support.lambda_browser import LambdaBrowser, authorize_at_x
from tests.support.owner_flows import connect, mint_invite, open_invite


def test_reset_revokes_marks_and_the_invite_reconnects_the_same_secret(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")

    answer = AdminApi(browser).call("POST", "/accounts/HelloBot/reset")

    assert answer.status == 200
    assert answer.json["revoked_at_x"] is True
    assert birdhouse.access_token_for("HelloBot") is None
    with pytest.raises(AccountRevoked, match="revoked by the operator"):
        load_account("HelloBot", client=aws)
    tags = aws.describe_secret(SecretId="twitter-bots/accounts/hellobot")["Tags"]
    assert {"Key": "birdhouse:status", "Value": "revoked"} in tags

    link = answer.json["invite"]["url"]
    page = browser.open(authorize_at_x(open_invite(browser, link), screen_name="HelloBot"))

    assert page.status == 200
    reconnected = load_account("HelloBot", client=aws)
    assert isinstance(reconnected, AccountSecret)
    assert reconnected.status == "ok"
    assert (reconnected.access_token, reconnected.access_token_secret) == (
        birdhouse.access_token_for("HelloBot")
    )
    tags = aws.describe_secret(SecretId="twitter-bots/accounts/hellobot")["Tags"]
    assert {"Key": "birdhouse:status", "Value": "ok"} in tags


def test_the_reset_invite_is_bound_to_the_accounts_x_user(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    link = AdminApi(browser).call("POST", "/accounts/HelloBot/reset").json["invite"]["url"]
    birdhouse.rename("HelloBot", "Elsewhere")
    birdhouse.account("HelloBot")  # someone else takes the name

    page = browser.open(authorize_at_x(open_invite(browser, link), screen_name="HelloBot"))

    assert page.status == 403


def test_a_warm_app_picks_up_a_regenerated_consumer_key_when_x_refuses_the_old(
    birdhouse: XStandin,
    app_secret_stored: dict[str, str],
    browser: LambdaBrowser,
    aws: Any,
) -> None:
    link = mint_invite(browser)  # warm: the app secret is cached
    new_key, new_secret = birdhouse.regenerate_consumer_key(CONSUMER_KEY)
    aws.put_secret_value(
        SecretId=APP_SECRET_ID,
        SecretString=json.dumps(
            {**app_secret_stored, "consumer_key": new_key, "consumer_secret": new_secret}
        ),
    )

    refused = browser.open(link)
    retried = browser.open(link)

    assert refused.status == 502  # X refused the cached, old key...
    assert retried.status == 303  # ...which made the app read the new one at once
