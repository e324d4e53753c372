"""Fault: the disk fills up under the embedded (local files) blob store.

A real ``tunesmith run`` (embedded: SQLite, the Huey SQLite queue, one worker process, the real
procedural engine) serves from a data folder whose ``blobs/`` is a 64 KiB tmpfs, mounted in a
private mount namespace around the server process only (``unshare --mount``, plus
``--user --map-root-user`` when not root). Rendering a song then fails on a real ENOSPC from the
kernel: the task must fail with a full refund, the server must keep answering (health reports the
blob store degraded), nothing is left ``running``, and every key's ledger adds up to its balance.
A sync upload hitting the full disk is a 503 (storage full) that charges nothing and leaves no partial files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
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
from tunesmith.settings import Settings
from tunesmith.store.repos import Store

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.xdist_group("disk_full")]

TMPFS_SIZE = "64k"
SONG = {"mv": "sonic-v6-mini", "make_instrumental": True, "tags": "rock", "duration": 10, "seed": 3}


def _namespace_prefix() -> list[str] | None:
    """An ``unshare`` command line giving a private mount namespace where tmpfs can be mounted,
    or None when this machine allows neither (no unshare, no user namespaces)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    for prefix in ([unshare, "--mount"], [unshare, "--user", "--map-root-user", "--mount"]):
        probe = subprocess.run(
            [*prefix, "sh", "-c", "d=$(mktemp -d) && mount -t tmpfs -o size=16k tmpfs $d && umount $d"],
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            return prefix
    return None


class Server:
    def __init__(self, prefix: list[str], data_dir: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.blobs = blobs = (data_dir / "blobs").resolve()
        blobs.mkdir(parents=True, exist_ok=True)
        python = f"{sys.executable} -c 'from tunesmith.cli import main; main()'"
        script = (
            f"mount -t tmpfs -o size={TMPFS_SIZE} tmpfs '{blobs}' && "
            f"exec {python} run --workers 1 --port {self.port} --data-dir '{data_dir}'"
        )
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [*prefix, "sh", "-c", script],
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
        deadline = time.monotonic() + 120
        while True:
            assert self.proc.poll() is None, self.lines
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(self.url + "/health", timeout=5).status_code == 200:
                    return
            assert time.monotonic() < deadline, self.lines
            time.sleep(0.2)

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


@pytest.fixture
def full_disk_server(tmp_path: Path) -> Iterator[tuple[Server, Store]]:
    prefix = _namespace_prefix()
    if prefix is None:
        pytest.skip("no private mount namespace for a small tmpfs here (unshare / user namespaces)")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNESMITH_")}
    env.update(
        {
            "TUNESMITH_ENGINE__VIDEO": "false",
            "TUNESMITH_RATE_LIMITS__SUBMIT_PER_MINUTE": "0",
            "TUNESMITH_RATE_LIMITS__OTHER_PER_MINUTE": "0",
        }
    )
    store = Store.open(Settings(data_dir=data_dir).database_url)
    store.migrate()
    server = Server(prefix, data_dir, env)
    try:
        server.wait_healthy()
        yield server, store
    finally:
        server.stop()
        store.close()


def _wav(duration_s: float) -> bytes:
    t = np.arange(round(duration_s * 22_050)) / 22_050
    tone = (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)[None]
    return encode_wav(AudioBuffer.from_array(tone, 22_050))


def test_enospc_on_blob_write_fails_the_task_with_a_refund_and_the_server_lives(
    full_disk_server: tuple[Server, Store],
) -> None:
    server, store = full_disk_server
    record, key = create_key(store, name="full", credits=100)
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.url, timeout=60) as http:
        submitted = http.post("/api/v1/sonic/create", json=SONG, headers=auth)
        assert submitted.status_code == 200, submitted.text
        task_id = submitted.json()["task_id"]
        assert http.get("/api/v1/get-credits", headers=auth).json()["credits"] < 100
        deadline = time.monotonic() + 300
        while True:
            clips: list[dict[str, Any]] = http.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()[
                "data"
            ]
            if all(c["state"] in ("succeeded", "failed") for c in clips):
                break
            assert time.monotonic() < deadline, (clips, server.lines[-20:])
            time.sleep(0.5)
        assert [c["state"] for c in clips] == ["failed", "failed"], clips
        # the task row turns terminal with the refund (the clips may show failed a moment earlier)
        while (task := store.get_task(task_id)) is None or task.state != "failed":
            assert time.monotonic() < deadline, task
            time.sleep(0.2)
        assert http.get("/api/v1/get-credits", headers=auth).json() == {"credits": 100, "extra_credits": 0}
        assert any("No space left on device" in line or "ENOSPC" in line for line in server.lines), (
            server.lines[-30:]
        )
        # a sync upload on the full disk: an error, no charge, no partial files
        upload = http.post("/api/v1/sonic/upload", headers=auth, files={"file": ("a.wav", _wav(3.0))})
        assert upload.status_code == 503, upload.text
        assert upload.json()["message"] == "Storage is full. Retry after 60 seconds."
        assert upload.headers["Retry-After"] == "60"
        # the server is alive and answers; health may report the blob store (a 2-byte probe can
        # still fit after the failed writes were cleaned up)
        health = http.get("/health")
        assert health.status_code in (200, 503) and health.json()["checks"]["database"] == "ok", health.text
        assert http.get("/api/v1/get-credits", headers=auth).json() == {"credits": 100, "extra_credits": 0}
        assert http.get("/api/v1/tasks", headers=auth).status_code == 200
    assert server.proc.poll() is None
    # the server's own view of its blob folder (through /proc): a tmpfs, with no partial files
    view = Path(f"/proc/{server.proc.pid}/root")
    mounts = Path(f"/proc/{server.proc.pid}/mounts").read_text()
    assert any(
        line.split()[1] == str(server.blobs) and line.split()[2] == "tmpfs" for line in mounts.splitlines()
    )
    left = sorted(
        p.relative_to(view / str(server.blobs).lstrip("/")).as_posix()
        for p in (view / str(server.blobs).lstrip("/")).rglob("*")
        if p.is_file()
    )
    failed_clips = {c["clip_id"] for c in clips}
    assert not [name for name in left if "/.tmp-" in name or name.startswith(".tmp-")], left  # no half files
    # nothing from the refused upload, and the failed clips' partial bundles were removed
    assert all(name.startswith(".health/") for name in left), (left, failed_clips)
    task = store.get_task(task_id)
    assert task is not None and task.state == "failed"
    assert not store.running_leases()
    for key_record in store.list_keys():
        entries = store.ledger_entries(key_record.id)
        assert sum(e["credits_delta"] for e in entries) == key_record.credits, entries
        assert sum(e["extra_delta"] for e in entries) == key_record.extra_credits, entries
    assert record.id in {k.id for k in store.list_keys()}
