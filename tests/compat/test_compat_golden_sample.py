"""Golden wire shapes of ``POST /api/v1/sonic/sample`` (API.md §4.8, §3.2): the submit answer, the
poll while pending and once succeeded (every field; ids, times and URLs masked), the 14-credit
charge, and the error body of a bad window."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from tests.compat.test_compat_golden import mask

from tunesmith.jobs.context import Services
from tunesmith.music.produce import ProducedSong, produce_song
from tunesmith.music.score import Score
from tunesmith.music.spec import make_spec

BODY = {
    "mv": "chirp-v6-mini",
    "title": "Loop",
    "tags": "boom bap, 92 bpm",
    "make_instrumental": "true",
    "chop_sample_start_s": "1",
    "chop_sample_end_s": "9",
    "duration": "10",
    "seed": "77",
}


@pytest.fixture(scope="module")
def riff() -> ProducedSong:
    spec = make_spec(
        tags="funk, 100 bpm in E minor", seed=4, duration_s=12, instrumental=True, quality="draft"
    )
    return produce_song(spec, with_video=False)


def sample_clip(state: str, seed: int, score: Score | None = None, **meta: Any) -> dict[str, Any]:
    done = state == "succeeded"
    return {
        "clip_id": "<uuid>",
        "state": state,
        "title": "Loop",
        "tags": "boom bap, 92 bpm",
        "negative_tags": None,
        "lyrics": "[Instrumental]",
        "gpt_description_prompt": None,
        "mv": "chirp-v6-mini",
        "audio_url": "<url>/audio.mp3" if done else None,
        "image_url": "<url>/cover.jpg" if done else None,
        "video_url": "<url>/video.mp4" if done else None,
        "created_at": "<time>",
        "duration": 10.0 if done else None,
        "style_weight": None,
        "weirdness_constraint": None,
        "metadata": {
            "task_id": "<uuid>",
            "task_type": "sample",
            "origin": "generated",
            "seed": seed,
            "tempo_bpm": round(score.tempo_bpm, 2) if score else None,
            "key": score.key.name if score else None,
            "time_signature": "4/4" if done else None,
            "engine": "procedural",
            "quality": "draft",
            "estimated": False,
            "source_clip_id": "<uuid>",
            "wav_url": "<url>/audio.wav" if done else None,
            "finished_at": "<time>" if done else None,
            **meta,
        },
    }


def test_sample_submit_and_poll_shapes(
    client: httpx.Client, auth: dict[str, str], services: Services, drain: Any, riff: ProducedSong
) -> None:
    before = client.get("/api/v1/get-credits", headers=auth).json()
    wav = riff.bundle.files["mix.wav"]
    answer = client.post(
        "/api/v1/sonic/sample",
        files={"file": ("riff.wav", io.BytesIO(wav), "audio/wav")},
        data=BODY,
        headers=auth,
    )
    assert answer.status_code == 200, answer.text
    assert mask(answer.json()) == {"code": 200, "message": "success", "task_id": "<uuid>"}
    task_id = answer.json()["task_id"]
    after = client.get("/api/v1/get-credits", headers=auth).json()
    assert after == {"credits": before["credits"] - 14, "extra_credits": before["extra_credits"]}

    def poll() -> dict[str, Any]:
        body: dict[str, Any] = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()
        return body

    assert mask(poll()) == {
        "code": 200,
        "message": "success",
        "data": [sample_clip("pending", 77), sample_clip("pending", 78)],
    }
    drain()
    done = poll()
    scores = [Score.from_json(services.blobs.get(f"clips/{c['clip_id']}/score.json")) for c in done["data"]]
    windows = [
        {k: c["metadata"][k] for k in ("chop_sample_start_s", "chop_sample_end_s")} for c in done["data"]
    ]
    assert mask(done) == {
        "code": 200,
        "message": "success",
        "data": [
            sample_clip("succeeded", 77, scores[0], **windows[0]),
            sample_clip("succeeded", 78, scores[1], **windows[1]),
        ],
    }
    for window in windows:  # the window as cut on the source's beats: numbers with 2 decimals
        start, end = window["chop_sample_start_s"], window["chop_sample_end_s"]
        assert isinstance(start, float) and isinstance(end, float) and round(start, 2) == start
        assert 0.5 <= start <= 1.5 and 6.0 <= end - start <= 8.0


def test_sample_error_shape(client: httpx.Client, auth: dict[str, str]) -> None:
    answer = client.post(
        "/api/v1/sonic/sample",
        json={
            "mv": "sonic-v5",
            "url": "http://example.org/a.wav",
            "chop_sample_start_s": 5,
            "chop_sample_end_s": 4,
        },
        headers=auth,
    )
    message = "The 'chop_sample_end_s' field should be greater than 'chop_sample_start_s'."
    assert answer.status_code == 400
    assert answer.json() == {"code": 400, "message": message, "error": message}
