"""Tasks the queue lost are found and enqueued again; a queue outage never fails a submission."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tunesmith.auth.keys import create_key
from tunesmith.jobs.context import build_services
from tunesmith.jobs.leases import requeue_lost
from tunesmith.jobs.queue import HueyQueue
from tunesmith.settings import Settings
from tunesmith.store.repos import NewClip, Store

pytestmark = pytest.mark.xdist_group("distributed")


def _pending_task(store: Store) -> str:
    key, _ = create_key(store, name="k", credits=100)
    clip = NewClip(
        id=str(uuid.uuid4()),
        idx=0,
        title="t",
        tags="rock",
        negative_tags=None,
        lyrics="",
        gpt_description_prompt=None,
        mv="sonic-v5",
        style_weight=None,
        weirdness_constraint=None,
        task_type="create_music",
        origin="create",
        seed=1,
        engine="procedural",
        quality="draft",
    )
    task = store.create_task(
        key_id=key.id,
        family="sonic",
        task_type="create_music",
        request={},
        webhook_url=None,
        webhook_secret=None,
        price=20,
        engine="procedural",
        timeout_s=60,
        clips=[clip],
    )
    return task.id


def test_requeue_lost_only_when_the_queue_is_empty(tmp_path: Path) -> None:
    services = build_services(Settings(data_dir=tmp_path))  # embedded: SQLite store + SQLite Huey queue
    try:
        queue = services.queue
        assert isinstance(queue, HueyQueue)
        task_id = _pending_task(services.store)
        queue.enqueue_task(task_id)
        assert requeue_lost(services, older_than_s=0) == 0  # still waiting in the queue
        assert queue.huey.dequeue() is not None  # the queue loses it (a restart without persistence)
        assert queue.pending() == 0
        assert requeue_lost(services, older_than_s=3600) == 0  # too young to be called lost
        assert requeue_lost(services, older_than_s=0) == 1
        assert queue.pending() == 1
        message = queue.huey.dequeue()
        assert message is not None and message.args == (task_id,)
    finally:
        services.close()


def test_enqueue_during_a_redis_outage_does_not_raise(tmp_path: Path) -> None:
    from tunesmith_test_servers import free_port

    settings = Settings(data_dir=tmp_path, queue={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    ran: list[str] = []
    queue = HueyQueue(settings, run_task=ran.append, deliver=ran.append)
    queue.enqueue_task("t1")  # logged; the reaper enqueues it again once Redis is back
    queue.enqueue_delivery("d1", delay_s=5)
    with pytest.raises(Exception, match=r"(?i)connect"):
        queue.ping()
    assert ran == []
