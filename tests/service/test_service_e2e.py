"""End to end: ``tunesmith run`` as a real server process with real worker processes, the real
procedural engine and a real SQLite file — submit → poll → download → decode."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from tunesmith.music.audio import decode_audio

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measured_tempo_bpm(mp3: bytes) -> float:
    import librosa

    audio = decode_audio(mp3)
    mono = audio.mono()
    tempo, _ = librosa.beat.beat_track(y=mono, sr=audio.sample_rate_hz)
    return float(np.atleast_1d(tempo)[0])


def test_run_create_poll_download(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "TUNESMITH_DATA_DIR": str(tmp_path / "data")}
    env.pop("TUNESMITH_PUBLIC_BASE_URL", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from tunesmith.cli import main; main()",
            "run",
            "--port",
            str(port),
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60
        while not any("serving at" in line for line in lines):
            assert time.monotonic() < deadline, lines
            lines.append(proc.stdout.readline())
        key = next(line.strip() for line in lines if line.strip().startswith("ts_"))
        # keep reading the server's output so a full pipe never blocks it
        threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True).start()
        auth = {"Authorization": f"Bearer {key}"}
        for _ in range(100):
            try:
                if httpx.get(base + "/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        body = {
            "mv": "sonic-v5",
            "prompt": "[Verse]\nHello little star tonight\n[Chorus]\nShine on shine on",
            "tags": "pop, upbeat",
            "title": "Star",
            "duration": 12,
            "seed": 11,
        }
        task_id = httpx.post(base + "/api/v1/sonic/create", json=body, headers=auth).json()["task_id"]
        deadline = time.monotonic() + 420
        while True:
            clips = httpx.get(f"{base}/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
            if all(c["state"] in ("succeeded", "failed") for c in clips):
                break
            assert time.monotonic() < deadline, clips
            time.sleep(1.0)
        assert [c["state"] for c in clips] == ["succeeded", "succeeded"], clips
        for clip in clips:
            assert clip["duration"] == 12.0 and clip["title"] == "Star"
            mp3 = httpx.get(clip["audio_url"])
            assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg"
            audio = decode_audio(mp3.content)
            assert abs(audio.duration_s - clip["duration"]) < 0.1
            for url in (clip["image_url"], clip["video_url"], clip["metadata"]["wav_url"]):
                if url is not None:
                    assert httpx.head(url).status_code == 200
            wav = decode_audio(httpx.get(clip["metadata"]["wav_url"]).content)
            assert wav.sample_rate_hz == 44_100 and abs(wav.duration_s - 12.0) < 0.02
            tempo = clip["metadata"]["tempo_bpm"]
            measured = measured_tempo_bpm(mp3.content)
            ratios = [measured / tempo * f for f in (0.5, 1.0, 2.0)]
            assert min(abs(r - 1.0) for r in ratios) < 0.02, (measured, tempo)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
