"""Golden wire shapes (API.md §3.2, §4.1–4.3, §9, §2): ids, times and URLs masked, every field
compared — submit, poll (pending, running, succeeded, failed), upload, get-credits, errors."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tunesmith.jobs.context import Services

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str):
        if UUID.match(value):
            return "<uuid>"
        if TIME.match(value):
            return "<time>"
        if value.startswith("http://testserver/files/"):
            return "<url>/" + value.rsplit("/", 1)[1]
    return value


LYRICS = "[Verse]\nStars they shine above me"
BODY = {
    "mv": "chirp-v4-5",
    "prompt": LYRICS,
    "title": "Stars",
    "tags": "pop, dreamy",
    "style_weight": 0.8,
    "seed": 1234567,
    "duration": 10,
}


def clip(state: str, seed: int, **over: Any) -> dict[str, Any]:
    done = state == "succeeded"
    base: dict[str, Any] = {
        "clip_id": "<uuid>",
        "state": state,
        "title": "Stars",
        "tags": "pop, dreamy",
        "negative_tags": None,
        "lyrics": LYRICS,
        "gpt_description_prompt": None,
        "mv": "chirp-v4-5",
        "audio_url": "<url>/audio.mp3" if done else None,
        "image_url": "<url>/cover.jpg" if done else None,
        "video_url": None,
        "created_at": "<time>",
        "duration": 10.0 if done else None,
        "style_weight": 0.8,
        "weirdness_constraint": None,
        "metadata": {
            "task_id": "<uuid>",
            "task_type": "create_music",
            "origin": "generated",
            "seed": seed,
            "tempo_bpm": 120.0 if done else None,
            "key": "A minor" if done else None,
            "time_signature": "4/4" if done else None,
            "engine": "fake",
            "quality": "standard",
            "estimated": False,
            "source_clip_id": None,
            "wav_url": "<url>/audio.wav" if done else None,
            "finished_at": "<time>" if done else None,
        },
    }
    base.update(over)
    return base


def test_submit_and_poll_states(
    client: httpx.Client, auth: dict[str, str], services: Services, drain: Any
) -> None:
    services.settings.engine.default = "fake"
    submitted = client.post("/api/v1/sonic/create", json=BODY, headers=auth).json()
    assert mask(submitted) == {"code": 200, "message": "success", "task_id": "<uuid>"}
    task_id = submitted["task_id"]
    poll = lambda: mask(client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json())  # noqa: E731
    assert poll() == {
        "code": 200,
        "message": "success",
        "data": [clip("pending", 1234567), clip("pending", 1234568)],
    }
    services.store.claim_task(task_id, owner="w", lease_s=60, max_attempts=3)
    assert poll() == {
        "code": 200,
        "message": "success",
        "data": [clip("running", 1234567), clip("running", 1234568)],
    }
    services.store.reset_for_retry(task_id)
    drain()
    assert poll() == {
        "code": 200,
        "message": "success",
        "data": [clip("succeeded", 1234567), clip("succeeded", 1234568)],
    }


def test_failed_poll(client: httpx.Client, auth: dict[str, str], services: Services, drain: Any) -> None:
    services.settings.engine.default = "fake"
    task_id = client.post("/api/v1/sonic/create", json={**BODY, "tags": "explode"}, headers=auth).json()[
        "task_id"
    ]
    drain()
    expected = [
        clip("failed", s, tags="explode", error_message="Generation failed.") for s in (1234567, 1234568)
    ]
    assert mask(client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()) == {
        "code": 200,
        "message": "success",
        "data": expected,
    }
    assert list(client.get(f"/get_music/{task_id}", headers=auth).json()["data"][0]) == [
        "clip_id",
        "state",
        "title",
        "tags",
        "negative_tags",
        "lyrics",
        "gpt_description_prompt",
        "mv",
        "audio_url",
        "image_url",
        "video_url",
        "created_at",
        "duration",
        "style_weight",
        "weirdness_constraint",
        "error_message",
        "metadata",
    ]


def test_upload_credits_and_error_shapes(client: httpx.Client, auth: dict[str, str]) -> None:
    import numpy as np

    from tunesmith.music.audio import AudioBuffer, encode_wav

    wav = encode_wav(AudioBuffer.from_array(np.zeros((1, 22050), dtype=np.float32), 22050))
    answer = client.post("/api/v1/sonic/upload", headers=auth, files={"file": ("x.wav", wav)}).json()
    assert mask(answer) == {"code": 200, "message": "success", "clip_id": "<uuid>"}
    assert client.get("/api/v1/get-credits", headers=auth).json() == {"credits": 998, "extra_credits": 0}
    assert client.get("/api/v1/sonic/task/nope", headers=auth).json() == {
        "code": 400,
        "message": "task not found.",
        "error": "task not found.",
    }
    assert client.get("/api/v1/get-credits").json() == {
        "code": 401,
        "message": "Authorization header is missing.",
        "error": "Authorization header is missing.",
    }
