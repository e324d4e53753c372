"""The listening endpoints (API.md §4.11–§4.13) over real HTTP: exact answers on a real generated
song (the procedural engine, rendered once per module), measured answers on the same mix
re-uploaded as plain audio, caching (asking twice computes nothing twice), prices and errors."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import httpx
import mido
import numpy as np
import pytest
from tests.service.conftest import FakeEngine

from tunesmith.auth.keys import create_key
from tunesmith.engines.base import EngineResult
from tunesmith.engines.registry import get_engine
from tunesmith.jobs import analysis
from tunesmith.jobs.context import Services
from tunesmith.music import bundle
from tunesmith.music.analyze.separate import separate_stems
from tunesmith.music.audio import AudioBuffer, decode_audio, encode_wav
from tunesmith.music.lyrics.timeline import lyrics_timeline
from tunesmith.music.progress import Progress
from tunesmith.music.score import Score
from tunesmith.music.spec import SongSpec, make_spec

INSUFFICIENT = "The remaining credits are not enough. You can buy more one-time credit packs or subscribe."
LYRICS = "[Verse]\nHello little star tonight\nShine on shine on"
SONG: dict[str, Any] = {"mv": "sonic-v6-mini", "prompt": LYRICS, "tags": "pop, upbeat", "title": "Star"}


@pytest.fixture(scope="module")
def song() -> EngineResult:
    """One real 12 s song with vocals (draft quality, no video), rendered once for the module."""
    spec = make_spec(
        tags="pop, upbeat",
        seed=11,
        negative_tags="",
        title="Star",
        lyrics=LYRICS,
        instrumental=False,
        duration_s=12,
        vocal_gender=None,
        style_weight=0.5,
        weirdness=0.3,
        quality="draft",
    )
    return get_engine("procedural", with_video=False).create(spec, lambda *a: None)


class SongEngine:
    """Answers sung requests with the module's rendered song, instrumentals with the fake sine."""

    name = "procedural"
    version = "test"

    def __init__(self, song: EngineResult) -> None:
        self.song = song
        self.fake = FakeEngine()

    def create(self, spec: SongSpec, progress: Progress) -> EngineResult:
        return self.song if spec.sings else self.fake.create(spec, progress)


@pytest.fixture
def engine(song: EngineResult) -> SongEngine:  # overrides conftest's FakeEngine
    return SongEngine(song)


def post(client: httpx.Client, auth: dict[str, str], path: str, body: dict[str, Any]) -> httpx.Response:
    return client.post(f"/api/v1/sonic/{path}", json=body, headers=auth)


def credits(client: httpx.Client, auth: dict[str, str]) -> int:
    return int(client.get("/api/v1/get-credits", headers=auth).json()["credits"])


def generate(client: httpx.Client, auth: dict[str, str], drain: Any, body: dict[str, Any]) -> str:
    task_id = post(client, auth, "create", body).json()["task_id"]
    drain()
    clips = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert clips[0]["state"] == "succeeded"
    return str(clips[0]["clip_id"])


def score_of(services: Services, clip_id: str) -> Score:
    return Score.from_json(services.blobs.get(f"clips/{clip_id}/{bundle.SCORE}"))


def cache_mtime(services: Services, clip_id: str, name: str) -> int:
    path = services.blobs.local_path(analysis.cache_key(clip_id, name))
    assert path is not None
    return Path(path).stat().st_mtime_ns


def test_generated_clip_is_exact_and_cached(
    client: httpx.Client, auth: dict[str, str], drain: Any, services: Services
) -> None:
    clip_id = generate(client, auth, drain, SONG)
    score = score_of(services, clip_id)
    start = credits(client, auth)

    # bpm: the Score's tempo; the second call reads the cache (same mtime, no new computation)
    answer = post(client, auth, "bpm", {"clip_id": clip_id})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["code"] == 200 and body["message"] == "success"
    assert body["data"] == {
        "avg_bpm": round(score.tempo_bpm, 2),
        "max_bpm": round(score.tempo_bpm, 2),
        "min_bpm": round(score.tempo_bpm, 2),
    }
    mtime, computed = cache_mtime(services, clip_id, "bpm.json"), analysis.COMPUTATIONS["bpm.json"]
    assert post(client, auth, "bpm", {"clip_id": clip_id}).json() == body
    assert cache_mtime(services, clip_id, "bpm.json") == mtime
    assert analysis.COMPUTATIONS["bpm.json"] == computed
    assert credits(client, auth) == start - 2  # 1 per call

    # midi: the Score's notes, track by track, in seconds; the file is the bundle's song.mid
    data = post(client, auth, "midi", {"clip_id": clip_id}).json()["data"]
    assert data["midi_url"] == f"http://testserver/files/{clip_id}/song.mid"
    tracks = [t for t in score.tracks if t.notes]
    assert [i["name"] for i in data["instruments"]] == [t.name for t in tracks] + ["vocals"]
    for track, inst in zip(tracks, data["instruments"], strict=False):
        assert inst["program"] == track.program % 128 and inst["is_drum"] == track.is_drum
        assert [(n["pitch"], n["velocity"]) for n in inst["notes"]] == [
            (n.pitch, n.velocity) for n in track.notes
        ]
        assert [n["start_s"] for n in inst["notes"]] == [
            round(score.seconds_at(n.start_beat), 3) for n in track.notes
        ]
    sung = [v for v in score.vocals if not v.backing]
    assert [n["pitch"] for n in data["instruments"][-1]["notes"]] == [v.pitch for v in sung]
    assert client.get(data["midi_url"]).content == services.blobs.get(f"clips/{clip_id}/song.mid")

    # aligned lyrics: the timeline's words, exact; 1 credit the first time, then free
    before = credits(client, auth)
    alignment = post(client, auth, "aligned-lyrics", {"clip_id": clip_id}).json()["data"]["alignment"]
    timeline = lyrics_timeline(score)
    assert [a["word"].rstrip() for a in alignment] == [w["word"] for w in timeline]
    assert [(a["start_s"], a["end_s"]) for a in alignment] == [(w["start_s"], w["end_s"]) for w in timeline]
    assert all(a["p_align"] == 1.0 and a["success"] is True for a in alignment)
    assert alignment[-1]["word"].endswith("\n") and alignment[0]["word"].endswith(" ")
    assert credits(client, auth) == before - 1
    again = post(client, auth, "aligned-lyrics", {"clip_id": clip_id}).json()["data"]["alignment"]
    assert again == alignment and credits(client, auth) == before - 1

    # wav and download
    wav = post(client, auth, "wav", {"clip_id": clip_id}).json()["data"]
    assert wav == {"wav_url": f"http://testserver/files/{clip_id}/audio.wav"}
    assert decode_audio(client.get(wav["wav_url"]).content).sample_rate_hz == 44_100
    down = post(client, auth, "download", {"clip_id": clip_id, "formats": ["wav", "mp3"]}).json()
    assert down["data"] == {
        "clip_id": clip_id,
        "urls": {
            "wav": f"http://testserver/files/{clip_id}/audio.wav",
            "mp3": f"http://testserver/files/{clip_id}/audio.mp3",
        },
    }

    m4a = post(client, auth, "download", {"clip_id": clip_id, "formats": ["m4a"]})
    assert m4a.status_code == 200 and m4a.json()["data"]["urls"] == {
        "m4a": f"http://testserver/files/{clip_id}/audio.m4a"
    }
    assert decode_audio(client.get(m4a.json()["data"]["urls"]["m4a"]).content).duration_s > 11

    # vox: the vocal stem of the loudest 30 s (the whole 12 s song), as a clip with peaks
    before = credits(client, auth)
    vox = post(client, auth, "vox", {"clip_id": clip_id}).json()["data"]
    assert vox["status"] == "complete" and vox["source_clip_id"] == clip_id
    assert vox["vocal_start_s"] == 0.0 and vox["vocal_end_s"] == pytest.approx(score.duration_s, abs=0.01)
    levels = vox["wave_response"]["waveform_aggregates"]
    assert [lv["mip_map_level"] for lv in levels] == [0, 1, 2, 3]
    for lv in levels:
        assert len(lv["data"]) == math.ceil(vox["vocal_end_s"] / (0.01 * 2 ** lv["mip_map_level"]) - 1e-9)
        assert all(0.0 <= p <= 1.0 for p in lv["data"])
    heard = decode_audio(client.get(vox["vocal_audio_url"]).content)
    stem = decode_audio(services.blobs.get(f"clips/{clip_id}/{bundle.stem_file('vocals')}"))
    assert heard.duration_s == pytest.approx(stem.duration_s, abs=0.1)
    vox_clip = client.get(f"/api/v1/clips/{vox['vox_audio_id']}", headers=auth).json()["data"]
    assert vox_clip["metadata"]["stem"] == "vocals" and vox_clip["metadata"]["origin"] == "stem"
    assert (
        post(client, auth, "vox", {"clip_id": clip_id}).json()["data"]["vox_audio_id"] == vox["vox_audio_id"]
    )
    assert credits(client, auth) == before - 2


def test_stems_full_and_basic_of_a_generated_clip(
    client: httpx.Client, auth: dict[str, str], drain: Any, services: Services
) -> None:
    clip_id = generate(client, auth, drain, SONG)
    score = score_of(services, clip_id)
    start = credits(client, auth)
    task_id = post(client, auth, "stems/full", {"clip_id": clip_id}).json()["task_id"]
    assert credits(client, auth) == start - 75
    drain()
    clips = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    audible = []
    for group in score.stem_groups:
        stem = decode_audio(services.blobs.get(f"clips/{clip_id}/{bundle.stem_file(group)}"))
        if float(abs(stem.samples).max()) >= 10 ** (-60 / 20):
            audible.append(group)
    assert [c["metadata"]["stem"] for c in clips] == audible
    assert all(c["state"] == "succeeded" for c in clips)
    labels = {
        "vocals": "Vocals",
        "drums": "Drums",
        "bass": "Bass",
        "guitar": "Guitar",
        "keyboard": "Keyboard",
    }
    labels |= {"synth": "Synth", "strings": "Strings", "percussion": "Percussion", "fx": "FX"}
    for c in clips:
        group = c["metadata"]["stem"]
        assert c["title"] == f"Star ({labels[group]})"
        assert c["metadata"]["origin"] == "stem" and c["metadata"]["source_clip_id"] == clip_id
        assert c["metadata"]["task_type"] == "stems_full"
        assert c["lyrics"] == (LYRICS if group == "vocals" else "[Instrumental]")
    # a stem is a full clip: its MIDI holds exactly its group's notes
    drums = next(c for c in clips if c["metadata"]["stem"] == "drums")
    inst = post(client, auth, "midi", {"clip_id": drums["clip_id"]}).json()["data"]["instruments"]
    assert [i["name"] for i in inst] == [t.name for t in score.tracks if t.group == "drums" and t.notes]

    task_id = post(client, auth, "stems/basic", {"clip_id": clip_id}).json()["task_id"]
    drain()
    basic = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert [c["title"] for c in basic] == ["Star (Vocals)", "Star (Instrumental)"]
    assert [c["metadata"]["stem"] for c in basic] == ["vocals", "instrumental"]
    # exact stems: each full stem is the rendered group; vocals + instrumental = all groups
    for c in clips:
        own = f"clips/{c['clip_id']}/{bundle.stem_file(c['metadata']['stem'])}"
        assert services.blobs.get(own) == services.blobs.get(
            f"clips/{clip_id}/{bundle.stem_file(c['metadata']['stem'])}"
        )
    groups = [
        decode_audio(services.blobs.get(f"clips/{clip_id}/{bundle.stem_file(g)}")) for g in score.stem_groups
    ]
    everything = sum(g.to_stereo().samples for g in groups)
    halves = [decode_audio(client.get(c["metadata"]["wav_url"]).content) for c in basic]
    assert float(np.abs(halves[0].samples + halves[1].samples - everything).max()) < 2e-3


def test_uploaded_mix_is_measured(
    client: httpx.Client, auth: dict[str, str], drain: Any, services: Services, song: EngineResult
) -> None:
    score = Score.from_json(song.bundle.files[bundle.SCORE])
    files = {"file": ("star.wav", song.bundle.files[bundle.MIX_WAV], "audio/wav")}
    clip_id = client.post("/api/v1/sonic/upload", files=files, headers=auth).json()["clip_id"]
    data = post(client, auth, "bpm", {"clip_id": clip_id}).json()["data"]
    assert data["avg_bpm"] == pytest.approx(score.tempo_bpm, rel=0.02)
    assert data["min_bpm"] <= data["avg_bpm"] <= data["max_bpm"]
    computed = analysis.COMPUTATIONS["bpm.json"]
    assert post(client, auth, "bpm", {"clip_id": clip_id}).json()["data"] == data
    assert analysis.COMPUTATIONS["bpm.json"] == computed
    # an upload has no lyrics: the contract's empty alignment
    assert post(client, auth, "aligned-lyrics", {"clip_id": clip_id}).json()["data"] == {"alignment": []}
    # separated vocals (cached once for vox and reused)
    vox = post(client, auth, "vox", {"clip_id": clip_id, "vocal_start_s": 1, "vocal_end_s": 6}).json()
    assert vox["data"]["vocal_start_s"] == 1 and vox["data"]["vocal_end_s"] == 6
    assert len(vox["data"]["wave_response"]["waveform_aggregates"][0]["data"]) == 500
    task_id = post(client, auth, "stems/basic", {"clip_id": clip_id}).json()["task_id"]
    drain()
    stems = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert [c["metadata"]["stem"] for c in stems] == ["vocals", "instrumental"]
    assert all(c["state"] == "succeeded" and c["metadata"]["estimated"] is True for c in stems)
    parts = [decode_audio(client.get(c["metadata"]["wav_url"]).content) for c in stems]
    mix = decode_audio(song.bundle.files[bundle.MIX_WAV])
    total = parts[0].samples + parts[1].samples
    assert float(abs(total - mix.samples).max()) < 0.01  # the two stems add up to the upload


def test_errors_use_the_contract_messages(
    client: httpx.Client, auth: dict[str, str], drain: Any, services: Services
) -> None:
    start = credits(client, auth)
    unknown = "6f1c1c9e-1111-4111-8111-111111111111"
    for path in ("bpm", "vox", "wav", "midi", "aligned-lyrics", "download", "stems/basic", "stems/full"):
        answer = post(client, auth, path, {"clip_id": unknown})
        assert answer.status_code == 400 and answer.json()["message"] == "clip not found.", path
        answer = post(client, auth, path, {})
        assert answer.json()["message"] == "The 'clip_id' field is required.", path
    instrumental = generate(client, auth, drain, {"mv": "sonic-v5", "make_instrumental": True, "tags": "x"})
    answer = post(client, auth, "vox", {"clip_id": instrumental})
    assert answer.status_code == 400 and answer.json()["message"] == "The clip has no vocals."
    answer = post(client, auth, "download", {"clip_id": instrumental, "formats": ["flac"]})
    assert (
        answer.json()["message"]
        == "The 'formats' field is invalid. The value should be 'mp3','m4a' or 'wav'."
    )
    answer = post(client, auth, "vox", {"clip_id": instrumental, "vocal_start_s": 0.5, "vocal_end_s": 0.2})
    assert answer.json()["message"] == "The 'vocal_end_s' field should be greater than 'vocal_start_s'."
    for window, message in (
        ({"vocal_start_s": 5}, "The 'vocal_start_s' field should be between 0 and 2."),
        ({"vocal_end_s": 3}, "The 'vocal_end_s' field should be between 0 and 2."),
        ({"vocal_start_s": "1"}, "The 'vocal_start_s' field should be a number."),
    ):
        answer = post(client, auth, "vox", {"clip_id": instrumental, **window})
        assert answer.status_code == 400 and answer.json()["message"] == message
    answer = post(client, auth, "download", {"clip_id": instrumental, "formats": "mp3"})
    assert answer.json()["message"] == "The 'formats' field should be an array."
    assert credits(client, auth) == start - 20  # only the create was charged


def arpeggio_wav(pitches: list[int], *, note_s: float = 1.0, rate: int = 22_050) -> bytes:
    """Sine notes of ``pitches``, one per ``note_s`` (0.9 s sounding, 0.1 s rest)."""
    t = np.arange(round(len(pitches) * note_s * rate)) / rate
    tone = np.zeros_like(t)
    for i, pitch in enumerate(pitches):
        sounding = (t >= i * note_s) & (t < i * note_s + 0.9 * note_s)
        tone[sounding] = 0.3 * np.sin(2 * np.pi * 440.0 * 2 ** ((pitch - 69) / 12) * t[sounding])
    return encode_wav(AudioBuffer.from_array(tone[None, :].astype(np.float32), rate))


def test_uploaded_midi_is_transcribed_once(client: httpx.Client, auth: dict[str, str]) -> None:
    pitches = [60, 64, 67, 72, 67, 64]
    files = {"file": ("arp.wav", arpeggio_wav(pitches), "audio/wav")}
    clip_id = client.post("/api/v1/sonic/upload", files=files, headers=auth).json()["clip_id"]
    data = post(client, auth, "midi", {"clip_id": clip_id}).json()["data"]
    [inst] = data["instruments"]
    assert inst["is_drum"] is False
    assert [n["pitch"] for n in inst["notes"]] == pitches
    assert all(abs(n["start_s"] - i) < 0.1 for i, n in enumerate(inst["notes"]))
    song_mid = mido.MidiFile(file=io.BytesIO(client.get(data["midi_url"]).content))
    heard = [m.note for m in song_mid if m.type == "note_on" and m.velocity > 0]
    assert heard == pitches
    computed = analysis.COMPUTATIONS["midi.json"]
    assert post(client, auth, "midi", {"clip_id": clip_id}).json()["data"] == data
    assert analysis.COMPUTATIONS["midi.json"] == computed


def test_uploaded_full_stems_are_separated(
    client: httpx.Client, auth: dict[str, str], drain: Any, song: EngineResult
) -> None:
    files = {"file": ("star.wav", song.bundle.files[bundle.MIX_WAV], "audio/wav")}
    clip_id = client.post("/api/v1/sonic/upload", files=files, headers=auth).json()["clip_id"]
    task_id = post(client, auth, "stems/full", {"clip_id": clip_id}).json()["task_id"]
    drain()
    stems = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert [c["metadata"]["stem"] for c in stems] == ["vocals", "drums", "bass", "other"]
    assert [c["title"] for c in stems] == ["star (Vocals)", "star (Drums)", "star (Bass)", "star (Other)"]
    parts = [decode_audio(client.get(c["metadata"]["wav_url"]).content) for c in stems]
    total = sum(p.samples for p in parts)
    mix = decode_audio(song.bundle.files[bundle.MIX_WAV])
    assert float(np.abs(total - mix.samples).max()) < 0.01


def test_not_ready_foreign_and_short_balance(
    client: httpx.Client, auth: dict[str, str], services: Services, song: EngineResult
) -> None:
    task_id = post(client, auth, "create", SONG).json()["task_id"]  # not drained: still pending
    pending = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"][0]["clip_id"]
    answer = post(client, auth, "bpm", {"clip_id": pending})
    assert answer.status_code == 400 and answer.json()["message"] == "clip is not ready."
    # a key with 3 credits uploads (2), cannot afford wav (2), can afford bpm (1)
    poor = {"Authorization": f"Bearer {create_key(services.store, name='poor', credits=3)[1]}"}
    files = {"file": ("star.wav", song.bundle.files[bundle.MIX_WAV], "audio/wav")}
    clip_id = client.post("/api/v1/sonic/upload", files=files, headers=poor).json()["clip_id"]
    answer = post(client, poor, "wav", {"clip_id": clip_id})
    assert answer.status_code == 403 and answer.json()["message"] == INSUFFICIENT
    assert credits(client, poor) == 1
    assert post(client, poor, "bpm", {"clip_id": clip_id}).status_code == 200
    assert credits(client, poor) == 0
    # the clip of another key does not exist for this one
    answer = post(client, auth, "bpm", {"clip_id": clip_id})
    assert answer.status_code == 400 and answer.json()["message"] == "clip not found."


def test_silent_separated_stems_are_dropped(client: httpx.Client, auth: dict[str, str], drain: Any) -> None:
    rate = 44_100
    t = np.arange(3 * rate) / rate
    bass = (0.3 * np.sin(2 * np.pi * 55.0 * t)).astype(np.float32)
    wav = encode_wav(AudioBuffer.from_array(np.stack([bass, bass]), rate))
    files = {"file": ("low.wav", wav, "audio/wav")}
    clip_id = client.post("/api/v1/sonic/upload", files=files, headers=auth).json()["clip_id"]
    stored = client.get(f"/api/v1/clips/{clip_id}", headers=auth).json()["data"]["metadata"]["wav_url"]
    parts = separate_stems(decode_audio(client.get(stored).content))
    audible = [name for name, part in parts.items() if float(np.abs(part.samples).max()) >= 10 ** (-60 / 20)]
    assert 0 < len(audible) < 4  # the drop is exercised
    task_id = post(client, auth, "stems/full", {"clip_id": clip_id}).json()["task_id"]
    drain()
    stems = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert [c["metadata"]["stem"] for c in stems] == audible
    assert all(c["state"] == "succeeded" for c in stems)
    task = client.get(f"/api/v1/tasks/{task_id}", headers=auth).json()["data"]
    assert task["state"] == "succeeded" and task["clip_ids"] == [c["clip_id"] for c in stems]


def test_download_answers_202_while_encoding(
    client: httpx.Client, auth: dict[str, str], drain: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip_id = generate(client, auth, drain, {"mv": "sonic-v5", "make_instrumental": True, "tags": "x"})
    start = credits(client, auth)
    monkeypatch.setattr(analysis, "DOWNLOAD_WAIT_S", 0.0)  # the encoder cannot finish in time
    answer = post(client, auth, "download", {"clip_id": clip_id, "formats": ["mp3", "m4a"]})
    assert answer.status_code == 202
    assert answer.json() == {"code": 202, "message": "preparing", "data": {"clip_id": clip_id}}
    assert credits(client, auth) == start  # free
    monkeypatch.setattr(analysis, "DOWNLOAD_WAIT_S", 30.0)
    answer = post(client, auth, "download", {"clip_id": clip_id, "formats": ["mp3", "m4a"]})
    assert answer.status_code == 200 and set(answer.json()["data"]["urls"]) == {"mp3", "m4a"}
    assert credits(client, auth) == start - 2
