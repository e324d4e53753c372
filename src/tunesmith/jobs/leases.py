"""The lease reaper: tasks whose worker died are re-queued (or failed and refunded when out of
attempts); tasks past their deadline are failed with the contract's timeout message and refunded.
Also re-sends webhook deliveries whose scheduled retry was lost, and re-enqueues pending tasks the
queue lost (:func:`requeue_lost`).

A worker's lease names it ``host:pid``. A lease held by a process of *this* host that no longer
exists (killed, crashed, or the whole server restarted) is ended at once instead of waiting for
it to expire; leases of other hosts always run their full term.
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta
from pathlib import Path

import structlog

from tunesmith.jobs.context import Services
from tunesmith.jobs.runner import ENGINE_FAILED, TIMEOUT_MESSAGE, after_finish
from tunesmith.store.repos import utcnow

log = structlog.get_logger(__name__)


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (a killed child its parent has not reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no procfs: trust kill(0)
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def release_dead_local_leases(services: Services) -> int:
    """End the leases of running tasks whose owner process on this host is gone; returns how many."""
    host = socket.gethostname()
    released = 0
    for task_id, owner in services.store.running_leases():
        owner_host, _, pid = owner.rpartition(":")
        if owner_host != host or not pid.isdigit() or _pid_alive(int(pid)):
            continue
        if services.store.expire_lease(task_id, owner=owner):
            log.warning("task.owner_dead", task_id=task_id, owner=owner)
            released += 1
    return released


def reap(services: Services) -> int:
    """One pass; returns how many tasks it acted on."""
    store = services.store
    acted = 0
    release_dead_local_leases(services)
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
    return acted + requeue_lost(services)


LOST_AFTER_S = 10.0
"""A pending task this old while the queue is empty was lost by the queue (and is enqueued again)."""


def requeue_lost(services: Services, *, older_than_s: float = LOST_AFTER_S) -> int:
    """Enqueue again the pending tasks the queue lost: when the queue holds nothing, no pending task
    older than ``older_than_s`` can still be waiting in it (a Redis restart without persistence, a
    submission whose enqueue failed during an outage). Duplicates are harmless (a task runs once
    under its lease). Returns how many were enqueued; 0 for queues that cannot count."""
    pending_count = getattr(services.queue, "pending", None)
    if pending_count is None or pending_count() > 0:
        return 0
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    lost = []
    for task_id in services.store.pending_task_ids():
        task = services.store.get_task(task_id)
        if task is not None and task.state == "pending" and task.created_at < cutoff:
            lost.append(task_id)
    for task_id in lost:
        log.warning("task.requeue_lost", task_id=task_id)
        services.queue.enqueue_task(task_id)
    return len(lost)


def requeue_pending(services: Services) -> int:
    """Enqueue every pending task again (on worker start; duplicates are harmless), after one
    reaper pass so that tasks whose worker died with the previous server run again at once."""
    reap(services)
    ids = services.store.pending_task_ids()
    for task_id in ids:
        services.queue.enqueue_task(task_id)
    return len(ids)
