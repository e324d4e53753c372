"""Listening operations of the sonic family (API.md §4.11–§4.13): BPM, WAV, MIDI, VOX, aligned
lyrics, download (synchronous) and the stems tasks (asynchronous, one clip per stem).

Each answer is exact for our own songs — it comes from the clip's bundle (``score.json``,
``stems/<group>.flac``, ``song.mid``, ``lyrics.json``) — and measured for uploads (and any clip
whose bundle holds no Score) with :mod:`tunesmith.music.analyze`.

Every result is cached in the clip's bundle under ``cache/`` (blob ``clips/<id>/cache/<name>``), so
asking twice computes nothing twice. :data:`COMPUTATIONS` counts the computations by cache name (a
timing-free signal for tests and metrics). Synchronous calls check the balance first and charge
only when they answer 200 (§11); a repeat ``aligned-lyrics`` call is free.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import numpy as np

from tunesmith.billing.ledger import INSUFFICIENT
from tunesmith.blobs.urls import blob_key, file_url
from tunesmith.engines.base import EngineResult, SongFacts
from tunesmith.errors import InsufficientCredits, InvalidParameter, ServiceUnavailable
from tunesmith.jobs.context import Services
from tunesmith.jobs.files import ensure_m4a
from tunesmith.music import bundle
from tunesmith.music.audio import (
    DEFAULT_SAMPLE_RATE_HZ,
    AudioBuffer,
    decode_audio,
    encode_flac,
    encode_mp3,
    encode_wav,
)
from tunesmith.music.bundle import Bundle
from tunesmith.music.progress import Progress
from tunesmith.music.score import STEM_GROUPS, Score
from tunesmith.store.repos import ApiKey, Clip, NewClip, Task, new_id

CLIP_NOT_FOUND = "clip not found."
CLIP_NOT_READY = "clip is not ready."
NO_VOCALS = "The clip has no vocals."
M4A_UNAVAILABLE = "The format 'm4a' is not available on this server."
INSTRUMENTAL = "[Instrumental]"

SILENCE_PEAK = 10 ** (-60 / 20)
"""Stems peaking below −60 dBFS count as silent and are dropped (§4.11)."""

VOX_MAX_S = 30.0
"""Longest vox window (§4.12)."""

PEAK_LEVELS = 4
"""Waveform mip-map levels k = 0..3, one peak per 10·2ᵏ ms."""

DOWNLOAD_WAIT_S = 5.0
"""How long ``sonic/download`` waits for encoding before answering 202 (§4.13)."""

STEM_LABELS: dict[str, str] = {
    "vocals": "Vocals",
    "backing_vocals": "Backing Vocals",
    "drums": "Drums",
    "bass": "Bass",
    "guitar": "Guitar",
    "keyboard": "Keyboard",
    "strings": "Strings",
    "brass": "Brass",
    "woodwinds": "Woodwinds",
    "percussion": "Percussion",
    "synth": "Synth",
    "fx": "FX",
    "instrumental": "Instrumental",
    "other": "Other",
}
"""Stem name → the label in a stem clip's title ``"<source title> (<Stem>)"``."""

VOCAL_STEMS = ("vocals", "backing_vocals")
UPLOAD_FULL_STEMS = ("vocals", "drums", "bass", "other")
BASIC_STEMS = ("vocals", "instrumental")
DOWNLOAD_FORMATS = ["mp3", "m4a", "wav"]
_WIRE = {"mp3": "audio.mp3", "m4a": "audio.m4a", "wav": "audio.wav"}

COMPUTATIONS: Counter[str] = Counter()
"""How many times each cached result was computed in this process (cache name → count)."""

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()
_encoder = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tunesmith-download")


# ----- sources and the cache ----------------------------------------------------------------------


def source_clip(services: Services, key: ApiKey, clip_id: str, *, field: str = "clip_id") -> Clip:
    """The key's succeeded clip ``clip_id``; 400 ``clip not found.`` / ``clip is not ready.``."""
    clip = services.store.get_clip(clip_id, key_id=key.id)
    if clip is None:
        raise InvalidParameter(CLIP_NOT_FOUND, field=field)
    if clip.state != "succeeded":
        raise InvalidParameter(CLIP_NOT_READY, field=field)
    return clip


def clip_score(services: Services, clip: Clip) -> Score | None:
    """The clip's composed Score, or None for uploads, estimated clips and bundles without one."""
    if clip.estimated:
        return None
    key = blob_key(clip.id, bundle.SCORE)
    if not services.blobs.exists(key):
        return None
    try:
        return Score.from_json(services.blobs.get(key))
    except Exception:  # not a Score (a foreign or partial bundle): analyse the audio instead
        return None


def _lock(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


def cache_key(clip_id: str, name: str) -> str:
    """Blob key of a cached result of clip ``clip_id``."""
    return blob_key(clip_id, f"cache/{name}")


def cached_bytes(services: Services, clip_id: str, name: str, compute: Callable[[], bytes]) -> bytes:
    """The cached bytes ``name`` of the clip, computed (once, under a lock) when absent."""
    key = cache_key(clip_id, name)
    if services.blobs.exists(key):
        return services.blobs.get(key)
    with _lock(key):
        if services.blobs.exists(key):
            return services.blobs.get(key)
        data = compute()
        COMPUTATIONS[name] += 1
        services.blobs.put(key, data)
        return data


def cached_json(services: Services, clip_id: str, name: str, compute: Callable[[], Any]) -> Any:
    """The cached JSON value ``name`` of the clip (``compute`` runs only on the first call)."""
    raw = cached_bytes(
        services, clip_id, name, lambda: json.dumps(compute(), ensure_ascii=False).encode("utf-8")
    )
    return json.loads(raw)


def _audio(services: Services, clip_id: str, name: str) -> AudioBuffer:
    return decode_audio(services.blobs.get(blob_key(clip_id, name)), filename_hint=name)


def mix_audio(services: Services, clip: Clip) -> AudioBuffer:
    """The clip's mastered mix (``mix.wav``)."""
    return _audio(services, clip.id, bundle.MIX_WAV)


def _measured(services: Services, clip: Clip) -> Clip:
    """``clip`` with its tempo and key known (an upload is measured once, when first needed)."""
    from tunesmith.jobs.uploads import with_facts

    return with_facts(services, clip)


def _url(services: Services, clip_id: str, wire_name: str) -> str:
    settings = services.settings
    ttl = settings.files.signed_url_ttl_s
    return file_url(
        settings.base_url,
        clip_id,
        wire_name,
        ttl_s=ttl,
        secret=settings.file_signing_secret() if ttl else "",
    )


def _ensure_balance(key: ApiKey, price: int) -> None:
    if price > 0 and key.credits + key.extra_credits < price:
        raise InsufficientCredits(INSUFFICIENT)


def _peak(audio: AudioBuffer) -> float:
    return float(np.max(np.abs(audio.samples))) if audio.frames else 0.0


# ----- BPM ----------------------------------------------------------------------------------------


def score_bpm(score: Score) -> dict[str, float]:
    """min / avg / max BPM of a Score's tempo map (avg = beats per minute over the whole song)."""
    tempos = [c.tempo_bpm for c in score.tempo_map]
    total_beats = score.total_beats
    seconds = score.seconds_at(total_beats) if total_beats > 0 else 0.0
    avg = total_beats * 60.0 / seconds if seconds > 0 else score.tempo_bpm
    return {"avg_bpm": round(avg, 2), "max_bpm": round(max(tempos), 2), "min_bpm": round(min(tempos), 2)}


def bpm(services: Services, key: ApiKey, clip_id: str) -> dict[str, float]:
    """``sonic/bpm``: exact from the Score, estimated (``estimate_tempo``) for uploads. 1 credit."""
    clip = source_clip(services, key, clip_id)
    price = services.settings.billing.price("bpm")
    _ensure_balance(key, price)

    def compute() -> dict[str, float]:
        score = clip_score(services, clip)
        if score is not None:
            return score_bpm(score)
        if clip.origin == "upload":  # measured once with its key (uploads.upload_facts)
            from tunesmith.jobs.uploads import upload_facts

            measured: dict[str, float] | None = upload_facts(services, clip)["bpm"]
            if measured is not None:
                return measured
        from tunesmith.music.analyze.tempo import estimate_tempo

        est = estimate_tempo(mix_audio(services, clip))
        return {
            "avg_bpm": round(float(est.tempo_bpm), 2),
            "max_bpm": round(float(max(est.max_bpm, est.tempo_bpm)), 2),
            "min_bpm": round(float(min(est.min_bpm, est.tempo_bpm)), 2),
        }

    data: dict[str, float] = cached_json(services, clip.id, "bpm.json", compute)
    services.store.charge(key.id, price)
    return data


# ----- WAV and download ---------------------------------------------------------------------------


def wav(services: Services, key: ApiKey, clip_id: str) -> dict[str, str]:
    """``sonic/wav``: the URL of the clip's 16-bit 44.1 kHz WAV. 2 credits."""
    clip = source_clip(services, key, clip_id)
    price = services.settings.billing.price("wav")
    _ensure_balance(key, price)
    if not services.blobs.exists(blob_key(clip.id, bundle.MIX_WAV)):
        raise InvalidParameter(CLIP_NOT_READY, field="clip_id")
    services.store.charge(key.id, price)
    return {"wav_url": _url(services, clip.id, "audio.wav")}


@dataclass(frozen=True)
class DownloadAnswer:
    """``ready`` False: encoding goes on (answer 202, free); else ``urls`` by format."""

    ready: bool
    urls: dict[str, str]


def download(services: Services, key: ApiKey, clip_id: str, formats: list[str]) -> DownloadAnswer:
    """``sonic/download``: URLs of the requested formats; m4a is encoded on first request (up to
    5 s waited, else not ready and free). 2 credits per answer with URLs."""
    clip = source_clip(services, key, clip_id)
    price = services.settings.billing.price("download")
    _ensure_balance(key, price)
    if "m4a" in formats:
        future = _encoder.submit(ensure_m4a, services, clip.id)
        try:
            path = future.result(timeout=DOWNLOAD_WAIT_S)
        except FutureTimeout:
            return DownloadAnswer(ready=False, urls={})
        except RuntimeError as exc:  # ffmpeg missing or failing
            raise InvalidParameter(
                "The format 'm4a' is not available on this server.", field="formats"
            ) from exc
        if path is None:
            raise InvalidParameter(CLIP_NOT_READY, field="clip_id")
    services.store.charge(key.id, price)
    return DownloadAnswer(ready=True, urls={f: _url(services, clip.id, _WIRE[f]) for f in formats})


# ----- MIDI ---------------------------------------------------------------------------------------


def score_instruments(score: Score) -> list[dict[str, Any]]:
    """The contract's ``instruments`` of a Score: one per track with notes, then the lead and
    backing vocal lines; note times in seconds (3 decimals) from the tempo map."""

    def note(pitch: int, start_beat: float, end_beat: float, velocity: int) -> dict[str, Any]:
        return {
            "pitch": pitch,
            "start_s": round(score.seconds_at(start_beat), 3),
            "end_s": round(score.seconds_at(end_beat), 3),
            "velocity": velocity,
        }

    out: list[dict[str, Any]] = []
    for track in score.tracks:
        if not track.notes:
            continue
        out.append(
            {
                "name": track.name,
                "program": track.program % 128,
                "is_drum": track.is_drum,
                "notes": [note(n.pitch, n.start_beat, n.end_beat, n.velocity) for n in track.notes],
            }
        )
    for name, backing, program in (("vocals", False, 54), ("backing_vocals", True, 53)):
        line = [v for v in score.vocals if v.backing == backing]
        if line:
            out.append(
                {
                    "name": name,
                    "program": program,
                    "is_drum": False,
                    "notes": [note(v.pitch, v.start_beat, v.end_beat, v.velocity) for v in line],
                }
            )
    return out


def midi(services: Services, key: ApiKey, clip_id: str) -> dict[str, Any]:
    """``sonic/midi``: ``song.mid`` and its notes; from the Score, or transcribed (basic-pitch)
    for uploads, the file then written into the clip's bundle. 1 credit."""
    clip = source_clip(services, key, clip_id)
    price = services.settings.billing.price("midi")
    _ensure_balance(key, price)
    midi_key = blob_key(clip.id, bundle.MIDI)

    def compute() -> list[dict[str, Any]]:
        score = clip_score(services, clip)
        if score is not None:
            if not services.blobs.exists(midi_key):
                services.blobs.put(midi_key, score.to_midi())
            return score_instruments(score)
        from tunesmith.music.analyze.transcribe import notes_to_midi, transcribe_notes

        notes = transcribe_notes(mix_audio(services, clip))
        tempo_bpm = _measured(services, clip).tempo_bpm or 120.0
        services.blobs.put(midi_key, notes_to_midi(notes, tempo_bpm=tempo_bpm))
        events = [
            {
                "pitch": n.pitch,
                "start_s": round(n.start_s, 3),
                "end_s": round(n.end_s, 3),
                "velocity": n.velocity,
            }
            for n in notes
        ]
        return [{"name": "transcription", "program": 0, "is_drum": False, "notes": events}]

    instruments = cached_json(services, clip.id, "midi.json", compute)
    services.store.charge(key.id, price)
    return {"midi_url": _url(services, clip.id, "song.mid"), "instruments": instruments}


# ----- aligned lyrics -----------------------------------------------------------------------------


def timeline_alignment(timeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contract's alignment of a ``lyrics.json`` timeline: each word keeps a trailing space,
    or ``\\n`` at the end of its line; ``p_align`` 1.0 and ``success`` true (exact)."""
    out: list[dict[str, Any]] = []
    for i, item in enumerate(timeline):
        last_in_line = i + 1 == len(timeline) or timeline[i + 1].get("line_index") != item.get("line_index")
        out.append(
            {
                "word": f"{item['word']}{chr(10) if last_in_line else ' '}",
                "start_s": float(item["start_s"]),
                "end_s": float(item["end_s"]),
                "p_align": 1.0,
                "success": True,
            }
        )
    return out


def aligned_lyrics(
    services: Services, key: ApiKey, clip_id: str, *, lyrics: str | None = None
) -> list[dict[str, Any]]:
    """``sonic/aligned-lyrics``: exact word times from ``lyrics.json`` for our songs; for uploads
    (and any clip without a timeline) the lyrics — ``lyrics`` from the request **[+]**, else the
    clip's own — are force-aligned to the audio with
    :func:`~tunesmith.music.analyze.align.align_lyrics_in_mix` (PocketSphinx). ``[]`` when there
    are no lyrics (uploads without request lyrics, instrumentals). Cached in the bundle per lyrics
    text; 1 credit the first time per clip (and lyrics text), free on repeat. ``lyrics`` is
    ignored for clips with an exact timeline."""
    clip = source_clip(services, key, clip_id)
    timeline_key = blob_key(clip.id, bundle.LYRICS)
    has_timeline = services.blobs.exists(timeline_key)
    text = clip.lyrics if lyrics is None or has_timeline else lyrics
    name = "aligned-lyrics.json"
    if not has_timeline and lyrics is not None and text != clip.lyrics:
        name = f"aligned-lyrics-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}.json"
    repeat = services.blobs.exists(cache_key(clip.id, name))
    price = 0 if repeat else services.settings.billing.price("aligned_lyrics")
    _ensure_balance(key, price)

    def compute() -> list[dict[str, Any]]:
        if has_timeline:
            return timeline_alignment(json.loads(services.blobs.get(timeline_key)))
        if not text.strip() or text.strip() == INSTRUMENTAL:
            return []
        from tunesmith.music.analyze.align import align_lyrics_in_mix

        mix = mix_audio(services, clip)
        vocal = separated_vocal(services, clip, mix)
        return [w.to_json() for w in align_lyrics_in_mix(mix, text, vocal=vocal)]

    alignment: list[dict[str, Any]] = cached_json(services, clip.id, name, compute)
    services.store.charge(key.id, price)
    return alignment


# ----- VOX ----------------------------------------------------------------------------------------


def _vocal_track(services: Services, clip: Clip) -> AudioBuffer:
    """The clip's lead vocal: ``stems/vocals.flac`` of our songs, separated for uploads; raises
    ``The clip has no vocals.`` when there is none."""
    score = clip_score(services, clip)
    if score is not None:
        stem = bundle.stem_file("vocals")
        if "vocals" not in score.stem_groups or not services.blobs.exists(blob_key(clip.id, stem)):
            raise InvalidParameter(NO_VOCALS, field="clip_id")
        return _audio(services, clip.id, stem)
    if clip.lyrics.strip() == INSTRUMENTAL:
        raise InvalidParameter(NO_VOCALS, field="clip_id")
    vocals = separated_vocal(services, clip)
    if _peak(vocals) < SILENCE_PEAK:
        raise InvalidParameter(NO_VOCALS, field="clip_id")
    return vocals


def separated_vocal(services: Services, clip: Clip, mix: AudioBuffer | None = None) -> AudioBuffer:
    """``separate_vocals`` of an upload's mix (``mix``, if already decoded), computed once and
    cached in its bundle as ``vocals.flac`` (VOX and lyric alignment share it)."""

    def separate() -> bytes:
        from tunesmith.music.analyze.separate import separate_vocals

        return encode_flac(separate_vocals(mix if mix is not None else mix_audio(services, clip)).vocals)

    return decode_audio(cached_bytes(services, clip.id, "vocals.flac", separate), filename_hint="v.flac")


def loudest_window(audio: AudioBuffer, length_s: float) -> tuple[float, float]:
    """The ``length_s`` window (10 ms grid) holding the most energy of ``audio``."""
    duration = audio.duration_s
    if duration <= length_s:
        return 0.0, round(duration, 2)
    hop = max(1, int(audio.sample_rate_hz * 0.01))
    mono = np.asarray(audio.samples, dtype=np.float64).mean(axis=0)
    frames = mono.size // hop
    energy = (mono[: frames * hop].reshape(frames, hop) ** 2).sum(axis=1)
    width = round(length_s / 0.01)
    sums = np.convolve(energy, np.ones(width), mode="valid")
    start = int(np.argmax(sums)) * 0.01
    start = min(start, duration - length_s)
    return round(start, 2), round(start + length_s, 2)


def peak_levels(audio: AudioBuffer) -> list[dict[str, Any]]:
    """Waveform aggregates for levels k = 0..3: one peak (0..1) per 10·2ᵏ ms."""
    from tunesmith.music.analyze.peaks import waveform_peaks

    out: list[dict[str, Any]] = []
    for level in range(PEAK_LEVELS):
        bucket_s = 0.01 * 2**level
        points = max(1, int(np.ceil(audio.duration_s / bucket_s - 1e-9)))
        out.append({"data": waveform_peaks(audio, points=points), "mip_map_level": level})
    return out


def vox(
    services: Services, key: ApiKey, clip_id: str, start_s: float | None, end_s: float | None
) -> dict[str, Any]:
    """``sonic/vox``: the vocal of a window (≤ 30 s; default the loudest 30 s of singing) as a
    new stem clip, with waveform peaks. Window checks use the contract's range messages. 1 credit."""
    clip = source_clip(services, key, clip_id)
    duration = round(float(clip.duration_s or 0.0), 2)
    if start_s is not None and not 0 <= start_s <= duration:
        raise InvalidParameter(
            f"The 'vocal_start_s' field should be between 0 and {duration:g}.", field="vocal_start_s"
        )
    if end_s is not None:
        low = start_s or 0.0
        if end_s <= low:
            raise InvalidParameter(
                "The 'vocal_end_s' field should be greater than 'vocal_start_s'.", field="vocal_end_s"
            )
        high = min(duration, low + VOX_MAX_S) if start_s is not None else duration
        if end_s > high:
            raise InvalidParameter(
                f"The 'vocal_end_s' field should be between {low:g} and {round(high, 2):g}.",
                field="vocal_end_s",
            )
    price = services.settings.billing.price("vox")
    _ensure_balance(key, price)
    vocals = _vocal_track(services, clip)
    if start_s is None and end_s is None:
        start, end = loudest_window(vocals, VOX_MAX_S)
    elif start_s is None:
        assert end_s is not None
        start, end = max(0.0, end_s - VOX_MAX_S), end_s
    elif end_s is None:
        start, end = start_s, min(duration, start_s + VOX_MAX_S)
    else:
        start, end = start_s, end_s
    name = f"vox-{start:.2f}-{end:.2f}.json"
    cached = cache_key(clip.id, name)
    if services.blobs.exists(cached):
        services.store.charge(key.id, price)
        data: dict[str, Any] = json.loads(services.blobs.get(cached))
        data["vocal_audio_url"] = _url(services, data["vox_audio_id"], "audio.mp3")
        return data
    with _lock(cached):
        if services.blobs.exists(cached):
            return vox(services, key, clip_id, start_s, end_s)
        excerpt = vocals.slice_s(start, end).to_stereo().resampled(DEFAULT_SAMPLE_RATE_HZ)
        vox_id = new_id()
        measured = _measured(services, clip)
        files = {bundle.MIX_WAV: encode_wav(excerpt), bundle.MIX_MP3: encode_mp3(excerpt)}
        for fname, content in files.items():
            services.blobs.put(blob_key(vox_id, fname), content)
        new = NewClip(
            id=vox_id,
            idx=0,
            title=f"{clip.title} (Vocals)",
            tags=clip.tags,
            negative_tags=None,
            lyrics=clip.lyrics,
            gpt_description_prompt=None,
            mv=clip.mv,
            style_weight=None,
            weirdness_constraint=None,
            task_type="vox",
            origin="stem",
            seed=clip.seed,
            engine=clip.engine,
            quality=clip.quality,
            source_clip_id=clip.id,
            extra={"stem": "vocals", "vocal_start_s": start, "vocal_end_s": end},
        )
        services.store.create_finished_clip(
            key_id=key.id,
            clip=new,
            duration_s=excerpt.duration_s,
            files=sorted(files),
            tempo_bpm=measured.tempo_bpm,
            key=measured.key,
            time_signature=clip.time_signature,
            upload=None,
            charge=price,
        )
        data = {
            "vox_audio_id": vox_id,
            "status": "complete",
            "source_clip_id": clip.id,
            "vocal_start_s": start,
            "vocal_end_s": end,
            "vocal_audio_url": _url(services, vox_id, "audio.mp3"),
            "wave_response": {"waveform_aggregates": peak_levels(excerpt)},
        }
        COMPUTATIONS[name] += 1
        services.blobs.put(cached, json.dumps(data).encode("utf-8"))
        return data


# ----- stems (async) ------------------------------------------------------------------------------


def _stem_score(score: Score, stem: str) -> Score:
    """The part of ``score`` one stem plays (tracks of its group, its vocal line)."""
    if stem == "instrumental":
        return dataclasses.replace(score, vocals=[], lyrics="")
    if stem in ("vocals", "backing_vocals") or stem == "vocals_all":
        backing = stem == "backing_vocals"
        vocals = score.vocals if stem == "vocals_all" else [v for v in score.vocals if v.backing == backing]
        return dataclasses.replace(score, tracks=[], vocals=vocals)
    tracks = [t for t in score.tracks if t.group == stem]
    return dataclasses.replace(score, tracks=tracks, vocals=[], lyrics="")


def _generated_stems(services: Services, clip: Clip, score: Score) -> dict[str, AudioBuffer]:
    groups = [g for g in score.stem_groups if services.blobs.exists(blob_key(clip.id, bundle.stem_file(g)))]
    return {g: _audio(services, clip.id, bundle.stem_file(g)) for g in groups}


def _sum(buffers: list[AudioBuffer]) -> AudioBuffer | None:
    if not buffers:
        return None
    frames = max(b.frames for b in buffers)
    rate = buffers[0].sample_rate_hz
    total = np.zeros((2, frames), dtype=np.float32)
    for b in buffers:
        total[:, : b.frames] += b.to_stereo().resampled(rate).samples[:, :frames]
    return AudioBuffer.from_array(total, rate)


def stem_audio(services: Services, clip: Clip, mode: str) -> dict[str, AudioBuffer]:
    """The stems of ``clip`` in ``mode`` (``basic`` or ``full``), silent ones included, in order.

    Our songs: the rendered stems (basic: the vocal groups summed, and the rest summed). Uploads:
    ``separate_vocals`` (basic) or ``separate_stems`` (full), cached in the source's bundle."""
    score = clip_score(services, clip)
    if score is not None:
        groups = _generated_stems(services, clip, score)
        if mode == "full":
            return groups
        out: dict[str, AudioBuffer] = {}
        for name, members in (
            ("vocals", [a for g, a in groups.items() if g in VOCAL_STEMS]),
            ("instrumental", [a for g, a in groups.items() if g not in VOCAL_STEMS]),
        ):
            summed = _sum(members)
            if summed is not None:
                out[name] = summed
        return out
    names = BASIC_STEMS if mode == "basic" else UPLOAD_FULL_STEMS

    def separate() -> bytes:
        from tunesmith.music.analyze.separate import separate_stems, separate_vocals

        mix = mix_audio(services, clip)
        if mode == "basic":
            split = separate_vocals(mix)
            parts = {"vocals": split.vocals, "instrumental": split.accompaniment}
        else:
            parts = separate_stems(mix)
        buffer = io.BytesIO()
        arrays: dict[str, Any] = {n: parts[n].samples for n in names}
        arrays["rate"] = np.array(mix.sample_rate_hz)
        # Uncompressed: float32 audio barely compresses (−7 %), and zlib took ~45 s on a 3-minute song.
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    stored = np.load(io.BytesIO(cached_bytes(services, clip.id, f"stems-{mode}.npz", separate)))
    rate = int(stored["rate"])
    return {n: AudioBuffer.from_array(stored[n], rate) for n in names}


def planned_stems(services: Services, clip: Clip, mode: str) -> list[str]:
    """The stems a stems task of ``clip`` makes: for our songs those with audio above −60 dBFS
    (exact), for uploads every separated stem (a silent one is dropped by :func:`stem_clip`)."""
    if clip_score(services, clip) is not None:
        return [n for n, a in stem_audio(services, clip, mode).items() if _peak(a) >= SILENCE_PEAK]
    return list(BASIC_STEMS if mode == "basic" else UPLOAD_FULL_STEMS)


def submit_stems(
    services: Services,
    key: ApiKey,
    clip_id: str,
    *,
    mode: str,
    webhook_url: str | None,
    webhook_secret: str | None,
    stored: dict[str, Any],
) -> Task:
    """``sonic/stems/{basic,full}``: one pending clip per stem, price reserved, task enqueued."""
    clip = source_clip(services, key, clip_id)
    if services.store.count_pending() >= services.settings.queue.max_pending:
        raise ServiceUnavailable("Server is busy. Retry after 30 seconds.", retry_after_s=30)
    task_type = f"stems_{mode}"
    stems = planned_stems(services, clip, mode)
    clips = [
        NewClip(
            id=new_id(),
            idx=i,
            title=f"{clip.title} ({STEM_LABELS[stem]})",
            tags=clip.tags,
            negative_tags=clip.negative_tags,
            lyrics=clip.lyrics if stem in VOCAL_STEMS else INSTRUMENTAL,
            gpt_description_prompt=None,
            mv=clip.mv,
            style_weight=None,
            weirdness_constraint=None,
            task_type=task_type,
            origin="stem",
            seed=clip.seed,
            engine=clip.engine,
            quality=clip.quality,
            source_clip_id=clip.id,
            extra={"stem": stem},
        )
        for i, stem in enumerate(stems)
    ]
    task = services.store.create_task(
        key_id=key.id,
        family="sonic",
        task_type=task_type,
        request={"_sent": stored, "clip_id": clip.id, "mode": mode},
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        price=services.settings.billing.price(task_type),
        engine=clip.engine,
        timeout_s=services.settings.jobs.timeout_s,
        clips=clips,
    )
    services.queue.enqueue_task(task.id)
    return task


def stem_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """Handler of ``stems_basic`` / ``stems_full``: the bundle of one stem clip (its audio, its
    part of the Score and MIDI for our songs, the source's cover and, for vocals, the timeline)."""
    source = services.store.get_clip(clip.source_clip_id or "")
    if source is None:
        raise RuntimeError("stem source clip vanished")
    source = _measured(services, source)
    mode = "basic" if task.task_type == "stems_basic" else "full"
    stem = str(clip.extra.get("stem"))
    progress("separate", 0, 2)
    audio = stem_audio(services, source, mode)[stem]
    progress("separate", 1, 2)
    if _peak(audio) < SILENCE_PEAK and services.store.drop_clip(clip.id):
        # a silent separated stem leaves the task's clip list (§4.11); nothing is stored for it
        return EngineResult(bundle=Bundle(), facts=_stem_facts(clip, source, audio.duration_s))
    master = audio.to_stereo().resampled(DEFAULT_SAMPLE_RATE_HZ)
    files: dict[str, bytes] = {bundle.MIX_WAV: encode_wav(master), bundle.MIX_MP3: encode_mp3(master)}
    group_file = bundle.stem_file(stem)
    if stem in STEM_GROUPS and services.blobs.exists(blob_key(source.id, group_file)):
        files[group_file] = services.blobs.get(blob_key(source.id, group_file))
    elif stem in STEM_GROUPS:
        files[group_file] = encode_flac(master)
    for name in (bundle.COVER,):
        if services.blobs.exists(blob_key(source.id, name)):
            files[name] = services.blobs.get(blob_key(source.id, name))
    score = clip_score(services, source)
    if score is not None:
        part = _stem_score(score, "vocals_all" if stem == "vocals" and mode == "basic" else stem)
        files[bundle.SCORE] = part.to_json()
        files[bundle.MIDI] = part.to_midi()
        timeline = blob_key(source.id, bundle.LYRICS)
        if stem == "vocals" and services.blobs.exists(timeline):
            files[bundle.LYRICS] = services.blobs.get(timeline)
    progress("separate", 2, 2)
    return EngineResult(bundle=Bundle(files=files), facts=_stem_facts(clip, source, master.duration_s))


def _stem_facts(clip: Clip, source: Clip, duration_s: float) -> SongFacts:
    return SongFacts(
        title=clip.title,
        tags=clip.tags,
        lyrics=clip.lyrics,
        duration_s=round(float(source.duration_s or duration_s), 2),
        tempo_bpm=float(source.tempo_bpm or 0.0),
        key=source.key or "",
        time_signature=source.time_signature or "",
        estimated=source.estimated,
    )


ANALYSIS_HANDLERS: dict[str, Callable[[Services, Task, Clip, Progress], EngineResult]] = {
    "stems_basic": stem_clip,
    "stems_full": stem_clip,
}
"""Clip handlers of the analysis task types (registered in :mod:`tunesmith.jobs.handlers`)."""
