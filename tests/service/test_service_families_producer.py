"""Producer family over real HTTP (API.md §6), and the family edits on a real 10 s song: golden
submit and poll shapes (ids, times, URLs masked), prices, string seeds, uppercase status, the
contract's errors (each costing nothing); riffusion extend returns the full song (the source up
to ``continue_at``, bit-for-bit before the seam), producer variation keeps the song's words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from tests.service.conftest import make_settings
from tests.service.test_service_families import credits, mask

from tunesmith.auth.keys import create_key
from tunesmith.engines.procedural import ProceduralEngine
from tunesmith.jobs.context import Services, build_services
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music.audio import decode_audio
from tunesmith.music.produce import produce_song
from tunesmith.music.spec import make_spec
from tunesmith.store.repos import NewClip, new_id


def test_producer_create_golden_shapes(client: httpx.Client, auth: dict[str, str], drain: Any) -> None:
    before = credits(client, auth)
    body = {"task_type": "create_music", "sound": "rock, energetic", "lyrics": "[Verse]\nRun", "seed": "42",
            "sound_strength": 0.9, "weirdness": 0.1, "title": "Run"}  # fmt: skip
    r = client.post("/api/v1/producer/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert mask(r.json()) == {"code": 200, "message": "success", "task_id": "<id>"}
    assert credits(client, auth) == before - 10
    task_id = r.json()["task_id"]
    pending = client.get(f"/api/v1/producer/task/{task_id}", headers=auth).json()
    assert pending["status"] == "PENDING" and len(pending["data"]) == 2
    drain()
    done = mask(client.get(f"/api/v1/producer/task/{task_id}", headers=auth).json())
    item = done["data"][0]
    metadata = item.pop("metadata")
    assert done["status"] == "SUCCESS" and done["code"] == 200 and done["message"] == "success"
    assert list(done) == ["code", "status", "message", "data"]
    assert item == {
        "clip_id": "<id>",
        "state": "succeeded",
        "title": "Run",
        "sound": "rock, energetic",
        "lyrics": "[Verse]\nRun",
        "audio_url": "<url:audio.mp3>",
        "wav_url": "<url:audio.wav>",
        "image_url": "<url:cover.jpg>",
        "video_url": None,
        "created_at": "<time>",
        "mv": "FUZZ-2.0",
        "seed": "42",
        "duration": 2.0,
    }
    assert done["data"][1]["seed"] == "43" and metadata["task_type"] == "create_music"
    assert client.get("/api/v1/producer/task/nope", headers=auth).json()["message"] == "task not found."


PRODUCER_ERRORS = [
    ({}, "The 'task_type' field is required."),
    ({"task_type": "create_music", "mv": "FUZZ-9"}, None),
    ({"task_type": "create_music"}, "The 'sound' or 'lyrics' field is required."),
    ({"task_type": "create_music", "sound": "x", "seed": "12a"}, "The 'seed' field should be an integer."),
    (
        {"task_type": "create_music", "sound": "x", "sound_strength": 0.1},
        "The 'sound_strength' field should be between 0.2 and 1.",
    ),
    ({"task_type": "extend_music"}, "The 'clip_id' field is required when task_type = extend_music."),
    (
        {"task_type": "extend_music", "clip_id": "x", "length": 200},
        "The 'length' field should be between 5 and 120.",
    ),
    (
        {"task_type": "replace_music", "clip_id": "x", "starts": 1},
        "The 'ends_at' field is required when task_type = replace_music.",
    ),
    (
        {"task_type": "swap_music_sound", "clip_id": "x"},
        "The 'sound' field is required when task_type = swap_music_sound.",
    ),
    ({"task_type": "music_variation", "continue_clip_id": "x"}, "clip not found."),
    (
        {"task_type": "cover_music", "clip_id": "x", "duration": 30},
        "The 'duration' field is not supported when task_type = cover_music.",
    ),
]


@pytest.mark.parametrize(("body", "message"), PRODUCER_ERRORS)
def test_producer_errors_cost_nothing(
    client: httpx.Client, auth: dict[str, str], body: dict[str, Any], message: str | None
) -> None:
    before = credits(client, auth)
    r = client.post("/api/v1/producer/create", json=body, headers=auth)
    assert r.status_code == 400, r.text
    if message is None:
        assert r.json()["message"].startswith("The 'mv' field is invalid. The model should be 'Lyria 3 Pro',")
    else:
        assert r.json() == {"code": 400, "message": message, "error": message}
    assert credits(client, auth) == before


SOURCE_LYRICS = "[Verse]\nStars they shine above me\nLight the road ahead"


@pytest.fixture
def real(tmp_path: Path, serve: Any) -> Iterator[tuple[httpx.Client, dict[str, str], Services, str]]:
    """The procedural engine, a key, and a succeeded 10 s sung source clip."""
    settings = make_settings(tmp_path / "data", engine={"video": False})
    svc = build_services(
        settings, queue=InlineQueue(), engine_factory=lambda name: ProceduralEngine(with_video=False)
    )
    _, api_key = create_key(svc.store, name="real", credits=1000)
    produced = produce_song(
        make_spec(tags="pop, piano", seed=3, lyrics=SOURCE_LYRICS, duration_s=10, quality="draft"),
        with_video=False,
    )
    clip_id = new_id()
    for name, data in produced.bundle.files.items():
        svc.blobs.put(f"clips/{clip_id}/{name}", data)
    score = produced.score
    svc.store.create_finished_clip(
        key_id=svc.store.list_keys()[0].id,
        clip=NewClip(
            id=clip_id,
            idx=0,
            title="Stars",
            tags="pop, piano",
            negative_tags=None,
            lyrics=score.lyrics,
            gpt_description_prompt=None,
            mv="FUZZ-1.1",
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
        yield client, {"Authorization": f"Bearer {api_key}"}, svc, clip_id
    svc.close()


def test_riffusion_extend_returns_the_full_song(
    real: tuple[httpx.Client, dict[str, str], Services, str],
) -> None:
    client, auth, svc, source_id = real
    before = credits(client, auth)
    body = {"mv": "FUZZ-1.1", "task_type": "extend_music", "continue_clip_id": source_id, "continue_at": 6,
            "duration": 10, "seed": 1}  # fmt: skip
    r = client.post("/api/v1/riffusion/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert credits(client, auth) == before - 12
    assert isinstance(svc.queue, InlineQueue)
    svc.queue.drain()
    clips = client.get(f"/api/v1/riffusion/task/{r.json()['task_id']}", headers=auth).json()["data"]
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"], clips
    clip = clips[0]
    assert clip["title"] == "Stars" and clip["metadata"]["source_clip_id"] == source_id
    assert clip["duration"] > 13.0  # the source up to ~6 s, then ~10 s of new material
    assert clip["timestamp"]["lines"] and clip["timestamp"]["lines"][0]["text"].startswith("Stars")
    source = decode_audio(svc.blobs.get(f"clips/{source_id}/mix.wav"))
    full = decode_audio(client.get(clip["metadata"]["wav_url"]).content)
    head = round(4.0 * source.sample_rate_hz)
    difference = np.abs(full.samples[:, :head] - source.samples[:, :head]).max()
    assert difference < 2e-3  # the source's own audio before the seam (16-bit WAV rounding)
    assert credits(client, auth) == before - 12


def test_producer_upload_is_a_succeeded_one_clip_task(
    client: httpx.Client, auth: dict[str, str], make_wav: Any
) -> None:
    before = credits(client, auth)
    r = client.post("/api/v1/producer/upload", files={"file": ("take.wav", make_wav(3.0))}, headers=auth)
    assert r.status_code == 200, r.text
    assert mask(r.json()) == {"code": 200, "message": "success", "task_id": "<id>"}
    assert credits(client, auth) == before - 2
    done = client.get(f"/api/v1/producer/task/{r.json()['task_id']}", headers=auth).json()
    assert done["status"] == "SUCCESS" and len(done["data"]) == 1
    item = done["data"][0]
    assert item["state"] == "succeeded" and item["title"] == "take" and item["duration"] == 3.0
    assert item["seed"] is None and item["metadata"]["origin"] == "upload"
    audio = decode_audio(client.get(item["wav_url"]).content)
    assert abs(audio.duration_s - 3.0) < 0.01
    r = client.post("/api/v1/producer/upload", json={}, headers=auth)
    assert r.json()["message"] == "The 'audio_url' or 'file' field is required."
    assert credits(client, auth) == before - 2


def test_family_webhooks_carry_their_poll_shape_and_platform(
    client: httpx.Client, auth: dict[str, str], drain: Any, receiver: Any
) -> None:
    import json

    with receiver() as hook:
        for path, body in (
            ("/api/v1/nuro/create", {"description": "calm piano", "duration": 10}),
            (
                "/api/v1/producer/create",
                {"task_type": "create_music", "sound": "jazz", "make_instrumental": True},
            ),
            ("/api/v1/studio/create", {"prompt": "ambient", "lyrics_type": "instrumental"}),
        ):
            r = client.post(path, json={**body, "webhook_url": hook.url + "/hook"}, headers=auth)
            assert r.status_code == 200, r.text
        drain()
        bodies = [json.loads(raw) for _, raw in hook.requests]
    by_platform = {b["platform"]: b for b in bodies}
    assert set(by_platform) == {"nuro", "producer", "studio"}
    nuro = by_platform["nuro"]
    assert nuro["status"] == "succeeded" and nuro["event"] == "song.completed" and "data" not in nuro
    assert nuro["lyrics"] == "[Instrumental]" and nuro["progress"] == 100
    assert by_platform["producer"]["status"] == "SUCCESS" and len(by_platform["producer"]["data"]) == 2
    studio = by_platform["studio"]
    assert studio["code"] == "success" and studio["data"]["status"] == "SUCCESS"
    assert all(b["task_id"] for b in bodies)


def test_producer_download_item_is_the_source_clip(
    client: httpx.Client, auth: dict[str, str], drain: Any, make_wav: Any
) -> None:
    up = client.post("/api/v1/sonic/upload", files={"file": ("song.wav", make_wav(2.0))}, headers=auth).json()
    before = credits(client, auth)
    r = client.post(
        "/api/v1/producer/download", json={"clip_id": up["clip_id"], "format": "wav"}, headers=auth
    )
    assert r.status_code == 200, r.text
    assert credits(client, auth) == before - 2
    task_id = r.json()["task_id"]
    pending = client.get(f"/api/v1/producer/task/{task_id}", headers=auth).json()
    assert pending["status"] == "PENDING" and "download_url" not in pending["data"][0]
    drain()
    done = client.get(f"/api/v1/producer/task/{task_id}", headers=auth).json()
    assert done["status"] == "SUCCESS" and len(done["data"]) == 1
    item = done["data"][0]
    assert item["clip_id"] == up["clip_id"] and item["download_url"] == item["wav_url"]
    audio = decode_audio(client.get(item["download_url"]).content)
    assert abs(audio.duration_s - 2.0) < 0.01
    assert credits(client, auth) == before - 2
    bad = client.post(
        "/api/v1/producer/download", json={"clip_id": up["clip_id"], "format": "flac"}, headers=auth
    )
    assert bad.json()["message"] == "The 'format' field is invalid. The value should be 'mp3' or 'wav'."
    assert client.post("/api/v1/producer/download", json={}, headers=auth).json()["message"] == (
        "The 'clip_id' field is required."
    )


def test_swap_sound_keeps_the_vocal_and_changes_the_accompaniment(
    real: tuple[httpx.Client, dict[str, str], Services, str],
) -> None:
    from tunesmith.music.score import Score

    client, auth, svc, source_id = real
    body = {"task_type": "swap_music_sound", "clip_id": source_id, "sound": "reggae, organ", "seed": 2}
    r = client.post("/api/v1/producer/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert isinstance(svc.queue, InlineQueue)
    svc.queue.drain()
    items = client.get(f"/api/v1/producer/task/{r.json()['task_id']}", headers=auth).json()["data"]
    assert [i["state"] for i in items] == ["succeeded", "succeeded"]
    source = Score.from_json(svc.blobs.get(f"clips/{source_id}/score.json"))
    swapped = Score.from_json(svc.blobs.get(f"clips/{items[0]['clip_id']}/score.json"))

    def lead(score: Score) -> list[tuple[int, float, str]]:
        return [(v.pitch, round(v.start_beat, 3), v.syllable) for v in score.vocals if not v.backing]

    assert lead(swapped) == lead(source) and lead(source)  # melody, timing and words kept
    source_parts = {(t.role, t.program) for t in source.tracks}
    swapped_parts = {(t.role, t.program) for t in swapped.tracks}
    assert swapped_parts != source_parts  # a new accompaniment
    assert items[0]["sound"] == "reggae, organ" and items[0]["lyrics"] == items[1]["lyrics"]


def test_producer_cover_url_becomes_the_cover_art(
    client: httpx.Client, auth: dict[str, str], drain: Any, receiver: Any
) -> None:
    import io

    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (800, 600), (220, 20, 30)).save(png, format="PNG")
    with receiver(files={"/art.png": png.getvalue(), "/not-an-image": b"hello"}) as server:
        ids = []
        for path in ("/art.png", "/not-an-image"):
            body = {"task_type": "create_music", "sound": "jazz", "make_instrumental": True,
                    "cover_url": server.url + path, "seed": 1}  # fmt: skip
            r = client.post("/api/v1/producer/create", json=body, headers=auth)
            assert r.status_code == 200, r.text
            ids.append(r.json()["task_id"])
        drain()
    art, fallback = (client.get(f"/api/v1/producer/task/{i}", headers=auth).json() for i in ids)
    assert art["status"] == "SUCCESS" and fallback["status"] == "SUCCESS"
    image = Image.open(io.BytesIO(client.get(art["data"][0]["image_url"]).content))
    assert image.format == "JPEG" and image.size == (1024, 1024)  # square, cropped from 800x600
    red, green, blue = np.asarray(image, dtype=np.float64).reshape(-1, 3).mean(axis=0)
    assert red > 180 and green < 60 and blue < 70  # the given picture
    kept = Image.open(io.BytesIO(client.get(fallback["data"][0]["image_url"]).content))
    assert kept.size == (512, 512)  # not an image: the generated cover stays
    assert art["data"][0]["metadata"]["task_type"] == "create_music"
