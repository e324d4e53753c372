"""Submissions: validate (cross-field rules, referenced ids) → price → reserve → persist → enqueue.

``sonic/create`` modes: custom (``prompt`` is the lyrics), description (``gpt_description_prompt``;
the worker writes lyrics, title and tags), and custom with ``auto_lyrics`` (``prompt`` is a brief;
the worker writes the lyrics from it and fills title and tags when the request has none).

The API parses and type-checks the wire body into a :class:`CreateRequest`; everything after that
(contract steps 6–8: cross-field rules, referenced ids, credits) happens here.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from tunesmith.errors import Forbidden, InvalidParameter, ServiceUnavailable
from tunesmith.jobs.context import Services
from tunesmith.music.lyrics.describe import read_description
from tunesmith.store.repos import ApiKey, NewClip, Task, new_id

LYRICS_FORMAT = "The lyrics format is invalid. Please check and try again."
_SECTION_TAG = re.compile(r"^\s*\[[^\[\]]*\]\s*$")
CLIPS_PER_CREATE = 2


@dataclass(frozen=True)
class CreateRequest:
    """A type-checked ``POST /sonic/create`` body (fields as the contract names them)."""

    task_type: str
    custom_mode: bool
    mv: str | None
    prompt: str | None
    gpt_description_prompt: str | None
    title: str | None
    tags: str | None
    negative_tags: str | None
    make_instrumental: bool
    auto_lyrics: bool
    vocal_gender: str | None
    style_weight: float | None
    weirdness_constraint: float | None
    continue_clip_id: str | None
    duration: float | None
    seed: int | None
    webhook_url: str | None
    webhook_secret: str | None
    stored: dict[str, Any]
    """The body as submitted, without ``webhook_secret`` (what ``GET /tasks/{id}`` shows)."""
    continue_at: float | None = None
    """Join point of an extension (seconds into the source)."""
    audio_weight: float | None = None
    variation_category: str | None = None
    overpainting_start_s: float | None = None
    overpainting_end_s: float | None = None
    persona_id: str | None = None
    """persona_music: the persona that sings (API.md §4.6, §4.7)."""


def lyrics_format_ok(lyrics: str) -> bool:
    """False when a line has an unclosed ``[`` or the lyrics are nothing but section tags."""
    lines = [line for line in lyrics.splitlines() if line.strip()]
    for line in lines:
        depth = 0
        for char in line:
            if char == "[":
                depth += 1
            elif char == "]" and depth:
                depth -= 1
        if depth:
            return False
    return any(not _SECTION_TAG.match(line) for line in lines)


def check_queue(services: Services) -> None:
    if services.store.count_pending() >= services.settings.queue.max_pending:
        raise ServiceUnavailable("Server is busy. Retry after 30 seconds.", retry_after_s=30)


def stored_lyrics(req: CreateRequest, *, instrumental: bool) -> str:
    """The lyrics a clip is stored with at submission: ``[Instrumental]`` when it will not sing,
    the prompt in custom mode, else empty (the worker writes them: description mode,
    ``auto_lyrics``)."""
    if instrumental:
        return "[Instrumental]"
    if req.custom_mode and not req.auto_lyrics:
        return req.prompt or ""
    return ""


def request_clips(
    req: CreateRequest,
    *,
    lyrics: str,
    count: int,
    base_seed: int,
    task_type: str,
    engine: str,
    quality: str,
    source_clip_id: str | None = None,
    extra: dict[str, Any] | None = None,
) -> list[NewClip]:
    """The ``count`` pending clips of a create-style request (create, sample): the request's
    title, tags and shaping fields, seeds ``base_seed + i`` (mod 2³²)."""
    return [
        NewClip(
            id=new_id(),
            idx=i,
            title=req.title or "",
            tags=req.tags or "",
            negative_tags=req.negative_tags,
            lyrics=lyrics,
            gpt_description_prompt=None if req.custom_mode else req.gpt_description_prompt,
            mv=req.mv,
            style_weight=req.style_weight,
            weirdness_constraint=req.weirdness_constraint,
            task_type=task_type,
            origin="generated",
            seed=(base_seed + i) % 2**32,
            engine=engine,
            quality=quality,
            source_clip_id=source_clip_id,
            extra=dict(extra or {}),
        )
        for i in range(count)
    ]


def submit_create(services: Services, key: ApiKey, req: CreateRequest) -> Task:
    """Validate the cross-field rules, reserve credits and enqueue a create, concat or edit task."""
    if req.task_type not in ("create_music", "persona_music"):
        from tunesmith.jobs.edits import submit_edit

        return submit_edit(services, key, req)
    auto = req.custom_mode and req.auto_lyrics
    if req.task_type == "persona_music" and not req.persona_id:
        raise InvalidParameter(
            "The 'persona_id' field is required when task_type = persona_music.", field="persona_id"
        )
    if req.custom_mode:
        if not req.make_instrumental and not (req.prompt or "").strip():
            raise InvalidParameter("The 'prompt' field is required when custom_mode = true.", field="prompt")
        if auto and (req.prompt or "").strip():
            # the brief must read as a description; the limit is the prompt's own (already checked)
            read_description(req.prompt or "", field="prompt", max_chars=len(req.prompt or ""))
    else:
        if not (req.gpt_description_prompt or "").strip():
            raise InvalidParameter(
                "The 'gpt_description_prompt' field is required when custom_mode = false.",
                field="gpt_description_prompt",
            )
    sings = req.custom_mode and not req.make_instrumental and not req.auto_lyrics
    if sings and not lyrics_format_ok(req.prompt or ""):
        raise Forbidden(LYRICS_FORMAT)
    persona: dict[str, Any] | None = None
    if req.task_type == "persona_music":
        from tunesmith.jobs.personas import persona_snapshot

        persona = persona_snapshot(services, key, req.persona_id or "")
    check_queue(services)
    base_seed = req.seed if req.seed is not None else secrets.randbelow(2**32 - CLIPS_PER_CREATE)
    quality = "draft" if (req.mv or "").endswith("-mini") else "standard"
    engine = services.engine_name(req.mv)
    clips = request_clips(
        req,
        lyrics=stored_lyrics(req, instrumental=req.make_instrumental),
        count=CLIPS_PER_CREATE,
        base_seed=base_seed,
        task_type=req.task_type,
        engine=engine,
        quality=quality,
        extra={"persona_id": persona["id"]} if persona else {},
    )
    spec_request: dict[str, Any] = dict(
        _sent=req.stored,
        title=req.title,
        tags=req.tags,
        negative_tags=req.negative_tags,
        make_instrumental=req.make_instrumental,
        lyrics=req.prompt if req.custom_mode and not auto else None,
        auto_lyrics_brief=(req.prompt or None) if auto else None,
        gpt_description_prompt=req.gpt_description_prompt,
        duration=req.duration,
        vocal_gender=req.vocal_gender,
        style_weight=req.style_weight,
        weirdness_constraint=req.weirdness_constraint,
    )
    if persona is not None:
        spec_request["persona"] = persona
    task = services.store.create_task(
        key_id=key.id,
        family="sonic",
        task_type=req.task_type,
        request=spec_request,
        webhook_url=req.webhook_url,
        webhook_secret=req.webhook_secret,
        price=services.settings.billing.price(req.task_type),
        engine=engine,
        timeout_s=services.settings.jobs.timeout_s,
        clips=clips,
    )
    services.queue.enqueue_task(task.id)
    return task
