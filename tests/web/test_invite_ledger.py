"""Single-use, withdrawable, tracked invites and accounts bound to X user ids, end to end:
the Lambda handler with API Gateway events, moto's DynamoDB and Secrets Manager, and the
signature-checking X stand-in."""

import json
from typing import Any

import boto3

from app.adapters.invite_ledger import DynamoDBInviteLedger
from app.main import app
from app.sandbox.x_standin import XStandin
from app.web.deps import get_ledger
from tests.support.admin_api import AdminApi
from tests.support.constants import INVITES_TABLE
from tests.support.lambda_browser import FRONT_DOORS, LambdaBrowser, authorize_at_x
from tests.support.lambda_events import REGION
from tests.support.owner_flows import connect, mint_invite, open_invite


def invite_id_of(api: AdminApi, url: str) -> str:
    listed = api.call("GET", "/invites").json["invites"]
    return str(listed[0]["id"])  # newest first


def stored(aws: Any, name: str) -> dict[str, str]:
    answer = aws.get_secret_value(SecretId=f"twitter-bots/accounts/{name.lower()}")
    return dict(json.loads(answer["SecretString"]))


def live_account_names(aws: Any) -> list[str]:
    return sorted(
        s["Name"].rsplit("/", 1)[-1]
        for s in aws.list_secrets()["SecretList"]
        if "/accounts/" in s["Name"] and "DeletedDate" not in s
    )


def finish_at_x(browser: LambdaBrowser, link: str, *, log_in_as: str) -> Any:
    return browser.open(authorize_at_x(open_invite(browser, link), screen_name=log_in_as))


# --- the lifecycle ------------------------------------------------------------------------------


def test_an_invite_connects_one_account_and_then_says_so(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    link = mint_invite(browser)
    assert finish_at_x(browser, link, log_in_as="HelloBot").status == 200
    calls_before = len(birdhouse.calls)

    page = LambdaBrowser(browser.handler, browser.front_door).open(link)

    assert page.status == 409
    assert "This link was already used to connect @HelloBot" in page.text
    assert len(birdhouse.calls) == calls_before
    assert live_account_names(aws) == ["hellobot"]


def test_a_withdrawn_invite_says_so_and_reaches_nothing(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    api = AdminApi(browser)
    link = mint_invite(browser, screen_name="HelloBot")
    invite_id = invite_id_of(api, link)

    answer = api.call("DELETE", f"/invites/{invite_id}")
    page = browser.open(link)

    assert answer.status == 200
    assert answer.json["status"] == "revoked"
    assert page.status == 410
    assert "This link was withdrawn" in page.text
    assert birdhouse.calls == []


def test_withdrawing_a_used_or_unknown_invite_is_refused(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    api = AdminApi(browser)
    link = mint_invite(browser)
    finish_at_x(browser, link, log_in_as="HelloBot")

    used = api.call("DELETE", f"/invites/{invite_id_of(api, link)}")
    unknown = api.call("DELETE", "/invites/no-such-invite")

    assert (used.status, used.json["code"]) == (409, "invite_not_pending")
    assert (unknown.status, unknown.json["code"]) == (404, "invite_not_found")


def test_the_operator_sees_every_invite_and_what_it_connected(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    api = AdminApi(browser)
    used_link = mint_invite(browser, screen_name="HelloBot")
    finish_at_x(browser, used_link, log_in_as="HelloBot")
    answer = api.call("POST", "/invites", {"note": "for the weather bot's owner"})
    assert answer.status == 201
    assert set(answer.json) == {"id", "url", "expires_at", "screen_name", "auth"}

    listed = api.call("GET", "/invites").json["invites"]
    used_only = api.call("GET", "/invites?status=used").json["invites"]

    assert [i["status"] for i in listed] == ["pending", "used"]
    assert listed[0]["note"] == "for the weather bot's owner"
    assert listed[1]["connected_screen_name"] == "HelloBot"
    assert listed[1]["connected_user_id"] == birdhouse.account("HelloBot").user_id
    assert listed[1]["used_at"]
    assert [i["id"] for i in used_only] == [listed[1]["id"]]
    body = json.dumps(listed)
    assert "invite=" not in body
    assert answer.json["url"].split("invite=")[1] not in body


def test_a_note_longer_than_200_characters_is_refused(
    app_secret_stored: Any, browser: LambdaBrowser
) -> None:
    answer = AdminApi(browser).call("POST", "/invites", {"note": "x" * 201})

    assert answer.status == 422
    assert answer.json["errors"][0]["loc"] == ["body", "note"]


def test_one_link_starts_at_most_ten_authorizations_per_quarter_hour(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    link = mint_invite(browser, screen_name="HelloBot")
    for _ in range(10):
        assert browser.open(link).status == 303

    page = browser.open(link)

    assert page.status == 429
    assert "too many times" in page.text
    assert len(birdhouse.calls_to("request_token")) == 10


def test_two_callbacks_on_one_open_invite_store_one_account(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    link = mint_invite(browser)
    first_tab = LambdaBrowser(browser.handler, FRONT_DOORS["http_api"])
    second_tab = LambdaBrowser(browser.handler, FRONT_DOORS["http_api"])
    first_callback = authorize_at_x(open_invite(first_tab, link), screen_name="FirstBot")
    second_callback = authorize_at_x(open_invite(second_tab, link), screen_name="SecondBot")

    first = first_tab.open(first_callback)
    second = second_tab.open(second_callback)

    assert first.status == 200
    assert second.status == 409
    assert "already used to connect @FirstBot" in second.text
    assert live_account_names(aws) == ["firstbot"]


def test_a_failure_before_storing_leaves_the_link_usable(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    link = mint_invite(browser, screen_name="HelloBot")
    cancelled = browser.open(birdhouse.deny(birdhouse_token := _token(open_invite(browser, link))))
    assert cancelled.status == 200
    assert birdhouse_token

    wrong = finish_at_x(browser, link, log_in_as="SomeoneElse")
    right = finish_at_x(browser, link, log_in_as="HelloBot")

    assert wrong.status == 403
    assert right.status == 200


def _token(authorize_url: str) -> str:
    return authorize_url.split("oauth_token=")[1].split("&")[0]


# --- accounts are X users -----------------------------------------------------------------------


def test_a_newcomer_with_a_bots_old_name_is_refused_and_the_bot_untouched(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    still_valid = mint_invite(browser, screen_name="HelloBot")  # sent before the bot connected
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    real = stored(aws, "HelloBot")
    birdhouse.rename("HelloBot", "HelloBotRenamed")  # X frees the name at once...
    newcomer = birdhouse.account("HelloBot")  # ...and a stranger takes it

    page = finish_at_x(browser, still_valid, log_in_as="HelloBot")

    assert page.status == 409
    assert real["user_id"] in page.text
    assert newcomer.user_id in page.text
    assert stored(aws, "HelloBot") == real
    listed = AdminApi(browser).call("GET", "/accounts").json["accounts"]
    assert newcomer.user_id in listed[0]["name_conflict"]


def test_a_renamed_bot_moves_to_its_new_name(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    connect(browser, invite_for=None, log_in_as="OldName")
    birdhouse.rename("OldName", "NewName")

    page = connect(browser, invite_for=None, log_in_as="NewName")

    assert page.status == 200
    assert "It was @OldName here before" in page.text
    assert live_account_names(aws) == ["newname"]
    old = aws.describe_secret(SecretId="twitter-bots/accounts/oldname")
    assert "DeletedDate" in old
    assert {"Key": "birdhouse:moved_to", "Value": "NewName"} in old["Tags"]


def test_an_invite_for_a_known_account_accepts_only_its_x_user(
    birdhouse: XStandin, browser: LambdaBrowser, aws: Any
) -> None:
    connect(browser, invite_for="HelloBot", log_in_as="HelloBot")
    link = mint_invite(browser, screen_name="HelloBot")  # records HelloBot's user id
    birdhouse.rename("HelloBot", "Elsewhere")
    birdhouse.account("HelloBot")

    page = finish_at_x(browser, link, log_in_as="HelloBot")

    assert page.status == 403
    assert "different X account" in page.text


def test_the_clean_up_never_revokes_the_token_of_a_renamed_stored_bot(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    connect(browser, invite_for=None, log_in_as="OtherBot")
    birdhouse.rename("OtherBot", "OtherBotRenamed")

    page = connect(browser, invite_for="HelloBot", log_in_as="OtherBotRenamed")

    assert page.status == 403
    assert birdhouse.access_token_for("OtherBotRenamed") is not None
    assert birdhouse.calls_to("invalidate_token") == []


# --- the ledger failing -------------------------------------------------------------------------


def test_an_unreachable_ledger_is_a_503_page_that_says_nothing_was_saved(
    birdhouse: XStandin, browser: LambdaBrowser
) -> None:
    link = mint_invite(browser)
    app.dependency_overrides[get_ledger] = lambda: DynamoDBInviteLedger(
        _unreachable_dynamodb(), table_name=INVITES_TABLE
    )
    try:
        page = browser.open(link)
        answer = AdminApi(browser).call("GET", "/invites")
    finally:
        app.dependency_overrides.pop(get_ledger, None)

    assert page.status == 503
    assert "Nothing was saved" in page.text
    assert "EndpointConnectionError" not in page.text  # AWS's words stay in the log
    assert birdhouse.calls == []
    assert (answer.status, answer.json["code"]) == (503, "ledger_unavailable")


def _unreachable_dynamodb() -> Any:
    from botocore.config import Config

    return boto3.client(
        "dynamodb",
        region_name=REGION,
        endpoint_url="http://127.0.0.1:9",
        config=Config(connect_timeout=0.2, retries={"total_max_attempts": 2}),
    )


def test_a_damaged_ledger_record_is_a_clear_page(
    birdhouse: XStandin, browser: LambdaBrowser, dynamodb: Any
) -> None:
    link = mint_invite(browser)
    invite_id = invite_id_of(AdminApi(browser), link)
    dynamodb.update_item(
        TableName=INVITES_TABLE,
        Key={"invite_id": {"S": invite_id}},
        UpdateExpression="REMOVE created_at",
    )

    page = browser.open(link)

    assert page.status == 503
    assert "damaged" in page.text
    assert birdhouse.calls == []


def test_an_invite_missing_from_the_ledger_is_not_valid(
    birdhouse: XStandin, browser: LambdaBrowser, dynamodb: Any
) -> None:
    link = mint_invite(browser)
    invite_id = invite_id_of(AdminApi(browser), link)
    dynamodb.delete_item(TableName=INVITES_TABLE, Key={"invite_id": {"S": invite_id}})

    page = browser.open(link)

    assert page.status == 400
    assert "ask for a new one" in page.text
    assert birdhouse.calls == []
