"""The JobQueue port and its adapters.

The database is the source of truth; the queue only carries ids. Delivery to the runner is made
at-least-once by the lease reaper (:mod:`tunesmith.jobs.leases`), so handlers are idempotent.

- :class:`HueyQueue`: Huey on a SQLite file under ``data_dir`` (embedded; consumed by
  ``tunesmith worker`` processes) or on Redis (``queue.redis_url``, a priority queue) for many
  machines. Webhook deliveries (short) go before renders (:data:`DELIVERY_PRIORITY`).
- :class:`InlineQueue`: keeps jobs in memory and runs them when :meth:`InlineQueue.drain` is called
  (or at once with ``auto=True``); for unit tests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

import structlog

from tunesmith.settings import Settings

log = structlog.get_logger(__name__)

Handler = Callable[[str], object]

TASK_PRIORITY = 0
"""Huey priority of a task run."""
DELIVERY_PRIORITY = 10
"""Huey priority of a webhook delivery: higher runs first, so callbacks do not wait behind renders."""


class JobQueue(Protocol):
    def enqueue_task(self, task_id: str) -> None: ...

    def enqueue_delivery(self, delivery_id: str, *, delay_s: float = 0.0) -> None: ...

    def ping(self) -> None: ...


class InlineQueue:
    """In-memory queue: ``bind`` the handlers, then ``drain`` (or construct with ``auto=True``)."""

    def __init__(self, *, auto: bool = False) -> None:
        self.auto = auto
        self.jobs: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._handlers: dict[str, Handler] = {}

    def bind(self, *, run_task: Handler, deliver: Handler) -> None:
        self._handlers = {"task": run_task, "delivery": deliver}

    def _put(self, kind: str, item: str) -> None:
        with self._lock:
            self.jobs.append((kind, item))
        if self.auto:
            self.drain()

    def enqueue_task(self, task_id: str) -> None:
        self._put("task", task_id)

    def enqueue_delivery(self, delivery_id: str, *, delay_s: float = 0.0) -> None:
        self._put("delivery", delivery_id)

    def drain(self) -> int:
        """Run queued jobs (and any they enqueue) until none is left; returns how many ran."""
        ran = 0
        while True:
            with self._lock:
                if not self.jobs:
                    return ran
                kind, item = self.jobs.pop(0)
            self._handlers[kind](item)
            ran += 1

    def ping(self) -> None:
        return None


def make_huey(settings: Settings) -> Any:
    """The Huey instance for these settings (SQLite file, or Redis when configured)."""
    if settings.queue.redis_url:
        from huey import PriorityRedisHuey

        return PriorityRedisHuey("tunesmith", url=settings.queue.redis_url, results=False)
    from huey import SqliteHuey

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("tunesmith", filename=str(settings.queue_path), results=False)


class HueyQueue:
    """Huey adapter. The handlers run in the consumer (``tunesmith worker``), which builds its own
    services from the same settings."""

    def __init__(self, settings: Settings, *, run_task: Handler, deliver: Handler) -> None:
        self.huey = make_huey(settings)
        self._run = self.huey.task(name="tunesmith.run_task", priority=TASK_PRIORITY)(run_task)
        self._deliver = self.huey.task(name="tunesmith.deliver_webhook", priority=DELIVERY_PRIORITY)(deliver)

    def enqueue_task(self, task_id: str) -> None:
        """Queue a run of ``task_id``. If the queue cannot be reached (Redis restarting), the task
        stays ``pending`` in the database, the source of truth, and the lease reaper enqueues it once
        the queue is back (:func:`tunesmith.jobs.leases.requeue_lost`): the submission succeeds."""
        try:
            self._run(task_id)
        except Exception as exc:
            log.warning("queue.enqueue_failed", task_id=task_id, error=f"{type(exc).__name__}: {exc}"[:300])

    def enqueue_delivery(self, delivery_id: str, *, delay_s: float = 0.0) -> None:
        """Queue a webhook delivery; if the queue cannot be reached the reaper re-sends it later
        (the delivery is due in the database)."""
        try:
            if delay_s > 0:
                self._deliver.schedule((delivery_id,), delay=delay_s)
            else:
                self._deliver(delivery_id)
        except Exception as exc:
            log.warning(
                "queue.enqueue_failed", delivery_id=delivery_id, error=f"{type(exc).__name__}: {exc}"[:300]
            )

    def pending(self) -> int:
        return int(self.huey.pending_count())

    def ping(self) -> None:
        self.huey.pending_count()
