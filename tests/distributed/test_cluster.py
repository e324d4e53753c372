"""The scaled-out mode end to end: two API processes (``tunesmith run --no-workers``) and two
``tunesmith worker`` processes sharing a real PostgreSQL, Redis and S3-compatible server (moto),
the real procedural engine rendering 10-second songs.

Submit through API 1, poll through API 2; files come from presigned S3 URLs; one key never sees
another key's task across processes; the API's rate-limit buckets are shared through Redis;
kill -9 one worker mid-render → the task completes on the other within the lease time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from tunesmith_test_servers import free_port

from tunesmith.auth.keys import create_key
from tunesmith.music.audio import decode_audio
from tunesmith.store.repos import Store

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("distributed")]

LEASE_S = 30.0
SONG = {"mv": "sonic-v6-mini", "make_instrumental": True, "tags": "rock", "duration": 10}
"""A cheap 10-second instrumental (draft quality)."""
SUBMIT_BURST = 6
"""Submission burst per key on every API process; the bucket is shared through Redis."""


class Proc:
    """A ``tunesmith`` command in its own process group; its output is collected in ``lines``."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.lines: list[str] = []
        command = [sys.executable, "-c", "from tunesmith.cli import main; main()", *args]
        self.proc = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        stdout = self.proc.stdout
        assert stdout is not None
        threading.Thread(target=lambda: self.lines.extend(stdout), daemon=True).start()

    def kill(self, sig: int = signal.SIGTERM) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if self.proc.stdout is not None:
            with contextlib.suppress(OSError):
                self.proc.stdout.close()


class Cluster:
    def __init__(self, store: Store, apis: list[str], workers: list[Proc], procs: list[Proc]) -> None:
        self.store, self.apis, self.workers, self.procs = store, apis, workers, procs
        _, self.key_a = create_key(store, name="a", credits=1000)
        _, self.key_b = create_key(store, name="b", credits=1000)

    @staticmethod
    def auth(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def submit(self, api: int, key: str, body: dict[str, Any]) -> str:
        answer = httpx.post(f"{self.apis[api]}/api/v1/sonic/create", json=body, headers=self.auth(key))
        assert answer.status_code == 200, answer.text
        return str(answer.json()["task_id"])

    def wait_terminal(self, api: int, key: str, task_id: str, timeout_s: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while True:
            answer = httpx.get(f"{self.apis[api]}/api/v1/sonic/task/{task_id}", headers=self.auth(key))
            clips: list[dict[str, Any]] = answer.json()["data"]
            if all(c["state"] in ("succeeded", "failed") for c in clips):
                return clips
            logs = [line for p in self.procs for line in p.lines[-10:]]
            assert time.monotonic() < deadline, (clips, logs)
            time.sleep(0.25)

    def ledger(self, task_id: str) -> list[str]:
        deadline = time.monotonic() + 30
        while (task := self.store.get_task(task_id)) is None or task.state not in ("succeeded", "failed"):
            assert time.monotonic() < deadline, task
            time.sleep(0.1)
        return [e["kind"] for e in self.store.ledger_entries(task.key_id) if e["task_id"] == task_id]


def _wait_health(base: str, proc: Proc) -> None:
    deadline = time.monotonic() + 90
    while True:
        assert proc.proc.poll() is None, proc.lines
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(base + "/health", timeout=5).status_code == 200:
                return
        assert time.monotonic() < deadline, proc.lines
        time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: Any, redis_server: Any, s3_server: Any
) -> Iterator[Cluster]:
    database_url = postgres_server.create_database("cluster")
    redis_url = redis_server.url.rsplit("/", 1)[0] + "/1"
    bucket_url = s3_server.create_bucket("cluster")
    env = {
        **os.environ,
        "TUNESMITH_DATABASE__URL": database_url,
        "TUNESMITH_QUEUE__REDIS_URL": redis_url,
        "TUNESMITH_BLOBS__URL": bucket_url,
        "TUNESMITH_FILES__SIGNING_SECRET": "cluster-secret",
        "TUNESMITH_ENGINE__VIDEO": "false",
        "TUNESMITH_QUEUE__LEASE_S": str(LEASE_S),
        "TUNESMITH_QUEUE__REAPER_INTERVAL_S": "0.5",
        "TUNESMITH_JOBS__PROGRESS_INTERVAL_S": "0.2",
        "TUNESMITH_RATE_LIMITS__SUBMIT_PER_MINUTE": "0.01",
        "TUNESMITH_RATE_LIMITS__SUBMIT_BURST": str(SUBMIT_BURST),
        "TUNESMITH_RATE_LIMITS__OTHER_PER_MINUTE": "100000",
    }
    env.pop("TUNESMITH_PUBLIC_BASE_URL", None)
    store = Store.open(database_url)
    store.migrate()
    procs: list[Proc] = []
    try:
        ports = [free_port(), free_port()]
        apis = []
        for i, port in enumerate(ports):
            data_dir = str(tmp_path_factory.mktemp(f"api{i}"))
            procs.append(Proc(["run", "--no-workers", "--port", str(port), "--data-dir", data_dir], env))
            apis.append(f"http://127.0.0.1:{port}")
        workers = []
        for i in range(2):
            data_dir = str(tmp_path_factory.mktemp(f"worker{i}"))
            workers.append(Proc(["worker", "--workers", "1", "--data-dir", data_dir], env))
        procs += workers
        for base, proc in zip(apis, procs, strict=False):
            _wait_health(base, proc)
        yield Cluster(store, apis, workers, procs)
    finally:
        for proc in procs:
            proc.kill()
        store.close()


def test_submit_on_one_api_poll_on_the_other_download_from_s3(cluster: Cluster, s3_server: Any) -> None:
    started = time.monotonic()
    task_id = cluster.submit(0, cluster.key_a, {**SONG, "seed": 5})
    clips = cluster.wait_terminal(1, cluster.key_a, task_id, 240)
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"], clips
    elapsed_s = time.monotonic() - started
    endpoint = s3_server.endpoint
    for clip in clips:
        assert clip["audio_url"].startswith(cluster.apis[0]) or clip["audio_url"].startswith(cluster.apis[1])
        redirect = httpx.get(clip["audio_url"])
        assert redirect.status_code == 307
        assert redirect.headers["location"].startswith(endpoint), redirect.headers["location"]
        mp3 = httpx.get(clip["audio_url"], follow_redirects=True)
        assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg"
        assert abs(decode_audio(mp3.content).duration_s - 10.0) < 0.2
        head = httpx.head(clip["image_url"], follow_redirects=True)
        assert head.status_code == 200 and head.headers["content-type"] == "image/jpeg"
        other_api = cluster.apis[1] + "/files/" + clip["audio_url"].split("/files/", 1)[1]
        assert httpx.get(other_api, follow_redirects=True).content == mp3.content
    assert cluster.ledger(task_id) == ["reserve", "commit"]
    print(f"10 s song, 2 clips, submit→both succeeded: {elapsed_s:.1f} s")


def test_a_key_never_sees_another_keys_task_across_processes(cluster: Cluster) -> None:
    task_id = cluster.submit(1, cluster.key_a, {**SONG, "seed": 6})
    for api in (0, 1):
        answer = httpx.get(
            f"{cluster.apis[api]}/api/v1/sonic/task/{task_id}", headers=cluster.auth(cluster.key_b)
        )
        assert answer.json()["message"] == "task not found."
        listed = httpx.get(f"{cluster.apis[api]}/api/v1/tasks", headers=cluster.auth(cluster.key_b)).json()
        assert task_id not in [t["task_id"] for t in listed["data"]]
    clips = cluster.wait_terminal(0, cluster.key_a, task_id, 240)
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"], clips


def test_submission_bucket_is_shared_by_the_api_processes(cluster: Cluster) -> None:
    """Key b alternates its submissions between the two APIs: the shared Redis bucket refuses the
    (burst + 1)-th, whichever process gets it (each process alone would allow 2 × burst)."""
    _, key_c = create_key(cluster.store, name="c", credits=1000)
    lyrics_only = {"task_type": "lyrics", "prompt": "a song about rain"}
    statuses = []
    for i in range(SUBMIT_BURST + 2):
        answer = httpx.post(
            f"{cluster.apis[i % 2]}/api/v1/sonic/create",
            json={**SONG, **lyrics_only},
            headers=cluster.auth(key_c),
        )
        statuses.append(answer.status_code)
    assert statuses[SUBMIT_BURST:] == [429, 429], statuses
    assert 429 not in statuses[:SUBMIT_BURST], statuses


def test_kill_9_a_worker_mid_render_the_other_completes(cluster: Cluster) -> None:
    task_id = cluster.submit(0, cluster.key_a, {**SONG, "seed": 21})
    deadline = time.monotonic() + 120
    while True:
        task = cluster.store.get_task(task_id)
        assert task is not None and time.monotonic() < deadline
        if task.state == "running" and task.lease_owner and (task.progress_done or 0) >= 1:
            break
        assert task.state in ("pending", "running"), task
        time.sleep(0.05)
    pid = int(task.lease_owner.rsplit(":", 1)[1])  # type: ignore[union-attr]
    victim = next(w for w in cluster.workers if os.getpgid(pid) == w.proc.pid)
    killed_at = time.monotonic()
    victim.kill(signal.SIGKILL)  # the whole worker (consumer and its process) dies at once
    clips = cluster.wait_terminal(1, cluster.key_a, task_id, LEASE_S + 120)
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"], clips
    final = cluster.store.get_task(task_id)
    assert final is not None and final.attempts == 2 and final.lease_owner != task.lease_owner
    assert cluster.ledger(task_id) == ["reserve", "commit"]
    print(f"kill -9 → task succeeded on the other worker after {time.monotonic() - killed_at:.1f} s")


def test_redis_restart_loses_no_task(cluster: Cluster, redis_server: Any) -> None:
    """One task queued, Redis stops, one more is submitted during the outage (accepted: the
    database holds it), Redis starts again: both tasks succeed, each charged once."""
    key = cluster.key_b
    queued = cluster.submit(0, key, {**SONG, "seed": 31})
    redis_server.stop(keep_data=True)
    try:
        during = cluster.submit(1, key, {**SONG, "seed": 32})
        assert httpx.get(cluster.apis[1] + "/health").status_code == 503
    finally:
        redis_server.start()
    for task_id in (queued, during):
        clips = cluster.wait_terminal(0, key, task_id, 240)
        assert [c["state"] for c in clips] == ["succeeded", "succeeded"], clips
        assert cluster.ledger(task_id) == ["reserve", "commit"]


def test_postgres_restart_answers_503_then_recovers(cluster: Cluster, postgres_server: Any) -> None:
    auth = cluster.auth(cluster.key_a)
    before = httpx.get(cluster.apis[0] + "/api/v1/get-credits", headers=auth)
    assert before.status_code == 200
    postgres_server.stop(keep_data=True)
    try:
        for base in cluster.apis:
            down = httpx.get(base + "/api/v1/get-credits", headers=auth)
            assert down.status_code == 503, down.text
            assert down.headers["retry-after"] == "5"
            assert down.json()["message"] == "Server is busy. Retry after 5 seconds."
            assert httpx.get(base + "/health").status_code == 503
    finally:
        postgres_server.start()
    started = time.monotonic()
    for base in cluster.apis:
        while (answer := httpx.get(base + "/api/v1/get-credits", headers=auth)).status_code != 200:
            assert time.monotonic() - started < 30, answer.text
            time.sleep(0.2)
        assert answer.json() == before.json()
        assert httpx.get(base + "/health").status_code == 200


def test_ledger_audit_every_balance_is_the_sum_of_its_entries(cluster: Cluster) -> None:
    """After everything above (kills, restarts), no task is left open and every key's ledger adds
    up to its balance."""
    deadline = time.monotonic() + 60
    while cluster.store.pending_task_ids() or cluster.store.running_leases():
        assert time.monotonic() < deadline
        time.sleep(0.5)
    keys = cluster.store.list_keys()
    assert len(keys) >= 3
    for key in keys:
        entries = cluster.store.ledger_entries(key.id)
        assert sum(e["credits_delta"] for e in entries) == key.credits, (key, entries)
        assert sum(e["extra_delta"] for e in entries) == key.extra_credits, (key, entries)
