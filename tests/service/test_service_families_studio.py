"""Studio family over real HTTP (API.md §7): golden submit and poll shapes (ids, times, URLs
masked), unix-second times, 15/30 credits, generate mode writes lyrics from the prompt, and the
contract's error messages (each costing nothing)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from tests.service.test_service_families import credits, mask


def test_studio_generate_golden_poll_and_written_lyrics(
    client: httpx.Client, auth: dict[str, str], drain: Any
) -> None:
    before = credits(client, auth)
    body = {"prompt": "a warm acoustic folk song about coming home", "lyrics_type": "generate", "seed": 9,
            "notify_hook": "http://127.0.0.1:9/hook"}  # fmt: skip
    r = client.post("/api/v1/studio/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert mask(r.json()) == {"code": 200, "message": "success", "task_id": "<id>"}
    assert credits(client, auth) == before - 15
    task_id = r.json()["task_id"]
    pending = client.get(f"/api/v1/studio/task/{task_id}", headers=auth).json()
    assert pending["code"] == "success" and pending["data"]["status"] == "NOT_START"
    assert pending["data"]["progress"] == "0%" and pending["data"]["start_time"] == 0
    assert pending["data"]["notify_hook"] == "http://127.0.0.1:9/hook"
    drain()
    done = client.get(f"/api/v1/studio/task/{task_id}", headers=auth).json()
    data = done["data"]
    now = time.time()
    for name in ("submit_time", "start_time", "finish_time"):
        assert isinstance(data[name], int) and now - 300 < data[name] <= now + 1
        data[name] = "<unix>"
    songs = data["data"]["songs"]
    lyrics = [s["lyrics"] for s in songs]
    tags = songs[0]["tags"]
    assert isinstance(tags, list) and tags and all(isinstance(t, str) and t == t.strip() for t in tags)
    for song in songs:
        song["lyrics"], song["tags"], song["title"] = "<lyrics>", "<tags>", "<title>"
        song.pop("metadata")
    assert mask(done) == {
        "code": "success",
        "message": "",
        "data": {
            "task_id": "<id>",
            "notify_hook": "http://127.0.0.1:9/hook",
            "action": "studio-generate",
            "status": "SUCCESS",
            "fail_reason": "",
            "submit_time": "<unix>",
            "start_time": "<unix>",
            "finish_time": "<unix>",
            "progress": "100%",
            "data": {
                "songs": [
                    {
                        "id": "<id>",
                        "state": "succeeded",
                        "title": "<title>",
                        "artist": "tunesmith",
                        "tags": "<tags>",
                        "lyrics": "<lyrics>",
                        "audio_url": "<url:audio.mp3>",
                        "image_url": "<url:cover.jpg>",
                        "video_url": None,
                        "duration": 32.0,
                        "created_at": "<time>",
                        "liked": False,
                        "likes": 0,
                        "plays": 0,
                    }
                ]
                * 2
            },
        },
    }
    # generate: lyrics written from the prompt (sections and lines), a different lyric per song
    for text in lyrics:
        assert text.startswith("[") and len([ln for ln in text.splitlines() if not ln.startswith("[")]) >= 4
    assert lyrics[0] != lyrics[1]
    assert "folk" in " ".join(tags).lower()  # the prompt expanded as upsample-tags does


def test_studio_user_and_instrumental_modes(client: httpx.Client, auth: dict[str, str], drain: Any) -> None:
    before = credits(client, auth)
    user = client.post(
        "/api/v1/studio/create",
        json={
            "prompt": "jazz",
            "lyrics_type": "user",
            "lyrics": "[Verse]\nBlue night",
            "bypass_prompt_optimization": True,
            "model_type": "studio32-v1.5",
        },
        headers=auth,
    ).json()
    inst = client.post(
        "/api/v1/studio/create", json={"prompt": "ambient", "lyrics_type": "instrumental"}, headers=auth
    ).json()
    assert credits(client, auth) == before - 30
    drain()
    songs = client.get(f"/api/v1/studio/task/{user['task_id']}", headers=auth).json()["data"]["data"]["songs"]
    assert [s["lyrics"] for s in songs] == ["[Verse]\nBlue night"] * 2 and songs[0]["tags"] == ["jazz"]
    songs = client.get(f"/api/v1/studio/task/{inst['task_id']}", headers=auth).json()["data"]["data"]["songs"]
    assert [s["lyrics"] for s in songs] == ["[Instrumental]"] * 2


STUDIO_ERRORS = [
    ({}, "The 'prompt' field is required."),
    ({"prompt": "p"}, "The 'lyrics_type' field is required."),
    (
        {"prompt": "p", "lyrics_type": "auto"},
        "The 'lyrics_type' field is invalid. The value should be 'user','generate' or 'instrumental'.",
    ),
    ({"prompt": "p", "lyrics_type": "user"}, "The 'lyrics' field is required."),
    (
        {"prompt": "p" * 1001, "lyrics_type": "generate"},
        "The 'prompt' character length should be less than 1000.",
    ),
    (
        {"prompt": "p", "lyrics_type": "generate", "seed": -2},
        "The 'seed' field should be between -1 and 4294967295.",
    ),
    (
        {"prompt": "p", "lyrics_type": "generate", "prompt_strength": 2},
        "The 'prompt_strength' field should be between 0 and 1.",
    ),
    (
        {"prompt": "p", "lyrics_type": "generate", "song_section_start": 0.6, "song_section_end": 0.5},
        "The 'song_section_end' field should be greater than 'song_section_start'.",
    ),
    (
        {"prompt": "p", "lyrics_type": "generate", "model_type": "studio64"},
        "The 'model_type' field is invalid. The value should be 'studio32-v1.5' or 'studio130-v1.5'.",
    ),
    (
        {"prompt": "p", "lyrics_type": "generate", "bypass_prompt_optimization": "no"},
        "The 'bypass_prompt_optimization' field should be boolean.",
    ),
    (
        {
            "prompt": "p",
            "lyrics_type": "generate",
            "config": {"mode": "continuation", "source": {"song_id": "00000000-0000-4000-8000-000000000000"}},
        },
        "clip not found.",
    ),
]


@pytest.mark.parametrize(("body", "message"), STUDIO_ERRORS)
def test_studio_errors_cost_nothing(
    client: httpx.Client, auth: dict[str, str], body: dict[str, Any], message: str
) -> None:
    before = credits(client, auth)
    r = client.post("/api/v1/studio/create", json=body, headers=auth)
    assert r.status_code == 400
    assert r.json() == {"code": 400, "message": message, "error": message}
    assert credits(client, auth) == before
    assert client.get("/api/v1/studio/task/nope", headers=auth).json()["message"] == "task not found."
