"""cover_music and upload-cover with replacement lyrics (``prompt``) over real HTTP: the clip sings
the new words (its ``lyrics`` and the bundle's word timeline list exactly them) on the source's
form and tempo."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.service.conftest import make_settings
from tests.service.test_service_personas import store_song

from tunesmith.auth.keys import create_key
from tunesmith.engines.procedural import ProceduralEngine
from tunesmith.jobs.context import Services, build_services
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music.bundle import LYRICS
from tunesmith.music.lyrics.sections import parse_lyrics
from tunesmith.music.lyrics.words import words_of_line
from tunesmith.music.produce import ProducedSong, produce_song
from tunesmith.music.score import Score
from tunesmith.music.spec import make_spec

SOURCE_LYRICS = "[Verse]\nStars they shine above me\nLight the road ahead\n[Chorus]\nHold on hold on"
NEW_LYRICS = "[Verse]\nRain is falling on the city\nWalk me home\n[Chorus]\nStay with me tonight"


@pytest.fixture(scope="module")
def produced() -> ProducedSong:
    spec = make_spec(tags="pop, piano", seed=3, lyrics=SOURCE_LYRICS, duration_s=12, quality="draft")
    return produce_song(spec, with_video=False)


@pytest.fixture
def cctx(tmp_path: Path, produced: ProducedSong, serve: Any) -> Iterator[dict[str, Any]]:
    settings = make_settings(tmp_path / "data", engine={"video": False})
    svc = build_services(
        settings, queue=InlineQueue(), engine_factory=lambda name: ProceduralEngine(with_video=False)
    )
    _, api_key = create_key(svc.store, name="cover", credits=1000)
    clip_id = store_song(svc, produced, tags="pop, piano")
    try:
        with serve(svc) as client:
            yield {
                "svc": svc,
                "client": client,
                "auth": {"Authorization": f"Bearer {api_key}"},
                "id": clip_id,
            }
    finally:
        svc.close()


def _words(lyrics: str) -> list[str]:
    return [w.display.lower() for line in parse_lyrics(lyrics).lines for w in words_of_line(line.text)]


def _run(ctx: dict[str, Any], answer: Any) -> list[dict[str, Any]]:
    assert answer.status_code == 200, answer.text
    queue = ctx["svc"].queue
    assert isinstance(queue, InlineQueue)
    queue.drain()
    data: list[dict[str, Any]] = (
        ctx["client"]
        .get(f"/api/v1/sonic/task/{answer.json()['task_id']}", headers=ctx["auth"])
        .json()["data"]
    )
    assert [c["state"] for c in data] == ["succeeded", "succeeded"], data
    return data


def _timeline_words(svc: Services, clip_id: str) -> list[str]:
    timeline = json.loads(svc.blobs.get(f"clips/{clip_id}/{LYRICS}"))
    return [str(w["word"]).lower() for w in timeline]


def test_cover_with_new_lyrics(cctx: dict[str, Any], produced: ProducedSong) -> None:
    source = produced.score
    clips = _run(
        cctx,
        cctx["client"].post(
            "/api/v1/sonic/create",
            json={
                "task_type": "cover_music",
                "mv": "sonic-v6-mini",
                "continue_clip_id": cctx["id"],
                "prompt": NEW_LYRICS,
                "tags": "rock, electric guitar",
                "seed": 9,
            },
            headers=cctx["auth"],
        ),
    )
    for clip in clips:
        assert clip["lyrics"].split() == NEW_LYRICS.split()
        assert _timeline_words(cctx["svc"], clip["clip_id"]) == _words(NEW_LYRICS)
        score = Score.from_json(cctx["svc"].blobs.get(f"clips/{clip['clip_id']}/score.json"))
        assert score.sections == source.sections and score.tempo_map == source.tempo_map
        assert clip["metadata"]["tempo_bpm"] == round(source.tempo_bpm, 2)


def test_upload_cover_with_new_lyrics(cctx: dict[str, Any], produced: ProducedSong) -> None:
    clips = _run(
        cctx,
        cctx["client"].post(
            "/api/v1/sonic/upload-cover",
            files={"file": ("song.wav", io.BytesIO(produced.bundle.files["mix.wav"]), "audio/wav")},
            data={"mv": "sonic-v6-mini", "prompt": NEW_LYRICS, "seed": "4"},
            headers=cctx["auth"],
        ),
    )
    upload_id = clips[0]["metadata"]["source_clip_id"]
    estimated = Score.from_json(cctx["svc"].blobs.get(f"clips/{upload_id}/score.json"))
    for clip in clips:
        assert _timeline_words(cctx["svc"], clip["clip_id"]) == _words(NEW_LYRICS)
        score = Score.from_json(cctx["svc"].blobs.get(f"clips/{clip['clip_id']}/score.json"))
        assert score.sections == estimated.sections and score.tempo_bpm == pytest.approx(estimated.tempo_bpm)
