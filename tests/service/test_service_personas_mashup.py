"""sonic/mashup over real HTTP (API.md §4.9): two procedural songs at different tempos and keys
become songs at the first one's tempo and key — measured on the conformed accompaniment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.service.conftest import make_settings
from tests.service.test_service_personas import store_song

from tunesmith.auth.keys import create_key
from tunesmith.engines.procedural import ProceduralEngine
from tunesmith.jobs.context import build_services
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music.analyze.key import estimate_key
from tunesmith.music.analyze.tempo import estimate_tempo
from tunesmith.music.audio import decode_audio
from tunesmith.music.bundle import stem_file
from tunesmith.music.produce import ProducedSong, produce_song
from tunesmith.music.spec import make_spec

LYRICS_A = "[Verse]\nStars they shine above me\nLight the road ahead"
LYRICS_B = "[Verse]\nRiver running under\nCarry me along"


@pytest.fixture(scope="module")
def songs() -> tuple[ProducedSong, ProducedSong]:
    a = make_spec(tags="pop, 100 bpm in C major", seed=4, lyrics=LYRICS_A, duration_s=10, quality="draft")
    b = make_spec(tags="rock, 124 bpm in E major", seed=8, lyrics=LYRICS_B, duration_s=10, quality="draft")
    return produce_song(a, with_video=False), produce_song(b, with_video=False)


@pytest.fixture
def mctx(tmp_path: Path, songs: tuple[ProducedSong, ProducedSong], serve: Any) -> Iterator[dict[str, Any]]:
    settings = make_settings(tmp_path / "data", engine={"video": False})
    svc = build_services(
        settings, queue=InlineQueue(), engine_factory=lambda name: ProceduralEngine(with_video=False)
    )
    _, api_key = create_key(svc.store, name="mashup", credits=100)
    ids = [
        store_song(svc, songs[0], tags="pop", title="A"),
        store_song(svc, songs[1], tags="rock", title="B"),
    ]
    try:
        with serve(svc) as client:
            yield {"svc": svc, "client": client, "auth": {"Authorization": f"Bearer {api_key}"}, "ids": ids}
    finally:
        svc.close()


def test_mashup_matches_the_first_clips_tempo_and_key(
    mctx: dict[str, Any], songs: tuple[ProducedSong, ProducedSong]
) -> None:
    client, auth, svc = mctx["client"], mctx["auth"], mctx["svc"]
    score_a, score_b = songs[0].score, songs[1].score
    assert (
        abs(score_b.tempo_bpm / score_a.tempo_bpm - 1) > 0.1 and score_a.key.tonic_pc != score_b.key.tonic_pc
    )
    answer = client.post(
        "/api/v1/sonic/mashup",
        json={"mashup_clip_ids": mctx["ids"], "mv": "sonic-v5", "seed": 2, "audio_weight": 1.0},
        headers=auth,
    )
    assert answer.status_code == 200, answer.text
    assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] == 90
    queue = svc.queue
    assert isinstance(queue, InlineQueue)
    queue.drain()
    clips = client.get(f"/api/v1/sonic/task/{answer.json()['task_id']}", headers=auth).json()["data"]
    assert len(clips) == 2 and all(c["state"] == "succeeded" for c in clips), clips
    assert clips[0]["title"] == "A x B"
    assert clips[0]["lyrics"] == score_a.lyrics and clips[1]["lyrics"] == score_b.lyrics
    for clip in clips:
        assert clip["metadata"]["tempo_bpm"] == round(score_a.tempo_bpm, 2)
        assert clip["metadata"]["key"] == score_a.key.name
        assert abs(clip["duration"] - round(score_a.duration_s, 2)) < 0.02
    # clip 0: the second song's accompaniment, conformed to the first's tempo and key
    accomp = decode_audio(
        svc.blobs.get(f"clips/{clips[0]['clip_id']}/{stem_file('keyboard')}"), filename_hint="k.flac"
    )
    original = decode_audio(songs[1].bundle.files["mix.wav"], filename_hint="mix.wav")
    assert abs(estimate_tempo(original).tempo_bpm / score_b.tempo_bpm - 1) < 0.02  # the yardstick works
    measured = estimate_tempo(accomp).tempo_bpm
    assert abs(measured / score_a.tempo_bpm - 1) < 0.02, (measured, score_a.tempo_bpm)
    key = estimate_key(accomp)
    assert key.key.tonic_pc == score_a.key.tonic_pc, (key, score_a.key)
    # clip 1: the first song's own accompaniment is kept sample-exact under the second's vocal
    vocals = decode_audio(
        svc.blobs.get(f"clips/{clips[1]['clip_id']}/{stem_file('vocals')}"), filename_hint="v"
    )
    assert float(np.max(np.abs(vocals.samples))) > 0.01


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"mv": "sonic-v5"}, "The 'mashup_clip_ids' field is required."),
        (
            {"mv": "sonic-v5", "mashup_clip_ids": ["x"]},
            "The 'mashup_clip_ids' field should contain exactly 2 items.",
        ),
        ({"mv": "sonic-v5", "mashup_clip_ids": "x"}, "The 'mashup_clip_ids' field should be an array."),
        ({"mashup_clip_ids": ["x", "y"]}, "The 'mv' field is required."),
        ({"mv": "sonic-v5", "mashup_clip_ids": ["x", "y"]}, "clip not found."),
    ],
)
def test_mashup_errors(mctx: dict[str, Any], body: dict[str, Any], message: str) -> None:
    answer = mctx["client"].post("/api/v1/sonic/mashup", json=body, headers=mctx["auth"])
    assert answer.status_code == 400
    assert answer.json()["message"] == message
    assert mctx["client"].get("/api/v1/get-credits", headers=mctx["auth"]).json()["credits"] == 100
