"""Files (audio.m4a, signed URLs), the /metrics bearer token, the queue-full 503 and the rate limits
(API.md §1, §13), through HTTP against the shared live server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from tests.service.conftest import FakeEngine, make_settings
from tests.service.test_service_errors import assert_error

from tunesmith.auth.keys import create_key
from tunesmith.jobs.context import build_services
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music.audio import decode_audio

LYRICS = {"mv": "sonic-v5", "prompt": "[Verse]\nfiles and limits", "tags": "pop"}


@contextmanager
def served(
    serve: Any, tmp_path: Path, **overrides: Any
) -> Iterator[tuple[httpx.Client, dict[str, str], Any]]:
    """A client for fresh services with ``overrides`` applied to the test settings."""
    services = build_services(
        make_settings(tmp_path / "d", **overrides), queue=InlineQueue(), engine_factory=lambda n: FakeEngine()
    )
    try:
        auth = {"Authorization": f"Bearer {create_key(services.store, credits=1000)[1]}"}
        with serve(services) as client:
            yield client, auth, services
    finally:
        services.close()


def finished_clip(client: httpx.Client, auth: dict[str, str], services: Any) -> dict[str, Any]:
    task_id = client.post("/api/v1/sonic/create", json=LYRICS, headers=auth).json()["task_id"]
    services.queue.drain()
    clip: dict[str, Any] = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"][0]
    assert clip["state"] == "succeeded"
    return clip


def test_m4a_is_transcoded_once_and_served_with_range(
    client: httpx.Client, auth: dict[str, str], services: Any
) -> None:
    clip = finished_clip(client, auth, services)
    url = clip["audio_url"].replace("audio.mp3", "audio.m4a")
    first = client.get(url)
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "audio/mp4"
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert first.content[4:8] == b"ftyp"  # an MP4 container
    audio = decode_audio(first.content, filename_hint="audio.m4a")
    assert abs(audio.duration_s - clip["duration"]) < 0.1 and audio.channels == 2
    stored = services.blobs.local_path(f"clips/{clip['clip_id']}/mix.m4a")
    assert stored is not None and stored.read_bytes() == first.content
    mtime = stored.stat().st_mtime_ns
    part = client.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == first.content[:100]
    assert client.head(url).headers["content-length"] == str(len(first.content))
    assert stored.stat().st_mtime_ns == mtime  # served from the store, not transcoded again
    unknown = url.replace(clip["clip_id"], "00000000-0000-4000-8000-000000000000")
    assert_error(client.get(unknown), 404, "Not Found.")


def test_signed_file_urls(serve: Any, tmp_path: Path) -> None:
    with served(serve, tmp_path, files={"signed_url_ttl_s": 60}) as (client, auth, services):
        clip = finished_clip(client, auth, services)
        url = clip["audio_url"]
        query = parse_qs(urlsplit(url).query)
        exp, sig = int(query["exp"][0]), query["sig"][0]
        assert 55 <= exp - time.time() <= 61 and len(sig) == 64
        assert client.get(url).status_code == 200
        assert client.get(clip["metadata"]["wav_url"]).status_code == 200
        path = urlsplit(url).path
        assert_error(client.get(path), 404, "Not Found.")  # unsigned
        assert_error(client.get(f"{path}?exp={exp}&sig={'0' * 64}"), 404, "Not Found.")  # forged
        other = path.replace("audio.mp3", "audio.wav")
        assert_error(client.get(f"{other}?exp={exp}&sig={sig}"), 404, "Not Found.")  # other file
        assert_error(client.get(f"{path}?exp={exp + 3600}&sig={sig}"), 404, "Not Found.")  # extended
        # the secret is random per data dir, kept on disk: another server's URLs do not verify here
        secret = (services.settings.data_dir / "file-signing.key").read_text()
        assert len(secret) >= 40
        # an expired URL is refused
        from tunesmith.blobs.urls import file_url

        expired = file_url("", clip["clip_id"], "audio.mp3", ttl_s=-5, secret=secret)
        assert "exp=" in expired
        assert_error(client.get(expired), 404, "Not Found.")
        # every poll re-signs: after a second the expiry moves on
        time.sleep(1.05)
        again = client.get(f"/api/v1/clips/{clip['clip_id']}", headers=auth).json()["data"]["audio_url"]
        assert int(parse_qs(urlsplit(again).query)["exp"][0]) > exp


def test_metrics_bearer_token(serve: Any, tmp_path: Path) -> None:
    with served(serve, tmp_path, metrics={"token": "metrics-secret"}) as (client, auth, services):
        assert_error(client.get("/metrics"), 401, "Invalid API key.")
        assert_error(client.get("/metrics", headers={"Authorization": "Bearer nope"}), 401)
        assert_error(client.get("/metrics", headers=auth), 401)  # an API key is not the metrics token
        finished_clip(client, auth, services)
        answer = client.get("/metrics", headers={"Authorization": "Bearer metrics-secret"})
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
        text = answer.text
        for name in (
            "tunesmith_http_requests_total",
            "tunesmith_http_request_duration_seconds",
            "tunesmith_tasks_total",
            "tunesmith_task_duration_seconds",
            "tunesmith_queue_depth",
            "tunesmith_webhook_deliveries_total",
            "tunesmith_credits_spent_total",
        ):
            assert f"# TYPE {name}" in text, name
        assert 'route="/api/v1/sonic/create",status="200"} 1' in text
        assert "tunesmith_credits_spent_total 20" in text


def test_metrics_public_without_token(client: httpx.Client) -> None:
    assert client.get("/metrics").status_code == 200


def test_queue_full_503(serve: Any, tmp_path: Path) -> None:
    with served(serve, tmp_path, queue={"backend": "inline", "max_pending": 2}) as (client, auth, services):
        assert [client.post("/api/v1/sonic/create", json=LYRICS, headers=auth).status_code for _ in "ab"] == [
            200,
            200,
        ]
        busy = client.post("/api/v1/sonic/create", json=LYRICS, headers=auth)
        assert_error(busy, 503)
        seconds = int(busy.headers["retry-after"])
        assert seconds >= 1 and busy.json()["message"] == f"Server is busy. Retry after {seconds} seconds."
        assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] == 960  # 503 cost nothing
        services.queue.drain()
        assert client.post("/api/v1/sonic/create", json=LYRICS, headers=auth).status_code == 200


def test_read_rate_limit_429(serve: Any, tmp_path: Path) -> None:
    limits = {"submit_per_minute": 0, "other_per_minute": 3}
    with served(serve, tmp_path, rate_limits=limits) as (client, auth, _):
        statuses = [client.get("/api/v1/get-credits", headers=auth).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        limited = client.get("/api/v1/tasks", headers=auth)
        assert_error(limited, 429)
        seconds = int(limited.headers["retry-after"])
        assert 1 <= seconds <= 20
        assert limited.json()["message"] == f"Too many requests. Retry after {seconds} seconds."
        # auth comes before the rate limit: a bad key is 401, not 429
        assert_error(client.get("/api/v1/tasks", headers={"Authorization": "Bearer x"}), 401)
