"""Family operations end to end over real HTTP with the procedural engine (API.md §5–§8), each
checked for its measured meaning on the audio or the Score:

- nuro bgm v2.0 ``segments``: the sections start at the requested times and have the requested
  kinds; the chorus segment is louder than the intro; a v1.0 duration under 10 s is exact;
- studio ``precede``: new material in the source's tempo and key, then the source's own audio
  (bit-for-bit after the join), a click-free join, and the lead-in's measured tempo;
- ``swap_music_vocals`` (producer and riffusion): the source's vocal melody re-sung by another
  voice (pitches equal up to an octave shift, timing equal, the vocal stem sings an octave lower),
  the accompaniment stems unchanged; with ``lyrics``, the new words on the same melody;
- riffusion replace over HTTP (audio outside the window kept), credits per the contract, a failed
  family task refunds and its webhook says ``song.failed`` with the family's ``platform``.

Songs are ≤ 15 s; the renders share one xdist group so two workers do not both run them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from tests.service.conftest import make_settings
from tests.service.test_service_families import credits

from tunesmith.auth.keys import create_key
from tunesmith.engines.procedural import ProceduralEngine
from tunesmith.jobs.context import Services, build_services
from tunesmith.jobs.queue import InlineQueue
from tunesmith.music.audio import AudioBuffer, decode_audio
from tunesmith.music.edit.extend import snap_continue_at
from tunesmith.music.produce import produce_song
from tunesmith.music.score import Score
from tunesmith.music.spec import make_spec
from tunesmith.store.repos import NewClip, new_id

pytestmark = pytest.mark.xdist_group("families_ops")

LYRICS = "[Verse]\nStars they shine above me\nLight the road ahead"
Real = tuple[httpx.Client, dict[str, str], Services]


@pytest.fixture
def real(tmp_path: Path, serve: Any) -> Iterator[Real]:
    settings = make_settings(tmp_path / "data", engine={"video": False})
    svc = build_services(
        settings, queue=InlineQueue(), engine_factory=lambda name: ProceduralEngine(with_video=False)
    )
    _, api_key = create_key(svc.store, name="real", credits=1000)
    with serve(svc) as client:
        yield client, {"Authorization": f"Bearer {api_key}"}, svc
    svc.close()


def stored_song(svc: Services, *, lyrics: str = LYRICS, seed: int = 3, duration_s: float = 10) -> str:
    """A succeeded sung clip of the key's (composed and rendered here), its id."""
    produced = produce_song(
        make_spec(tags="pop, piano", seed=seed, lyrics=lyrics, duration_s=duration_s, quality="draft"),
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
            seed=seed,
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


def drain(svc: Services) -> None:
    assert isinstance(svc.queue, InlineQueue)
    svc.queue.drain()


def score_of(svc: Services, clip_id: str) -> Score:
    return Score.from_json(svc.blobs.get(f"clips/{clip_id}/score.json"))


def wav_of(svc: Services, clip_id: str, name: str = "mix.wav") -> AudioBuffer:
    return decode_audio(svc.blobs.get(f"clips/{clip_id}/{name}"), filename_hint=name)


def rms_db(audio: AudioBuffer, start_s: float, end_s: float) -> float:
    rate = audio.sample_rate_hz
    x = audio.samples[:, round(start_s * rate) : round(end_s * rate)].astype(np.float64)
    return float(10 * np.log10(np.mean(x**2) + 1e-12))


def median_f0_hz(audio: AudioBuffer) -> float:
    """Median f0 of the voiced frames of a vocal stem (librosa pyin at 22.05 kHz)."""
    import librosa

    mono = audio.resampled(22_050).mono()
    f0, voiced, _ = librosa.pyin(mono, fmin=70.0, fmax=800.0, sr=22_050, frame_length=2048)
    values = f0[voiced & np.isfinite(f0)]
    assert values.size > 20, "the vocal stem should sing"
    return float(np.median(values))


# ----- nuro bgm v2.0 segments ----------------------------------------------------------------------


def test_nuro_v2_segments_are_the_sections_of_the_song(real: Real) -> None:
    client, auth, svc = real
    segments = [{"name": "intro", "duration": 4}, {"name": "chorus", "duration": 6},
                {"name": "outro", "duration": 4}]  # fmt: skip
    body = {"description": "upbeat product video", "genre": ["corporate"], "instrument": ["piano", "drums"],
            "version": "v2.0", "segments": segments, "seed": 11}  # fmt: skip
    before = credits(client, auth)
    r = client.post("/api/v1/nuro/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert credits(client, auth) == before - 10
    drain(svc)
    task = client.get(f"/api/v1/nuro/task/{r.json()['task_id']}", headers=auth).json()
    assert task["status"] == "succeeded", task
    assert task["duration"] == 14.0 and task["lyrics"] == "[Instrumental]"
    score = score_of(svc, task["clip_id"])
    starts = [score.seconds_at(score.bar_start_beat(s.start_bar)) for s in score.sections]
    beat_s = 60.0 / max(t.tempo_bpm for t in score.tempo_map)
    assert [s.kind for s in score.sections] == ["intro", "chorus", "outro"]
    assert np.allclose(starts, [0.0, 4.0, 10.0], atol=beat_s)  # within a beat (exact by construction)
    assert np.allclose(starts, [0.0, 4.0, 10.0], atol=1e-6)
    analysis = json.loads(svc.blobs.get(f"clips/{task['clip_id']}/analysis.json"))
    assert [round(s["start_s"], 2) for s in analysis["score"]["sections"]] == [0.0, 4.0, 10.0]
    # the measured audio follows the form: the chorus is louder than the intro
    mix = decode_audio(client.get(task["audio_url"]).content)
    assert abs(mix.duration_s - 14.0) < 0.01
    assert rms_db(mix, 4.3, 9.7) > rms_db(mix, 0.3, 3.7) + 1.0


def test_nuro_v1_duration_under_ten_seconds_is_exact(real: Real) -> None:
    client, auth, svc = real
    r = client.post("/api/v1/nuro/create", json={"description": "calm piano", "duration": 5, "seed": 2},
                    headers=auth)  # fmt: skip
    assert r.status_code == 200, r.text
    drain(svc)
    task = client.get(f"/api/v1/nuro/task/{r.json()['task_id']}", headers=auth).json()
    assert task["status"] == "succeeded" and task["duration"] == 5.0
    mix = decode_audio(client.get(task["audio_url"]).content)
    assert abs(mix.duration_s - 5.0) < 0.01
    assert rms_db(mix, 0.5, 4.0) > -45.0  # music, not silence
    assert np.abs(mix.samples[:, -50:]).max() < 0.02  # faded out at the cut: no click at the end


# ----- studio precede ----------------------------------------------------------------------------


def test_studio_precede_leads_into_the_source(real: Real) -> None:
    from tunesmith.music.analyze.tempo import estimate_tempo
    from tunesmith.music.edit import seam_report

    client, auth, svc = real
    source_id = stored_song(svc)
    source = score_of(svc, source_id)
    before = credits(client, auth)
    body = {"prompt": "pop, piano", "lyrics_type": "instrumental", "seed": 5, "generation_quality": 0.3,
            "config": {"mode": "precede", "source": {"song_id": source_id}}}  # fmt: skip
    r = client.post("/api/v1/studio/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert credits(client, auth) == before - 15
    drain(svc)
    poll = client.get(f"/api/v1/studio/task/{r.json()['task_id']}", headers=auth).json()
    assert poll["data"]["status"] == "SUCCESS", poll
    song = poll["data"]["data"]["songs"][0]
    full = score_of(svc, song["id"])
    lead_s = round(full.duration_s - source.duration_s, 6)
    bar_s = source.beats_per_bar * 60.0 / source.tempo_map[0].tempo_bpm
    assert abs(lead_s - 32.0) <= bar_s / 2 + 1e-6  # studio32: ~32 s of new material, whole bars
    assert song["duration"] == round(full.duration_s, 2)
    # the same tempo and key across the join, and the beat grid runs on (the join is a bar line)
    assert {round(t.tempo_bpm, 6) for t in full.tempo_map} == {round(source.tempo_map[0].tempo_bpm, 6)}
    assert full.key == source.key and song["metadata"]["key"] == source.key.name
    join_bar = full.beat_at(lead_s) / full.beats_per_bar
    assert abs(join_bar - round(join_bar)) < 1e-6
    # the source follows, as it was: its own audio after the join (16-bit rounding, 1 ms guard fade)
    mix = decode_audio(client.get(song["metadata"]["wav_url"]).content)
    original = wav_of(svc, source_id)
    rate = mix.sample_rate_hz
    at = round(lead_s * rate)
    tail = mix.samples[:, at + rate // 100 : at + original.frames]
    assert np.abs(tail - original.samples[:, rate // 100 : original.frames]).max() < 2e-3
    assert seam_report(mix, lead_s).step_ratio < 1.5  # no click at the join
    # the lead-in measures at the source's tempo
    lead_audio = AudioBuffer(mix.samples[:, : at - rate], rate)
    measured = estimate_tempo(lead_audio).tempo_bpm
    truth = source.tempo_map[0].tempo_bpm
    assert min(abs(measured / truth - r) for r in (0.5, 1.0, 2.0)) < 0.04, (measured, truth)


# ----- voice swaps ---------------------------------------------------------------------------------


def lead_notes(score: Score) -> list[tuple[int, float, float]]:
    return [
        (v.pitch, round(v.start_beat, 4), round(v.length_beats, 4)) for v in score.vocals if not v.backing
    ]


def test_producer_swap_vocals_resings_the_melody_over_the_same_accompaniment(real: Real) -> None:
    client, auth, svc = real
    source_id = stored_song(svc)
    source = score_of(svc, source_id)
    assert source.vocal_gender == "f"
    before = credits(client, auth)
    body = {"task_type": "swap_music_vocals", "clip_id": source_id, "sound": "deep male vocals", "seed": 8}
    r = client.post("/api/v1/producer/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert credits(client, auth) == before - 10
    drain(svc)
    done = client.get(f"/api/v1/producer/task/{r.json()['task_id']}", headers=auth).json()
    assert done["status"] == "SUCCESS" and len(done["data"]) == 2
    item = done["data"][0]
    swapped = score_of(svc, item["clip_id"])
    assert swapped.vocal_gender == "m"
    old, new = lead_notes(source), lead_notes(swapped)
    shift = new[0][0] - old[0][0]
    assert shift % 12 == 0 and shift < 0  # an octave (or two) down for the male voice
    assert [(p + shift, s, n) for p, s, n in old] == new  # the same melody and rhythm
    assert [v.syllable for v in swapped.vocals] == [v.syllable for v in source.vocals]
    assert item["lyrics"] == source.lyrics and item["duration"] == round(source.duration_s, 2)
    # the accompaniment stems are the source's; the vocal stem is new and sings an octave lower
    stems = [name for name in svc.store.get_clip(source_id).files if name.startswith("stems/")]  # type: ignore[union-attr]
    accompaniment = [n for n in stems if "vocals" not in n]
    assert accompaniment
    for name in accompaniment:
        a, b = wav_of(svc, source_id, name).samples, wav_of(svc, item["clip_id"], name).samples
        gain = float(np.sum(a * b) / max(float(np.sum(b * b)), 1e-12))  # the mix's level may move
        residual_db = 10 * np.log10(np.mean((a - gain * b) ** 2) / max(float(np.mean(a**2)), 1e-12))
        assert residual_db < -40.0 and abs(20 * np.log10(gain)) < 1.0, (name, residual_db, gain)
    voice_old, voice_new = (
        wav_of(svc, source_id, "stems/vocals.flac"),
        wav_of(svc, item["clip_id"], "stems/vocals.flac"),
    )
    ratio = median_f0_hz(voice_new) / median_f0_hz(voice_old)
    assert abs(12 * np.log2(ratio) - shift) < 2.5, ratio


def test_riffusion_swap_vocals_sets_new_words_on_the_same_melody(real: Real, receiver: Any) -> None:
    client, auth, svc = real
    source_id = stored_song(svc)
    source = score_of(svc, source_id)
    lyrics = "[Verse]\nRivers run to the open sea\nCarry me home"
    before = credits(client, auth)
    with receiver() as hook:
        body = {"mv": "FUZZ-1.1", "task_type": "swap_music_vocals", "continue_clip_id": source_id,
                "sound": "soft female voice", "lyrics": lyrics, "seed": 4,
                "webhook_url": hook.url}  # fmt: skip
        r = client.post("/api/v1/riffusion/create", json=body, headers=auth)
        assert r.status_code == 200, r.text
        assert credits(client, auth) == before - 12
        drain(svc)
        sent = [json.loads(raw) for _, raw in hook.requests]
    assert len(sent) == 1 and sent[0]["platform"] == "riffusion"
    assert sent[0]["data"][0]["timestamp"]["lines"][0]["text"].startswith("Rivers")  # its poll shape
    clips = client.get(f"/api/v1/riffusion/task/{r.json()['task_id']}", headers=auth).json()["data"]
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"], clips
    swapped = score_of(svc, clips[0]["clip_id"])
    assert swapped.vocal_gender == "f"  # the voice asked for (same gender: no transposition)

    def contour(score: Score) -> list[int]:
        pitches = [p for p, _, _ in lead_notes(score)]
        return [p for i, p in enumerate(pitches) if i == 0 or p != pitches[i - 1]]

    assert contour(swapped) == contour(source)  # the same melody (notes may be split for syllables)
    words = " ".join(line["text"] for line in clips[0]["timestamp"]["lines"])
    assert words.startswith("Rivers run to the open sea")
    assert "Rivers run to the open sea" in clips[0]["lyrics"] and "Stars" not in clips[0]["lyrics"]


# ----- riffusion replace, failures and refunds ----------------------------------------------------------


def test_riffusion_replace_keeps_the_audio_outside_the_window(real: Real) -> None:
    client, auth, svc = real
    source_id = stored_song(svc)
    body = {"mv": "FUZZ-1.0", "task_type": "replace_music", "continue_clip_id": source_id,
            "replace_start_s": 4.0, "replace_end_s": 7.0, "lyrics": "[Verse]\nNew words here",
            "seed": 6}  # fmt: skip
    before = credits(client, auth)
    r = client.post("/api/v1/riffusion/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert credits(client, auth) == before - 12
    drain(svc)
    clips = client.get(f"/api/v1/riffusion/task/{r.json()['task_id']}", headers=auth).json()["data"]
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"], clips
    source = wav_of(svc, source_id)
    full = decode_audio(client.get(clips[0]["metadata"]["wav_url"]).content)
    assert full.frames == source.frames  # the full song, same length
    start_s, end_s = clips[0]["metadata"]["infill_start_s"], clips[0]["metadata"]["infill_end_s"]
    assert start_s <= 4.0 and end_s >= 7.0  # the window, widened to bar lines
    rate = source.sample_rate_hz
    # the crossfades lie just outside the window (tens of ms)
    outside = np.r_[0 : round((start_s - 0.05) * rate), round((end_s + 0.05) * rate) : source.frames]
    difference = np.abs(full.samples[:, outside] - source.samples[:, outside]).max()
    assert 20 * np.log10(difference + 1e-12) < -60.0, difference  # outside: the source's own audio
    inside = slice(round(start_s * rate), round(end_s * rate))
    assert np.abs(full.samples[:, inside] - source.samples[:, inside]).max() > 0.05  # re-made inside


def test_failed_family_task_refunds_and_its_webhook_says_failed(real: Real, receiver: Any) -> None:
    client, auth, svc = real
    source_id = stored_song(svc)
    svc.blobs.put(f"clips/{source_id}/score.json", b"not a score")  # the source can't be read
    before = credits(client, auth)
    with receiver() as hook:
        body = {"task_type": "swap_music_vocals", "clip_id": source_id, "sound": "male vocals",
                "webhook_url": hook.url + "/hook"}  # fmt: skip
        r = client.post("/api/v1/producer/create", json=body, headers=auth)
        assert r.status_code == 200, r.text
        assert credits(client, auth) == before - 10
        drain(svc)
        bodies = [json.loads(raw) for _, raw in hook.requests]
    done = client.get(f"/api/v1/producer/task/{r.json()['task_id']}", headers=auth).json()
    assert done["status"] == "FAILED"
    assert {i["error_message"] for i in done["data"]} == {"Source audio could not be processed."}
    assert credits(client, auth) == before  # refunded in full
    assert len(bodies) == 1 and bodies[0]["platform"] == "producer" and bodies[0]["event"] == "song.failed"
    assert bodies[0]["error"] == "Source audio could not be processed." and bodies[0]["status"] == "FAILED"


def test_riffusion_webhook_carries_the_riffusion_platform(
    client: httpx.Client, auth: dict[str, str], drain: Any, receiver: Any
) -> None:
    with receiver() as hook:
        body = {"mv": "FUZZ-1.1", "sound": "jazz", "make_instrumental": True, "custom_mode": True,
                "webhook_url": hook.url + "/hook"}  # fmt: skip
        r = client.post("/api/v1/riffusion/create", json=body, headers=auth)
        assert r.status_code == 200, r.text
        drain()
        bodies = [json.loads(raw) for _, raw in hook.requests]
    assert len(bodies) == 1
    sent = bodies[0]
    assert sent["platform"] == "riffusion" and sent["event"] == "song.completed"
    assert sent["task_id"] == r.json()["task_id"] and sent["code"] == 200
    assert [c["state"] for c in sent["data"]] == ["succeeded", "succeeded"]
    assert [c["timestamp"] for c in sent["data"]] == [{}, {}]  # the riffusion poll shape (instrumental)


def test_riffusion_cover_sings_new_lyrics_on_the_source_melody(real: Real) -> None:
    client, auth, svc = real
    source_id = stored_song(svc)
    source = score_of(svc, source_id)
    lyrics = "[Verse]\nMoonlight over water\nShow the way back home"
    body = {"mv": "FUZZ-1.1 Pro", "task_type": "cover_music", "continue_clip_id": source_id,
            "sound": "acoustic folk, guitar", "lyrics": lyrics, "seed": 2}  # fmt: skip
    r = client.post("/api/v1/riffusion/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    drain(svc)
    clips = client.get(f"/api/v1/riffusion/task/{r.json()['task_id']}", headers=auth).json()["data"]
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"], clips
    assert "Moonlight over water" in clips[0]["lyrics"] and "Stars" not in clips[0]["lyrics"]
    assert clips[0]["tags"] == "acoustic folk, guitar"
    cover = score_of(svc, clips[0]["clip_id"])
    assert cover.sections and [s.kind for s in cover.sections] == [s.kind for s in source.sections]

    def intervals(score: Score) -> list[int]:
        pitches = [p for p, _, _ in lead_notes(score)]
        steps = [b - a for a, b in pairwise(pitches)]
        return [d for d in steps if d != 0]

    assert np.sign(intervals(cover)).tolist() == np.sign(intervals(source)).tolist()  # the same contour


# ----- nuro vocal timbre ---------------------------------------------------------------------------


def test_nuro_vocal_bright_timbre_brightens_the_sung_voice(real: Real) -> None:
    from tunesmith.music.edit.timbre import measure_timbre
    from tunesmith.music.render.voice import render_vocals

    client, auth, svc = real
    body = {"lyrics": "[verse]\nCity lights are calling\nDancing through the night", "gender": "Female",
            "genre": "Pop", "mood": "Happy", "timbre": "Bright", "duration": 30, "seed": 3}  # fmt: skip
    r = client.post("/api/v1/nuro/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    drain(svc)
    task = client.get(f"/api/v1/nuro/task/{r.json()['task_id']}", headers=auth).json()
    assert task["status"] == "succeeded" and task["duration"] == 30.0 and task["timbre"] == "Bright"
    clip_id = task["clip_id"]
    sung = measure_timbre(wav_of(svc, clip_id, "stems/vocals.flac"))
    plain = measure_timbre(render_vocals(score_of(svc, clip_id))["vocals"])
    assert sung is not None and plain is not None
    assert abs(sung.centroid_hz / plain.centroid_hz / 1.35 - 1) < 0.1, (sung.centroid_hz, plain.centroid_hz)


def test_swap_vocals_on_an_upload_resings_its_transcribed_line(real: Real) -> None:
    from tunesmith.music.analyze.separate import separate_vocals
    from tunesmith.music.audio import encode_wav

    client, auth, svc = real
    source_id = stored_song(svc)
    wav = encode_wav(wav_of(svc, source_id))
    up = client.post("/api/v1/producer/upload", files={"file": ("song.wav", wav)}, headers=auth).json()
    upload_id = client.get(f"/api/v1/producer/task/{up['task_id']}", headers=auth).json()["data"][0][
        "clip_id"
    ]
    body = {"task_type": "swap_music_vocals", "clip_id": upload_id, "sound": "male vocals", "seed": 5}
    r = client.post("/api/v1/producer/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    drain(svc)
    done = client.get(f"/api/v1/producer/task/{r.json()['task_id']}", headers=auth).json()
    assert done["status"] == "SUCCESS", done
    item = done["data"][0]
    assert item["duration"] == 10.0 and item["metadata"]["estimated"] is True
    upload = decode_audio(client.get(item["wav_url"]).content)
    assert abs(upload.duration_s - 10.0) < 0.01
    # the new (male) voice sings the upload's transcribed line an octave down: below the source's
    # female line (D4 here), in the male range, where the source sang
    source = score_of(svc, source_id)
    sung = score_of(svc, item["clip_id"])
    truth_hz = 440.0 * 2 ** ((float(np.median([v.pitch for v in source.vocals])) - 69) / 12)
    semitones = 12 * np.log2(median_f0_hz(wav_of(svc, item["clip_id"], "stems/vocals.flac")) / truth_hz)
    assert -16.0 < semitones < -4.0, semitones
    assert sung.vocal_gender == "m" and 45 <= np.median([v.pitch for v in sung.vocals]) <= 60
    first_s = min(source.seconds_at(v.start_beat) for v in source.vocals)
    assert abs(min(sung.seconds_at(v.start_beat) for v in sung.vocals) - first_s) < 1.0
    original = separate_vocals(wav_of(svc, source_id))
    # the accompaniment is the upload's own (separated), kept as it is
    kept = wav_of(svc, item["clip_id"], "stems/keyboard.flac").samples
    expected = original.accompaniment.to_stereo().samples
    gain = float(np.sum(kept * expected) / np.sum(expected * expected))
    residual_db = 10 * np.log10(np.mean((kept - gain * expected) ** 2) / np.mean(kept**2))
    assert residual_db < -30.0 and 0.5 < gain <= 1.0 + 1e-3, (residual_db, gain)


def test_producer_extend_is_one_full_song_in_the_source_tempo(real: Real) -> None:
    client, auth, svc = real
    source_id = stored_song(svc)
    source = score_of(svc, source_id)
    before = credits(client, auth)
    body = {"task_type": "extend_music", "clip_id": source_id, "starts_at": 6, "length": 5,
            "instruction": "pop, piano", "seed": 2}  # fmt: skip
    r = client.post("/api/v1/producer/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert credits(client, auth) == before - 12
    drain(svc)
    done = client.get(f"/api/v1/producer/task/{r.json()['task_id']}", headers=auth).json()
    assert done["status"] == "SUCCESS" and len(done["data"]) == 1, done
    item = done["data"][0]
    full = score_of(svc, item["clip_id"])
    # the source up to the bar line nearest 6 s, then exactly 5 s of new material (composed 10 s, cut)
    join_s = snap_continue_at(source, 6.0)
    assert abs(item["duration"] - (join_s + 5.0)) < 0.011, (item["duration"], join_s)
    assert {round(t.tempo_bpm, 6) for t in full.tempo_map} == {round(source.tempo_map[0].tempo_bpm, 6)}
    assert full.key == source.key
    head = round(4.0 * 44_100)  # the source's own audio before the join
    difference = np.abs(
        wav_of(svc, item["clip_id"]).samples[:, :head] - wav_of(svc, source_id).samples[:, :head]
    )
    assert difference.max() < 2e-3
    assert credits(client, auth) == before - 12
