"""Edit task types over real HTTP (API.md §4.1 edits, §4.4, §4.5, §4.10) with the procedural
engine on a short (12 s) sung source: each operation's meaning is measured on the result's Score
or audio, and the contract's error messages are checked."""

from __future__ import annotations

import io
import itertools
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
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music.audio import AudioBuffer, decode_audio
from tunesmith.music.edit import seam_report
from tunesmith.music.produce import ProducedSong, produce_song
from tunesmith.music.score import Score
from tunesmith.music.spec import make_spec
from tunesmith.store.repos import NewClip, new_id

SOURCE_LYRICS = "[Verse]\nStars they shine above me\nLight the road ahead\n[Chorus]\nHold on hold on"


@pytest.fixture(scope="module")
def produced() -> ProducedSong:
    spec = make_spec(tags="pop, piano", seed=3, lyrics=SOURCE_LYRICS, duration_s=12, quality="draft")
    return produce_song(spec, with_video=False)


@pytest.fixture
def edit_services(tmp_path: Path) -> Iterator[Services]:
    settings = make_settings(tmp_path / "data", engine={"video": False})
    svc = build_services(
        settings, queue=InlineQueue(), engine_factory=lambda name: ProceduralEngine(with_video=False)
    )
    yield svc
    svc.close()


@pytest.fixture
def ctx(edit_services: Services, produced: ProducedSong, serve: Any) -> Iterator[dict[str, Any]]:
    """A key with 1000 credits, the source stored as a succeeded generated clip, an HTTP client."""
    svc = edit_services
    _, api_key = create_key(svc.store, name="edits", credits=1000)
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
            title="Stars",
            tags="pop, piano",
            negative_tags=None,
            lyrics=score.lyrics,
            gpt_description_prompt=None,
            mv="sonic-v6-mini",
            style_weight=None,
            weirdness_constraint=None,
            task_type="create_music",
            origin="generated",
            seed=3,
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
    with serve(svc) as client:
        yield {
            "svc": svc,
            "client": client,
            "auth": {"Authorization": f"Bearer {api_key}"},
            "source_id": clip_id,
            "score": score,
        }


def _drain(svc: Services) -> None:
    queue = svc.queue
    assert isinstance(queue, InlineQueue)
    queue.drain()


def _submit(ctx: dict[str, Any], path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    client: httpx.Client = ctx["client"]
    answer = client.post(path, json=body, headers=ctx["auth"])
    assert answer.status_code == 200, answer.text
    task_id = answer.json()["task_id"]
    _drain(ctx["svc"])
    data: list[dict[str, Any]] = client.get(f"/api/v1/sonic/task/{task_id}", headers=ctx["auth"]).json()[
        "data"
    ]
    return data


def _score_of(ctx: dict[str, Any], clip_id: str) -> Score:
    return Score.from_json(ctx["svc"].blobs.get(f"clips/{clip_id}/score.json"))


def _wav(ctx: dict[str, Any], clip: dict[str, Any]) -> AudioBuffer:
    data = ctx["client"].get(clip["metadata"]["wav_url"]).content
    return decode_audio(data, filename_hint="audio.wav")


def _credits(ctx: dict[str, Any]) -> int:
    value: int = ctx["client"].get("/api/v1/get-credits", headers=ctx["auth"]).json()["credits"]
    return value


def _intervals(score: Score) -> list[int]:
    pitches = [v.pitch for v in sorted(score.vocals, key=lambda v: v.start_beat) if not v.backing]
    return [b - a for a, b in itertools.pairwise(pitches)]


def test_extend_then_concat(ctx: dict[str, Any]) -> None:
    source: Score = ctx["score"]
    bar_s = source.beats_per_bar * 60.0 / source.tempo_bpm
    clips = _submit(
        ctx,
        "/api/v1/sonic/create",
        {
            "task_type": "extend_music",
            "mv": "sonic-v6-mini",
            "continue_clip_id": ctx["source_id"],
            "continue_at": 6.3,
            "duration": 10,
            "make_instrumental": True,
            "seed": 11,
        },
    )
    assert len(clips) == 2 and all(c["state"] == "succeeded" for c in clips), clips
    assert _credits(ctx) == 1000 - 15
    for clip in clips:
        meta = clip["metadata"]
        joined = meta["continue_at"]
        assert abs(joined / bar_s - round(joined / bar_s)) < 1e-3 and abs(joined - 6.3) <= bar_s / 2
        assert meta["source_clip_id"] == ctx["source_id"] and meta["task_type"] == "extend_music"
        assert clip["duration"] == 10.0  # only the new part, as long as asked
        assert clip["title"] == "Stars" and clip["tags"] == "pop, piano"  # inherited
        ext = _score_of(ctx, clip["clip_id"])
        assert ext.tempo_bpm == pytest.approx(source.tempo_bpm) and ext.key == source.key
        assert meta["tempo_bpm"] == round(source.tempo_bpm, 2) and meta["key"] == source.key.name

    ext0 = clips[0]
    joined = ext0["metadata"]["continue_at"]
    [full] = _submit(
        ctx, "/api/v1/sonic/create", {"task_type": "concat_music", "continue_clip_id": ext0["clip_id"]}
    )
    assert full["state"] == "succeeded", full
    assert _credits(ctx) == 1000 - 15 - 2
    meta = full["metadata"]
    assert meta["origin"] == "concat" and meta["extension_chain"] == [ctx["source_id"], ext0["clip_id"]]
    assert full["mv"] == ext0["mv"]
    assert full["duration"] == pytest.approx(joined + ext0["duration"], abs=0.02)
    audio = _wav(ctx, full)
    assert audio.duration_s == pytest.approx(joined + 10.0, abs=0.02)
    seam = seam_report(audio, joined)
    assert seam.step_ratio < 1.5, seam  # no click: no step larger than the music's own

    # only extensions can be concatenated
    bad = ctx["client"].post(
        "/api/v1/sonic/create",
        json={"task_type": "concat_music", "continue_clip_id": ctx["source_id"]},
        headers=ctx["auth"],
    )
    assert bad.status_code == 400 and bad.json()["message"] == "The clip to concat must be an extension."


def test_extend_in_description_mode_writes_lyrics(ctx: dict[str, Any]) -> None:
    source: Score = ctx["score"]
    brief = "a hopeful song about the sea at dawn"
    clips = _submit(
        ctx,
        "/api/v1/sonic/create",
        {
            "task_type": "extend_upload_music",
            "mv": "sonic-v6-mini",
            "custom_mode": False,
            "gpt_description_prompt": brief,
            "continue_clip_id": ctx["source_id"],
            "continue_at": 10,
            "duration": 10,
            "title": "Dawn",
            "seed": 21,
        },
    )
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"], clips
    for clip in clips:
        assert clip["gpt_description_prompt"] == brief and clip["title"] == "Dawn"
        assert clip["lyrics"] not in ("", "[Instrumental]")
        ext = _score_of(ctx, clip["clip_id"])
        assert ext.vocals and ext.tempo_bpm == pytest.approx(source.tempo_bpm) and ext.key == source.key
    assert clips[0]["lyrics"] != clips[1]["lyrics"]  # seed + i


def test_cover_keeps_melody_and_remaster_keeps_song(ctx: dict[str, Any]) -> None:
    source: Score = ctx["score"]
    covers = _submit(
        ctx,
        "/api/v1/sonic/create",
        {
            "task_type": "cover_music",
            "mv": "sonic-v6-mini",
            "continue_clip_id": ctx["source_id"],
            "tags": "jazz, saxophone",
            "audio_weight": 0.9,
            "seed": 5,
        },
    )
    assert [c["state"] for c in covers] == ["succeeded", "succeeded"], covers
    for clip in covers:
        score = _score_of(ctx, clip["clip_id"])
        assert _intervals(score) == _intervals(source) and len(_intervals(source)) > 5
        assert score.tempo_bpm == pytest.approx(source.tempo_bpm) and score.key == source.key
        assert clip["tags"] == "jazz, saxophone" and clip["title"] == "Stars"
        assert "Stars they shine above me" in clip["lyrics"]
    remasters = _submit(
        ctx,
        "/api/v1/sonic/create",
        {
            "task_type": "remaster",
            "mv": "sonic-v6-mini",
            "continue_clip_id": ctx["source_id"],
            "variation_category": "subtle",
            "seed": 9,
        },
    )
    assert [c["state"] for c in remasters] == ["succeeded", "succeeded"], remasters
    for clip in remasters:
        score = _score_of(ctx, clip["clip_id"])
        assert score.tempo_map == source.tempo_map and score.key == source.key
        assert score.vocals == source.vocals
        assert clip["duration"] == round(source.duration_s, 2)
    assert _credits(ctx) == 1000 - 30


def test_add_vocals_and_add_instrumental(ctx: dict[str, Any]) -> None:
    source: Score = ctx["score"]
    sung = _submit(
        ctx,
        "/api/v1/sonic/create",
        {
            "task_type": "add_vocals",
            "mv": "sonic-v6-mini",
            "continue_clip_id": ctx["source_id"],
            "prompt": "[Verse]\nRiver runs to morning light",
            "overpainting_start_s": 5.0,
            "overpainting_end_s": 10.0,
            "seed": 2,
        },
    )
    assert [c["state"] for c in sung] == ["succeeded", "succeeded"], sung
    score = _score_of(ctx, sung[0]["clip_id"])
    assert "River runs to morning light" in sung[0]["lyrics"]
    accompaniment = {t.name: t.notes for t in source.tracks if t.role not in ("lead",)}
    assert {t.name: t.notes for t in score.tracks if t.name in accompaniment} == accompaniment
    w0, w1 = score.beat_at(5.0) - 1e-6, score.beat_at(10.0) + score.beats_per_bar
    new_words = {v.word_index for v in score.vocals if w0 <= v.start_beat < w1}
    assert new_words  # the voice sings inside the window
    backing = _submit(
        ctx,
        "/api/v1/sonic/create",
        {
            "task_type": "add_instrumental",
            "mv": "sonic-v6-mini",
            "continue_clip_id": ctx["source_id"],
            "tags": "rock, guitar",
            "seed": 4,
        },
    )
    assert [c["state"] for c in backing] == ["succeeded", "succeeded"], backing
    score = _score_of(ctx, backing[0]["clip_id"])
    assert [(v.pitch, v.start_beat) for v in score.vocals] == [(v.pitch, v.start_beat) for v in source.vocals]
    assert score.tempo_bpm == pytest.approx(source.tempo_bpm)


def test_replace_section_keeps_the_outside(ctx: dict[str, Any]) -> None:
    source_audio = decode_audio(ctx["svc"].blobs.get(f"clips/{ctx['source_id']}/mix.wav"))
    clips = _submit(
        ctx,
        "/api/v1/sonic/replace-section",
        {
            "clip_id": ctx["source_id"],
            "infill_start_s": 2.5,
            "infill_end_s": 7.5,
            "infill_lyrics": "[Verse]\nNew words for the middle part",
            "seed": 8,
        },
    )
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"], clips
    assert _credits(ctx) == 1000 - 10
    for clip in clips:
        meta = clip["metadata"]
        start, end = meta["infill_start_s"], meta["infill_end_s"]
        audio = _wav(ctx, clip)
        assert audio.frames == source_audio.frames  # the full song
        rate = audio.sample_rate_hz
        a, b = audio.samples, source_audio.samples
        s0, s1 = round((start - 0.25) * rate), round((end + 0.25) * rate)
        assert np.array_equal(a[:, :s0], b[:, :s0]) and np.array_equal(a[:, s1:], b[:, s1:])
        assert not np.array_equal(a[:, s0:s1], b[:, s0:s1])
        assert "New words for the middle part" in clip["lyrics"]


def test_upload_extend_and_upload_cover(ctx: dict[str, Any]) -> None:
    wav = ctx["svc"].blobs.get(f"clips/{ctx['source_id']}/mix.wav")
    client: httpx.Client = ctx["client"]
    answer = client.post(
        "/api/v1/sonic/upload-extend",
        files={"file": ("song.wav", io.BytesIO(wav), "audio/wav")},
        data={
            "continue_at": "5",
            "mv": "sonic-v6-mini",
            "duration": "10",
            "seed": "1",
            "auto_concat": "true",
        },
        headers=ctx["auth"],
    )
    assert answer.status_code == 200, answer.text
    _drain(ctx["svc"])
    clips = client.get(f"/api/v1/sonic/task/{answer.json()['task_id']}", headers=ctx["auth"]).json()["data"]
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"], clips
    assert _credits(ctx) == 1000 - 19
    upload_id = clips[0]["metadata"]["source_clip_id"]
    estimated = Score.from_json(ctx["svc"].blobs.get(f"clips/{upload_id}/score.json"))  # stored once
    assert estimated.estimated and estimated.tempo_bpm == pytest.approx(ctx["score"].tempo_bpm, abs=1.0)
    for clip in clips:
        # auto_concat: the full song upload[0, c) + extension; the extension-only clip exists too
        ext_id = clip["metadata"]["extension_clip_id"]
        ext_clip = ctx["svc"].store.get_clip(ext_id)
        assert ext_clip is not None and ext_clip.duration_s == 10.0
        joined = ext_clip.extra["continue_at"]
        assert "continue_at" not in clip["metadata"]  # the full song is not an extension
        assert joined == pytest.approx(5.0, abs=estimated.beats_per_bar * 30.0 / estimated.tempo_bpm)
        assert clip["duration"] == pytest.approx(joined + 10.0, abs=0.02)
        seam = seam_report(_wav(ctx, clip), joined)
        assert seam.step_ratio < 1.5, seam
        assert ext_id not in [c["clip_id"] for c in clips]
        ext = _score_of(ctx, ext_id)
        assert ext.tempo_bpm == pytest.approx(estimated.tempo_bpm) and ext.key == estimated.key

    covers = _submit(
        ctx,
        "/api/v1/sonic/upload-cover",
        {"url": f"http://testserver/files/{ctx['source_id']}/audio.wav", "mv": "sonic-v6-mini", "seed": 3},
    )
    assert [c["state"] for c in covers] == ["succeeded", "succeeded"], covers
    assert _credits(ctx) == 1000 - 19 - 17
    cover_score = _score_of(ctx, covers[0]["clip_id"])
    assert cover_score.tempo_bpm == pytest.approx(ctx["score"].tempo_bpm, abs=1.0)


ERROR_CASES = [
    (
        {
            "task_type": "extend_upload_music",
            "mv": "sonic-v5",
            "continue_clip_id": "SRC",
            "continue_at": 12.5,
        },
        "The 'continue_at' field should be between 0 and 12.",
    ),
    ({"task_type": "cover_upload_music", "mv": "sonic-v5", "continue_clip_id": new_id()}, "clip not found."),
    (
        {"task_type": "extend_music", "mv": "sonic-v5"},
        "The 'continue_clip_id' field is required when task_type = extend_music.",
    ),
    (
        {"task_type": "extend_music", "mv": "sonic-v5", "continue_clip_id": "SRC"},
        "The 'continue_at' field is required when task_type = extend_music.",
    ),
    (
        {"task_type": "extend_music", "mv": "sonic-v5", "continue_clip_id": "SRC", "continue_at": 99},
        "The 'continue_at' field should be between 0 and 12.",
    ),
    (
        {"task_type": "extend_music", "mv": "sonic-v5", "continue_clip_id": "SRC", "continue_at": 0},
        "The 'continue_at' field should be between 0 and 12.",
    ),
    (
        {"task_type": "cover_music", "mv": "sonic-v5", "continue_clip_id": new_id()},
        "clip not found.",
    ),
    ({"task_type": "cover_music", "mv": "sonic-v5", "continue_clip_id": "nope"}, "clip not found."),
    ({"task_type": "remaster", "continue_clip_id": "SRC"}, "The 'mv' field is required."),
    (
        {"task_type": "remaster", "mv": "sonic-v5", "continue_clip_id": "SRC", "duration": 30},
        "The 'duration' field is not supported when task_type = remaster.",
    ),
    (
        {"task_type": "remaster", "mv": "sonic-v5", "continue_clip_id": "SRC", "variation_category": "wild"},
        "The 'variation_category' field is invalid. The value should be 'subtle','normal' or 'high'.",
    ),
    (
        {"task_type": "add_vocals", "mv": "sonic-v5", "continue_clip_id": "SRC"},
        "The 'prompt' field is required when task_type = add_vocals.",
    ),
    (
        {
            "task_type": "add_instrumental",
            "mv": "sonic-v5",
            "continue_clip_id": "SRC",
            "overpainting_start_s": 5,
            "overpainting_end_s": 4,
        },
        "The 'overpainting_end_s' field should be greater than 'overpainting_start_s'.",
    ),
    (
        {"task_type": "concat_music"},
        "The 'continue_clip_id' field is required when task_type = concat_music.",
    ),
    ({"task_type": "concat_music", "continue_clip_id": new_id()}, "clip not found."),
    ({"task_type": "concat_music", "continue_clip_id": "SRC"}, "The clip to concat must be an extension."),
]


@pytest.mark.parametrize(("body", "message"), ERROR_CASES)
def test_create_edit_errors(ctx: dict[str, Any], body: dict[str, Any], message: str) -> None:
    sent = {k: (ctx["source_id"] if v == "SRC" else v) for k, v in body.items()}
    answer = ctx["client"].post("/api/v1/sonic/create", json=sent, headers=ctx["auth"])
    assert answer.status_code == 400, answer.text
    assert answer.json() == {"code": 400, "message": message, "error": message}
    assert _credits(ctx) == 1000  # a rejected request costs nothing


REPLACE_ERRORS = [
    ({"infill_start_s": 1, "infill_end_s": 4}, "The 'clip_id' field is required."),
    ({"clip_id": "SRC", "infill_end_s": 4}, "The 'infill_start_s' field is required."),
    ({"clip_id": "SRC", "infill_start_s": 4}, "The 'infill_end_s' field is required."),
    (
        {"clip_id": "SRC", "infill_start_s": 4, "infill_end_s": 3},
        "The 'infill_end_s' field should be greater than 'infill_start_s'.",
    ),
    (
        {"clip_id": "SRC", "infill_start_s": 4, "infill_end_s": 5},
        "The 'infill_end_s' field should be between 6 and 12.",
    ),
    (
        {"clip_id": "SRC", "infill_start_s": 4, "infill_end_s": 20},
        "The 'infill_end_s' field should be between 6 and 12.",
    ),
    ({"clip_id": new_id(), "infill_start_s": 1, "infill_end_s": 4}, "clip not found."),
]


@pytest.mark.parametrize(("body", "message"), REPLACE_ERRORS)
def test_replace_section_errors(ctx: dict[str, Any], body: dict[str, Any], message: str) -> None:
    sent = {k: (ctx["source_id"] if v == "SRC" else v) for k, v in body.items()}
    answer = ctx["client"].post("/api/v1/sonic/replace-section", json=sent, headers=ctx["auth"])
    assert answer.status_code == 400, answer.text
    assert answer.json()["message"] == message


def test_upload_edit_errors(ctx: dict[str, Any]) -> None:
    client: httpx.Client = ctx["client"]
    url = f"http://testserver/files/{ctx['source_id']}/audio.wav"
    cases = [
        (
            "/api/v1/sonic/upload-extend",
            {"mv": "sonic-v5", "continue_at": 3},
            "The 'url' or 'file' field is required.",
        ),
        (
            "/api/v1/sonic/upload-extend",
            {"url": url, "mv": "sonic-v5"},
            "The 'continue_at' field is required when task_type = upload_extend.",
        ),
        (
            "/api/v1/sonic/upload-extend",
            {"url": url, "mv": "sonic-v5", "continue_at": 30},
            "The 'continue_at' field should be between 0 and 12.",
        ),
        ("/api/v1/sonic/upload-cover", {"url": url}, "The 'mv' field is required."),
    ]
    for path, body, message in cases:
        answer = client.post(path, json=body, headers=ctx["auth"])
        assert answer.status_code == 400 and answer.json()["message"] == message, answer.text
    assert _credits(ctx) == 1000


def test_unreadable_source_fails_and_refunds(ctx: dict[str, Any]) -> None:
    svc: Services = ctx["svc"]
    source = svc.store.get_clip(ctx["source_id"])
    assert source is not None
    svc.blobs.put(f"clips/{source.id}/score.json", b'{"not": "a score"}')  # another engine's file
    clips = _submit(
        ctx,
        "/api/v1/sonic/create",
        {"task_type": "remaster", "mv": "sonic-v5", "continue_clip_id": source.id},
    )
    assert [c["state"] for c in clips] == ["failed", "failed"]
    assert {c["error_message"] for c in clips} == {"Source audio could not be processed."}
    assert _credits(ctx) == 1000  # a failed task refunds
