"""A blob write that fails (the bucket is gone, like a full disk) fails the task with a refund and
leaves the API serving."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from tunesmith.api.app import create_app
from tunesmith.auth.keys import create_key
from tunesmith.engines.base import EngineResult, SongFacts
from tunesmith.jobs.context import build_services
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music import bundle
from tunesmith.music.audio import AudioBuffer, encode_mp3, encode_wav
from tunesmith.music.progress import Progress
from tunesmith.music.spec import SongSpec
from tunesmith.settings import Settings

pytestmark = pytest.mark.xdist_group("distributed")


class ToneEngine:
    """A one-second tone bundle (the point is the blob write, not the music)."""

    name = "tone"
    version = "1"

    def create(self, spec: SongSpec, progress: Progress) -> EngineResult:
        t = np.arange(44_100) / 44_100
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        audio = AudioBuffer.from_array(np.stack([tone, tone]), 44_100)
        image = io.BytesIO()
        Image.new("RGB", (64, 64), (10, 20, 30)).save(image, format="JPEG")
        files = {
            bundle.MIX_WAV: encode_wav(audio),
            bundle.MIX_MP3: encode_mp3(audio),
            bundle.COVER: image.getvalue(),
            bundle.SCORE: json.dumps({"seed": spec.seed}).encode(),
        }
        facts = SongFacts(
            title="Tone", tags="pop", lyrics="[Instrumental]", duration_s=1.0, tempo_bpm=120.0,
            key="A minor", time_signature="4/4",
        )  # fmt: skip
        return EngineResult(bundle=bundle.Bundle(files=files), facts=facts)


@contextmanager
def serving(app: Any) -> Iterator[httpx.Client]:
    import uvicorn
    from tunesmith_test_servers import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_failed_blob_write_fails_the_task_with_a_refund(tmp_path: Path, s3_server: Any) -> None:
    bucket_url = s3_server.create_bucket("doomed")
    settings = Settings(
        data_dir=tmp_path,
        blobs={"url": bucket_url},
        rate_limits={"submit_per_minute": 0, "other_per_minute": 0},
    )
    queue = InlineQueue()
    engine = ToneEngine()
    services = build_services(settings, queue=queue, engine_factory=lambda name: engine)
    try:
        _, key = create_key(services.store, name="k", credits=100)
        auth = {"Authorization": f"Bearer {key}"}
        with serving(create_app(services=services)) as client:
            task_id = client.post(
                "/api/v1/sonic/create", json={"mv": "sonic-v5", "prompt": "[Verse]\nla la"}, headers=auth
            ).json()["task_id"]
            assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] < 100
            objects = services.blobs.list()
            for name in objects:
                services.blobs.delete(name)
            services.blobs.client.delete_bucket(Bucket="doomed")
            queue.drain()
            clips = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
            assert [c["state"] for c in clips] == ["failed", "failed"], clips
            assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] == 100
            assert client.get("/health").status_code == 503  # blobs: degraded, the server answers
            assert client.get("/api/v1/get-credits", headers=auth).status_code == 200
    finally:
        services.close()
