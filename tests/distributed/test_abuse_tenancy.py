"""Abuse across processes: a key never sees another key's data when its requests land on a
different API process than the owner's (two ``tunesmith run --no-workers`` processes sharing a real
PostgreSQL, Redis and S3-compatible server). Uploads and upload tasks need no worker, so none runs.

Every read and reference path is tried with the foreign key on BOTH processes: clip, task (sonic,
native and the root alias), listings, webhook log, and ids referenced by new submissions; the
owner, as a control, sees everything on both.
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
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from tunesmith_test_servers import free_port

from tunesmith.auth.keys import create_key
from tunesmith.music.audio import AudioBuffer, encode_wav
from tunesmith.store.repos import Store

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("distributed")]


def _wav(duration_s: float) -> bytes:
    t = np.arange(round(duration_s * 22_050)) / 22_050
    return encode_wav(
        AudioBuffer.from_array((0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)[None], 22_050)
    )


class Api:
    """``tunesmith run --no-workers`` in its own process group."""

    def __init__(self, env: dict[str, str], data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.lines: list[str] = []
        command = [sys.executable, "-c", "from tunesmith.cli import main; main()"]
        command += ["run", "--no-workers", "--port", str(self.port), "--data-dir", str(data_dir)]
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

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + 90
        while True:
            assert self.proc.poll() is None, self.lines
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/health", timeout=5).status_code == 200:
                    return
            assert time.monotonic() < deadline, self.lines
            time.sleep(0.1)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        if self.proc.stdout is not None:
            with contextlib.suppress(OSError):
                self.proc.stdout.close()


@pytest.fixture(scope="module")
def two_apis(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: Any, redis_server: Any, s3_server: Any
) -> Iterator[tuple[Store, list[Api]]]:
    database_url = postgres_server.create_database("tenancy")
    env = {
        **os.environ,
        "TUNESMITH_DATABASE__URL": database_url,
        "TUNESMITH_QUEUE__REDIS_URL": redis_server.url.rsplit("/", 1)[0] + "/2",
        "TUNESMITH_BLOBS__URL": s3_server.create_bucket("tenancy"),
        "TUNESMITH_FILES__SIGNING_SECRET": "tenancy-secret",
        "TUNESMITH_RATE_LIMITS__SUBMIT_PER_MINUTE": "0",
        "TUNESMITH_RATE_LIMITS__OTHER_PER_MINUTE": "0",
        "TUNESMITH_UPLOADS__ALLOW_PRIVATE_NETWORKS": "true",
        "TUNESMITH_WEBHOOKS__ALLOW_PRIVATE_TARGETS": "true",
    }
    env.pop("TUNESMITH_PUBLIC_BASE_URL", None)
    store = Store.open(database_url)
    store.migrate()
    apis: list[Api] = []
    try:
        for i in range(2):
            apis.append(Api(env, tmp_path_factory.mktemp(f"tenancy-api{i}")))
        for api in apis:
            api.wait_healthy()
        yield store, apis
    finally:
        for api in apis:
            api.stop()
        store.close()


def test_a_key_never_sees_another_keys_data_on_either_process(two_apis: tuple[Store, list[Api]]) -> None:
    store, apis = two_apis
    _, key_a = create_key(store, name="owner", credits=100)
    _, key_b = create_key(store, name="intruder", credits=100)
    owner = {"Authorization": f"Bearer {key_a}"}
    intruder = {"Authorization": f"Bearer {key_b}"}
    with httpx.Client(timeout=60) as http:
        clip_id = http.post(
            apis[0].url + "/api/v1/sonic/upload", headers=owner, files={"file": ("mine.wav", _wav(2.0))}
        ).json()["clip_id"]
        answer = http.post(
            apis[1].url + "/api/v1/sonic/upload",
            headers=owner,
            files={"file": ("hooked.wav", _wav(1.5))},
            data={"webhook_url": "http://127.0.0.1:9/hook"},
        ).json()
        task_id, task_clip = answer["task_id"], answer["clip_id"]
        for api in apis:
            base = api.url
            # reads
            for clip in (clip_id, task_clip):
                response = http.get(f"{base}/api/v1/clips/{clip}", headers=intruder)
                assert (response.status_code, response.json()["message"]) == (404, "clip not found."), base
            for path in (f"/api/v1/sonic/task/{task_id}", f"/get_music/{task_id}"):
                response = http.get(base + path, headers=intruder)
                assert (response.status_code, response.json()["message"]) == (400, "task not found."), path
            assert http.get(f"{base}/api/v1/tasks/{task_id}", headers=intruder).status_code == 404
            assert http.get(f"{base}/api/v1/tasks", headers=intruder).json()["data"] == []
            deliveries = http.get(
                f"{base}/api/v1/webhooks/deliveries", headers=intruder, params={"task_id": task_id}
            )
            assert deliveries.status_code == 200 and deliveries.json()["data"] == []
            # references from new submissions: the foreign clip does not exist for the intruder
            for body in (
                {
                    "task_type": "extend_music",
                    "continue_clip_id": clip_id,
                    "continue_at": 1,
                    "mv": "sonic-v5",
                },
                {"task_type": "concat_music", "continue_clip_id": clip_id},
            ):
                response = http.post(f"{base}/api/v1/sonic/create", json=body, headers=intruder)
                assert (response.status_code, response.json()["message"]) == (400, "clip not found."), body
            persona = http.post(
                f"{base}/api/v1/sonic/persona",
                json={"name": "thief", "continue_clip_id": clip_id},
                headers=intruder,
            )
            assert persona.status_code == 400 and persona.json()["message"] == "clip not found."
            # the owner sees it all, on both processes
            assert (
                http.get(f"{base}/api/v1/clips/{clip_id}", headers=owner).json()["data"]["clip_id"] == clip_id
            )
            poll = http.get(f"{base}/api/v1/sonic/task/{task_id}", headers=owner).json()
            assert [c["clip_id"] for c in poll["data"]] == [task_clip]
            listed = http.get(f"{base}/api/v1/tasks", headers=owner).json()["data"]
            assert task_id in [t["task_id"] for t in listed]
        # nothing was charged to the intruder; the owner paid for two uploads
        for api in apis:
            assert http.get(api.url + "/api/v1/get-credits", headers=intruder).json()["credits"] == 100
            assert http.get(api.url + "/api/v1/get-credits", headers=owner).json()["credits"] == 96
