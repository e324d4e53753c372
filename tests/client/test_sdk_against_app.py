"""The SDK against the real tunesmith app (store, blobs, queue, runner, files), not a fake server.

* ``AsyncClient`` over ``httpx.ASGITransport`` with the inline queue: create → wait_for →
  download, the contract's errors as typed exceptions with the contract's texts.
* ``Client`` over real HTTP: a uvicorn server on a loopback port, or — when
  ``TUNESMITH_SDK_TEST_BASE_URL`` and ``TUNESMITH_SDK_TEST_API_KEY`` are set — that server
  instead (e.g. the original service), running the very same code.

The engine is a small fake (a 2-second seed-dependent tone) so the test measures the service and
the SDK, not rendering.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from tunesmith.api.app import create_app
from tunesmith.auth.keys import create_key
from tunesmith.client import (
    AsyncClient,
    BadRequest,
    Client,
    Clip,
    InsufficientCredits,
    NotFound,
    Unauthorized,
    WaitProgress,
)
from tunesmith.engines.base import EngineResult, SongFacts
from tunesmith.jobs.context import Services, build_services
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music import bundle
from tunesmith.music.audio import AudioBuffer, encode_mp3, encode_wav
from tunesmith.music.progress import Progress
from tunesmith.music.spec import SongSpec
from tunesmith.settings import Settings

PUBLIC = "http://testserver"
LYRICS = "[Verse]\nStars they shine above me\n[Chorus]\nLa la la"


class ToneEngine:
    """A tiny engine: a stereo tone of ``spec.duration_s`` (default 2 s), pitch from the seed."""

    name = "tone"
    version = "1"

    def create(self, spec: SongSpec, progress: Progress) -> EngineResult:
        duration_s = spec.duration_s or 2.0
        rate = 44_100
        t = np.arange(round(duration_s * rate)) / rate
        tone = (0.3 * np.sin(2 * np.pi * (220.0 + (spec.seed % 12) * 20.0) * t)).astype(np.float32)
        audio = AudioBuffer.from_array(np.stack([tone, tone]), rate)
        progress("render", 1, 1)
        cover = io.BytesIO()
        Image.new("RGB", (512, 512), (spec.seed % 255, 40, 90)).save(cover, format="JPEG")
        files = {
            bundle.MIX_WAV: encode_wav(audio),
            bundle.MIX_MP3: encode_mp3(audio),
            bundle.COVER: cover.getvalue(),
            bundle.SCORE: json.dumps({"seed": spec.seed}).encode(),
        }
        facts = SongFacts(
            title=spec.title or "Tone",
            tags=spec.tags or "pop",
            lyrics=spec.lyrics if spec.sings else "[Instrumental]",
            duration_s=round(duration_s, 2),
            tempo_bpm=120.0,
            key="A minor",
            time_signature="4/4",
        )
        return EngineResult(bundle=bundle.Bundle(files=files), facts=facts)


def _services(data_dir: Path, public_base_url: str, *, auto: bool) -> Services:
    settings = Settings(
        data_dir=data_dir,
        public_base_url=public_base_url,
        queue={"backend": "inline"},
        rate_limits={"submit_per_minute": 0, "other_per_minute": 0},
    )
    engine = ToneEngine()
    return build_services(settings, queue=InlineQueue(auto=auto), engine_factory=lambda _name: engine)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    svc = _services(tmp_path / "data", PUBLIC, auto=False)
    yield svc
    svc.close()


def test_async_sdk_against_the_app(services: Services, tmp_path: Path) -> None:
    key = create_key(services.store, name="sdk", credits=1000)[1]
    poor = create_key(services.store, name="poor", credits=5)[1]
    queue = services.queue
    assert isinstance(queue, InlineQueue)
    transport = httpx.ASGITransport(app=create_app(services=services))
    progress: list[WaitProgress] = []

    def on_progress(p: WaitProgress) -> None:
        progress.append(p)
        if p.state == "pending":
            queue.drain()  # the inline queue runs the task now, between two polls

    async def scenario() -> tuple[list[Clip], dict[str, Any]]:
        async with AsyncClient(PUBLIC, key, transport=transport) as client:
            health = await client.health()
            assert health.ok
            submitted = await client.sonic_create(
                mv="sonic-v5", prompt=LYRICS, tags="pop, dreamy", title="Stars", seed=7, duration=10
            )
            clips = await client.wait_for(
                submitted.task_id, on_progress=on_progress, poll_interval_s=0.01, timeout_s=60
            )
            files = await client.download_clip(clips[0], tmp_path / "out", kinds=["mp3", "wav", "cover"])
            fetched = await client.get_clip(clips[0].clip_id)
            task = await client.get_task(submitted.task_id)
            credits = await client.get_credits()
            errors: dict[str, Any] = {}
            for name, coro in {
                "title": client.sonic_create(mv="sonic-v5", prompt=LYRICS, title="x" * 81),
                "clip": client.get_clip("00000000-0000-4000-8000-000000000000"),
                "task": client.sonic_task("00000000-0000-4000-8000-000000000000"),
            }.items():
                try:
                    await coro
                except Exception as exc:
                    errors[name] = exc
        async with AsyncClient(PUBLIC, "not-a-key", transport=transport) as bad:
            try:
                await bad.get_credits()
            except Exception as exc:
                errors["key"] = exc
        async with AsyncClient(PUBLIC, poor, transport=transport) as broke:
            try:
                await broke.sonic_create(mv="sonic-v5", prompt=LYRICS)
            except Exception as exc:
                errors["credits"] = exc
        state = {"files": files, "fetched": fetched, "task": task, "credits": credits, "errors": errors}
        return clips, state

    clips, state = asyncio.run(scenario())

    assert [c.state for c in clips] == ["succeeded", "succeeded"]
    assert [c.metadata.seed for c in clips] == [7, 8]
    assert all(c.duration == 10.0 and c.title == "Stars" and c.lyrics == LYRICS for c in clips)
    assert progress[0].state == "pending" and progress[-1].state == "succeeded"
    files = state["files"]
    assert files["mp3"].read_bytes()[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")
    audio, rate = sf.read(files["wav"])
    assert rate == 44_100 and abs(len(audio) / rate - 10.0) < 0.01
    assert files["cover"].read_bytes()[:2] == b"\xff\xd8"
    assert state["fetched"].clip_id == clips[0].clip_id and state["fetched"].state == "succeeded"
    assert state["task"].summary.state == "succeeded" and len(state["task"].clips) == 2
    assert state["credits"].credits == 1000 - 20

    errors = state["errors"]
    assert isinstance(errors["title"], BadRequest)
    assert errors["title"].message == "The title character length should be less than 80."
    assert isinstance(errors["clip"], NotFound) and errors["clip"].message == "clip not found."
    assert isinstance(errors["task"], BadRequest) and errors["task"].message == "task not found."
    assert isinstance(errors["key"], Unauthorized) and errors["key"].message == "Invalid API key."
    assert isinstance(errors["credits"], InsufficientCredits)
    assert errors["credits"].message.startswith("The remaining credits are not enough.")
    assert all(e.request_id for e in errors.values())


class _LiveServer:
    """The app served by uvicorn on a free loopback port, in a thread."""

    def __init__(self, tmp_path: Path) -> None:
        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{port}"
        # auto: the inline queue runs each task while its submission is answered
        self.services = _services(tmp_path / "live", self.url, auto=True)
        self.key = create_key(self.services.store, name="live", credits=1000)[1]
        config = uvicorn.Config(
            create_app(services=self.services), host="127.0.0.1", port=port, log_level="error"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.services.close()


def test_sync_sdk_over_real_http(tmp_path: Path) -> None:
    """create → wait_for → download over a socket; TUNESMITH_SDK_TEST_BASE_URL/_API_KEY pick the
    server (the original service works too), else a local uvicorn serves the app."""
    external = os.environ.get("TUNESMITH_SDK_TEST_BASE_URL")
    if external:
        run_scenario(external, os.environ["TUNESMITH_SDK_TEST_API_KEY"], tmp_path, timeout_s=900)
        return
    with _LiveServer(tmp_path) as live:
        run_scenario(live.url, live.key, tmp_path, timeout_s=60)


def run_scenario(base_url: str, api_key: str, tmp_path: Path, *, timeout_s: float) -> None:
    with Client(base_url, api_key, timeout_s=120) as client:
        before = client.get_credits()
        submitted = client.sonic_create(
            mv="sonic-v5",
            custom_mode=True,
            make_instrumental=True,
            tags="lofi, chill",
            title="SDK check",
            duration=10,
        )
        clips = client.wait_for(submitted.task_id, timeout_s=timeout_s, poll_interval_s=0.2, max_interval_s=5)
        assert len(clips) == 2 and all(c.state == "succeeded" for c in clips), [
            c.error_message for c in clips
        ]
        assert all(c.lyrics == "[Instrumental]" and c.title == "SDK check" for c in clips)
        assert clips[0].audio_url is not None
        path = client.download(clips[0].audio_url, tmp_path / "dl" / "song.mp3")
        assert path.stat().st_size > 1000
        after = client.get_credits()
        assert after.total <= before.total
        with pytest.raises(BadRequest) as info:
            client.sonic_create(mv="sonic-v9000", prompt=LYRICS)
        assert info.value.message.startswith("The 'mv' field is invalid.")
    with Client(base_url, "definitely-not-a-key") as bad, pytest.raises(Unauthorized) as unauthorized:
        bad.get_credits()
    assert unauthorized.value.message == "Invalid API key."
