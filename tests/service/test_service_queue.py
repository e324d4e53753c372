"""The real Huey queue (SQLite file) with a consumer, the lease reaper, and task timeouts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from tests.service.conftest import FakeEngine, make_settings

from tunesmith.auth.keys import create_key
from tunesmith.jobs import leases
from tunesmith.jobs.context import Services, build_services, set_worker_engine_factory
from tunesmith.jobs.queue import HueyQueue
from tunesmith.jobs.runner import TIMEOUT_MESSAGE, run_task
from tunesmith.store.models import TaskRow
from tunesmith.store.repos import utcnow


@pytest.fixture
def huey_services(tmp_path: Path) -> Iterator[Services]:
    settings = make_settings(tmp_path / "data", queue={"backend": "huey", "lease_s": 30})
    set_worker_engine_factory(lambda name: FakeEngine())
    services = build_services(settings, engine_factory=lambda name: FakeEngine())
    yield services
    set_worker_engine_factory(None)
    services.close()


def wait_for(predicate: Any, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def test_huey_queue_end_to_end(huey_services: Services, serve: Any) -> None:
    queue = huey_services.queue
    assert isinstance(queue, HueyQueue)
    _, key = create_key(huey_services.store, credits=100)
    auth = {"Authorization": f"Bearer {key}"}
    with serve(huey_services) as client:
        task_id = client.post(
            "/api/v1/sonic/create", json={"mv": "sonic-v5", "prompt": "[Verse]\nqueued"}, headers=auth
        ).json()["task_id"]
        assert queue.pending() == 1  # durable in the SQLite queue file before any worker runs
        consumer = queue.huey.create_consumer(workers=2, worker_type="thread", periodic=False)
        consumer.start()
        try:

            def done() -> bool:
                clips = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
                return all(c["state"] == "succeeded" for c in clips)

            wait_for(done)
        finally:
            consumer.stop(graceful=True)
        assert client.get("/health").json()["checks"] == {"database": "ok", "queue": "ok", "blobs": "ok"}
        metrics = client.get("/metrics").text
        assert 'tunesmith_tasks_total{family="sonic",task_type="create_music",state="succeeded"} 1' in metrics
        assert "tunesmith_credits_spent_total 20" in metrics


def _age_lease(services: Services, task_id: str, **values: Any) -> None:
    with services.store.session() as s:
        s.execute(update(TaskRow).where(TaskRow.id == task_id).values(**values))


def test_dead_worker_task_is_requeued_and_finished(
    services: Services, client: httpx.Client, auth: dict[str, str], drain: Any
) -> None:
    task_id = client.post(
        "/api/v1/sonic/create", json={"mv": "sonic-v5", "prompt": "[Verse]\nx"}, headers=auth
    ).json()["task_id"]
    services.queue.jobs.clear()  # type: ignore[attr-defined]
    # a worker claims it and dies mid-render
    assert services.store.claim_task(task_id, owner="dead:1", lease_s=30, max_attempts=3) is not None
    assert leases.reap(services) == 0  # lease still valid
    _age_lease(services, task_id, lease_expires_at=utcnow() - timedelta(seconds=1))
    assert run_task(services, task_id) is not None  # an expired lease can be taken over directly …
    assert services.store.get_task(task_id).state == "succeeded"  # type: ignore[union-attr]


def test_reaper_requeues_then_fails_after_max_attempts(
    services: Services, client: httpx.Client, auth: dict[str, str], drain: Any
) -> None:
    task_id = client.post(
        "/api/v1/sonic/create", json={"mv": "sonic-v5", "prompt": "[Verse]\nx"}, headers=auth
    ).json()["task_id"]
    services.queue.jobs.clear()  # type: ignore[attr-defined]
    for attempt in range(3):
        assert services.store.claim_task(task_id, owner=f"dead:{attempt}", lease_s=30, max_attempts=3)
        _age_lease(services, task_id, lease_expires_at=utcnow() - timedelta(seconds=1))
        assert leases.reap(services) == 1
    task = services.store.get_task(task_id)
    assert task is not None and task.state == "failed"
    clips = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert [c["error_message"] for c in clips] == ["Generation failed."] * 2
    assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] == 1000
    assert drain() == 2  # the two re-queues; runs find nothing left to do


def test_timeout_fails_and_refunds(services: Services, client: httpx.Client, auth: dict[str, str]) -> None:
    task_id = client.post(
        "/api/v1/sonic/create", json={"mv": "sonic-v5", "prompt": "[Verse]\nx"}, headers=auth
    ).json()["task_id"]
    _age_lease(services, task_id, deadline_at=utcnow() - timedelta(seconds=1))
    assert leases.reap(services) == 1
    clips = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert [c["state"] for c in clips] == ["failed", "failed"]
    assert clips[0]["error_message"] == TIMEOUT_MESSAGE
    assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] == 1000


def test_timeout_during_render(
    services: Services, client: httpx.Client, auth: dict[str, str], drain: Any
) -> None:
    services.settings.jobs.timeout_s = 0.001
    task_id = client.post(
        "/api/v1/sonic/create", json={"mv": "sonic-v5", "prompt": "[Verse]\nx"}, headers=auth
    ).json()["task_id"]
    time.sleep(0.01)
    drain()
    clips = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert [c["error_message"] for c in clips] == [TIMEOUT_MESSAGE] * 2
