"""`tunesmith run` never leaves its worker pool behind, however the server process ends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.xdist_group("e2e")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _workers_of(data_dir: Path) -> list[int]:
    """Pids of `tunesmith worker` processes serving ``data_dir`` (read from /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"worker" in cmdline and f"TUNESMITH_DATA_DIR={data_dir}".encode() in environ:
            pids.append(int(entry.name))
    return pids


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_workers_stop_with_the_server(tmp_path: Path, how: signal.Signals) -> None:
    port = _free_port()
    tunesmith = Path(sys.executable).with_name("tunesmith")
    server = subprocess.Popen(
        [str(tunesmith), "run", "--port", str(port), "--data-dir", str(tmp_path), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200 and _workers_of(
                    tmp_path
                ):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        assert _workers_of(tmp_path), "the worker pool never started"
        server.send_signal(how)
        server.wait(timeout=30)
        deadline = time.monotonic() + 20
        while _workers_of(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _workers_of(tmp_path) == []
    finally:
        if server.poll() is None:
            server.kill()
        for pid in _workers_of(tmp_path):
            os.kill(pid, signal.SIGKILL)
