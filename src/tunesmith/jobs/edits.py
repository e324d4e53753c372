"""Edit tasks (API.md §4.1 edit task types, §4.4 upload-extend, §4.5 upload-cover, §4.10
replace-section): submission rules and the per-clip handlers that run ``tunesmith.music.edit``.

Every edit works on the source clip's Score: ``score.json`` of its bundle, or, for an upload that
has none, the Score estimated from its audio (``estimate_score``), computed once and stored in the
upload's bundle. Edits inherit title, tags and voice from the source unless the request gives them.

- extend (``extend_music``, ``extend_upload_music``, upload-extend): only the new part; the
  clip's ``metadata.continue_at`` is the join snapped to the source's bar line (seconds, 2 dp).
- concat (``concat_music``): 1 clip, origin ``concat``, ``metadata.extension_chain`` = ids from
  the root to the given extension. Audio: the stored mastered mixes joined with
  :func:`~tunesmith.music.edit.join_audio` at the snapped joins (no re-render, so the root's own
  audio — also an upload's — is kept and the seam is a bar line with a 10 ms fade).
- cover, remaster, add_vocals, add_instrumental: the edited Score, rendered. For an upload (no
  stems, an estimated Score) add_vocals and add_instrumental keep the upload's own audio
  (:mod:`tunesmith.music.edit.keep_audio`): the new voice is sung over it, or the new
  accompaniment laid under its separated vocal, inside the window only; remaster masters its
  audio anew with the remastered mix settings; the clip is ``estimated``.
- replace-section: the source's stems and master spliced with the rendered window; outside
  ``[start − 20 ms, end + 20 ms)`` the master is bit-identical to the source's (for an upload:
  its own audio; the new window is brought to its level).
"""

from __future__ import annotations

import hashlib
import posixpath
import secrets
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np
from sqlalchemy import update

from tunesmith.engines.base import EngineResult, SongFacts
from tunesmith.errors import Forbidden, InsufficientCredits, InvalidParameter, PayloadTooLarge
from tunesmith.jobs.context import Services
from tunesmith.jobs.service import LYRICS_FORMAT, CreateRequest, check_queue, lyrics_format_ok
from tunesmith.music.analyze.estimate import estimate_score
from tunesmith.music.audio import DEFAULT_SAMPLE_RATE_HZ, AudioBuffer, decode_audio
from tunesmith.music.bundle import MIX_WAV, SCORE, stem_file
from tunesmith.music.edit import (
    add_instrumental,
    add_vocals,
    concat,
    cover,
    extend,
    join_audio,
    remaster,
    render_edit,
    replace_section,
    snap_continue_at,
)
from tunesmith.music.edit.keep_audio import (
    KeptAudio,
    accompaniment_under_vocal,
    remaster_audio,
    vocals_over_audio,
)
from tunesmith.music.edit.overdub import overdub_window
from tunesmith.music.lyrics.describe import read_description
from tunesmith.music.lyrics.write import write_lyrics
from tunesmith.music.produce import ProducedSong, package_song, sung_lyrics
from tunesmith.music.progress import Progress
from tunesmith.music.score import STEM_GROUPS, Score, StemGroup
from tunesmith.store.models import ClipRow
from tunesmith.store.repos import ApiKey, Clip, NewClip, Task, new_id

EDIT_OPS: dict[str, str] = {
    "extend_music": "extend",
    "extend_upload_music": "extend",
    "cover_music": "cover",
    "cover_upload_music": "cover",
    "remaster": "remaster",
    "add_vocals": "add_vocals",
    "add_instrumental": "add_instrumental",
}
"""``sonic/create`` edit task types → the edit operation they run."""
_PRICE_OF_OP = {
    "extend": "extend_music",
    "cover": "cover_music",
    "remaster": "remaster",
    "add_vocals": "add_vocals",
    "add_instrumental": "add_instrumental",
}
_DURATION_OPS = ("extend", "cover")
CLIPS_PER_EDIT = 2
DEFAULT_UPLOAD_MV = "sonic-v5"
SOURCE_FAILED = "Source audio could not be processed."
"""Clip ``error_message`` when the source cannot be read or analysed (API.md §3.1)."""
EDIT_ENGINE = "procedural"
"""Edits are operations of the procedural music layer, whatever engine made the source."""


def _num(value: float) -> str:
    """A number as the contract prints it: 2 decimals at most, no trailing zeros."""
    return f"{round(float(value), 2):g}"


def _source(services: Services, key: ApiKey, clip_id: str, field_name: str) -> Clip:
    """The caller's succeeded clip ``clip_id`` (``clip not found.`` / ``clip is not ready.``)."""
    from tunesmith.jobs.analysis import source_clip as succeeded_clip

    return succeeded_clip(services, key, clip_id, field=field_name)


def _quality(mv: str | None) -> str:
    return "draft" if (mv or "").endswith("-mini") else "standard"


def _base_seed(seed: int | None, count: int) -> int:
    return seed if seed is not None else secrets.randbelow(2**32 - count)


# ----- submission ---------------------------------------------------------------------------------


def submit_edit(services: Services, key: ApiKey, req: CreateRequest) -> Task:
    """Contract steps 6–8 for an edit task type of ``sonic/create`` (and concat_music)."""
    if req.task_type == "concat_music":
        return _submit_concat(services, key, req)
    op = EDIT_OPS[req.task_type]
    _check_edit_fields(req, op)
    assert req.continue_clip_id is not None
    source = _source(services, key, req.continue_clip_id, "continue_clip_id")
    _check_against_source(req, op, source)
    return _create_edit_task(services, key, req, op, source, task_type=req.task_type)


def _required(name: str, task_type: str) -> InvalidParameter:
    return InvalidParameter(f"The '{name}' field is required when task_type = {task_type}.", field=name)


def _check_edit_fields(req: CreateRequest, op: str, *, task_type: str | None = None) -> None:
    """Cross-field rules (contract step 6) of an edit."""
    shown = task_type or req.task_type
    if req.duration is not None and op not in _DURATION_OPS:
        raise InvalidParameter(
            f"The 'duration' field is not supported when task_type = {shown}.", field="duration"
        )
    if task_type is None and not req.continue_clip_id:
        raise _required("continue_clip_id", shown)
    if op == "extend" and req.continue_at is None:
        raise _required("continue_at", shown)
    if op == "add_vocals" and not (req.prompt or "").strip():
        raise _required("prompt", shown)
    if (
        req.overpainting_start_s is not None
        and req.overpainting_end_s is not None
        and req.overpainting_end_s <= req.overpainting_start_s
    ):
        raise InvalidParameter(
            "The 'overpainting_end_s' field should be greater than 'overpainting_start_s'.",
            field="overpainting_end_s",
        )
    if _lyrics_of(req, op) is not None and not lyrics_format_ok(_lyrics_of(req, op) or ""):
        raise Forbidden(LYRICS_FORMAT)


def _lyrics_of(req: CreateRequest, op: str) -> str | None:
    """The lyrics the edit sings, when the request gives them (``prompt``)."""
    if op in ("remaster", "add_instrumental") or req.make_instrumental:
        return None
    text = (req.prompt or "").strip()
    if not text or (op != "add_vocals" and not req.custom_mode):
        return None
    return req.prompt


def _check_against_source(req: CreateRequest, op: str, duration_s: float | Clip) -> None:
    """Ranges that depend on the source's duration (contract step 7)."""
    duration = duration_s.duration_s if isinstance(duration_s, Clip) else duration_s
    duration = float(duration or 0.0)
    if op == "extend" and req.continue_at is not None and not 0 < req.continue_at <= duration + 1e-9:
        raise InvalidParameter(
            f"The 'continue_at' field should be between 0 and {_num(duration)}.", field="continue_at"
        )
    if op in ("add_vocals", "add_instrumental"):
        for name, value in (
            ("overpainting_start_s", req.overpainting_start_s),
            ("overpainting_end_s", req.overpainting_end_s),
        ):
            if value is not None and value > duration + 1e-9:
                raise InvalidParameter(
                    f"The '{name}' field should be between 0 and {_num(duration)}.", field=name
                )
        if req.overpainting_start_s is not None and req.overpainting_start_s >= duration:
            raise InvalidParameter(
                f"The 'overpainting_start_s' field should be between 0 and {_num(duration)}.",
                field="overpainting_start_s",
            )


def _edit_request(req: CreateRequest, op: str, source_id: str) -> dict[str, Any]:
    return {
        "_sent": req.stored,
        "op": op,
        "source_clip_id": source_id,
        "title": req.title,
        "tags": req.tags,
        "negative_tags": req.negative_tags,
        "lyrics": _lyrics_of(req, op),
        "gpt_description_prompt": None if req.custom_mode else req.gpt_description_prompt,
        "make_instrumental": req.make_instrumental,
        "continue_at": req.continue_at,
        "audio_weight": req.audio_weight,
        "variation_category": req.variation_category,
        "overpainting_start_s": req.overpainting_start_s,
        "overpainting_end_s": req.overpainting_end_s,
        "duration": req.duration,
        "vocal_gender": req.vocal_gender,
    }


def _create_edit_task(
    services: Services,
    key: ApiKey,
    req: CreateRequest,
    op: str,
    source: Clip,
    *,
    task_type: str,
    price_op: str | None = None,
    extra_request: dict[str, Any] | None = None,
) -> Task:
    check_queue(services)
    base_seed = _base_seed(req.seed, CLIPS_PER_EDIT)
    mv = req.mv or source.mv or DEFAULT_UPLOAD_MV
    clips = [
        NewClip(
            id=new_id(),
            idx=i,
            title=req.title if req.title is not None else source.title,
            tags=req.tags if req.tags is not None else source.tags,
            negative_tags=req.negative_tags,
            lyrics="",
            gpt_description_prompt=None if req.custom_mode else req.gpt_description_prompt,
            mv=req.mv if req.mv is not None else mv,
            style_weight=req.style_weight,
            weirdness_constraint=req.weirdness_constraint,
            task_type=task_type,
            origin="generated",
            seed=(base_seed + i) % 2**32,
            engine=EDIT_ENGINE,
            quality=_quality(mv),
            source_clip_id=source.id,
        )
        for i in range(CLIPS_PER_EDIT)
    ]
    request = _edit_request(req, op, source.id)
    request.update(extra_request or {})
    task = services.store.create_task(
        key_id=key.id,
        family="sonic",
        task_type=task_type,
        request=request,
        webhook_url=req.webhook_url,
        webhook_secret=req.webhook_secret,
        price=services.settings.billing.price(price_op or _PRICE_OF_OP[op]),
        engine=EDIT_ENGINE,
        timeout_s=services.settings.jobs.timeout_s,
        clips=clips,
    )
    services.queue.enqueue_task(task.id)
    return task


def extension_chain(services: Services, clip: Clip) -> list[Clip]:
    """The clips from the root to ``clip`` (an extension), following ``source_clip_id``."""
    chain = [clip]
    seen = {clip.id}
    current = clip
    while "continue_at" in current.extra and current.source_clip_id:
        parent = services.store.get_clip(current.source_clip_id)
        if parent is None or parent.id in seen or parent.state != "succeeded":
            raise InvalidParameter("clip is not ready.", field="continue_clip_id")
        chain.append(parent)
        seen.add(parent.id)
        current = parent
    chain.reverse()
    return chain


def _submit_concat(services: Services, key: ApiKey, req: CreateRequest) -> Task:
    if req.duration is not None:
        raise InvalidParameter(
            "The 'duration' field is not supported when task_type = concat_music.", field="duration"
        )
    if not req.continue_clip_id:
        raise _required("continue_clip_id", "concat_music")
    clip = _source(services, key, req.continue_clip_id, "continue_clip_id")
    if "continue_at" not in clip.extra:
        raise InvalidParameter("The clip to concat must be an extension.", field="continue_clip_id")
    chain = extension_chain(services, clip)
    root = chain[0]
    check_queue(services)
    new = NewClip(
        id=new_id(),
        idx=0,
        title=clip.title,
        tags=clip.tags,
        negative_tags=clip.negative_tags,
        lyrics="",
        gpt_description_prompt=None,
        mv=clip.mv,
        style_weight=clip.style_weight,
        weirdness_constraint=clip.weirdness_constraint,
        task_type="concat_music",
        origin="concat",
        seed=None,
        engine=EDIT_ENGINE,
        quality=clip.quality,
        source_clip_id=clip.id,
        extra={"extension_chain": [c.id for c in chain]},
    )
    task = services.store.create_task(
        key_id=key.id,
        family="sonic",
        task_type="concat_music",
        request={"_sent": req.stored, "op": "concat", "chain": [c.id for c in chain], "root": root.id},
        webhook_url=req.webhook_url,
        webhook_secret=req.webhook_secret,
        price=services.settings.billing.price("concat_music"),
        engine=EDIT_ENGINE,
        timeout_s=services.settings.jobs.timeout_s,
        clips=[new],
    )
    services.queue.enqueue_task(task.id)
    return task


# ----- upload-extend, upload-cover --------------------------------------------------------------


@dataclass(frozen=True)
class UploadEditRequest:
    """A type-checked ``upload-extend`` / ``upload-cover`` body: the audio plus content fields."""

    url: str | None
    file_bytes: bytes | None
    filename: str
    auto_concat: bool
    content: CreateRequest
    extra: dict[str, Any] = field(default_factory=dict)


def _upload_audio(services: Services, req: UploadEditRequest) -> tuple[bytes, str, AudioBuffer]:
    return fetch_upload(services, url=req.url, file_bytes=req.file_bytes, filename=req.filename)


def fetch_upload(
    services: Services, *, url: str | None, file_bytes: bytes | None, filename: str
) -> tuple[bytes, str, AudioBuffer]:
    """Fetch ``url`` (or take ``file_bytes``) and decode the audio, checking size and duration
    (API.md §12): ``(bytes, file name, audio)``."""
    from tunesmith.jobs.uploads import _fetch, decode_upload, too_large_message

    cfg = services.settings.uploads
    if file_bytes is not None:
        data, name = file_bytes, filename
        if len(data) > cfg.max_bytes:
            raise PayloadTooLarge(too_large_message(cfg.max_bytes))
    else:
        assert url is not None
        data = _fetch(services, url)
        name = posixpath.basename(unquote(urlsplit(url).path))
    where = "file" if file_bytes is not None else "url"
    audio = decode_upload(
        data, name, max_duration_s=cfg.max_duration_s, min_duration_s=cfg.min_duration_s, field=where
    )
    return data, name, audio


def submit_upload_edit(services: Services, key: ApiKey, req: UploadEditRequest, *, op: str) -> Task:
    """``upload-extend`` (op ``extend``) or ``upload-cover`` (op ``cover``): store the upload as
    a succeeded clip (charged within the task's price, not separately) and submit the edit."""
    task_type = "upload_extend" if op == "extend" else "upload_cover"
    content = req.content
    _check_edit_fields(content, op, task_type=task_type)
    data, name, audio = _upload_audio(services, req)
    _check_against_source(content, op, audio.duration_s)
    price_op = task_type + ("_concat" if op == "extend" and req.auto_concat else "")
    price = services.settings.billing.price(price_op)
    if price > 0 and key.credits + key.extra_credits < price:
        from tunesmith.billing.ledger import INSUFFICIENT

        raise InsufficientCredits(INSUFFICIENT)
    check_queue(services)
    source = store_upload(services, key, data=data, name=name, audio=audio, url=req.url)
    extra = {"auto_concat": bool(op == "extend" and req.auto_concat)}
    return _create_edit_task(
        services, key, content, op, source, task_type=task_type, price_op=price_op, extra_request=extra
    )


def store_upload(
    services: Services, key: ApiKey, *, data: bytes, name: str, audio: AudioBuffer, url: str | None
) -> Clip:
    """Store decoded upload audio as a succeeded ``upload`` clip of ``key`` (original bytes, mix
    WAV and MP3), charged within the calling task's price (not separately)."""
    from tunesmith.jobs.uploads import store_upload_files

    clip_id = new_id()
    files = store_upload_files(services, clip_id, data=data, name=name, audio=audio)
    uploaded = NewClip(
        id=clip_id,
        idx=0,
        title=posixpath.splitext(name)[0],
        tags="",
        negative_tags=None,
        lyrics="",
        gpt_description_prompt=None,
        mv=None,
        style_weight=None,
        weirdness_constraint=None,
        task_type="upload",
        origin="upload",
        seed=None,
        engine="analysis",
        quality="standard",
    )
    source, _ = services.store.create_finished_clip(
        key_id=key.id,
        clip=uploaded,
        duration_s=audio.duration_s,
        files=files,
        tempo_bpm=None,  # measured when first needed (uploads.with_facts)
        key=None,
        time_signature=None,
        charge=0,
        upload={
            "source_url": url,
            "filename": name,
            "size_bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        },
    )
    return source


# ----- replace-section --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplaceRequest:
    """A type-checked ``/sonic/replace-section`` body (API.md §4.10)."""

    clip_id: str
    infill_start_s: float
    infill_end_s: float
    infill_lyrics: str | None
    prompt: str | None
    tags: str | None
    mv: str | None
    vocal_gender: str | None
    negative_tags: str | None
    seed: int | None
    webhook_url: str | None
    webhook_secret: str | None
    stored: dict[str, Any]


MIN_WINDOW_S = 2.0
MAX_WINDOW_S = 60.0


def submit_replace(services: Services, key: ApiKey, req: ReplaceRequest) -> Task:
    """Check the window against the source (2–60 s, ≤ its duration), reserve 10 credits, enqueue."""
    if (
        req.infill_lyrics is not None
        and req.infill_lyrics.strip()
        and not lyrics_format_ok(req.infill_lyrics)
    ):
        raise Forbidden(LYRICS_FORMAT)
    source = _source(services, key, req.clip_id, "clip_id")
    duration = float(source.duration_s or 0.0)
    if req.infill_start_s >= duration:
        raise InvalidParameter(
            f"The 'infill_start_s' field should be between 0 and {_num(duration)}.", field="infill_start_s"
        )
    low = req.infill_start_s + MIN_WINDOW_S
    high = min(req.infill_start_s + MAX_WINDOW_S, duration)
    if not low - 1e-9 <= req.infill_end_s <= high + 1e-9:
        raise InvalidParameter(
            f"The 'infill_end_s' field should be between {_num(low)} and {_num(high)}.", field="infill_end_s"
        )
    check_queue(services)
    base_seed = _base_seed(req.seed, CLIPS_PER_EDIT)
    mv = req.mv or source.mv or DEFAULT_UPLOAD_MV
    clips = [
        NewClip(
            id=new_id(),
            idx=i,
            title=source.title,
            tags=req.tags if req.tags is not None else source.tags,
            negative_tags=req.negative_tags,
            lyrics="",
            gpt_description_prompt=None,
            mv=mv,
            style_weight=None,
            weirdness_constraint=None,
            task_type="replace_section",
            origin="generated",
            seed=(base_seed + i) % 2**32,
            engine=EDIT_ENGINE,
            quality=_quality(mv),
            source_clip_id=source.id,
        )
        for i in range(CLIPS_PER_EDIT)
    ]
    request = {
        "_sent": req.stored,
        "op": "replace",
        "source_clip_id": source.id,
        "title": None,
        "tags": req.tags,
        "negative_tags": req.negative_tags,
        "lyrics": req.infill_lyrics,
        "infill_start_s": req.infill_start_s,
        "infill_end_s": req.infill_end_s,
        "vocal_gender": req.vocal_gender,
    }
    task = services.store.create_task(
        key_id=key.id,
        family="sonic",
        task_type="replace_section",
        request=request,
        webhook_url=req.webhook_url,
        webhook_secret=req.webhook_secret,
        price=services.settings.billing.price("replace_section"),
        engine=EDIT_ENGINE,
        timeout_s=services.settings.jobs.timeout_s,
        clips=clips,
    )
    services.queue.enqueue_task(task.id)
    return task


# ----- worker side ------------------------------------------------------------------------------


def _blob(clip_id: str, name: str) -> str:
    return f"clips/{clip_id}/{name}"


def source_score(services: Services, clip: Clip) -> Score:
    """The clip's Score: its bundle's ``score.json``; else (an upload) estimated from its audio
    once, and stored in its bundle as ``score.json`` for the next edit."""
    key = _blob(clip.id, SCORE)
    if services.blobs.exists(key):
        try:
            return Score.from_json(services.blobs.get(key))
        except Exception:  # not a Score (e.g. another engine's file): estimate instead
            if clip.origin != "upload":
                raise
    score = estimate_score(source_mix(services, clip), title=clip.title)
    services.blobs.put(key, score.to_json())
    return score


def _source_or_fail(services: Services, clip: Clip, source: Clip) -> Score:
    """``source_score``; when it fails, ``clip`` fails with :data:`SOURCE_FAILED` (the runner
    then finds it terminal and keeps that message)."""
    try:
        return source_score(services, source)
    except Exception:
        services.store.finish_clip(clip.id, state="failed", error_message=SOURCE_FAILED)
        raise


def source_mix(services: Services, clip: Clip) -> AudioBuffer:
    """The clip's mastered mix (``mix.wav``), stereo at 44.1 kHz."""
    audio = decode_audio(services.blobs.get(_blob(clip.id, MIX_WAV)), filename_hint=MIX_WAV)
    audio = audio.to_stereo()
    if audio.sample_rate_hz != DEFAULT_SAMPLE_RATE_HZ:
        audio = audio.resampled(DEFAULT_SAMPLE_RATE_HZ)
    return audio


def source_stems(services: Services, clip: Clip) -> dict[StemGroup, AudioBuffer]:
    """The clip's stems (none for an upload)."""
    stems: dict[StemGroup, AudioBuffer] = {}
    for group in STEM_GROUPS:
        name = stem_file(group)
        if name in clip.files:
            stems[group] = decode_audio(services.blobs.get(_blob(clip.id, name)), filename_hint=name)
    return stems


def set_clip_extra(services: Services, clip_id: str, extra: dict[str, Any]) -> None:
    """Merge ``extra`` into the clip's ``metadata`` extras (e.g. ``continue_at``)."""
    clip = services.store.get_clip(clip_id)
    merged = dict(clip.extra if clip else {})
    merged.update(extra)
    with services.store.session() as s:
        s.execute(update(ClipRow).where(ClipRow.id == clip_id).values(extra=merged))


def _facts(task: Task, source: Clip | None, score: Score) -> SongFacts:
    req = task.request
    title = req.get("title") if req.get("title") is not None else (source.title if source else score.title)
    tags = req.get("tags") if req.get("tags") is not None else (source.tags if source and source.tags else "")
    return SongFacts(
        title=str(title or ""),
        tags=str(tags or score.tags),
        lyrics=sung_lyrics(score),
        duration_s=round(score.duration_s, 2),
        tempo_bpm=round(score.tempo_bpm, 2),
        key=score.key.name,
        time_signature=score.time_signature,
    )


def _edited_score(task: Task, clip: Clip, source: Score) -> tuple[Score, dict[str, Any]]:
    req = task.request
    op = req["op"]
    seed = int(clip.seed or 0)
    negative = str(req.get("negative_tags") or "")
    if op == "extend":
        continue_at = float(req["continue_at"])
        lyrics = req.get("lyrics")
        brief = req.get("gpt_description_prompt")
        if lyrics is None and brief and not req.get("make_instrumental"):
            # description mode: new lyrics written from the description, in the source's voice
            written = write_lyrics(
                read_description(str(brief)),
                duration_s=req.get("duration"),
                seed=seed,
                vocal_gender=source.vocal_gender,
            )
            lyrics = written.lyrics_text
        score = extend(
            source,
            continue_at_s=continue_at,
            seed=seed,
            lyrics=lyrics,
            tags=req.get("tags"),
            negative_tags=negative,
            duration_s=req.get("duration"),
            title=req.get("title"),
            instrumental=bool(req.get("make_instrumental")),
            quality=clip.quality,
        )
        return score, {"continue_at": round(snap_continue_at(source, continue_at), 2)}
    if op == "cover":
        weight = req.get("audio_weight")
        score = cover(
            source,
            tags=str(req.get("tags") or source.tags),
            seed=seed,
            audio_weight=0.5 if weight is None else float(weight),
            negative_tags=negative,
            title=req.get("title"),
            vocal_gender=req.get("vocal_gender"),
            lyrics=req.get("lyrics"),
        )
        return score, {}
    if op == "remaster":
        return remaster(source, variation=str(req.get("variation_category") or "normal"), seed=seed), {}
    if op == "add_vocals":
        score = add_vocals(
            source,
            lyrics=str(req.get("lyrics") or ""),
            seed=seed,
            start_s=req.get("overpainting_start_s"),
            end_s=req.get("overpainting_end_s"),
            vocal_gender=req.get("vocal_gender"),
        )
        return score, {}
    if op == "add_instrumental":
        score = add_instrumental(
            source,
            seed=seed,
            tags=req.get("tags"),
            negative_tags=negative,
            start_s=req.get("overpainting_start_s"),
            end_s=req.get("overpainting_end_s"),
        )
        return score, {}
    raise InvalidParameter(f"Unknown edit operation {op!r}.", field="task_type")


def edit_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """One clip of an edit task (extend, cover, remaster, add_*; upload-extend/-cover)."""
    req = task.request
    if req.get("op") == "replace":
        return replace_clip(services, task, clip, progress)
    source_clip = services.store.get_clip(str(req["source_clip_id"]))
    if source_clip is None:
        raise InvalidParameter("clip not found.", field="continue_clip_id")
    progress("analyze", 0, 1)
    source = _source_or_fail(services, clip, source_clip)
    score, extra = _edited_score(task, clip, source)
    estimated = False
    if req.get("op") in KEEPS_UPLOAD_AUDIO and source_clip.origin == "upload":
        kept = _keep_upload_audio(services, task, source_clip, source, score, clip.quality, progress)
        produced = render_edit(
            score,
            master=kept.master,
            stems=kept.stems,
            quality=clip.quality,
            with_video=services.settings.engine.video,
            progress=progress,
        )
        estimated = True
    else:
        produced = render_edit(
            score, quality=clip.quality, with_video=services.settings.engine.video, progress=progress
        )
    if req.get("auto_concat"):
        produced, extra = _auto_concat(services, source_clip, source, clip, produced, extra)
    if extra:
        set_clip_extra(services, clip.id, extra)
    facts = _facts(task, source_clip, produced.score)
    if estimated:
        facts = replace(facts, estimated=True)
    return EngineResult(bundle=produced.bundle, facts=facts)


KEEPS_UPLOAD_AUDIO = ("add_vocals", "add_instrumental", "remaster")
"""Edits that keep an upload's own audio (which has no stems) rather than re-render its estimated
Score: add_vocals sings over it, add_instrumental keeps its separated vocal, remaster masters it
anew."""


def _keep_upload_audio(
    services: Services,
    task: Task,
    source_clip: Clip,
    source: Score,
    score: Score,
    quality: str,
    progress: Progress,
) -> KeptAudio:
    """The master and stems of an add_vocals / add_instrumental edit of an upload: the upload's
    audio kept, the edited window laid into it (:mod:`tunesmith.music.edit.keep_audio`)."""
    req = task.request
    if req["op"] == "remaster":
        return remaster_audio(score, source_mix(services, source_clip), quality=quality)
    start_bar, end_bar = overdub_window(
        source, req.get("overpainting_start_s"), req.get("overpainting_end_s")
    )
    start_s = source.seconds_at(source.bar_start_beat(start_bar))
    end_s = min(source.seconds_at(source.bar_start_beat(end_bar)), score.duration_s)
    mix = source_mix(services, source_clip)
    if req["op"] == "add_vocals":
        return vocals_over_audio(score, mix, start_s=start_s, end_s=end_s, quality=quality, progress=progress)
    return accompaniment_under_vocal(
        score, mix, start_s=start_s, end_s=end_s, quality=quality, progress=progress
    )


def _joined(
    services: Services, chain: list[tuple[Clip, Score]], cuts_s: list[float]
) -> tuple[AudioBuffer, dict[StemGroup, AudioBuffer]]:
    """The chain's mixes and stems joined at ``cuts_s`` (one per clip but the last)."""
    mixes = [source_mix(services, c) for c, _ in chain]
    master = join_audio([(m, cut) for m, cut in zip(mixes, [*cuts_s, None], strict=True)])
    all_stems = [source_stems(services, c) for c, _ in chain]
    groups = [g for g in STEM_GROUPS if any(g in s for s in all_stems)]
    stems: dict[StemGroup, AudioBuffer] = {}
    for group in groups:
        pieces: list[tuple[AudioBuffer, float | None]] = []
        for stems_of, mix, cut in zip(all_stems, mixes, [*cuts_s, None], strict=True):
            audio = stems_of.get(group)
            if audio is None:
                audio = AudioBuffer(np.zeros((2, mix.frames), dtype=np.float32), mix.sample_rate_hz)
            pieces.append((audio.to_stereo().with_frames(mix.frames), cut))
        stems[group] = join_audio(pieces)
    return master, stems


def _assemble(services: Services, chain: list[tuple[Clip, Score]], continue_ats: list[float]) -> ProducedSong:
    """``root[0, c1) + ext1[0, c2) + … + last`` as a bundle (Score via ``concat``, audio joined)."""
    cuts = [snap_continue_at(score, c) for (_, score), c in zip(chain[:-1], continue_ats, strict=True)]
    score = concat([(s, c) for (_, s), c in zip(chain, [*continue_ats, None], strict=True)])
    master, stems = _joined(services, chain, cuts)
    frames = round(score.duration_s * master.sample_rate_hz)
    master = master.with_frames(frames)
    stems = {g: a.with_frames(frames) for g, a in stems.items()}
    bundle = package_song(score, master, stems, with_video=services.settings.engine.video)
    return ProducedSong(score=score, bundle=bundle)


def concat_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """The one clip of a concat_music task: the extension chain assembled."""
    progress("analyze", 0, 1)
    chain: list[tuple[Clip, Score]] = []
    for clip_id in task.request["chain"]:
        member = services.store.get_clip(str(clip_id))
        if member is None:
            raise InvalidParameter("clip not found.", field="continue_clip_id")
        chain.append((member, _source_or_fail(services, clip, member)))
    continue_ats = [float(c.extra["continue_at"]) for c, _ in chain[1:]]
    progress("render", 0, 1)
    produced = _assemble(services, chain, continue_ats)
    last = chain[-1][0]
    facts = SongFacts(
        title=last.title,
        tags=last.tags,
        lyrics=sung_lyrics(produced.score),
        duration_s=round(produced.score.duration_s, 2),
        tempo_bpm=round(produced.score.tempo_bpm, 2),
        key=produced.score.key.name,
        time_signature=produced.score.time_signature,
    )
    return EngineResult(bundle=produced.bundle, facts=facts)


def _auto_concat(
    services: Services,
    source_clip: Clip,
    source: Score,
    clip: Clip,
    produced: ProducedSong,
    extra: dict[str, Any],
) -> tuple[ProducedSong, dict[str, Any]]:
    """upload-extend with ``auto_concat``: store the extension as its own clip (not listed in the
    task) and return the full song ``upload[0, c) + extension``."""
    ext_id = new_id()
    score = produced.score
    for name, data in produced.bundle.files.items():
        services.blobs.put(_blob(ext_id, name), data)
    ext_clip, _ = services.store.create_finished_clip(
        key_id=clip.key_id,
        clip=NewClip(
            id=ext_id,
            idx=0,
            title=clip.title,
            tags=clip.tags,
            negative_tags=clip.negative_tags,
            lyrics=sung_lyrics(score),
            gpt_description_prompt=None,
            mv=clip.mv,
            style_weight=clip.style_weight,
            weirdness_constraint=clip.weirdness_constraint,
            task_type=clip.task_type,
            origin="generated",
            seed=clip.seed,
            engine=EDIT_ENGINE,
            quality=clip.quality,
            source_clip_id=source_clip.id,
            extra=dict(extra),
        ),
        duration_s=score.duration_s,
        files=sorted(produced.bundle.files),
        tempo_bpm=round(score.tempo_bpm, 2),
        key=score.key.name,
        time_signature=score.time_signature,
        upload=None,
        charge=0,
    )
    full = _assemble(services, [(source_clip, source), (ext_clip, score)], [float(extra["continue_at"])])
    return full, {"extension_clip_id": ext_id}


def replace_clip(services: Services, task: Task, clip: Clip, progress: Progress) -> EngineResult:
    """One clip of a replace-section task: the full song, the window re-made."""
    req = task.request
    source_clip = services.store.get_clip(str(req["source_clip_id"]))
    if source_clip is None:
        raise InvalidParameter("clip not found.", field="clip_id")
    progress("analyze", 0, 1)
    source = _source_or_fail(services, clip, source_clip)
    master = source_mix(services, source_clip)
    stems = source_stems(services, source_clip)
    lyrics = req.get("lyrics")
    result = replace_section(
        source,
        stems,
        start_s=float(req["infill_start_s"]),
        end_s=float(req["infill_end_s"]),
        seed=int(clip.seed or 0),
        lyrics=lyrics if lyrics and str(lyrics).strip() else None,
        tags=req.get("tags"),
        negative_tags=str(req.get("negative_tags") or ""),
        vocal_gender=req.get("vocal_gender"),
        source_master=master,
        quality=clip.quality,
        progress=progress,
    )
    produced = render_edit(
        result.score,
        master=result.master,
        stems=result.stems,
        quality=clip.quality,
        with_video=services.settings.engine.video,
        progress=progress,
    )
    set_clip_extra(
        services,
        clip.id,
        {"infill_start_s": round(result.start_s, 2), "infill_end_s": round(result.end_s, 2)},
    )
    return EngineResult(bundle=produced.bundle, facts=_facts(task, source_clip, produced.score))


EDIT_HANDLERS = {
    **{task_type: edit_clip for task_type in EDIT_OPS},
    "concat_music": concat_clip,
    "upload_extend": edit_clip,
    "upload_cover": edit_clip,
    "replace_section": replace_clip,
}
"""Handlers by task type, registered in :data:`tunesmith.jobs.handlers.HANDLERS`."""
