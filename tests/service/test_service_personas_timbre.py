"""Persona timbre over real HTTP: a persona stores timbre features measured on the voice (spectral
centroid, roll-off, tilt, HNR/breathiness, formants; their measurement on clean and breathy voices is
tested in tests/music/edit/test_edit_timbre.py), and persona_music sings in the persona's
brightness — measured on the result's vocal stem against the same line sung without the match."""

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
from tunesmith.music.edit.timbre import measure_timbre
from tunesmith.music.score import Score

pytestmark = pytest.mark.xdist_group("families_ops")


def singer_wav(*, brightness: float, noise: float, duration_s: float = 11.0) -> bytes:
    """A synthetic singer: a stepwise melody around A3 with 5.5 Hz vibrato; harmonic k has
    amplitude k^-brightness (lower exponent = brighter); ``noise`` adds breath (white noise)."""
    rate = 22_050
    t = np.arange(round(duration_s * rate)) / rate
    steps = np.array([0, 2, 4, 5, 7, 5, 4, 2])
    midi = 57 + steps[(t // 0.6).astype(int) % steps.size]
    f0 = 440.0 * 2 ** ((midi - 69) / 12) * (1 + 0.012 * np.sin(2 * np.pi * 5.5 * t))
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voice = sum(k ** (-brightness) * np.sin(k * phase) for k in range(1, 30))
    voice = voice / np.abs(voice).max()
    voice = voice + noise * np.random.default_rng(1).standard_normal(voice.size)
    envelope = np.minimum(1.0, np.minimum(t, duration_s - t) / 0.05)
    samples = (0.4 * voice * envelope / np.abs(voice).max()).astype(np.float32)
    return encode_wav(AudioBuffer.from_array(samples[None, :], rate))


@pytest.fixture
def tctx(tmp_path: Path, serve: Any) -> Iterator[tuple[httpx.Client, dict[str, str], Services]]:
    settings = make_settings(tmp_path / "data", engine={"video": False})
    svc = build_services(
        settings, queue=InlineQueue(), engine_factory=lambda name: ProceduralEngine(with_video=False)
    )
    _, api_key = create_key(svc.store, name="timbre", credits=1000)
    with serve(svc) as client:
        yield client, {"Authorization": f"Bearer {api_key}"}, svc
    svc.close()


def voice_persona(client: httpx.Client, auth: dict[str, str], svc: Services, wav: bytes) -> dict[str, Any]:
    r = client.post("/api/v1/sonic/create-voice", files={"file": ("v.wav", wav, "audio/wav")},
                    data={"name": "Synth"}, headers=auth)  # fmt: skip
    assert r.status_code == 200, r.text
    assert isinstance(svc.queue, InlineQueue)
    svc.queue.drain()
    body = client.get(f"/api/v1/sonic/task/{r.json()['task_id']}", headers=auth).json()
    assert body["data"][0]["state"] == "succeeded", body
    persona = load_persona(svc, body["persona_id"], key_id=svc.store.list_keys()[0].id)
    assert persona is not None
    return persona


def test_persona_timbre_features_follow_the_voice(
    tctx: tuple[httpx.Client, dict[str, str], Services],
) -> None:
    client, auth, svc = tctx
    bright = voice_persona(client, auth, svc, singer_wav(brightness=0.8, noise=0.0))["voice"]["timbre"]
    dark = voice_persona(client, auth, svc, singer_wav(brightness=2.2, noise=0.0))["voice"]["timbre"]
    names = {"centroid_hz", "rolloff_hz", "tilt_db_per_octave", "hnr_db", "breathiness", "formant_f1_hz",
             "formant_f2_hz", "formant_shift_semitones", "voiced_s"}  # fmt: skip
    assert set(bright) >= names and bright["measured"] == "audio" and bright["voiced_s"] > 1.0
    # measured on the separated voice: the brighter singer keeps the higher centroid and flatter tilt
    assert bright["centroid_hz"] > 1.5 * dark["centroid_hz"]
    assert bright["tilt_db_per_octave"] > dark["tilt_db_per_octave"] + 2.0


def test_persona_music_sings_in_the_persona_brightness(
    tctx: tuple[httpx.Client, dict[str, str], Services],
) -> None:
    from tunesmith.music.render.voice import render_vocals

    client, auth, svc = tctx
    persona = voice_persona(client, auth, svc, singer_wav(brightness=0.9, noise=0.02))
    target = persona["voice"]["timbre"]["centroid_hz"]
    body = {"task_type": "persona_music", "persona_id": persona["id"], "mv": "sonic-v6-mini",
            "prompt": "[Verse]\nRiver running under\nCarry me along", "tags": "pop", "duration": 10,
            "seed": 4}  # fmt: skip
    r = client.post("/api/v1/sonic/create", json=body, headers=auth)
    assert r.status_code == 200, r.text
    assert isinstance(svc.queue, InlineQueue)
    svc.queue.drain()
    clips = client.get(f"/api/v1/sonic/task/{r.json()['task_id']}", headers=auth).json()["data"]
    assert [c["state"] for c in clips] == ["succeeded", "succeeded"], clips
    clip_id = clips[0]["clip_id"]
    sung = decode_audio(svc.blobs.get(f"clips/{clip_id}/stems/vocals.flac"), filename_hint="v.flac")
    matched = measure_timbre(sung)
    plain = measure_timbre(
        render_vocals(Score.from_json(svc.blobs.get(f"clips/{clip_id}/score.json")))["vocals"]
    )
    assert matched is not None and plain is not None
    miss_matched = abs(np.log2(matched.centroid_hz / target))
    miss_plain = abs(np.log2(plain.centroid_hz / target))
    assert miss_plain > 0.3  # the singer's own brightness is far from this persona's
    assert miss_matched < miss_plain / 2, (target, matched.centroid_hz, plain.centroid_hz)
