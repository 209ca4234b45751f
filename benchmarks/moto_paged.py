"""moto's server, without three costs that grow with the fleet and that AWS does not have.

    python -m benchmarks.moto_paged -H 127.0.0.1 -p PORT

At 10,000 accounts moto spent minutes where AWS spends one round trip (benchmarks.fleet, a
first run): its ListSecrets describes every matching secret on every call and then slices out
the page; every SendMessage reads the queue's attributes, which counts every message three
times; every ReceiveMessage lists every visible message before taking ten; every
DeleteMessage scans and rebuilds the whole queue. So here ListSecrets describes
only the page (same filters, order and index-based NextToken: the same answers), a queue's
attributes are computed at most once a second (SQS's counts are approximate anyway), a
receive walks the queue only until it has its messages, and a delete stops at its message.
Used by benchmarks.fleet only.
"""

import time
from typing import Any

from moto.core.utils import unix_time_millis
from moto.secretsmanager import models
from moto.server import main
from moto.sqs import models as sqs_models
from moto.sqs.exceptions import ReceiptHandleIsInvalid


def _list_secrets(
    self: Any,
    filters: list[dict[str, Any]],
    max_results: int = models.MAX_RESULTS_DEFAULT,
    next_token: str | None = None,
    include_planned_deletion: bool = False,
) -> tuple[list[dict[str, Any]], str | None]:
    matching = [
        secret
        for secret in self.secrets.values()
        if not (getattr(secret, "deleted_date", None) and not include_planned_deletion)
        and models._matches(secret, filters)
    ]
    start = int(next_token or 0)
    end = start + int(max_results or models.MAX_RESULTS_DEFAULT)
    page = [secret.to_dict() for secret in matching[start:end]]
    return page, (str(end) if end < len(matching) else None)


_attributes = sqs_models.Queue.attributes.fget  # type: ignore[attr-defined]


def _cached_attributes(self: Any) -> dict[str, Any]:
    cached = self.__dict__.get("_bench_attributes")
    if cached is None or time.monotonic() - cached[0] > 1.0:
        cached = (time.monotonic(), _attributes(self))
        self.__dict__["_bench_attributes"] = cached
    return dict(cached[1])


def _delete_message(self: Any, receipt_handle: str) -> None:
    if receipt_handle in self.deleted_messages:
        return
    for index, message in enumerate(self._messages):
        if message.had_receipt_handle(receipt_handle):
            self.pending_messages.discard(message)
            self.deleted_messages.update(message.all_receipt_handles)
            del self._messages[index]
            return
    raise ReceiptHandleIsInvalid()


class _VisibleMessages:
    """A queue's visible messages, found as they are iterated (moto's builds the whole list)."""

    def __init__(self, queue: Any) -> None:
        self._queue = queue

    def __iter__(self) -> Any:
        now = unix_time_millis()
        # moto's `visible and not delayed`, without two clock reads per message.
        return (
            m for m in list(self._queue._messages) if m.visible_at < now and m.delayed_until <= now
        )

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return any(True for _ in self)


models.SecretsManagerBackend.list_secrets = _list_secrets  # type: ignore[method-assign]
sqs_models.Queue.attributes = property(_cached_attributes)  # type: ignore[method-assign,assignment]
sqs_models.Queue.delete_message = _delete_message  # type: ignore[method-assign]
sqs_models.Queue.messages = property(_VisibleMessages)  # type: ignore[method-assign,assignment]

if __name__ == "__main__":
    main()
