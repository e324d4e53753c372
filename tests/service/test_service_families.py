"""Riffusion and nuro families over real HTTP (API.md §5, §8): golden submit and poll shapes
(ids, times and URLs masked), credits, the contract's error messages (each costing nothing), and
the measured meaning of nuro's bgm mode with the procedural engine."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.service.conftest import make_settings

from tunesmith.auth.keys import create_key
from tunesmith.engines.procedural import ProceduralEngine
from tunesmith.jobs.context import Services, build_services
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music.style.tags import resolve_style

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def mask(value: Any) -> Any:
    """ids → ``<id>``, ISO times → ``<time>``, file URLs → ``<url:name>`` (recursively)."""
    if isinstance(value, dict):
        return {k: mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str):
        if _UUID.match(value):
            return "<id>"
        if _ISO.match(value):
            return "<time>"
        if value.startswith("http://testserver/files/"):
            return "<url:" + value.rsplit("/", 1)[-1].split("?")[0] + ">"
    return value


def credits(client: httpx.Client, auth: dict[str, str]) -> int:
    body = client.get("/api/v1/get-credits", headers=auth).json()
    return int(body["credits"]) + int(body["extra_credits"])


# ----- riffusion ----------------------------------------------------------------------------------


def test_riffusion_create_golden_shapes_and_price(
    client: httpx.Client, auth: dict[str, str], drain: Any
) -> None:
    body = {
        "mv": "FUZZ-1.1",
        "lyrics": "[Verse]\nStars they shine",
        "sound": "pop, dreamy",
        "title": "Stars",
        "seed": 7,
    }
    before = credits(client, auth)
    r = client.post("/api/v1/riffusion/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert mask(r.json()) == {"code": 200, "message": "success", "task_id": "<id>"}
    task_id = r.json()["task_id"]
    assert credits(client, auth) == before - 12
    pending = client.get(f"/api/v1/riffusion/task/{task_id}", headers=auth).json()
    assert [c["state"] for c in pending["data"]] == ["pending", "pending"]
    assert pending["data"][0]["timestamp"] == {} and pending["data"][0]["audio_url"] is None
    drain()
    done = client.get(f"/api/v1/riffusion/task/{task_id}", headers=auth).json()
    first = mask(done["data"][0])
    assert first == {
        "clip_id": "<id>",
        "state": "succeeded",
        "title": "Stars",
        "tags": "pop, dreamy",
        "negative_tags": None,
        "lyrics": "[Verse]\nStars they shine",
        "gpt_description_prompt": None,
        "mv": "FUZZ-1.1",
        "audio_url": "<url:audio.mp3>",
        "image_url": "<url:cover.jpg>",
        "video_url": None,
        "created_at": "<time>",
        "duration": 2.0,
        "style_weight": None,
        "weirdness_constraint": None,
        "metadata": {
            "task_id": "<id>",
            "task_type": "create_music",
            "origin": "generated",
            "seed": 7,
            "tempo_bpm": 120.0,
            "key": "A minor",
            "time_signature": "4/4",
            "engine": "procedural",
            "quality": "standard",
            "estimated": False,
            "source_clip_id": None,
            "wav_url": "<url:audio.wav>",
            "finished_at": "<time>",
        },
        "timestamp": {},
    }
    assert done["data"][1]["metadata"]["seed"] == 8
    assert credits(client, auth) == before - 12
    # not a riffusion task, and unknown ids: 400 task not found.
    assert client.get("/api/v1/riffusion/task/nope", headers=auth).json()["message"] == "task not found."


def test_riffusion_description_mode_writes_lyrics(
    client: httpx.Client, auth: dict[str, str], drain: Any
) -> None:
    r = client.post(
        "/api/v1/riffusion/create",
        json={"mv": "FUZZ-1.0", "prompt": "a happy song about summer at the beach", "seed": 3},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    drain()
    clips = client.get(f"/api/v1/riffusion/task/{r.json()['task_id']}", headers=auth).json()["data"]
    assert clips[0]["gpt_description_prompt"] == "a happy song about summer at the beach"
    assert "[" in clips[0]["lyrics"] and len(clips[0]["lyrics"].splitlines()) >= 3
    assert clips[0]["lyrics"] != clips[1]["lyrics"]


RIFFUSION_ERRORS = [
    ({"lyrics": "x"}, "The 'mv' field is required."),
    (
        {"mv": "FUZZ-9"},
        "The 'mv' field is invalid. The model should be "
        "'FUZZ-1.1 Pro','FUZZ-1.0 Pro','FUZZ-1.1' or 'FUZZ-1.0'.",
    ),
    ({"mv": "FUZZ-1.1", "task_type": "nope"}, None),
    ({"mv": "FUZZ-1.1", "custom_mode": "true"}, "The 'custom_mode' field should be boolean."),
    (
        {"mv": "FUZZ-1.1", "title": "t" * 81, "lyrics": "la"},
        "The title character length should be less than 80.",
    ),
    ({"mv": "FUZZ-1.1", "prompt": "p" * 401}, "The 'prompt' character length should be less than 400."),
    ({"mv": "FUZZ-1.1", "custom_mode": True}, "The 'lyrics' field is required when custom_mode = true."),
    ({"mv": "FUZZ-1.1", "custom_mode": False}, "The 'prompt' field is required when custom_mode = false."),
    (
        {"mv": "FUZZ-1.1", "task_type": "extend_music"},
        "The 'continue_clip_id' field is required when task_type = extend_music.",
    ),
    (
        {
            "mv": "FUZZ-1.1",
            "task_type": "swap_music_sound",
            "continue_clip_id": "00000000-0000-4000-8000-000000000000",
        },
        "The 'sound' field is required when task_type = swap_music_sound.",
    ),
    (
        {
            "mv": "FUZZ-1.1",
            "task_type": "cover_music",
            "continue_clip_id": "00000000-0000-4000-8000-000000000000",
        },
        "clip not found.",
    ),
    (
        {"mv": "FUZZ-1.1", "task_type": "replace_music", "continue_clip_id": "x", "replace_start_s": 1},
        "The 'replace_end_at' field is required when task_type = replace_music.",
    ),
    ({"mv": "FUZZ-1.1", "task_type": "swap_music_sound", "duration": 30}, None),
]


@pytest.mark.parametrize(("body", "message"), RIFFUSION_ERRORS)
def test_riffusion_errors_cost_nothing(
    client: httpx.Client, auth: dict[str, str], body: dict[str, Any], message: str | None
) -> None:
    before = credits(client, auth)
    r = client.post("/api/v1/riffusion/create", json=body, headers=auth)
    assert r.status_code == 400, r.text
    if message is None:
        assert r.json()["message"].startswith(
            ("The 'task_type' field is invalid.", "The 'duration' field is not")
        )
    else:
        assert r.json() == {"code": 400, "message": message, "error": message}
    assert credits(client, auth) == before


def test_riffusion_upload_and_cover_of_upload_window_errors(
    client: httpx.Client, auth: dict[str, str], make_wav: Any, drain: Any
) -> None:
    before = credits(client, auth)
    r = client.post("/api/v1/riffusion/upload", files={"file": ("song.wav", make_wav(4.0))}, headers=auth)
    assert r.status_code == 200, r.text
    assert mask(r.json()) == {"code": 200, "message": "success", "clip_id": "<id>"}
    assert credits(client, auth) == before - 2
    clip_id = r.json()["clip_id"]
    base = {"mv": "FUZZ-1.1", "continue_clip_id": clip_id}
    cases = [
        (
            {**base, "task_type": "extend_music", "continue_at": 9},
            "The 'continue_at' field should be between 0 and 4.",
        ),
        (
            {**base, "task_type": "replace_music", "replace_start_at": 1, "replace_end_at": 1.5},
            "The 'replace_end_at' field should be between 3 and 4.",
        ),
        (
            {**base, "task_type": "replace_upload_music", "replace_start_s": 2, "replace_end_s": 1},
            "The 'replace_end_s' field should be greater than 'replace_start_s'.",
        ),
    ]
    for body, message in cases:
        r = client.post("/api/v1/riffusion/create", json=body, headers=auth)
        assert r.json()["message"] == message, body
    assert credits(client, auth) == before - 2
    # an instrumental of ours has no vocal to swap (an upload's vocal is looked for when it runs)
    made = client.post("/api/v1/riffusion/create", json={"mv": "FUZZ-1.1", "sound": "jazz",
                       "make_instrumental": True, "custom_mode": True}, headers=auth)  # fmt: skip
    drain()
    instrumental = client.get(f"/api/v1/riffusion/task/{made.json()['task_id']}", headers=auth).json()
    body = {"mv": "FUZZ-1.1", "continue_clip_id": instrumental["data"][0]["clip_id"],
            "task_type": "swap_music_vocals", "sound": "female voice"}  # fmt: skip
    before = credits(client, auth)
    r = client.post("/api/v1/riffusion/create", json=body, headers=auth)
    assert r.json()["message"] == "The clip has no vocals." and credits(client, auth) == before


# ----- nuro ---------------------------------------------------------------------------------------


def test_nuro_vocal_golden_shapes(client: httpx.Client, auth: dict[str, str], drain: Any) -> None:
    before = credits(client, auth)
    body = {"lyrics": "[verse]\nWalking in the rain\n[inst]\n[chorus]\nSing it again", "genre": "Pop",
            "mood": "Happy", "gender": "Female", "timbre": "Warm", "duration": 30, "seed": 5}  # fmt: skip
    r = client.post("/api/v1/nuro/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert mask(r.json()) == {"code": 200, "message": "success", "task_id": "<id>"}
    assert credits(client, auth) == before - 10
    task_id = r.json()["task_id"]
    pending = mask(client.get(f"/api/v1/nuro/task/{task_id}", headers=auth).json())
    assert pending["status"] == "pending" and pending["progress"] == 0 and pending["audio_url"] is None
    drain()
    done = mask(client.get(f"/api/v1/nuro/task/{task_id}", headers=auth).json())
    metadata = done.pop("metadata")
    assert done == {
        "task_id": "<id>",
        "clip_id": "<id>",
        "status": "succeeded",
        "progress": 100,
        "audio_url": "<url:audio.wav>",
        "image_url": "<url:cover.jpg>",
        "lyrics": "[Verse]\nWalking in the rain\n[Instrumental]\n[Chorus]\nSing it again",
        "duration": 30.0,
        "genre": "Pop",
        "mood": "Happy",
        "gender": "Female",
        "timbre": "Warm",
        "created_at": "<time>",
    }
    assert metadata["mp3_url"] == "<url:audio.mp3>" and metadata["task_type"] == "nuro_vocal"
    assert metadata["seed"] == 5


def test_nuro_vocal_predicts_omitted_enums_deterministically(
    client: httpx.Client, auth: dict[str, str], drain: Any
) -> None:
    answers = []
    for _ in range(2):
        r = client.post("/api/v1/nuro/create", json={"lyrics": "[verse]\nHello", "seed": 11}, headers=auth)
        drain()
        answers.append(client.get(f"/api/v1/nuro/task/{r.json()['task_id']}", headers=auth).json())
    fields = ("genre", "mood", "gender", "timbre")
    assert [answers[0][f] for f in fields] == [answers[1][f] for f in fields]
    assert all(answers[0][f] for f in fields)


NURO_ERRORS = [
    ({}, 400, "The 'type' field is required."),
    ({"type": "song"}, 400, "The 'type' field is invalid. The value should be 'vocal' or 'bgm'."),
    ({"type": "bgm"}, 400, "description is required."),
    ({"type": "vocal"}, 400, "The 'lyrics' field is required."),
    ({"lyrics": "la", "duration": 20}, 400, "The 'duration' field should be between 30 and 240."),
    (
        {"lyrics": "la", "gender": "Other"},
        400,
        "The 'gender' field is invalid. The value should be 'Female' or 'Male'.",
    ),
    ({"description": "d", "genre": "rock"}, 400, "The 'genre' field should be an array."),
    ({"description": "d", "mood": ["calm"] * 6}, 400, "The 'mood' field should contain at most 5 items."),
    ({"description": "d", "duration": 61}, 400, "The 'duration' field should be between 1 and 60."),
    (
        {
            "description": "d",
            "version": "v2.0",
            "duration": 30,
            "segments": [{"name": "intro", "duration": 10}],
        },
        400,
        "The segment durations should add up to 'duration'.",
    ),
]


@pytest.mark.parametrize(("body", "status", "message"), NURO_ERRORS)
def test_nuro_errors_carry_type_and_cost_nothing(
    client: httpx.Client, auth: dict[str, str], body: dict[str, Any], status: int, message: str
) -> None:
    before = credits(client, auth)
    r = client.post("/api/v1/nuro/create", json=body, headers=auth)
    assert r.status_code == status
    assert r.json() == {"code": status, "type": "bad_request", "message": message, "error": message}
    assert credits(client, auth) == before


def test_nuro_poll_unknown_and_auth_errors(client: httpx.Client, auth: dict[str, str]) -> None:
    r = client.get("/api/v1/nuro/task/00000000-0000-4000-8000-000000000000", headers=auth)
    assert r.status_code == 404
    assert r.json() == {
        "code": 404,
        "type": "not_found",
        "message": "Task not found",
        "error": "Task not found",
    }
    r = client.post("/api/v1/nuro/create", json={"lyrics": "x"}, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["type"] == "unauthorized"


@pytest.fixture
def real(tmp_path: Path, serve: Any) -> Iterator[tuple[httpx.Client, dict[str, str], Services]]:
    settings = make_settings(tmp_path / "data", engine={"video": False})
    svc = build_services(
        settings, queue=InlineQueue(), engine_factory=lambda name: ProceduralEngine(with_video=False)
    )
    _, api_key = create_key(svc.store, name="real", credits=1000)
    with serve(svc) as client:
        yield client, {"Authorization": f"Bearer {api_key}"}, svc
    svc.close()


def test_nuro_bgm_is_an_instrumental_in_the_genres_tempo_range(
    real: tuple[httpx.Client, dict[str, str], Services],
) -> None:
    client, auth, svc = real
    body = {"description": "background for a tech product video", "genre": ["dance/edm"],
            "mood": ["energetic"], "instrument": ["synth"], "duration": 10, "seed": 4}  # fmt: skip
    r = client.post("/api/v1/nuro/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert isinstance(svc.queue, InlineQueue)
    svc.queue.drain()
    task = client.get(f"/api/v1/nuro/task/{r.json()['task_id']}", headers=auth).json()
    assert task["status"] == "succeeded", task
    assert task["lyrics"] == "[Instrumental]" and task["gender"] is None and task["timbre"] is None
    assert task["genre"] == "dance/edm" and task["mood"] == "energetic"
    assert task["duration"] == 10.0
    assert task["metadata"]["task_type"] == "nuro_bgm"
    low, high = resolve_style("dance/edm").tempo_range_bpm
    assert low <= task["metadata"]["tempo_bpm"] <= high
    clip = svc.store.get_clip(task["clip_id"])
    assert clip is not None and not any(name.startswith("stems/vocals") for name in clip.files)
    wav = client.get(task["audio_url"])
    assert wav.status_code == 200 and wav.content[:4] == b"RIFF"


def test_nuro_bgm_predicts_omitted_enums_from_the_description(
    client: httpx.Client, auth: dict[str, str], drain: Any
) -> None:
    body = {"description": "A calm jazz tune for a coffee shop, soft and mellow", "duration": 10, "seed": 3}
    r = client.post("/api/v1/nuro/create", json=body, headers=auth)
    drain()
    task = client.get(f"/api/v1/nuro/task/{r.json()['task_id']}", headers=auth).json()
    assert task["genre"] == "jazz" and task["mood"] == "calm"  # the first named in the text
    r = client.post(
        "/api/v1/nuro/create", json={"lyrics": "[verse]\nA sad female voice\nla la"}, headers=auth
    )
    drain()
    task = client.get(f"/api/v1/nuro/task/{r.json()['task_id']}", headers=auth).json()
    assert task["gender"] == "Female" and task["mood"] == "Sorrow/Sad"
