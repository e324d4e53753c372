"""Riffusion family wire schemas (API.md §5): the create body checked in the contract's order."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tunesmith.api.schemas.sonic import ClipOut
from tunesmith.api.validation import Body, enum_message
from tunesmith.errors import InvalidParameter
from tunesmith.jobs.families import RIFFUSION_MODELS, RIFFUSION_TASK_TYPES, RiffusionRequest

MV_MESSAGE = enum_message("mv", RIFFUSION_MODELS, noun="model")


def parse_riffusion(data: dict[str, Any]) -> RiffusionRequest:
    """Type- and range-check a ``/riffusion/create`` body in table order (API.md §5)."""
    body = Body(data)
    task_type = body.enum("task_type", RIFFUSION_TASK_TYPES) or "create_music"
    custom_mode = body.boolean("custom_mode")
    mv = body.string("mv")
    if mv is not None and mv not in RIFFUSION_MODELS:
        raise InvalidParameter(MV_MESSAGE, field="mv")
    lyrics = body.string("lyrics", max_len=3000)
    prompt = body.string("prompt", max_len=400)
    title = body.string("title", max_len=80, len_message="The title character length should be less than 80.")
    sound = body.string("sound", max_len=1000)
    make_instrumental = body.boolean("make_instrumental") or False
    continue_clip_id = body.string("continue_clip_id")
    continue_at = body.number("continue_at")
    start_name, _ = body.raw("replace_start_at", "replace_start_s")
    start = body.number("replace_start_at", "replace_start_s", lo=0)
    end_name, _ = body.raw("replace_end_at", "replace_end_s")
    end = body.number("replace_end_at", "replace_end_s", lo=0)
    duration = body.number("duration", lo=10, hi=360)
    seed = body.integer("seed", lo=0, hi=4_294_967_295)
    webhook_url = body.url("webhook_url", "callback_url")
    webhook_secret = body.string("webhook_secret", max_len=256)
    if mv is None:
        raise InvalidParameter("The 'mv' field is required.", field="mv")
    if custom_mode is None:
        custom_mode = bool((lyrics or "").strip()) or not (prompt or "").strip()
    return RiffusionRequest(
        task_type=task_type,
        custom_mode=custom_mode,
        mv=mv,
        lyrics=lyrics,
        prompt=prompt,
        title=title,
        sound=sound,
        make_instrumental=make_instrumental,
        continue_clip_id=continue_clip_id,
        continue_at=continue_at,
        replace_start=start,
        replace_end=end,
        replace_names=(start_name, end_name),
        duration=duration,
        seed=seed,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        stored={k: v for k, v in data.items() if k != "webhook_secret"},
    )


class RiffusionCreateBody(BaseModel):
    """POST /api/v1/riffusion/create (2 clips, 12 credits for every type)."""

    model_config = ConfigDict(extra="allow")
    task_type: str | None = Field(default=None, description=", ".join(RIFFUSION_TASK_TYPES))
    custom_mode: bool | None = None
    mv: str | None = Field(default=None, description=", ".join(RIFFUSION_MODELS))
    lyrics: str | None = None
    prompt: str | None = Field(default=None, description="Description mode (≤ 400)")
    title: str | None = None
    sound: str | None = Field(default=None, description="The style, or the wanted change for swaps")
    make_instrumental: bool | None = None
    continue_clip_id: str | None = None
    continue_at: float | None = None
    replace_start_at: float | None = Field(default=None, description="Alias replace_start_s")
    replace_end_at: float | None = Field(default=None, description="Alias replace_end_s")
    duration: float | None = None
    seed: int | None = None
    webhook_url: str | None = None
    callback_url: str | None = None
    webhook_secret: str | None = None


class LyricLineOut(BaseModel):
    text: str
    start_s: float
    end_s: float


class RiffusionClipOut(ClipOut):
    timestamp: dict[str, list[LyricLineOut]]


class RiffusionPollOut(BaseModel):
    code: int = 200
    message: str = "success"
    data: list[RiffusionClipOut]
