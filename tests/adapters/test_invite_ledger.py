"""The DynamoDB invite ledger against moto: conditional writes do the once-only work."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.adapters.dynamodb import DYNAMODB_CLIENT_CONFIG
from app.adapters.invite_ledger import DynamoDBInviteLedger
from app.core.errors import InviteAlreadyUsed, InviteNotPending, InviteWithdrawn, LedgerUnavailable
from app.core.invites import InviteRecord, InviteStatus
from tests.support.aws import BackoffClock, aws_json_error
from tests.support.constants import INVITES_TABLE

NOW = datetime.now(UTC).replace(microsecond=0)
WINDOW = timedelta(minutes=15)


@pytest.fixture
def ledger(dynamodb: Any) -> DynamoDBInviteLedger:
    return DynamoDBInviteLedger(dynamodb, table_name=INVITES_TABLE)


def pending(invite_id: str = "inv-0001", **fields: Any) -> InviteRecord:
    return InviteRecord(
        id=invite_id,
        status=InviteStatus.PENDING,
        created_at=NOW,
        expires_at=NOW + timedelta(days=1),
        **fields,
    )


def test_a_record_round_trips_with_its_ttl(ledger: DynamoDBInviteLedger, dynamodb: Any) -> None:
    record = pending(screen_name="HelloBot", user_id="42", note="for Ada")
    ledger.record(record)

    item = dynamodb.get_item(TableName=INVITES_TABLE, Key={"invite_id": {"S": record.id}})["Item"]

    assert ledger.get(record.id) == record
    assert int(item["expires_ttl"]["N"]) == int(
        (record.expires_at + timedelta(days=30)).timestamp()
    )
    ttl = dynamodb.describe_time_to_live(TableName=INVITES_TABLE)["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires_ttl"


def test_a_second_claim_loses_to_the_first(ledger: DynamoDBInviteLedger) -> None:
    # The condition is what makes racing callbacks safe: DynamoDB applies conditional writes to
    # one item one at a time. (moto does not serialise threads, so the race itself is not
    # re-enacted here; the web tests run two callbacks on one invite.)
    ledger.record(pending())
    ledger.claim("inv-0001", claim_id="first", screen_name="FirstBot", user_id="1", now=NOW)

    with pytest.raises(InviteAlreadyUsed, match="@FirstBot"):
        ledger.claim("inv-0001", claim_id="second", screen_name="SecondBot", user_id="2", now=NOW)

    claimed = ledger.get("inv-0001")
    assert claimed is not None
    assert (claimed.status, claimed.connected_screen_name) == (InviteStatus.USED, "FirstBot")


def test_only_the_claimant_can_release(ledger: DynamoDBInviteLedger) -> None:
    ledger.record(pending())
    ledger.claim("inv-0001", claim_id="mine", screen_name="A", user_id="1", now=NOW)

    ledger.release("inv-0001", claim_id="someone-elses")
    assert ledger.get("inv-0001").status is InviteStatus.USED  # type: ignore[union-attr]
    ledger.release("inv-0001", claim_id="mine")

    released = ledger.get("inv-0001")
    assert released is not None
    assert released.status is InviteStatus.PENDING
    assert released.connected_screen_name is None


def test_a_withdrawn_invite_cannot_be_claimed(ledger: DynamoDBInviteLedger) -> None:
    ledger.record(pending())
    ledger.withdraw("inv-0001", now=NOW)

    with pytest.raises(InviteWithdrawn):
        ledger.claim("inv-0001", claim_id="c", screen_name="A", user_id="1", now=NOW)
    with pytest.raises(InviteNotPending):
        ledger.withdraw("inv-0001", now=NOW)


def test_attempts_are_counted_per_window(ledger: DynamoDBInviteLedger) -> None:
    ledger.record(pending())

    first_window = [
        ledger.count_attempt("inv-0001", now=NOW, limit=3, window=WINDOW) for _ in range(4)
    ]
    next_window = ledger.count_attempt("inv-0001", now=NOW + WINDOW, limit=3, window=WINDOW)

    assert first_window == [True, True, True, False]
    assert next_window is True


def test_attempts_on_an_unknown_invite_are_refused(ledger: DynamoDBInviteLedger) -> None:
    assert ledger.count_attempt("nobody-here", now=NOW, limit=3, window=WINDOW) is False


def test_a_damaged_record_is_skipped_in_the_list_and_named_on_read(
    ledger: DynamoDBInviteLedger, dynamodb: Any
) -> None:
    ledger.record(pending("inv-good"))
    dynamodb.put_item(
        TableName=INVITES_TABLE, Item={"invite_id": {"S": "inv-bad"}, "status": {"S": "??"}}
    )

    assert [r.id for r in ledger.list_invites()] == ["inv-good"]
    with pytest.raises(LedgerUnavailable, match="damaged"):
        ledger.get("inv-bad")


def test_throttling_that_persists_is_a_clear_503(dynamodb: Any, aws_backoff: BackoffClock) -> None:
    import boto3

    client = boto3.client(
        "dynamodb", region_name=dynamodb.meta.region_name, config=DYNAMODB_CLIENT_CONFIG
    )
    attempts: list[int] = []

    def throttle(request: Any, **_: Any) -> Any:
        attempts.append(1)
        return aws_json_error(request.url, "ProvisionedThroughputExceededException")

    client.meta.events.register_first("before-send.dynamodb.GetItem", throttle)

    with pytest.raises(LedgerUnavailable, match="ProvisionedThroughputExceeded"):
        DynamoDBInviteLedger(client, table_name=INVITES_TABLE).get("inv-0001")
    assert len(attempts) == 3  # retried with backoff, then given up
    assert len(aws_backoff.waits) == 2


def test_a_retried_claim_whose_first_answer_was_lost_succeeds(
    ledger: DynamoDBInviteLedger,
) -> None:
    ledger.record(pending())
    ledger.claim("inv-0001", claim_id="mine", screen_name="A", user_id="1", now=NOW)

    # botocore retrying the same claim after a lost answer: its condition fails, yet it is ours.
    ledger.claim("inv-0001", claim_id="mine", screen_name="A", user_id="1", now=NOW)

    claimed = ledger.get("inv-0001")
    assert claimed is not None
    assert claimed.connected_screen_name == "A"


def test_the_brake_slides_no_window_boundary_lets_a_second_burst_through(
    ledger: DynamoDBInviteLedger,
) -> None:
    ledger.record(pending())
    boundary = datetime.fromtimestamp(
        (NOW.timestamp() // WINDOW.total_seconds() + 1) * WINDOW.total_seconds(), UTC
    )

    before = [
        ledger.count_attempt(
            "inv-0001", now=boundary - timedelta(seconds=1), limit=3, window=WINDOW
        )
        for _ in range(3)
    ]
    after = ledger.count_attempt(
        "inv-0001", now=boundary + timedelta(seconds=1), limit=3, window=WINDOW
    )
    later = ledger.count_attempt(
        "inv-0001", now=boundary + WINDOW - timedelta(seconds=0.5), limit=3, window=WINDOW
    )

    assert before == [True, True, True]
    assert after is False  # three within the 15 minutes before it
    assert later is True  # the first three are more than 15 minutes old by then


def test_two_racing_opens_are_both_counted(ledger: DynamoDBInviteLedger, dynamodb: Any) -> None:
    # moto applies each write as it comes; AWS serialises conditional writes on one item.
    # Model the race by running a second open between this open's read and its write: the
    # write then finds the version moved on, reads again and counts both.
    ledger.record(pending())
    client = dynamodb  # the ledger's own client
    raced: list[bool] = []

    def another_open_first(**_: Any) -> None:
        if not raced:
            raced.append(True)
            other = DynamoDBInviteLedger(dynamodb, table_name=INVITES_TABLE)
            raced.append(other.count_attempt("inv-0001", now=NOW, limit=2, window=WINDOW))

    client.meta.events.register("before-call.dynamodb.UpdateItem", another_open_first)
    try:
        ours = ledger.count_attempt("inv-0001", now=NOW, limit=2, window=WINDOW)
    finally:
        client.meta.events.unregister("before-call.dynamodb.UpdateItem", another_open_first)

    assert raced == [True, True]
    assert ours is True
    assert ledger.count_attempt("inv-0001", now=NOW, limit=2, window=WINDOW) is False


def test_a_callback_state_is_spent_once_and_can_be_given_back(
    ledger: DynamoDBInviteLedger,
) -> None:
    ledger.record(pending())

    first = ledger.spend_state("inv-0001", oauth_token="rt-1", now=NOW)
    replayed = ledger.spend_state("inv-0001", oauth_token="rt-1", now=NOW)
    other_tab = ledger.spend_state("inv-0001", oauth_token="rt-2", now=NOW)
    ledger.return_state("inv-0001", oauth_token="rt-1")
    after_x_was_down = ledger.spend_state("inv-0001", oauth_token="rt-1", now=NOW)

    assert (first, replayed, other_tab, after_x_was_down) == (True, False, True, True)
    assert ledger.spend_state("nobody-here", oauth_token="rt-1", now=NOW) is False


def test_a_spent_state_whose_answer_was_lost_is_still_ours_on_the_retry(
    ledger: DynamoDBInviteLedger, dynamodb: Any
) -> None:
    # The first attempt reaches DynamoDB and is applied; only its answer is lost, so botocore
    # sends it again, and the condition now fails: the nonce tells that the note is ours.
    ledger.record(pending())
    applied: list[bool] = []

    def first_attempt_applied(params: Any, **_: Any) -> None:
        if not applied:
            applied.append(True)
            dynamodb.update_item(**{k: v for k, v in params.items() if k != "ReturnValues"})

    dynamodb.meta.events.register(
        "provide-client-params.dynamodb.UpdateItem", first_attempt_applied
    )
    try:
        spent = ledger.spend_state("inv-0001", oauth_token="rt-1", now=NOW)
    finally:
        dynamodb.meta.events.unregister(
            "provide-client-params.dynamodb.UpdateItem", first_attempt_applied
        )

    assert applied == [True]
    assert spent is True
    assert ledger.spend_state("inv-0001", oauth_token="rt-1", now=NOW) is False
