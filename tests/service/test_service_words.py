"""Words endpoints (API.md §4.1 auto_lyrics, §4.12 upsample-tags, §4.15 lyrics): golden wire
shapes, the contract's error messages and order, prices charged only on success."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from tests.compat.test_compat_golden import mask
from tests.service.test_service_errors import assert_error

from tunesmith.auth.keys import create_key
from tunesmith.jobs.context import Services
from tunesmith.music.style.tags import resolve_style

CREDITS = "The remaining credits are not enough. You can buy more one-time credit packs or subscribe."
SECTION = re.compile(r"^\[(Intro|Verse|Pre-Chorus|Chorus|Bridge|Outro)( \d)?\]$")


def credits(client: httpx.Client, auth: dict[str, str]) -> int:
    return int(client.get("/api/v1/get-credits", headers=auth).json()["credits"])


# ----- POST /api/v1/sonic/lyrics ------------------------------------------------------------------


def test_lyrics_golden_shape_and_price(client: httpx.Client, auth: dict[str, str]) -> None:
    body = {"description": "a rainy night in the city, missing an old friend", "seed": 42}
    answer = client.post("/api/v1/sonic/lyrics", json=body, headers=auth)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert list(data) == ["code", "message", "results"]
    shape = {
        "code": 200,
        "message": "success",
        "results": [{"title": "<title>", "lyrics": "<lyrics>"}, {"title": "<title>", "lyrics": "<lyrics>"}],
    }
    assert {
        **data,
        "results": [{"title": "<title>", "lyrics": "<lyrics>"} for _ in data["results"]],
    } == shape
    assert [list(r) for r in data["results"]] == [["title", "lyrics"], ["title", "lyrics"]]
    first, second = data["results"]
    assert first["title"] and second["title"] and first["title"] != second["title"]
    assert first["lyrics"] != second["lyrics"]
    for result in data["results"]:
        tags = [line for line in result["lyrics"].splitlines() if line.startswith("[")]
        assert all(SECTION.match(t) for t in tags), tags
        assert "[Verse]" in tags and "[Chorus]" in tags
        assert len(result["lyrics"].splitlines()) > len(tags) + 4  # sections hold lines
        chorus = result["lyrics"].split("[Chorus]", 1)[1].split("\n\n", 1)[0]
        assert result["title"].lower() in chorus.lower()  # the chorus carries the title
    assert credits(client, auth) == 998
    # same seed, same lyrics; the alias works; unknown fields are ignored
    again = client.post(
        "/api/v1/sonic/lyrics", json={"prompt": body["description"], "seed": 42, "x": 1}, headers=auth
    )
    assert again.json() == data
    assert credits(client, auth) == 996


def test_lyrics_unicode_is_utf8_not_escaped(client: httpx.Client, auth: dict[str, str]) -> None:
    answer = client.post(
        "/api/v1/sonic/lyrics", json={"description": "café au lait, été à Paris ☀", "seed": 1}, headers=auth
    )
    assert answer.status_code == 200 and "\\u" not in answer.text
    assert answer.headers["content-type"].startswith("application/json")


LYRICS_ERRORS: list[tuple[Any, int, str]] = [
    ({}, 400, "description is required."),
    ({"description": None}, 400, "description is required."),
    ({"description": "   "}, 400, "description is required."),
    ({"description": 5}, 400, "The 'description' field should be a string."),
    ({"prompt": ["x"]}, 400, "The 'prompt' field should be a string."),
    ({"description": "d" * 121}, 400, "The description character length should be less than 120."),
    ({"prompt": "d" * 121}, 400, "The description character length should be less than 120."),
    ({"description": "ok", "seed": -1}, 400, "The 'seed' field should be between 0 and 4294967295."),
    ({"description": "ok", "seed": "7"}, 400, "The 'seed' field should be an integer."),
    (b"{nope", 400, "Invalid JSON body."),
    (b"[]", 400, "Invalid JSON body."),
]


@pytest.mark.parametrize(("body", "status", "message"), LYRICS_ERRORS)
def test_lyrics_errors_cost_nothing(
    client: httpx.Client, auth: dict[str, str], body: Any, status: int, message: str
) -> None:
    if isinstance(body, bytes):
        response = client.post("/api/v1/sonic/lyrics", content=body, headers=auth)
    else:
        response = client.post("/api/v1/sonic/lyrics", json=body, headers=auth)
    assert_error(response, status, message)
    assert credits(client, auth) == 1000


def test_lyrics_field_beats_alias_and_120_is_allowed(client: httpx.Client, auth: dict[str, str]) -> None:
    ok = client.post(
        "/api/v1/sonic/lyrics", json={"description": "summer " * 17 + "s", "prompt": 5}, headers=auth
    )
    assert len("summer " * 17 + "s") <= 120 and ok.status_code == 200, ok.text


def test_lyrics_insufficient_credits(client: httpx.Client, services: Services) -> None:
    _, key = create_key(services.store, credits=1)
    auth = {"Authorization": f"Bearer {key}"}
    assert_error(client.post("/api/v1/sonic/lyrics", json={"description": "x y"}, headers=auth), 403, CREDITS)
    # validation comes before credits
    assert_error(client.post("/api/v1/sonic/lyrics", json={}, headers=auth), 400, "description is required.")
    assert credits(client, auth) == 1


# ----- POST /api/v1/sonic/upsample-tags -------------------------------------------------------------


def test_upsample_golden_shape_and_price(client: httpx.Client, auth: dict[str, str]) -> None:
    answer = client.post("/api/v1/sonic/upsample-tags", json={"tags": "pop, happy"}, headers=auth)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert mask({**data, "data": {"upsampled_tags": "<tags>"}}) == {
        "code": 200,
        "message": "success",
        "data": {"upsampled_tags": "<tags>"},
    }
    assert list(data) == ["code", "message", "data"] and list(data["data"]) == ["upsampled_tags"]
    upsampled = data["data"]["upsampled_tags"]
    words = [w.strip() for w in upsampled.split(",")]
    assert words[:2] == ["pop", "happy"] and len(words) >= 6
    style = resolve_style(upsampled)  # every added tag is one the composer honours
    assert style.genre.key == "pop" and style.unknown == () and len(style.recognised) == len(words)
    assert credits(client, auth) == 999
    again = client.post("/api/v1/sonic/upsample-tags", json={"tags": "pop, happy"}, headers=auth).json()
    assert again == data  # deterministic
    assert credits(client, auth) == 998


UPSAMPLE_ERRORS: list[tuple[Any, int, str]] = [
    ({}, 400, "The 'tags' field is required."),
    ({"tags": ""}, 400, "The 'tags' field is required."),
    ({"tags": 3}, 400, "The 'tags' field should be a string."),
    ({"tags": "t" * 1001}, 400, "The tags character length should be less than 1000."),
    (b"not json", 400, "Invalid JSON body."),
]


@pytest.mark.parametrize(("body", "status", "message"), UPSAMPLE_ERRORS)
def test_upsample_errors_cost_nothing(
    client: httpx.Client, auth: dict[str, str], body: Any, status: int, message: str
) -> None:
    if isinstance(body, bytes):
        response = client.post("/api/v1/sonic/upsample-tags", content=body, headers=auth)
    else:
        response = client.post("/api/v1/sonic/upsample-tags", json=body, headers=auth)
    assert_error(response, status, message)
    assert credits(client, auth) == 1000


def test_upsample_insufficient_credits(client: httpx.Client, services: Services) -> None:
    _, key = create_key(services.store, credits=0)
    auth = {"Authorization": f"Bearer {key}"}
    response = client.post("/api/v1/sonic/upsample-tags", json={"tags": "rock"}, headers=auth)
    assert_error(response, 403, CREDITS)


# ----- sonic/create with auto_lyrics --------------------------------------------------------------


def test_auto_lyrics_writes_lyrics_title_and_tags(
    client: httpx.Client, auth: dict[str, str], drain: Any, engine: Any
) -> None:
    body = {"mv": "sonic-v5", "prompt": "a road trip along the coast with old friends", "auto_lyrics": True}
    task_id = client.post("/api/v1/sonic/create", json={**body, "seed": 9}, headers=auth).json()["task_id"]
    pending = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert [(c["lyrics"], c["title"], c["tags"]) for c in pending] == [("", "", "")] * 2
    assert all(c["gpt_description_prompt"] is None for c in pending)
    drain()
    clips = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"]
    for clip in clips:
        assert "[Verse]" in clip["lyrics"] and "[Chorus]" in clip["lyrics"]
        assert clip["title"] and clip["title"].lower() in clip["lyrics"].lower()
        assert clip["tags"] and clip["gpt_description_prompt"] is None and "prompt" not in clip
    assert clips[0]["lyrics"] != clips[1]["lyrics"]  # seeds 9 and 10
    assert all(spec.sings and spec.lyrics for spec in engine.calls)
    # a sent title and tags are echoed exactly, and the brief still becomes lyrics
    sent = {**body, "title": "Coastline", "tags": "indie folk, warm", "seed": 9}
    task_id = client.post("/api/v1/sonic/create", json=sent, headers=auth).json()["task_id"]
    drain()
    again = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert [(c["title"], c["tags"]) for c in again] == [("Coastline", "indie folk, warm")] * 2
    assert all("[Chorus]" in c["lyrics"] for c in again)
    assert credits(client, auth) == 960


def test_auto_lyrics_errors(client: httpx.Client, auth: dict[str, str]) -> None:
    base = {"mv": "sonic-v5", "auto_lyrics": True}
    assert_error(
        client.post("/api/v1/sonic/create", json={**base, "custom_mode": True}, headers=auth),
        400,
        "The 'prompt' field is required when custom_mode = true.",
    )
    assert_error(
        client.post("/api/v1/sonic/create", json={**base, "prompt": "x", "auto_lyrics": "yes"}, headers=auth),
        400,
        "The 'auto_lyrics' field should be boolean.",
    )
    assert_error(
        client.post("/api/v1/sonic/create", json={**base, "prompt": "p" * 5001}, headers=auth),
        400,
        "The prompt character length should be less than 5000.",
    )
    # a brief is not lyrics: the lyrics-format 403 does not apply to it
    ok = client.post("/api/v1/sonic/create", json={**base, "prompt": "[unclosed brief"}, headers=auth)
    assert ok.status_code == 200, ok.text
    assert credits(client, auth) == 980


# ----- description mode: the written tags reach the Score ----------------------------------------


def _scores(
    client: httpx.Client, auth: dict[str, str], drain: Any, engine: Any, description: str
) -> list[Any]:
    """Submit in description mode; compose (no render) the SongSpecs the worker built."""
    from tunesmith.music.compose import compose
    from tunesmith.music.style.tags import resolve_style

    engine.calls.clear()
    body = {"mv": "sonic-v5", "gpt_description_prompt": description, "duration": 30, "seed": 5}
    task_id = client.post("/api/v1/sonic/create", json=body, headers=auth).json()["task_id"]
    drain()
    clips = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"]
    assert all(c["gpt_description_prompt"] == description and c["tags"] for c in clips)
    assert [spec.seed for spec in engine.calls] == [5, 6]
    scores = []
    for spec, clip in zip(engine.calls, clips, strict=True):
        assert spec.sings and spec.tags == clip["tags"]
        style = resolve_style(spec.tags, spec.negative_tags)
        score = compose(spec, style)
        low, high = style.tempo_range_bpm
        assert low * 0.97 <= score.tempo_map[0].tempo_bpm <= high * 1.03
        assert score.vocals  # sung
        scores.append(score)
    return scores


def test_description_mode_score_reflects_genre_mood_and_instruments(
    client: httpx.Client, auth: dict[str, str], drain: Any, engine: Any
) -> None:
    ballad = _scores(
        client, auth, drain, engine, "a slow, sad jazz ballad with piano and saxophone about a lost love"
    )
    rocker = _scores(
        client,
        auth,
        drain,
        engine,
        "an upbeat energetic rock song with electric guitar about summer road trips",
    )
    for score in ballad:
        names = {t.name for t in score.tracks}
        assert score.genre == "jazz" and score.key.name.endswith("minor")
        assert {"piano", "saxophone"} <= names
    for score in rocker:
        assert score.genre == "rock" and score.key.name.endswith("major")
        assert any("guitar" in t.name for t in score.tracks)
    assert max(s.tempo_map[0].tempo_bpm for s in ballad) < min(s.tempo_map[0].tempo_bpm for s in rocker)
