"""The queued sweep's flows over the in-memory fakes: what the planner sends, what the worker
does with X's limits, and what a bot-job report leads to."""

import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.core.errors import QueueUnavailable
from app.core.sweep_queue import MAX_DELAY_SECONDS, QueueDepth, SweepTask
from app.core.x import TokenPair, XUser
from app.flows.bot_reports import handle_bot_report
from app.flows.fleet_sweep import Received, WorkReport, plan_sweep, work_sweep
from app.flows.health import Recorder
from birdhouse_client.layout import BotReport
from tests.flows.test_health import connect
from tests.support.fakes import FakeX, InMemoryAccountStore, RecordedEvents

WEEK = timedelta(days=7)
# X's resets are epoch seconds, read against the real clock where X's answer arrives.
NOW = time.time()


@pytest.fixture
def x() -> FakeX:
    return FakeX()


@pytest.fixture
def store() -> InMemoryAccountStore:
    return InMemoryAccountStore()


class RecordedQueue:
    """A SweepQueue that keeps what was sent, with each send's delay."""

    def __init__(self, *, depth: QueueDepth | None = None) -> None:
        self.sent: list[tuple[SweepTask, int]] = []
        self.refuses = False
        self._depth = depth or QueueDepth(0, 0, 0, 0)

    def send(self, tasks: Sequence[SweepTask], *, delay_seconds: int = 0) -> None:
        if self.refuses:
            raise QueueUnavailable("SQS could not send (recorded queue)")
        self.sent += [(task, delay_seconds) for task in tasks]

    def depth(self) -> QueueDepth:
        return self._depth


def messages(*names: str, not_before: float | None = None) -> list[Received]:
    return [
        Received(f"m-{name}", SweepTask(name, "2026-11-23T06:00:00", "ok", not_before).to_body())
        for name in names
    ]


def work(
    store: InMemoryAccountStore, x: FakeX, queue: RecordedQueue, batch: list[Received]
) -> WorkReport:
    return work_sweep(
        batch,
        store=store,
        x_client=x,
        recorder=Recorder(store=store, events=RecordedEvents()),
        queue=queue,
        clock=lambda: NOW,
    )


def test_the_planner_leaves_out_accounts_reported_healthy_within_the_age(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    for name in ("Busy", "Quiet", "Stale"):
        connect(x, store, name)
        store.record_check(name, status="ok", access_level=None, checked_at="2026-11-20T00:00")
    now = datetime(2026, 11, 23, tzinfo=UTC)
    store.note_reported_ok("Busy", reported_at=(now - timedelta(days=1)).isoformat())
    store.note_reported_ok("Stale", reported_at=(now - timedelta(days=8)).isoformat())
    queue = RecordedQueue()

    report = plan_sweep(store=store, queue=queue, reported_healthy_within=WEEK, now=lambda: now)

    assert (report.enqueued, report.reported_healthy) == (2, 1)
    assert sorted(task.screen_name for task, _ in queue.sent) == ["Quiet", "Stale"]


def test_the_planner_sends_nothing_while_the_last_plan_is_in_the_queue(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    connect(x, store, "Alpha")
    queue = RecordedQueue(depth=QueueDepth(waiting=3, in_flight=2, delayed=0, dead_letters=0))

    report = plan_sweep(store=store, queue=queue, reported_healthy_within=WEEK)

    assert (report.enqueued, report.already_queued, queue.sent) == (0, 5, [])
    assert x.calls == []


def test_zero_remaining_records_this_check_and_puts_the_rest_back_until_the_reset(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    for name in ("Alpha", "Bravo", "Charlie"):
        connect(x, store, name)
    reset = int(time.time()) + 300  # X reads its resets against the real clock

    class SpentAfterOne(FakeX):
        def get_me(self, tokens: TokenPair) -> XUser:
            return replace(super().get_me(tokens), rate_limit_remaining=0, rate_limit_reset=reset)

    spent = SpentAfterOne()
    spent.__dict__.update(x.__dict__)
    queue = RecordedQueue()

    report = work(store, spent, queue, messages("Alpha", "Bravo", "Charlie"))

    assert report.checked == 1
    assert store.checks["alpha"][0] == "ok"
    assert [t.screen_name for t, _ in queue.sent] == ["Bravo", "Charlie"]
    assert {delay for _, delay in queue.sent} <= {299, 300, 301}
    assert report.failed == []


def test_a_reset_beyond_15_minutes_waits_in_hops_of_15(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    connect(x, store, "Alpha")
    queue = RecordedQueue()

    report = work(store, x, queue, messages("Alpha", not_before=NOW + 7 * 3600))

    ((task, delay),) = queue.sent
    assert (delay, task.not_before, report.checked) == (MAX_DELAY_SECONDS, NOW + 7 * 3600, 0)
    assert x.calls == []  # no read before the reset


def test_what_cannot_be_put_back_is_answered_as_failed_for_sqs_to_retry(
    x: FakeX, store: InMemoryAccountStore
) -> None:
    connect(x, store, "Alpha")
    queue = RecordedQueue()
    queue.refuses = True

    report = work(store, x, queue, [*messages("Alpha", not_before=NOW + 60), Received("bad", "{")])

    assert sorted(report.failed) == ["bad", "m-Alpha"]


@pytest.mark.parametrize(
    ("user_id", "reported_at", "action"),
    [
        ("", "2999-01-01T00:00:00+00:00", "checked"),
        ("someone-else", "2999-01-01T00:00:00+00:00", "ignored"),
        ("", "2000-01-01T00:00:00+00:00", "ignored"),  # checked since
    ],
)
def test_a_trouble_report_is_checked_unless_it_is_stale_or_another_users(
    x: FakeX, store: InMemoryAccountStore, user_id: str, reported_at: str, action: str
) -> None:
    account = connect(x, store, "GoneBot")
    store.record_check("GoneBot", status="ok", access_level=None, checked_at="2026-11-23T06:00")
    x.revoke("GoneBot")
    events = RecordedEvents()
    report = BotReport("GoneBot", user_id or account.user_id, "trouble", reported_at, 401)

    outcome = handle_bot_report(
        report, store=store, x_client=x, recorder=Recorder(store=store, events=events)
    )

    assert outcome.action == action
    assert len(events.published) == (1 if action == "checked" else 0)
