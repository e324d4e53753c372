"""Fixtures: a real SQLite file and blob directory in tmp_path, the app over ASGI, a fake engine."""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tunesmith.api.app import create_app
from tunesmith.auth.keys import create_key
from tunesmith.engines.base import EngineResult, SongFacts
from tunesmith.jobs.context import Services, build_services
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music import bundle
from tunesmith.music.audio import AudioBuffer, encode_mp3, encode_wav
from tunesmith.music.progress import Progress
from tunesmith.music.spec import SongSpec
from tunesmith.settings import Settings

with warnings.catch_warnings():
    # Starlette 1.x deprecates its httpx-based TestClient in favour of httpx2, which is not installed;
    # the client still drives the real app over ASGI.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient


class FakeEngine:
    """Renders a 2-second (or ``spec.duration_s``) sine whose pitch depends on the seed.

    Tags containing ``"explode"`` make it raise, to exercise failure paths.
    """

    name = "fake"
    version = "1"

    def __init__(self, *, default_duration_s: float = 2.0) -> None:
        self.default_duration_s = default_duration_s
        self.calls: list[SongSpec] = []

    def create(self, spec: SongSpec, progress: Progress) -> EngineResult:
        self.calls.append(spec)
        if "explode" in spec.tags:
            raise RuntimeError("engine exploded")
        duration_s = spec.duration_s or self.default_duration_s
        progress("render", 0, 2)
        rate = 44_100
        t = np.arange(round(duration_s * rate)) / rate
        freq = 220.0 + (spec.seed % 12) * 20.0
        tone = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
        audio = AudioBuffer.from_array(np.stack([tone, tone]), rate)
        progress("render", 1, 2)
        image = io.BytesIO()
        Image.new("RGB", (512, 512), (spec.seed % 255, 40, 90)).save(image, format="JPEG")
        files = {
            bundle.MIX_WAV: encode_wav(audio),
            bundle.MIX_MP3: encode_mp3(audio),
            bundle.COVER: image.getvalue(),
            bundle.SCORE: json.dumps({"seed": spec.seed}).encode(),
        }
        progress("render", 2, 2)
        lyrics = "[Instrumental]" if not spec.sings else spec.lyrics
        facts = SongFacts(
            title=spec.title or "Fake Song",
            tags=spec.tags or "pop",
            lyrics=lyrics,
            duration_s=round(duration_s, 2),
            tempo_bpm=120.0,
            key="A minor",
            time_signature="4/4",
        )
        return EngineResult(bundle=bundle.Bundle(files=files), facts=facts)


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {
        "data_dir": data_dir,
        "public_base_url": "http://testserver",
        "queue": {"backend": "inline"},
        "rate_limits": {"submit_per_minute": 0, "other_per_minute": 0},
        "webhooks": {"allow_private_targets": True, "retry_schedule_s": [0.05] * 6, "timeout_s": 5},
        "uploads": {"allow_private_networks": True},
    }
    base.update(overrides)
    return Settings(**base)


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def services(settings: Settings, engine: FakeEngine) -> Iterator[Services]:
    svc = build_services(settings, queue=InlineQueue(), engine_factory=lambda name: engine)
    yield svc
    svc.close()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services=services)) as c:
        yield c


@pytest.fixture
def key(services: Services) -> str:
    return create_key(services.store, name="test", credits=1000)[1]


@pytest.fixture
def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def drain(services: Services) -> Any:
    """Run every queued job now (the inline queue)."""

    def run() -> int:
        queue = services.queue
        assert isinstance(queue, InlineQueue)
        return queue.drain()

    return run
