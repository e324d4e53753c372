"""Personas over real HTTP (API.md §4.6 persona, §4.7 create-voice, §4.1 persona_music) with the
procedural engine on a short sung source: the persona keeps the source's voice (gender, vocal
range centre) and style (tags, tempo), measured on the results' Scores and audio."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from tests.service.conftest import make_settings

from tunesmith.auth.keys import create_key
from tunesmith.engines.procedural import ProceduralEngine
from tunesmith.jobs.context import Services, build_services
from tunesmith.jobs.personas import load_persona
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music.audio import AudioBuffer, decode_audio, encode_wav
from tunesmith.music.bundle import stem_file
from tunesmith.music.produce import ProducedSong, produce_song
from tunesmith.music.score import Score
from tunesmith.music.spec import make_spec
from tunesmith.store.repos import NewClip, new_id

LYRICS = "[Verse]\nStars they shine above me\nLight the road ahead\n[Chorus]\nHold on hold on"
NEW_LYRICS = "[Verse]\nRiver running under\nCarry me along\n[Chorus]\nSing it sing it"


@pytest.fixture(scope="module")
def produced() -> ProducedSong:
    spec = make_spec(
        tags="pop, piano, male vocals",
        seed=5,
        lyrics=LYRICS,
        duration_s=12,
        quality="draft",
        vocal_gender="m",
    )
    return produce_song(spec, with_video=False)


@pytest.fixture
def psvc(tmp_path: Path) -> Iterator[Services]:
    settings = make_settings(tmp_path / "data", engine={"video": False})
    svc = build_services(
        settings, queue=InlineQueue(), engine_factory=lambda name: ProceduralEngine(with_video=False)
    )
    yield svc
    svc.close()


def store_song(svc: Services, produced: ProducedSong, *, tags: str, title: str = "Stars") -> str:
    """Store ``produced`` as a succeeded generated clip of the (only) key; returns its id."""
    clip_id = new_id()
    for name, data in produced.bundle.files.items():
        svc.blobs.put(f"clips/{clip_id}/{name}", data)
    key_row = svc.store.list_keys()[0]
    score = produced.score
    svc.store.create_finished_clip(
        key_id=key_row.id,
        clip=NewClip(
            id=clip_id,
            idx=0,
            title=title,
            tags=tags,
            negative_tags=None,
            lyrics=score.lyrics,
            gpt_description_prompt=None,
            mv="sonic-v6-mini",
            style_weight=None,
            weirdness_constraint=None,
            task_type="create_music",
            origin="generated",
            seed=score.seed,
            engine="procedural",
            quality="draft",
        ),
        duration_s=score.duration_s,
        files=sorted(produced.bundle.files),
        tempo_bpm=score.tempo_bpm,
        key=score.key.name,
        time_signature=score.time_signature,
        upload=None,
        charge=0,
    )
    return clip_id


@pytest.fixture
def ctx(psvc: Services, produced: ProducedSong, serve: Any) -> Iterator[dict[str, Any]]:
    _, api_key = create_key(psvc.store, name="personas", credits=1000)
    clip_id = store_song(psvc, produced, tags="pop, piano, male vocals")
    with serve(psvc) as client:
        yield {
            "svc": psvc,
            "client": client,
            "auth": {"Authorization": f"Bearer {api_key}"},
            "source_id": clip_id,
            "score": produced.score,
        }


def drain(svc: Services) -> None:
    queue = svc.queue
    assert isinstance(queue, InlineQueue)
    queue.drain()


def credits(ctx: dict[str, Any]) -> int:
    value: int = ctx["client"].get("/api/v1/get-credits", headers=ctx["auth"]).json()["credits"]
    return value


def poll(ctx: dict[str, Any], task_id: str) -> dict[str, Any]:
    body: dict[str, Any] = ctx["client"].get(f"/api/v1/sonic/task/{task_id}", headers=ctx["auth"]).json()
    return body


def lead_median(score: Score) -> float:
    return float(np.median([v.pitch for v in score.vocals if not v.backing]))


def score_of(ctx: dict[str, Any], clip_id: str) -> Score:
    return Score.from_json(ctx["svc"].blobs.get(f"clips/{clip_id}/score.json"))


def test_persona_from_clip_then_persona_music(ctx: dict[str, Any]) -> None:
    client: httpx.Client = ctx["client"]
    source: Score = ctx["score"]
    before = credits(ctx)
    answer = client.post(
        "/api/v1/sonic/persona",
        json={"name": "Deep Voice", "continue_clip_id": ctx["source_id"], "description": "warm baritone"},
        headers=ctx["auth"],
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"code", "message", "persona_id"} and body["message"] == "success"
    assert credits(ctx) == before - 1
    persona = load_persona(ctx["svc"], body["persona_id"], key_id=ctx["svc"].store.list_keys()[0].id)
    assert persona is not None
    assert persona["voice"]["gender"] == "m"
    assert abs(persona["voice"]["centre_pitch"] - lead_median(source)) < 0.01
    assert persona["style"]["tags"] == "pop, piano, male vocals"
    # the timbre is measured on the clip's own vocal stem
    from tunesmith.music.edit.timbre import measure_timbre

    stem = decode_audio(
        ctx["svc"].blobs.get(f"clips/{ctx['source_id']}/{stem_file('vocals')}"), filename_hint="v.flac"
    )
    measured = measure_timbre(stem)
    timbre = persona["voice"]["timbre"]
    assert measured is not None and abs(timbre["centroid_hz"] - measured.centroid_hz) < 1.0
    assert timbre["measured"] == "audio" and 0.0 <= timbre["breathiness"] <= 1.0

    # persona_music without tags: the persona's voice and style
    before = credits(ctx)
    answer = client.post(
        "/api/v1/sonic/create",
        json={
            "task_type": "persona_music",
            "persona_id": body["persona_id"],
            "mv": "sonic-v6-mini",
            "prompt": NEW_LYRICS,
            "duration": 10,
            "seed": 11,
        },
        headers=ctx["auth"],
    )
    assert answer.status_code == 200, answer.text
    assert credits(ctx) == before - 15
    task_id = answer.json()["task_id"]
    drain(ctx["svc"])
    clips = poll(ctx, task_id)["data"]
    assert len(clips) == 2 and all(c["state"] == "succeeded" for c in clips), clips
    for clip in clips:
        assert clip["metadata"]["persona_id"] == body["persona_id"]
        assert clip["metadata"]["task_type"] == "persona_music"
        assert clip["tags"] == "pop, piano, male vocals"
        assert clip["lyrics"].startswith("[Verse]")
        score = score_of(ctx, clip["clip_id"])
        assert score.vocal_gender == "m"
        assert abs(lead_median(score) - lead_median(source)) <= 3.0
        assert abs(score.tempo_bpm / source.tempo_bpm - 1) < 0.06
        assert score.key.is_minor == source.key.is_minor
        vocals = decode_audio(
            ctx["svc"].blobs.get(f"clips/{clip['clip_id']}/{stem_file('vocals')}"), filename_hint="v.flac"
        )
        assert float(np.max(np.abs(vocals.samples))) > 0.01  # the voice is heard
        sung = measure_timbre(vocals)  # sung in the persona's brightness
        assert sung is not None and abs(np.log2(sung.centroid_hz / timbre["centroid_hz"])) < 0.3
    assert credits(ctx) == before - 15  # committed


def test_persona_music_with_tags_keeps_the_voice(ctx: dict[str, Any]) -> None:
    client: httpx.Client = ctx["client"]
    pid = client.post(
        "/api/v1/sonic/persona", json={"name": "V", "clip_id": ctx["source_id"]}, headers=ctx["auth"]
    ).json()["persona_id"]
    answer = client.post(
        "/api/v1/sonic/create",
        json={
            "task_type": "persona_music",
            "persona_id": pid,
            "mv": "sonic-v6-mini",
            "prompt": NEW_LYRICS,
            "tags": "rock, 140 bpm",
            "duration": 10,
            "seed": 3,
        },
        headers=ctx["auth"],
    )
    assert answer.status_code == 200, answer.text
    drain(ctx["svc"])
    clips = poll(ctx, answer.json()["task_id"])["data"]
    assert all(c["state"] == "succeeded" for c in clips), clips
    for clip in clips:
        assert clip["tags"] == "rock, 140 bpm"
        score = score_of(ctx, clip["clip_id"])
        assert abs(score.tempo_bpm - 140) / 140 < 0.03
        assert score.vocal_gender == "m"
        assert abs(lead_median(score) - lead_median(ctx["score"])) <= 3.0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"clip_id": "x"}, "name and continue_clip_id are required fields."),
        ({"name": "n"}, "name and continue_clip_id are required fields."),
        ({"name": "n" * 81, "clip_id": "x"}, "The name character length should be less than 80."),
        (
            {"name": "n", "clip_id": "x", "description": "d" * 201},
            "The description character length should be less than 200.",
        ),
        ({"name": "n", "clip_id": "00000000-0000-4000-8000-000000000000"}, "clip not found."),
        (
            {"name": "n", "clip_id": "SOURCE", "vocal_start_s": 8, "vocal_end_s": 4},
            "The 'vocal_end_s' field should be greater than 'vocal_start_s'.",
        ),
        ({"name": "n", "clip_id": "SOURCE", "vox_audio_id": "nope"}, "vox audio not found."),
    ],
)
def test_persona_errors(ctx: dict[str, Any], body: dict[str, Any], message: str) -> None:
    body = {k: (ctx["source_id"] if v == "SOURCE" else v) for k, v in body.items()}
    before = credits(ctx)
    answer = ctx["client"].post("/api/v1/sonic/persona", json=body, headers=ctx["auth"])
    assert answer.status_code == 400
    assert answer.json()["message"] == message
    assert credits(ctx) == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"task_type": "persona_music", "mv": "sonic-v5", "prompt": "[Verse]\nla la"},
            "The 'persona_id' field is required when task_type = persona_music.",
        ),
        (
            {"task_type": "persona_music", "mv": "sonic-v5", "prompt": "[Verse]\nla", "persona_id": "nope"},
            "persona not found.",
        ),
        (
            {"task_type": "persona_music", "mv": "sonic-v5", "persona_id": "nope"},
            "The 'prompt' field is required when custom_mode = true.",
        ),
    ],
)
def test_persona_music_errors(ctx: dict[str, Any], body: dict[str, Any], message: str) -> None:
    answer = ctx["client"].post("/api/v1/sonic/create", json=body, headers=ctx["auth"])
    assert answer.status_code == 400
    assert answer.json()["message"] == message


def test_persona_of_an_instrumental_clip_is_refused(ctx: dict[str, Any]) -> None:
    spec = make_spec(tags="ambient", seed=2, duration_s=10, quality="draft", instrumental=True)
    clip_id = store_song(ctx["svc"], produce_song(spec, with_video=False), tags="ambient")
    answer = ctx["client"].post(
        "/api/v1/sonic/persona", json={"name": "n", "clip_id": clip_id}, headers=ctx["auth"]
    )
    assert answer.status_code == 400
    assert answer.json()["message"] == "The clip has no vocals."


def _vocal_wav(ctx: dict[str, Any], produced: ProducedSong) -> bytes:
    data = produced.bundle.files[stem_file("vocals")]
    audio = decode_audio(data, filename_hint="v.flac")
    return encode_wav(AudioBuffer.from_array(audio.samples, audio.sample_rate_hz))


def test_create_voice_from_an_uploaded_singer(ctx: dict[str, Any], produced: ProducedSong) -> None:
    client: httpx.Client = ctx["client"]
    before = credits(ctx)
    answer = client.post(
        "/api/v1/sonic/create-voice",
        files={"file": ("singer.wav", _vocal_wav(ctx, produced), "audio/wav")},
        data={"name": "My Voice", "seed": "7"},
        headers=ctx["auth"],
    )
    assert answer.status_code == 200, answer.text
    assert credits(ctx) == before - 4
    task_id = answer.json()["task_id"]
    pending = poll(ctx, task_id)
    assert "persona_id" not in pending and len(pending["data"]) == 1
    drain(ctx["svc"])
    body = poll(ctx, task_id)
    clip = body["data"][0]
    assert clip["state"] == "succeeded", clip
    assert body["persona_id"] == clip["persona_id"] == clip["metadata"]["persona_id"]
    assert clip["title"] == "My Voice" and clip["audio_url"]
    persona = load_persona(ctx["svc"], body["persona_id"], key_id=ctx["svc"].store.list_keys()[0].id)
    assert persona is not None
    voice = persona["voice"]
    assert voice["gender"] == "m"
    assert voice["measured"] == "audio"
    assert abs(voice["centre_pitch"] - lead_median(ctx["score"])) <= 2.0
    # the new persona sings persona_music
    answer = client.post(
        "/api/v1/sonic/create",
        json={
            "task_type": "persona_music",
            "persona_id": body["persona_id"],
            "mv": "sonic-v6-mini",
            "prompt": NEW_LYRICS,
            "tags": "pop",
            "duration": 10,
            "seed": 1,
        },
        headers=ctx["auth"],
    )
    assert answer.status_code == 200, answer.text
    drain(ctx["svc"])
    clips = poll(ctx, answer.json()["task_id"])["data"]
    assert all(c["state"] == "succeeded" for c in clips)
    score = score_of(ctx, clips[0]["clip_id"])
    assert abs(lead_median(score) - voice["centre_pitch"]) <= 3.0


def test_create_voice_errors(ctx: dict[str, Any], make_wav: Any) -> None:
    client: httpx.Client = ctx["client"]
    before = credits(ctx)
    short = client.post(
        "/api/v1/sonic/create-voice",
        files={"file": ("short.wav", make_wav(5.0), "audio/wav")},
        headers=ctx["auth"],
    )
    assert short.status_code == 400
    assert short.json()["message"] == "The audio duration should be more than 10 seconds."
    missing = client.post("/api/v1/sonic/create-voice", json={"name": "x"}, headers=ctx["auth"])
    assert missing.status_code == 400
    assert missing.json()["message"] == "The 'url' or 'file' field is required."
    long_name = client.post(
        "/api/v1/sonic/create-voice", json={"url": "http://a/b.wav", "name": "n" * 81}, headers=ctx["auth"]
    )
    assert long_name.json()["message"] == "The name character length should be less than 80."
    assert credits(ctx) == before
