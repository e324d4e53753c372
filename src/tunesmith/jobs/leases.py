"""The lease reaper: tasks whose worker died are re-queued (or failed and refunded when out of
attempts); tasks past their deadline are failed with the contract's timeout message and refunded.
Also re-sends webhook deliveries whose scheduled retry was lost."""

from __future__ import annotations

import structlog

from tunesmith.jobs.context import Services
from tunesmith.jobs.runner import ENGINE_FAILED, TIMEOUT_MESSAGE, after_finish
from tunesmith.store.repos import utcnow

log = structlog.get_logger(__name__)


def reap(services: Services) -> int:
    """One pass; returns how many tasks it acted on."""
    store = services.store
    acted = 0
    now = utcnow()
    for task in store.expired_tasks():
        acted += 1
        if task.deadline_at is not None and task.deadline_at < now:
            store.fail_open_clips(task.id, TIMEOUT_MESSAGE)
        elif task.attempts >= services.settings.jobs.max_attempts:
            store.fail_open_clips(task.id, ENGINE_FAILED)
        else:
            log.warning("task.requeue", task_id=task.id, owner=task.lease_owner)
            store.reset_for_retry(task.id)
            services.queue.enqueue_task(task.id)
            continue
        finished = store.finish_task(task.id)
        if finished is not None:
            after_finish(services, finished)
    for delivery_id in store.due_deliveries():
        services.queue.enqueue_delivery(delivery_id)
    return acted


def requeue_pending(services: Services) -> int:
    """Enqueue every pending task again (on worker start; duplicates are harmless)."""
    ids = services.store.pending_task_ids()
    for task_id in ids:
        services.queue.enqueue_task(task_id)
    return len(ids)
