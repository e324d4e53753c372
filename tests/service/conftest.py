"""Fixtures: a real SQLite file and blob directory in tmp_path, a fake engine, and ONE real uvicorn
server per test session that every test talks to over loopback HTTP (``client`` is an
``httpx.Client``). Each test binds its own :class:`Services` to the shared app (``serve``), so tests
stay isolated while the server starts only once."""

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
from tunesmith.jobs.context import Services, build_services
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music import bundle
from tunesmith.music.audio import AudioBuffer, encode_mp3, encode_wav
from tunesmith.music.progress import Progress
from tunesmith.music.spec import SongSpec
from tunesmith.settings import Settings

PUBLIC_BASE_URL = "http://testserver"
"""The ``public_base_url`` of test settings; the test client routes this host to the live server."""


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
        "public_base_url": PUBLIC_BASE_URL,
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


class LiveServer:
    """An ASGI app served by uvicorn on a free loopback port in a background thread."""

    def __init__(self, app: Any) -> None:
        import socket

        import uvicorn

        self.app = app
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error", lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    @contextmanager
    def bound(self, services: Services) -> Iterator[httpx.Client]:
        """Serve ``services`` (fresh HTTP metrics) until the block ends; yields a client whose
        relative URLs and ``http://testserver`` URLs both reach this server."""
        state = self.app.state
        previous = state.services
        state.services = services
        state.http_metrics.__init__()  # the middleware holds this object: reset it in place
        client = httpx.Client(base_url=PUBLIC_BASE_URL, transport=_ToLive(self.port), timeout=60)
        try:
            yield client
        finally:
            client.close()
            state.services = previous


class _ToLive(httpx.HTTPTransport):
    """Sends every request to the live server's port on loopback, whatever host the URL names."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.port = port

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return super().handle_request(request)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server for the whole session; tests bind their own services to it."""
    settings = make_settings(tmp_path_factory.mktemp("live") / "data")
    home = build_services(settings, queue=InlineQueue(), engine_factory=lambda name: FakeEngine())
    try:
        with LiveServer(create_app(services=home)) as server:
            yield server
    finally:
        home.close()


@pytest.fixture
def serve(live_server: LiveServer) -> Any:
    """``with serve(services) as client:`` — the shared server answering with ``services``."""
    return live_server.bound


@pytest.fixture
def client(live_server: LiveServer, services: Services) -> Iterator[httpx.Client]:
    with live_server.bound(services) as c:
        yield c


@pytest.fixture
def live(live_server: LiveServer, services: Services) -> Iterator[LiveServer]:
    """The shared server bound to this test's services (for tests that use plain ``httpx``)."""
    with live_server.bound(services):
        yield live_server


class Receiver:
    """A loopback HTTP server: records requests; answers from a list of statuses, then 200; also
    serves ``files`` by path for GET."""

    def __init__(self, statuses: list[int] | None = None, files: dict[str, bytes] | None = None) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.statuses = list(statuses or [])
        self.files = dict(files or {})
        self.requests: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                outer.requests.append((dict(self.headers.items()), self.rfile.read(length)))
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def do_GET(self) -> None:
                body = outer.files.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def tone_wav(duration_s: float = 2.0, *, rate: int = 22_050) -> bytes:
    t = np.arange(round(duration_s * rate)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 330.0 * t)).astype(np.float32)
    return encode_wav(AudioBuffer.from_array(tone[None, :], rate))


@pytest.fixture
def receiver() -> type[Receiver]:
    return Receiver


@pytest.fixture
def make_wav() -> Any:
    return tone_wav
