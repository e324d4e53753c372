"""Edits of an uploaded WAV over real HTTP keep the upload's own audio (issue 7): the upload has no
stems and only an estimated Score, so re-rendering that Score would replace the song by a sketch
of it. Measured on the decoded WAVs against the upload's samples:

- extend + concat: the full song is the upload's audio up to the join (bar line), sample for sample
  up to its 10 ms fade;
- replace-section: outside the window the result equals the upload within −60 dB after mastering,
  the joins are click-free, the window is re-made;
- add_vocals: the upload is the accompaniment everywhere (unchanged outside the window, still there
  inside it) and a new voice sings the prompt inside the window;
- add_instrumental: inside the window the upload's separated vocal is kept over a new
  accompaniment; outside it the upload is unchanged.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from tests.service.conftest import make_settings

from tunesmith.auth.keys import create_key
from tunesmith.engines.procedural import ProceduralEngine
from tunesmith.jobs.context import build_services
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music.analyze.separate import separate_vocals
from tunesmith.music.audio import AudioBuffer, decode_audio
from tunesmith.music.bundle import stem_file
from tunesmith.music.edit import seam_report
from tunesmith.music.produce import ProducedSong, produce_song
from tunesmith.music.spec import make_spec

SOURCE_LYRICS = "[Verse]\nStars they shine above me\nLight the road ahead\n[Chorus]\nHold on hold on"
FLOOR_DB = -60.0


@pytest.fixture(scope="module")
def produced() -> ProducedSong:
    spec = make_spec(tags="pop, piano", seed=3, lyrics=SOURCE_LYRICS, duration_s=12, quality="draft")
    return produce_song(spec, with_video=False)


@pytest.fixture
def uctx(tmp_path: Path, produced: ProducedSong, serve: Any) -> Iterator[dict[str, Any]]:
    """A key with 1000 credits and the produced song's mix uploaded as a WAV (an ``upload`` clip)."""
    settings = make_settings(tmp_path / "data", engine={"video": False})
    svc = build_services(
        settings, queue=InlineQueue(), engine_factory=lambda name: ProceduralEngine(with_video=False)
    )
    _, api_key = create_key(svc.store, name="uploads", credits=1000)
    auth = {"Authorization": f"Bearer {api_key}"}
    wav = produced.bundle.files["mix.wav"]
    try:
        with serve(svc) as client:
            answer = client.post(
                "/api/v1/sonic/upload",
                files={"file": ("song.wav", io.BytesIO(wav), "audio/wav")},
                headers=auth,
            )
            assert answer.status_code == 200, answer.text
            upload = decode_audio(wav, filename_hint="song.wav")
            yield {
                "svc": svc,
                "client": client,
                "auth": auth,
                "upload_id": answer.json()["clip_id"],
                "upload": upload,
            }
    finally:
        svc.close()


def _submit(ctx: dict[str, Any], path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    client: httpx.Client = ctx["client"]
    answer = client.post(path, json=body, headers=ctx["auth"])
    assert answer.status_code == 200, answer.text
    queue = ctx["svc"].queue
    assert isinstance(queue, InlineQueue)
    queue.drain()
    data: list[dict[str, Any]] = client.get(
        f"/api/v1/sonic/task/{answer.json()['task_id']}", headers=ctx["auth"]
    ).json()["data"]
    assert [c["state"] for c in data] == ["succeeded"] * len(data), data
    return data


def _wav(ctx: dict[str, Any], clip: dict[str, Any]) -> AudioBuffer:
    return decode_audio(ctx["client"].get(clip["metadata"]["wav_url"]).content, filename_hint="a.wav")


def _stem(ctx: dict[str, Any], clip: dict[str, Any], group: str) -> AudioBuffer:
    name = stem_file(group)  # type: ignore[arg-type]
    return decode_audio(ctx["svc"].blobs.get(f"clips/{clip['clip_id']}/{name}"), filename_hint=name)


def level_db(diff: np.ndarray[Any, Any], reference: np.ndarray[Any, Any]) -> float:
    """The RMS of ``diff`` relative to the RMS of ``reference`` (dB)."""
    d = float(np.sqrt(np.mean(np.square(diff, dtype=np.float64))))
    r = float(np.sqrt(np.mean(np.square(reference, dtype=np.float64))))
    return 20 * np.log10(max(d, 1e-12) / max(r, 1e-12))


def _outside(audio: AudioBuffer, start_s: float, end_s: float, guard_s: float) -> np.ndarray[Any, Any]:
    rate = audio.sample_rate_hz
    s, e = round((start_s - guard_s) * rate), round((end_s + guard_s) * rate)
    return np.concatenate([audio.samples[:, : max(0, s)], audio.samples[:, e:]], axis=1)


def _inside(audio: AudioBuffer, start_s: float, end_s: float) -> np.ndarray[Any, Any]:
    rate = audio.sample_rate_hz
    return audio.samples[:, round(start_s * rate) : round(end_s * rate)]


def _window_s(ctx: dict[str, Any], start_s: float, end_s: float) -> tuple[float, float]:
    """The window widened to whole bars of the upload's estimated Score (as the edit does)."""
    from tunesmith.music.edit.overdub import overdub_window
    from tunesmith.music.score import Score

    score = Score.from_json(ctx["svc"].blobs.get(f"clips/{ctx['upload_id']}/score.json"))
    b0, b1 = overdub_window(score, start_s, end_s)
    return score.seconds_at(score.bar_start_beat(b0)), min(
        score.duration_s, score.seconds_at(score.bar_start_beat(b1))
    )


def test_extend_of_an_upload_then_concat_keeps_the_upload_audio(uctx: dict[str, Any]) -> None:
    upload: AudioBuffer = uctx["upload"]
    extensions = _submit(
        uctx,
        "/api/v1/sonic/create",
        {
            "task_type": "extend_upload_music",
            "mv": "sonic-v6-mini",
            "continue_clip_id": uctx["upload_id"],
            "continue_at": 6.0,
            "duration": 10,
            "seed": 2,
        },
    )
    extension = extensions[0]
    join = extension["metadata"]["continue_at"]
    (full,) = _submit(
        uctx, "/api/v1/sonic/create", {"task_type": "concat_music", "continue_clip_id": extension["clip_id"]}
    )
    audio = _wav(uctx, full)
    assert full["duration"] == pytest.approx(join + extension["duration"], abs=0.02)
    kept = round((join - 0.011) * audio.sample_rate_hz)
    a, b = audio.samples[:, :kept], upload.to_stereo().samples[:, :kept]
    assert np.max(np.abs(a - b)) <= 1.5 / 32768  # the upload's own samples (16-bit WAV both sides)
    assert level_db(a - b, b) < FLOOR_DB
    assert seam_report(audio, join).step_ratio < 1.5


def test_replace_section_of_an_upload_keeps_its_audio_outside_the_window(uctx: dict[str, Any]) -> None:
    upload: AudioBuffer = uctx["upload"]
    clips = _submit(
        uctx,
        "/api/v1/sonic/replace-section",
        {
            "clip_id": uctx["upload_id"],
            "infill_start_s": 4.0,
            "infill_end_s": 8.0,
            "infill_lyrics": "[Verse]\nNew words in the middle",
            "seed": 4,
        },
    )
    for clip in clips:
        meta = clip["metadata"]
        start, end = meta["infill_start_s"], meta["infill_end_s"]
        audio = _wav(uctx, clip)
        assert audio.frames == upload.frames
        outside = _outside(audio, start, end, 0.25) - _outside(upload.to_stereo(), start, end, 0.25)
        assert level_db(outside, upload.samples) < FLOOR_DB
        inside = _inside(audio, start + 0.05, end - 0.05) - _inside(
            upload.to_stereo(), start + 0.05, end - 0.05
        )
        assert level_db(inside, _inside(upload, start, end)) > -10.0  # re-made
        # the window was brought to the upload's level (within 3 dB)
        assert abs(level_db(_inside(audio, start, end), _inside(upload, start, end))) < 3.0
        for edge in (start, end):
            assert seam_report(audio, edge).step_ratio < 1.5
        assert "New words in the middle" in clip["lyrics"]


def test_add_vocals_on_an_upload_sings_over_the_upload_audio(uctx: dict[str, Any]) -> None:
    upload: AudioBuffer = uctx["upload"].to_stereo()
    clips = _submit(
        uctx,
        "/api/v1/sonic/create",
        {
            "task_type": "add_vocals",
            "mv": "sonic-v6-mini",
            "continue_clip_id": uctx["upload_id"],
            "prompt": "[Verse]\nSinging over your song tonight\nEvery word is mine",
            "overpainting_start_s": 2.0,
            "overpainting_end_s": 9.0,
            "seed": 6,
        },
    )
    start, end = _window_s(uctx, 2.0, 9.0)
    for clip in clips:
        audio = _wav(uctx, clip)
        assert audio.frames == upload.frames and clip["metadata"]["estimated"] is True
        assert (
            level_db(_outside(audio, start, end, 0.03) - _outside(upload, start, end, 0.03), upload.samples)
            < FLOOR_DB
        )
        voice = _stem(uctx, clip, "vocals")
        assert level_db(_inside(voice, start, end), _inside(upload, start, end)) > -6.0  # a voice sings
        # under the voice the upload itself is still there, unchanged up to one gain (the window
        # is turned down only as far as the sum would clip)
        rest = _inside(audio, start, end) - _inside(voice, start, end)
        under = _inside(upload, start, end)
        gain = float(np.sum(rest * under) / np.sum(under * under))
        assert 0.5 <= gain <= 1.0 + 1e-5  # float32 stems: exactly one gain reads 1.0000001
        assert level_db(rest - gain * under, under) < -40.0
        assert "Singing over your song tonight" in clip["lyrics"]


def test_add_instrumental_on_an_upload_keeps_its_separated_vocal(uctx: dict[str, Any]) -> None:
    upload: AudioBuffer = uctx["upload"].to_stereo()
    clips = _submit(
        uctx,
        "/api/v1/sonic/create",
        {
            "task_type": "add_instrumental",
            "mv": "sonic-v6-mini",
            "continue_clip_id": uctx["upload_id"],
            "tags": "rock, electric guitar",
            "overpainting_start_s": 3.0,
            "overpainting_end_s": 9.0,
            "seed": 7,
        },
    )
    start, end = _window_s(uctx, 3.0, 9.0)
    assert 0 < start < end < upload.duration_s
    vocal = separate_vocals(upload).vocals
    for clip in clips:
        audio = _wav(uctx, clip)
        assert audio.frames == upload.frames
        assert (
            level_db(_outside(audio, start, end, 0.03) - _outside(upload, start, end, 0.03), upload.samples)
            < FLOOR_DB
        )
        kept = _stem(uctx, clip, "vocals")
        # the upload's own (separated) vocal, up to the one gain that keeps the window from clipping
        mine, theirs = _inside(kept, start, end), _inside(vocal, start, end)
        gain = float(np.sum(mine * theirs) / np.sum(theirs * theirs))
        assert 0.5 <= gain <= 1.0 + 1e-5  # float32 stems: exactly one gain reads 1.0000001
        assert level_db(mine - gain * theirs, theirs) < -40.0
        # the rest of the window is a new accompaniment, not the upload's
        band = _inside(audio, start, end) - _inside(kept, start, end)
        old_band = gain * (_inside(upload, start, end) - _inside(vocal, start, end))
        assert level_db(band - old_band, old_band) > -6.0
        assert level_db(band, old_band) > -6.0  # and it is heard
        for edge in (start, end):
            assert seam_report(audio, edge).step_ratio < 1.5


def test_remaster_of_an_upload_masters_its_own_audio(uctx: dict[str, Any]) -> None:
    from tunesmith.music.analyze.loudness import integrated_lufs

    upload: AudioBuffer = uctx["upload"].to_stereo()
    moved = {}
    for variation in ("subtle", "high"):
        clips = _submit(
            uctx,
            "/api/v1/sonic/create",
            {
                "task_type": "remaster",
                "mv": "sonic-v5",
                "continue_clip_id": uctx["upload_id"],
                "variation_category": variation,
                "seed": 11,
            },
        )
        audio = _wav(uctx, clips[0])
        assert audio.frames == upload.frames and clips[0]["metadata"]["estimated"] is True
        assert integrated_lufs(audio) == pytest.approx(-14.0, abs=0.6)
        # the upload's own audio, re-mastered: same waveform up to EQ, compression and level
        a, b = audio.mono(), upload.mono()
        assert float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))) > 0.9
        moved[variation] = level_db(a / np.linalg.norm(a) - b / np.linalg.norm(b), b / np.linalg.norm(b))
    assert moved["subtle"] < moved["high"], moved
