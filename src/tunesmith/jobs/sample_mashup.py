"""Sample (API.md §4.8) and mashup (API.md §4.9).

Sample: a new song built around a chopped window of a source — an existing clip
(``sample_clip_id``) or uploaded audio (``url`` / multipart ``file``, stored as an ``upload`` clip
first) — by :func:`tunesmith.music.edit.sample.sample_song`: the chop is cut on the source's
beats, time-stretched to the new song's tempo, pitch-shifted to its key, and looped through it
(``audio_weight`` ≥ 0.7, the default being 0.85) or only re-voiced (below 0.7). The chop window is
``chop_sample_start_s`` (≥ 0, default 0) to ``chop_sample_end_s`` (start + 6 … start + 60 and ≤ the
source's duration; default min(duration, start + 30)). No lyrics and no description → an
instrumental. 2 clips, 14 credits; each clip's ``metadata`` carries the window as cut
(``chop_sample_start_s``/``chop_sample_end_s``, seconds on the source's beats).

Mashup: two clips combined at the first clip's tempo and key.

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
from tunesmith.errors import Forbidden, InsufficientCredits, InvalidParameter
from tunesmith.jobs.context import Services
from tunesmith.jobs.service import CreateRequest, check_queue, request_clips, stored_lyrics
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.progress import Progress
from tunesmith.music.score import Score, StemGroup
from tunesmith.store.repos import ApiKey, Clip, NewClip, Task, new_id

CLIPS_PER_MASHUP = 2
MASHUP_ENGINE = "procedural"
CLIPS_PER_SAMPLE = 2
DEFAULT_CHOP_S = 30.0


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


# ----- sample -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleRequest:
    """A type-checked ``/sonic/sample`` body: the source (exactly one of ``url``, ``file_bytes``,
    ``sample_clip_id``), the chop window (seconds, ``None`` = default) and the content fields."""

    url: str | None
    file_bytes: bytes | None
    filename: str
    sample_clip_id: str | None
    chop_start_s: float | None
    chop_end_s: float | None
    content: CreateRequest


def _num(value: float) -> str:
    return f"{round(float(value), 2):g}"


def chop_bounds(
    duration_s: float, start_s: float | None, end_s: float | None, *, source_field: str
) -> tuple[float, float]:
    """The chop window ``(start, end)`` for a source of ``duration_s`` seconds, with the contract's
    defaults and limits (API.md §4.8), or InvalidParameter with its message."""
    from tunesmith.music.edit.sample import MAX_CHOP_S, MIN_CHOP_S

    if duration_s < MIN_CHOP_S - 1e-9:
        raise InvalidParameter(
            f"The audio duration should be more than {MIN_CHOP_S:g} seconds.", field=source_field
        )
    start = 0.0 if start_s is None else float(start_s)
    latest = duration_s - MIN_CHOP_S
    if start > latest + 1e-9:
        raise InvalidParameter(
            f"The 'chop_sample_start_s' field should be between 0 and {_num(latest)}.",
            field="chop_sample_start_s",
        )
    end = min(duration_s, start + DEFAULT_CHOP_S) if end_s is None else float(end_s)
    low, high = start + MIN_CHOP_S, min(start + MAX_CHOP_S, duration_s)
    if not low - 1e-9 <= end <= high + 1e-9:
        raise InvalidParameter(
            f"The 'chop_sample_end_s' field should be between {_num(low)} and {_num(high)}.",
            field="chop_sample_end_s",
        )
    return start, min(end, duration_s)


def _check_sample_content(content: CreateRequest) -> None:
    """Cross-field rules of the content fields (contract step 6), as for create."""
    from tunesmith.jobs.service import LYRICS_FORMAT, lyrics_format_ok
    from tunesmith.music.lyrics.describe import read_description

    if not content.custom_mode and not (content.gpt_description_prompt or "").strip():
        raise InvalidParameter(
            "The 'gpt_description_prompt' field is required when custom_mode = false.",
            field="gpt_description_prompt",
        )
    auto = content.custom_mode and content.auto_lyrics
    if auto and (content.prompt or "").strip():
        read_description(content.prompt or "", field="prompt", max_chars=len(content.prompt or ""))
    sings = content.custom_mode and not content.make_instrumental and not auto
    if sings and (content.prompt or "").strip() and not lyrics_format_ok(content.prompt or ""):
        raise Forbidden(LYRICS_FORMAT)


def submit_sample(services: Services, key: ApiKey, req: SampleRequest) -> Task:
    """Check the content fields, the source (``clip not found.`` / ``clip is not ready.``, or the
    upload rules of §12) and the chop window against it, reserve 14 credits, queue the 2 clips."""
    from tunesmith.jobs.edits import _base_seed, _quality, _source, fetch_upload, store_upload

    content = req.content
    _check_sample_content(content)
    price = services.settings.billing.price("sample")
    source: Clip | None = None
    upload: tuple[bytes, str, AudioBuffer] | None = None
    if req.sample_clip_id is not None:
        source = _source(services, key, req.sample_clip_id, "sample_clip_id")
        duration = float(source.duration_s or 0.0)
        where = "sample_clip_id"
    else:
        upload = fetch_upload(services, url=req.url, file_bytes=req.file_bytes, filename=req.filename)
        duration = upload[2].duration_s
        where = "file" if req.file_bytes is not None else "url"
    start, end = chop_bounds(duration, req.chop_start_s, req.chop_end_s, source_field=where)
    if price > 0 and key.credits + key.extra_credits < price:
        from tunesmith.billing.ledger import INSUFFICIENT

        raise InsufficientCredits(INSUFFICIENT)
    check_queue(services)
    if upload is not None:
        data, name, audio = upload
        source = store_upload(services, key, data=data, name=name, audio=audio, url=req.url)
    assert source is not None
    seed = _base_seed(content.seed, CLIPS_PER_SAMPLE)
    auto = content.custom_mode and content.auto_lyrics
    instrumental = content.make_instrumental or (content.custom_mode and not (content.prompt or "").strip())
    clips = request_clips(
        content,
        lyrics=stored_lyrics(content, instrumental=instrumental),
        count=CLIPS_PER_SAMPLE,
        base_seed=seed,
        task_type="sample",
        engine=MASHUP_ENGINE,
        quality=_quality(content.mv),
        source_clip_id=source.id,
    )
    task = services.store.create_task(
        key_id=key.id,
        family="sonic",
        task_type="sample",
        request={
            "_sent": content.stored,
            "source_clip_id": source.id,
            "chop_sample_start_s": start,
            "chop_sample_end_s": end,
            "audio_weight": content.audio_weight,
            "title": content.title,
            "tags": content.tags,
            "negative_tags": content.negative_tags,
            "make_instrumental": instrumental,
            "lyrics": content.prompt if content.custom_mode and not auto and not instrumental else None,
            "auto_lyrics_brief": (content.prompt or None) if auto else None,
            "gpt_description_prompt": None if content.custom_mode else content.gpt_description_prompt,
            "duration": content.duration,
            "vocal_gender": content.vocal_gender,
            "style_weight": content.style_weight,
            "weirdness_constraint": content.weirdness_constraint,
        },
        webhook_url=content.webhook_url,
        webhook_secret=content.webhook_secret,
        price=price,
        engine=MASHUP_ENGINE,
        timeout_s=services.settings.jobs.timeout_s,
        clips=clips,
    )
    services.queue.enqueue_task(task.id)
    return task


def sample_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """One clip of a sample task (see the module docstring)."""
    from tunesmith.jobs.edits import SOURCE_FAILED, set_clip_extra, source_mix, source_score
    from tunesmith.jobs.runner import spec_for
    from tunesmith.music.edit.sample import sample_song
    from tunesmith.music.produce import package_song, sung_lyrics

    req = task.request
    progress("analyze", 0, 1)
    try:
        source_clip = services.store.get_clip(str(req["source_clip_id"]))
        if source_clip is None:
            raise InvalidParameter("clip not found.", field="sample_clip_id")
        source = source_score(services, source_clip)
        audio = source_mix(services, source_clip)
    except Exception:
        services.store.finish_clip(clip.id, state="failed", error_message=SOURCE_FAILED)
        raise
    spec = spec_for(task, clip)
    weight = req.get("audio_weight")
    result = sample_song(
        source,
        audio,
        spec,
        start_s=float(req["chop_sample_start_s"]),
        end_s=float(req["chop_sample_end_s"]),
        audio_weight=None if weight is None else float(weight),
        progress=progress,
    )
    score = result.score
    progress("encode", 0, 1)
    bundle = package_song(score, result.master, result.stems, with_video=services.settings.engine.video)
    set_clip_extra(
        services,
        clip.id,
        {
            "chop_sample_start_s": round(result.chop.start_s, 2),
            "chop_sample_end_s": round(result.chop.end_s, 2),
        },
    )
    facts = SongFacts(
        title=score.title,
        tags=score.tags,
        lyrics=sung_lyrics(score),
        duration_s=round(score.duration_s, 2),
        tempo_bpm=round(score.tempo_bpm, 2),
        key=score.key.name,
        time_signature=score.time_signature,
    )
    return EngineResult(bundle=bundle, facts=facts)


SAMPLE_MASHUP_HANDLERS: dict[str, Any] = {"mashup": mashup_clip, "sample": sample_clip}
"""Handlers by task type, registered in :data:`tunesmith.jobs.handlers.HANDLERS`."""
