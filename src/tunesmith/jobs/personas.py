"""Personas (API.md §4.6 sonic/persona, §4.7 create-voice) and the ``persona_music`` task type.

A persona is stored in the ``personas`` table; its ``data`` JSON holds:

- ``voice``: ``gender`` ("f"/"m"), ``low_pitch``, ``high_pitch``, ``centre_pitch`` (MIDI numbers
  of the lead line's 10th percentile, 90th percentile and median), ``vibrato_cents`` (measured
  depth, audio only, else null) and ``measured`` (``score`` for our songs — the exact sung notes
  in the excerpt — or ``audio`` for uploads and create-voice — pyin on the separated vocal) and
  ``timbre`` (:func:`timbre_of`: spectral centroid, roll-off, tilt, HNR and breathiness, LPC formants
  and their shift, measured on the vocal audio: the stem of our songs, the separated vocal of
  uploads; null when too little is voiced);
- ``style``: ``tags``, ``tempo_bpm``, ``tempo_range_bpm`` (±4 % around the source tempo),
  ``key`` (e.g. "A minor") and ``mode`` ("major"/"minor"); null values when unknown.

``persona_music`` composes as create_music does, sung by the persona's voice (its gender; the
whole song transposed so the lead line's median pitch lands on the persona's ``centre_pitch``,
within ±6 semitones), its vocals tilted to the persona's measured brightness (spectral centroid),
and in the persona's style when ``tags`` is absent (its tags, a tempo inside its range, its key).
Deterministic in the clip's seed. The singer has no public parameter for formants or breathiness
yet: those features are stored, not applied.
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np

from tunesmith.engines.base import EngineResult, SongFacts
from tunesmith.errors import InsufficientCredits, InvalidParameter, PayloadTooLarge
from tunesmith.jobs.context import Services
from tunesmith.music.audio import DEFAULT_SAMPLE_RATE_HZ, AudioBuffer, decode_audio, encode_mp3, encode_wav
from tunesmith.music.bundle import MIX_MP3, MIX_WAV, Bundle, stem_file
from tunesmith.music.progress import Progress
from tunesmith.music.score import Score
from tunesmith.store.models import PersonaRow
from tunesmith.store.repos import ApiKey, Clip, NewClip, Task, new_id, utcnow

PERSONA_NOT_FOUND = "persona not found."
VOX_NOT_FOUND = "vox audio not found."
NO_VOCALS = "The clip has no vocals."
INSUFFICIENT = "The remaining credits are not enough. You can buy more one-time credit packs or subscribe."
MIN_VOICE_S = 10.0
"""create-voice needs at least this much audio (API.md §4.7)."""
MALE_MAX_F0_HZ = 165.0
"""A median sung f0 below this is a male voice (between typical male and female medians)."""
MAX_SHIFT_SEMITONES = 6
VOICE_SOURCE = "voice-source.bin"
"""Blob name (inside the create-voice clip's folder) of the uploaded bytes until the task runs."""


# ----- measuring a voice --------------------------------------------------------------------------


def voice_from_pitches(midi: list[float], gender: str | None, *, measured: str) -> dict[str, Any]:
    """The ``voice`` part of a persona from the lead line's pitches (MIDI numbers)."""
    values = np.asarray(midi, dtype=np.float64)
    centre = float(np.median(values))
    if gender not in ("f", "m"):
        gender = "m" if 440.0 * 2 ** ((centre - 69) / 12) < MALE_MAX_F0_HZ else "f"
    return {
        "gender": gender,
        "low_pitch": round(float(np.percentile(values, 10)), 2),
        "high_pitch": round(float(np.percentile(values, 90)), 2),
        "centre_pitch": round(centre, 2),
        "vibrato_cents": None,
        "measured": measured,
    }


def voice_from_score(score: Score, start_s: float | None, end_s: float | None) -> dict[str, Any] | None:
    """The persona voice from a composed Score's lead notes sounding inside the window (None when
    the window has no lead vocal)."""
    lo = -1.0 if start_s is None else start_s
    hi = float("inf") if end_s is None else end_s
    pitches: list[float] = []
    for note in score.vocals:
        if note.backing:
            continue
        at = score.seconds_at(note.start_beat)
        if lo <= at < hi:
            pitches.append(float(note.pitch))
    if not pitches:
        return None
    return voice_from_pitches(pitches, score.vocal_gender, measured="score")


def voice_from_audio(vocals: AudioBuffer) -> dict[str, Any] | None:
    """The persona voice measured on a vocal track: pyin f0 (65–1000 Hz) of the voiced frames;
    gender from the median f0 (< 165 Hz: male); vibrato depth = median absolute deviation (cents)
    of f0 from its 0.3 s moving median. None when fewer than 0.5 s are voiced."""
    import librosa

    rate = 22_050
    mono = vocals.resampled(rate).mono() if vocals.sample_rate_hz != rate else vocals.mono()
    hop = 256
    f0, voiced, _ = librosa.pyin(
        np.asarray(mono, dtype=np.float32), fmin=65.0, fmax=1000.0, sr=rate, frame_length=2048, hop_length=hop
    )
    good = voiced & np.isfinite(f0)
    if good.sum() * hop / rate < 0.5:
        return None
    midi = 69.0 + 12.0 * np.log2(f0[good] / 440.0)
    voice = voice_from_pitches([float(m) for m in midi], None, measured="audio")
    cents = 1200.0 * np.log2(f0[good] / 440.0)
    width = max(3, int(0.3 * rate / hop) | 1)
    padded = np.pad(cents, width // 2, mode="edge")
    trend = np.array([np.median(padded[i : i + width]) for i in range(cents.size)])
    voice["vibrato_cents"] = round(float(np.median(np.abs(cents - trend))), 1)
    return voice


def timbre_of(vocals: AudioBuffer, gender: str) -> dict[str, Any] | None:
    """The ``voice.timbre`` of a persona: :func:`~tunesmith.music.edit.timbre.measure_timbre` of the
    vocal (its first 60 s), plus ``formant_shift_semitones`` against ``gender``'s neutral vowel and
    ``measured: "audio"``; None when too little of it is voiced."""
    from tunesmith.music.edit.timbre import formant_shift_semitones, measure_timbre

    timbre = measure_timbre(vocals)
    if timbre is None:
        return None
    out = timbre.to_dict()
    out["formant_shift_semitones"] = formant_shift_semitones(
        timbre.formant_f1_hz, timbre.formant_f2_hz, gender
    )
    out["measured"] = "audio"
    return out


def style_of(tags: str, tempo_bpm: float | None, key: str | None) -> dict[str, Any]:
    mode = None
    if key:
        mode = "minor" if any(word in key for word in ("minor", "dorian", "phrygian", "locrian")) else "major"
    return {
        "tags": tags,
        "tempo_bpm": None if tempo_bpm is None else round(float(tempo_bpm), 2),
        "tempo_range_bpm": None
        if tempo_bpm is None
        else [round(float(tempo_bpm) * 0.96, 2), round(float(tempo_bpm) * 1.04, 2)],
        "key": key,
        "mode": mode,
    }


# ----- storage ------------------------------------------------------------------------------------


def store_persona(
    services: Services,
    *,
    key_id: str,
    name: str,
    clip_id: str | None,
    description: str,
    styles: str,
    data: dict[str, Any],
    persona_id: str | None = None,
) -> str:
    pid = persona_id or new_id()
    with services.store.session() as s:
        s.add(
            PersonaRow(
                id=pid,
                key_id=key_id,
                name=name,
                clip_id=clip_id,
                description=description,
                styles=styles,
                data=data,
                created_at=utcnow(),
            )
        )
    return pid


def load_persona(services: Services, persona_id: str, *, key_id: str) -> dict[str, Any] | None:
    """The persona as a dict (``id``, ``name``, ``styles``, ``voice``, ``style``), or None when it
    does not exist or belongs to another key."""
    with services.store.session() as s:
        row = s.get(PersonaRow, persona_id)
        if row is None or row.key_id != key_id:
            return None
        data = dict(row.data or {})
        return {
            "id": row.id,
            "name": row.name,
            "styles": row.styles,
            "description": row.description,
            "voice": data.get("voice"),
            "style": data.get("style"),
        }


def composed_score(services: Services, clip: Clip) -> Score | None:
    """The clip's composed Score (``score.json`` of a clip that is not an upload), else None."""
    name = f"clips/{clip.id}/score.json"
    if clip.origin == "upload" or not services.blobs.exists(name):
        return None
    try:
        return Score.from_json(services.blobs.get(name))
    except Exception:  # another engine's file: measure the audio instead
        return None


# ----- POST /sonic/persona (sync) -----------------------------------------------------------------


@dataclass(frozen=True)
class PersonaRequest:
    name: str
    clip_id: str
    description: str
    styles: str | None
    vox_audio_id: str | None
    vocal_start_s: float | None
    vocal_end_s: float | None


def _num(value: float) -> str:
    return f"{round(float(value), 2):g}"


def _excerpt(vocals: AudioBuffer, start: float | None, end: float | None) -> AudioBuffer:
    if start is None and end is None:
        return vocals
    return vocals.slice_s(start or 0.0, end if end is not None else vocals.duration_s)


def create_persona(services: Services, key: ApiKey, req: PersonaRequest) -> str:
    """``sonic/persona``: learn a persona from a clip's lead vocal (optionally an excerpt: a vox
    clip or ``[vocal_start_s, vocal_end_s)``); 1 credit, charged on success. Returns its id."""
    from tunesmith.jobs.analysis import _vocal_track, source_clip

    clip = source_clip(services, key, req.clip_id, field="clip_id")
    duration = round(float(clip.duration_s or 0.0), 2)
    start, end = req.vocal_start_s, req.vocal_end_s
    if req.vox_audio_id is not None:
        vox = services.store.get_clip(req.vox_audio_id, key_id=key.id)
        if vox is None or vox.task_type != "vox":
            raise InvalidParameter(VOX_NOT_FOUND, field="vox_audio_id")
        start = float(vox.extra.get("vocal_start_s", 0.0))
        end = float(vox.extra.get("vocal_end_s", duration))
    else:
        if start is not None and not 0 <= start <= duration:
            raise InvalidParameter(
                f"The 'vocal_start_s' field should be between 0 and {_num(duration)}.", field="vocal_start_s"
            )
        if end is not None and not 0 <= end <= duration:
            raise InvalidParameter(
                f"The 'vocal_end_s' field should be between 0 and {_num(duration)}.", field="vocal_end_s"
            )
        if start is not None and end is not None and end <= start:
            raise InvalidParameter(
                "The 'vocal_end_s' field should be greater than 'vocal_start_s'.", field="vocal_end_s"
            )
    price = services.settings.billing.price("persona")
    if price > 0 and key.credits + key.extra_credits < price:
        raise InsufficientCredits(INSUFFICIENT)
    score = composed_score(services, clip)
    voice: dict[str, Any] | None
    vocals: AudioBuffer | None = None
    if score is not None:
        if not any(not v.backing for v in score.vocals):
            raise InvalidParameter(NO_VOCALS, field="clip_id")
        voice = voice_from_score(score, start, end)
        tempo: float | None = score.tempo_bpm
        key_name: str | None = score.key.name
        stem = f"clips/{clip.id}/{stem_file('vocals')}"
        if services.blobs.exists(stem):  # the singer's own stem (none: no timbre)
            vocals = decode_audio(services.blobs.get(stem), filename_hint=stem)
    else:
        vocals = _vocal_track(services, clip)  # raises "The clip has no vocals."
        voice = voice_from_audio(_excerpt(vocals, start, end))
        from tunesmith.jobs.uploads import with_facts

        measured = with_facts(services, clip)  # an upload's tempo and key, measured once
        tempo, key_name = measured.tempo_bpm, measured.key
    if voice is None:
        raise InvalidParameter(NO_VOCALS, field="clip_id")
    if vocals is not None:
        voice["timbre"] = timbre_of(_excerpt(vocals, start, end), str(voice["gender"]))
    styles = req.styles if req.styles is not None else clip.tags
    data = {"voice": voice, "style": style_of(styles, tempo, key_name), "source_clip_id": clip.id}
    pid = store_persona(
        services,
        key_id=key.id,
        name=req.name,
        clip_id=clip.id,
        description=req.description,
        styles=styles,
        data=data,
    )
    services.store.charge(key.id, price)
    return pid


# ----- POST /sonic/create-voice (async) -----------------------------------------------------------


@dataclass(frozen=True)
class VoiceRequest:
    url: str | None
    file_bytes: bytes | None
    filename: str
    name: str
    seed: int | None
    webhook_url: str | None
    webhook_secret: str | None
    stored: dict[str, Any]


def submit_create_voice(services: Services, key: ApiKey, req: VoiceRequest) -> Task:
    """Fetch/decode the audio (≥ 10 s, ≤ the upload limit), reserve 4 credits and queue the one
    clip that becomes the cleaned voice sample and the persona."""
    from tunesmith.jobs.service import check_queue
    from tunesmith.jobs.uploads import _fetch, decode_upload, too_large_message

    cfg = services.settings.uploads
    where = "file" if req.file_bytes is not None else "url"
    if req.file_bytes is not None:
        data, name = req.file_bytes, req.filename
        if len(data) > cfg.max_bytes:
            raise PayloadTooLarge(too_large_message(cfg.max_bytes))
    else:
        assert req.url is not None
        data = _fetch(services, req.url)
        name = posixpath.basename(unquote(urlsplit(req.url).path))
    # audio of an accepted length (the limit is checked before decoding, which stops at it)
    decode_upload(data, name, max_duration_s=cfg.max_duration_s, min_duration_s=MIN_VOICE_S, field=where)
    check_queue(services)
    clip_id = new_id()
    services.blobs.put(f"clips/{clip_id}/{VOICE_SOURCE}", data)
    clip = NewClip(
        id=clip_id,
        idx=0,
        title=req.name,
        tags="",
        negative_tags=None,
        lyrics="",
        gpt_description_prompt=None,
        mv=None,
        style_weight=None,
        weirdness_constraint=None,
        task_type="create_voice",
        origin="upload",
        seed=req.seed,
        engine="analysis",
        quality="standard",
    )
    task = services.store.create_task(
        key_id=key.id,
        family="sonic",
        task_type="create_voice",
        request={"_sent": req.stored, "title": req.name, "tags": "", "name": req.name, "filename": name},
        webhook_url=req.webhook_url,
        webhook_secret=req.webhook_secret,
        price=services.settings.billing.price("create_voice"),
        engine="analysis",
        timeout_s=services.settings.jobs.timeout_s,
        clips=[clip],
    )
    services.queue.enqueue_task(task.id)
    return task


def voice_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """The create-voice clip: the separated (cleaned) vocal, peak-normalised to −1 dBFS; the
    persona is measured on it and stored under the task's key."""
    from tunesmith.jobs.edits import SOURCE_FAILED, set_clip_extra
    from tunesmith.music.analyze.separate import separate_vocals

    progress("analyze", 0, 2)
    try:
        raw = services.blobs.get(f"clips/{clip.id}/{VOICE_SOURCE}")
        audio = decode_audio(raw, filename_hint=str(task.request.get("filename") or ""))
        audio = audio.to_stereo()
        if audio.sample_rate_hz != DEFAULT_SAMPLE_RATE_HZ:
            audio = audio.resampled(DEFAULT_SAMPLE_RATE_HZ)
        vocals = separate_vocals(audio).vocals
        voice = voice_from_audio(vocals)
        if voice is None:  # the separation removed a clean solo voice: measure the input instead
            vocals = audio
            voice = voice_from_audio(audio)
        if voice is None:
            raise InvalidParameter(NO_VOCALS, field="url")
        voice["timbre"] = timbre_of(vocals, str(voice["gender"]))
    except Exception:
        services.store.finish_clip(clip.id, state="failed", error_message=SOURCE_FAILED)
        raise
    progress("analyze", 1, 2)
    peak = float(np.max(np.abs(vocals.samples))) or 1.0
    cleaned = AudioBuffer.from_array(vocals.samples * (10 ** (-1 / 20) / peak), vocals.sample_rate_hz)
    name = str(task.request.get("name") or "Voice")
    pid = store_persona(
        services,
        key_id=task.key_id,
        name=name,
        clip_id=clip.id,
        description="",
        styles="",
        data={"voice": voice, "style": style_of("", None, None), "source_clip_id": clip.id},
    )
    set_clip_extra(services, clip.id, {"persona_id": pid})
    services.blobs.delete(f"clips/{clip.id}/{VOICE_SOURCE}")
    files = {MIX_WAV: encode_wav(cleaned), MIX_MP3: encode_mp3(cleaned)}
    facts = SongFacts(
        title=name,
        tags="",
        lyrics="",
        duration_s=round(cleaned.duration_s, 2),
        tempo_bpm=0.0,
        key="",
        time_signature="",
        estimated=True,
    )
    return EngineResult(bundle=Bundle(files=files), facts=facts)


# ----- persona_music ------------------------------------------------------------------------------


def persona_snapshot(services: Services, key: ApiKey, persona_id: str) -> dict[str, Any]:
    """The persona a persona_music submission sings with (400 ``persona not found.``)."""
    persona = load_persona(services, persona_id, key_id=key.id)
    if persona is None or not persona.get("voice"):
        raise InvalidParameter(PERSONA_NOT_FOUND, field="persona_id")
    return persona


def transpose_score(score: Score, semitones: int) -> Score:
    """The whole song moved by ``semitones``: key, chords, pitched tracks and the vocal line."""
    import copy

    from tunesmith.music.edit.common import transpose_chords
    from tunesmith.music.theory.keys import Key

    if semitones == 0:
        return score
    out = copy.copy(score)
    out.key = Key((score.key.tonic_pc + semitones) % 12, score.key.mode)
    out.chords = transpose_chords(score.chords, semitones, out.key)
    out.tracks = [
        track
        if track.is_drum
        else replace(
            track, notes=[replace(n, pitch=min(127, max(0, n.pitch + semitones))) for n in track.notes]
        )
        for track in score.tracks
    ]
    out.vocals = [replace(v, pitch=v.pitch + semitones) for v in score.vocals]
    return out


def persona_shift(score: Score, voice: dict[str, Any]) -> int:
    """Semitones that bring the lead line's median pitch to the persona's centre (±6)."""
    lead = [v.pitch for v in score.vocals if not v.backing]
    if not lead or voice.get("centre_pitch") is None:
        return 0
    delta = float(voice["centre_pitch"]) - float(np.median(lead))
    return int(max(-MAX_SHIFT_SEMITONES, min(MAX_SHIFT_SEMITONES, round(delta))))


def render_in_brightness(
    services: Services,
    score: Score,
    *,
    quality: str,
    target_hz: Callable[[float], float],
    progress: Progress,
) -> Any:
    """Sing ``score`` (the singer's public ``render_vocals``), tilt each vocal part so its spectral
    centroid becomes ``target_hz(natural centroid in Hz)``
    (:func:`~tunesmith.music.edit.timbre.match_brightness`), then render, mix and master the song
    around them: a :class:`~tunesmith.music.produce.ProducedSong`. Deterministic."""
    from tunesmith.music.edit.timbre import match_brightness, measure_timbre
    from tunesmith.music.produce import ProducedSong, package_song
    from tunesmith.music.render import render_song
    from tunesmith.music.render.voice import render_vocals

    progress("vocals", 0, 1)
    sung = render_vocals(score, sample_rate_hz=DEFAULT_SAMPLE_RATE_HZ)
    matched: dict[str, AudioBuffer] = {}
    for name, audio in sung.items():
        natural = measure_timbre(audio)
        matched[name] = (
            audio if natural is None else match_brightness(audio, target_hz(natural.centroid_hz))[0]
        )
    rendered = render_song(
        score, sample_rate_hz=DEFAULT_SAMPLE_RATE_HZ, quality=quality, extra_stems=matched, progress=progress
    )
    progress("encode", 0, 1)
    files = package_song(score, rendered.master, rendered.stems, with_video=services.settings.engine.video)
    progress("done", 1, 1)
    return ProducedSong(score=score, bundle=files)


def persona_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """One clip of a persona_music task (see the module docstring)."""
    from tunesmith.jobs.runner import spec_for
    from tunesmith.music.compose.composer import compose
    from tunesmith.music.edit import render_edit
    from tunesmith.music.produce import sung_lyrics
    from tunesmith.music.style.tags import resolve_style

    req = task.request
    persona: dict[str, Any] = req["persona"]
    voice: dict[str, Any] = persona["voice"]
    style: dict[str, Any] = persona.get("style") or {}
    base = spec_for(task, clip)
    changes: dict[str, Any] = {"vocal_gender": req.get("vocal_gender") or voice.get("gender")}
    if req.get("tags") is None:
        rng = np.random.default_rng([int(clip.seed or 0), 0x9E2])
        changes["tags"] = str(persona.get("styles") or style.get("tags") or base.tags)
        tempo_range = style.get("tempo_range_bpm")
        if tempo_range:
            changes["tempo_bpm"] = round(float(rng.uniform(tempo_range[0], tempo_range[1])), 1)
        if style.get("key"):
            from tunesmith.music.theory.keys import parse_key

            with contextlib.suppress(Exception):  # a key name the theory module cannot read
                changes["key"] = parse_key(str(style["key"]))
    spec = replace(base, **changes)
    progress("compose", 0, 1)
    score = compose(spec, resolve_style(spec.tags, spec.negative_tags))
    score = transpose_score(score, persona_shift(score, voice))
    timbre = voice.get("timbre") or {}
    if score.vocals and timbre.get("centroid_hz"):
        centroid = float(timbre["centroid_hz"])
        produced = render_in_brightness(
            services, score, quality=clip.quality, target_hz=lambda _: centroid, progress=progress
        )
    else:
        produced = render_edit(
            score, quality=clip.quality, with_video=services.settings.engine.video, progress=progress
        )
    facts = SongFacts(
        title=spec.title or score.title,
        tags=spec.tags or score.tags,
        lyrics=sung_lyrics(score),
        duration_s=round(score.duration_s, 2),
        tempo_bpm=round(score.tempo_bpm, 2),
        key=score.key.name,
        time_signature=score.time_signature,
    )
    return EngineResult(bundle=produced.bundle, facts=facts)


PERSONA_HANDLERS = {"persona_music": persona_clip, "create_voice": voice_clip}
"""Handlers by task type, registered in :data:`tunesmith.jobs.handlers.HANDLERS`."""
