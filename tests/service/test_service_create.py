"""sonic/create → poll → files, through HTTP against the app, a real SQLite file and blob dir."""

from __future__ import annotations

import io
from typing import Any

import httpx
import soundfile as sf

from tunesmith.jobs.context import Services

LYRICS = "[Verse]\nStars they shine above me\n[Chorus]\nLa la la"


def create(client: httpx.Client, auth: dict[str, str], **body: Any) -> str:
    payload = {"mv": "sonic-v5", "prompt": LYRICS, "tags": "pop, dreamy", "title": "Stars", **body}
    response = client.post("/api/v1/sonic/create", json=payload, headers=auth)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["code"] == 200 and answer["message"] == "success"
    return str(answer["task_id"])


def test_create_poll_download(
    client: httpx.Client, auth: dict[str, str], drain: Any, services: Services
) -> None:
    task_id = create(client, auth, seed=7, style_weight=0.8, negative_tags="metal", duration=12)
    pending = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()
    assert [c["state"] for c in pending["data"]] == ["pending", "pending"]
    assert all(c["audio_url"] is None and c["duration"] is None for c in pending["data"])
    assert drain() >= 1
    done = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()
    clips = done["data"]
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"]
    assert clips[0]["clip_id"] != clips[1]["clip_id"]
    assert [c["metadata"]["seed"] for c in clips] == [7, 8]
    for clip in clips:
        assert clip["title"] == "Stars" and clip["tags"] == "pop, dreamy" and clip["negative_tags"] == "metal"
        assert clip["style_weight"] == 0.8 and clip["weirdness_constraint"] is None
        assert clip["mv"] == "sonic-v5" and clip["gpt_description_prompt"] is None
        assert clip["duration"] == 12.0
        assert "prompt" not in clip
        assert clip["audio_url"].startswith("http://testserver/files/")
        audio = client.get(clip["audio_url"].removeprefix("http://testserver"))
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
        assert audio.headers["cache-control"] == "public, max-age=31536000, immutable"
        wav = client.get(clip["metadata"]["wav_url"].removeprefix("http://testserver"))
        data, rate = sf.read(io.BytesIO(wav.content))
        assert rate == 44_100 and abs(len(data) / rate - clip["duration"]) < 0.01
        image = client.get(clip["image_url"].removeprefix("http://testserver"))
        assert image.headers["content-type"] == "image/jpeg" and image.content[:2] == b"\xff\xd8"
    # the alias answers identically
    alias = client.get(f"/get_music/{task_id}", headers=auth).json()
    assert alias == done
    assert client.get("/api/v1/get-credits", headers=auth).json() == {"credits": 980, "extra_credits": 0}


def test_range_and_head(client: httpx.Client, auth: dict[str, str], drain: Any) -> None:
    task_id = create(client, auth, make_instrumental=True, prompt=None)
    drain()
    clip = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"][0]
    assert clip["lyrics"] == "[Instrumental]"
    path = clip["audio_url"].removeprefix("http://testserver")
    full = client.get(path).content
    head = client.head(path)
    assert (
        head.status_code == 200 and int(head.headers["content-length"]) == len(full) and head.content == b""
    )
    part = client.get(path, headers={"Range": "bytes=10-29"})
    assert part.status_code == 206 and part.content == full[10:30]
    assert part.headers["content-range"] == f"bytes 10-29/{len(full)}"
    assert client.get(path.replace("audio.mp3", "nothing.mp3")).json()["message"] == "Not Found."


def test_failed_engine_refunds(
    client: httpx.Client, auth: dict[str, str], drain: Any, services: Services
) -> None:
    task_id = create(client, auth, tags="explode")
    assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] == 980
    drain()
    clips = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert [c["state"] for c in clips] == ["failed", "failed"]
    assert all(c["error_message"] == "Generation failed." for c in clips)
    assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] == 1000
    task = client.get(f"/api/v1/tasks/{task_id}", headers=auth).json()["data"]
    assert task["state"] == "failed" and task["request"]["tags"] == "explode"


def test_runner_is_idempotent(
    client: httpx.Client, auth: dict[str, str], drain: Any, services: Services, engine: Any
) -> None:
    from tunesmith.jobs.runner import run_task

    task_id = create(client, auth)
    drain()
    calls = len(engine.calls)
    assert run_task(services, task_id) is None
    assert len(engine.calls) == calls
    ledger = services.store.ledger_entries(services.store.get_task(task_id).key_id)  # type: ignore[union-attr]
    assert [e["kind"] for e in ledger if e["task_id"] == task_id] == ["reserve", "commit"]
