"""Mashup (API.md §4.9): two clips combined at the first clip's tempo and key.

Both result clips run at the first source's tempo and key and last its duration:

- clip 0 leads with the first source's hook: its vocal over the second source's accompaniment;
- clip 1 leads with the second source's hook: its vocal over the first source's accompaniment.

A part taken from the second source is conformed with ``pedalboard.time_stretch``: stretched by
``tempo_first / tempo_second`` and pitch-shifted by the nearest transposition (−6…+5 semitones)
from its tonic to the first source's tonic (the mode is not changed). Vocals and accompaniment
are exact stems for our songs and separated (``separate_vocals``) for uploads. ``audio_weight``
(default 0.5) sets the level of the accompaniment against the vocal (0 → −12 dB, 1 → 0 dB).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from tunesmith.engines.base import EngineResult, SongFacts
from tunesmith.errors import InvalidParameter
from tunesmith.jobs.context import Services
from tunesmith.jobs.service import CreateRequest, check_queue
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.progress import Progress
from tunesmith.music.score import Score, StemGroup
from tunesmith.store.repos import ApiKey, Clip, NewClip, Task, new_id

CLIPS_PER_MASHUP = 2
MASHUP_ENGINE = "procedural"


@dataclass(frozen=True)
class MashupRequest:
    clip_ids: list[str]
    content: CreateRequest


def submit_mashup(services: Services, key: ApiKey, req: MashupRequest) -> Task:
    """Check both sources (``clip not found.`` / ``clip is not ready.``), reserve 10 credits and
    queue the 2 clips."""
    from tunesmith.jobs.edits import _base_seed, _quality, _source

    sources = [_source(services, key, cid, "mashup_clip_ids") for cid in req.clip_ids]
    content = req.content
    check_queue(services)
    seed = _base_seed(content.seed, CLIPS_PER_MASHUP)
    first, second = sources
    title = content.title if content.title is not None else f"{first.title} x {second.title}".strip()[:80]
    tags = content.tags if content.tags is not None else first.tags
    clips = [
        NewClip(
            id=new_id(),
            idx=i,
            title=title,
            tags=tags,
            negative_tags=content.negative_tags,
            lyrics="",
            gpt_description_prompt=None,
            mv=content.mv,
            style_weight=content.style_weight,
            weirdness_constraint=content.weirdness_constraint,
            task_type="mashup",
            origin="generated",
            seed=(seed + i) % 2**32,
            engine=MASHUP_ENGINE,
            quality=_quality(content.mv),
            source_clip_id=sources[i].id,
            extra={"mashup_clip_ids": [s.id for s in sources]},
        )
        for i in range(CLIPS_PER_MASHUP)
    ]
    task = services.store.create_task(
        key_id=key.id,
        family="sonic",
        task_type="mashup",
        request={
            "_sent": content.stored,
            "title": title,
            "tags": tags,
            "sources": [s.id for s in sources],
            "audio_weight": content.audio_weight,
        },
        webhook_url=content.webhook_url,
        webhook_secret=content.webhook_secret,
        price=services.settings.billing.price("mashup"),
        engine=MASHUP_ENGINE,
        timeout_s=services.settings.jobs.timeout_s,
        clips=clips,
    )
    services.queue.enqueue_task(task.id)
    return task


def split_parts(services: Services, clip: Clip) -> tuple[AudioBuffer, AudioBuffer]:
    """``(vocal, accompaniment)`` of a clip at 44.1 kHz stereo: exact stems when it has them,
    else separated from its mix."""
    from tunesmith.jobs.edits import source_mix, source_stems
    from tunesmith.music.analyze.separate import separate_vocals

    mix = source_mix(services, clip)
    stems = source_stems(services, clip)
    if "vocals" in stems:
        frames = mix.frames
        vocal = np.zeros((2, frames), dtype=np.float32)
        accomp = np.zeros((2, frames), dtype=np.float32)
        for group, audio in stems.items():
            samples = audio.to_stereo().resampled(mix.sample_rate_hz).with_frames(frames).samples
            if group in ("vocals", "backing_vocals"):
                vocal += samples
            else:
                accomp += samples
        return (
            AudioBuffer.from_array(vocal, mix.sample_rate_hz),
            AudioBuffer.from_array(accomp, mix.sample_rate_hz),
        )
    split = separate_vocals(mix)
    return split.vocals, split.accompaniment


def key_shift(from_pc: int, to_pc: int) -> int:
    """The transposition (−6…+5 semitones) taking tonic ``from_pc`` to ``to_pc``."""
    shift = (to_pc - from_pc) % 12
    return shift - 12 if shift > 5 else shift


def conform(audio: AudioBuffer, *, stretch: float, semitones: int) -> AudioBuffer:
    """``audio`` sped up by ``stretch`` (> 1 is faster) and moved by ``semitones``."""
    if abs(stretch - 1.0) < 1e-4 and semitones == 0:
        return audio
    import pedalboard

    out = pedalboard.time_stretch(
        np.ascontiguousarray(audio.samples, dtype=np.float32),
        float(audio.sample_rate_hz),
        stretch_factor=float(stretch),
        pitch_shift_in_semitones=float(semitones),
    )
    return AudioBuffer.from_array(np.asarray(out, dtype=np.float32), audio.sample_rate_hz)


def mashup_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """One clip of a mashup task (see the module docstring)."""
    from tunesmith.jobs.edits import SOURCE_FAILED, source_score
    from tunesmith.music.produce import package_song

    req = task.request
    first_id, second_id = (str(i) for i in req["sources"])
    progress("analyze", 0, 2)
    try:
        first = services.store.get_clip(first_id)
        second = services.store.get_clip(second_id)
        if first is None or second is None:
            raise InvalidParameter("clip not found.", field="mashup_clip_ids")
        score_a, score_b = source_score(services, first), source_score(services, second)
        vocal_a, accomp_a = split_parts(services, first)
        vocal_b, accomp_b = split_parts(services, second)
    except Exception:
        services.store.finish_clip(clip.id, state="failed", error_message=SOURCE_FAILED)
        raise
    progress("analyze", 1, 2)
    stretch = score_a.tempo_bpm / score_b.tempo_bpm
    shift = key_shift(score_b.key.tonic_pc, score_a.key.tonic_pc)
    if clip.idx == 0:
        vocal, accomp, lead_score = vocal_a, conform(accomp_b, stretch=stretch, semitones=shift), score_a
    else:
        vocal, accomp, lead_score = conform(vocal_b, stretch=stretch, semitones=shift), accomp_a, score_b
    rate = vocal_a.sample_rate_hz
    frames = round(score_a.duration_s * rate)
    weight = req.get("audio_weight")
    accomp_gain = 10 ** (-12.0 * (1.0 - (0.5 if weight is None else float(weight))) / 20.0)
    vocal = vocal.to_stereo().with_frames(frames)
    accomp = AudioBuffer.from_array(accomp.to_stereo().with_frames(frames).samples * accomp_gain, rate)
    mixed = vocal.samples + accomp.samples
    peak = float(np.max(np.abs(mixed))) or 1.0
    gain = min(1.0, 10 ** (-1.0 / 20.0) / peak)
    master = AudioBuffer.from_array(mixed * gain, rate)
    stems: dict[StemGroup, AudioBuffer] = {
        "vocals": AudioBuffer.from_array(vocal.samples * gain, rate),
        "keyboard": AudioBuffer.from_array(accomp.samples * gain, rate),
    }
    score: Score = copy.copy(score_a)
    score.title = str(req.get("title") or score_a.title)
    score.lyrics = lead_score.lyrics
    score.estimated = True
    progress("encode", 1, 2)
    bundle = package_song(score, master, stems, with_video=services.settings.engine.video)
    facts = SongFacts(
        title=score.title,
        tags=str(req.get("tags") or ""),
        lyrics=lead_score.lyrics or "[Instrumental]",
        duration_s=round(score.duration_s, 2),
        tempo_bpm=round(score_a.tempo_bpm, 2),
        key=score_a.key.name,
        time_signature=score_a.time_signature,
        estimated=True,
    )
    return EngineResult(bundle=bundle, facts=facts)


SAMPLE_MASHUP_HANDLERS: dict[str, Any] = {"mashup": mashup_clip}
"""Handlers by task type, registered in :data:`tunesmith.jobs.handlers.HANDLERS`."""
