"""Producer family wire schemas (API.md §6): the create body checked in the contract's order."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tunesmith.api.validation import Body, enum_message
from tunesmith.errors import InvalidParameter
from tunesmith.jobs.families import PRODUCER_DEFAULT_MV, PRODUCER_MODELS, PRODUCER_TASK_TYPES, ProducerRequest

MV_MESSAGE = enum_message("mv", PRODUCER_MODELS, noun="model")
MAX_SEED = 4_294_967_295


def _seed(body: Body) -> int | None:
    """An integer or a digit string, 0..4294967295."""
    value = body.data.get("seed")
    if isinstance(value, str):
        if not value.isdigit():
            raise InvalidParameter("The 'seed' field should be an integer.", field="seed")
        number = int(value)
        if number > MAX_SEED:
            raise InvalidParameter(f"The 'seed' field should be between 0 and {MAX_SEED}.", field="seed")
        return number
    return body.integer("seed", lo=0, hi=MAX_SEED)


def parse_producer(data: dict[str, Any]) -> ProducerRequest:
    """Type- and range-check a ``/producer/create`` body (API.md §6)."""
    body = Body(data)
    task_type = body.enum("task_type", PRODUCER_TASK_TYPES)
    if task_type is None:
        raise InvalidParameter("The 'task_type' field is required.", field="task_type")
    mv = body.string("mv")
    if mv is not None and mv not in PRODUCER_MODELS:
        raise InvalidParameter(MV_MESSAGE, field="mv")
    seed = _seed(body)
    sound = body.string("sound", max_len=1000)
    lyrics = body.string("lyrics", "lyrics_text", max_len=3000)
    title = body.string("title", max_len=80, len_message="The title character length should be less than 80.")
    make_instrumental = body.boolean("make_instrumental") or False
    cover_url = body.url("cover_url")
    body.number("lyrics_strength", lo=0, hi=1)
    sound_strength = body.number("sound_strength", lo=0.2, hi=1)
    weirdness = body.number("weirdness", lo=0, hi=1)
    duration = body.number("duration", lo=10, hi=360)
    clip_field, _ = body.raw("clip_id", "continue_clip_id")
    clip_id = body.string("clip_id", "continue_clip_id")
    starts_field, _ = body.raw("starts_at", "starts")
    starts_at = body.number("starts_at", "starts", lo=0)
    ends_field, _ = body.raw("ends_at", "ends")
    ends_at = body.number("ends_at", "ends", lo=0)
    instruction = body.string("instruction", max_len=1000)
    length = body.number("length", lo=5, hi=120)
    strength = body.number("strength", "cover_strength", lo=0, hi=1)
    webhook_url = body.url("webhook_url", "callback_url")
    webhook_secret = body.string("webhook_secret", max_len=256)
    if duration is not None and task_type != "create_music":
        raise InvalidParameter(
            f"The 'duration' field is not supported when task_type = {task_type}.", field="duration"
        )
    return ProducerRequest(
        task_type=task_type,
        mv=mv or PRODUCER_DEFAULT_MV,
        seed=seed,
        sound=sound,
        lyrics=lyrics,
        title=title,
        make_instrumental=make_instrumental,
        sound_strength=sound_strength,
        weirdness=weirdness,
        duration=duration,
        clip_id=clip_id,
        clip_field=clip_field,
        starts_at=starts_at,
        starts_field=starts_field,
        ends_at=ends_at,
        ends_field=ends_field,
        instruction=instruction,
        length=30.0 if length is None else length,
        strength=0.5 if strength is None else strength,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        stored={k: v for k, v in data.items() if k != "webhook_secret"},
        cover_url=cover_url,
    )


class ProducerCreateBody(BaseModel):
    """POST /api/v1/producer/create."""

    model_config = ConfigDict(extra="allow")
    task_type: str | None = Field(default=None, description=", ".join(PRODUCER_TASK_TYPES))
    mv: str | None = Field(default=None, description="Default FUZZ-2.0; " + ", ".join(PRODUCER_MODELS))
    seed: int | str | None = Field(default=None, description="An integer or a digit string")
    sound: str | None = None
    lyrics: str | None = Field(default=None, description="Alias lyrics_text")
    title: str | None = None
    make_instrumental: bool | None = None
    cover_url: str | None = None
    lyrics_strength: float | None = None
    sound_strength: float | None = None
    weirdness: float | None = None
    duration: float | None = None
    clip_id: str | None = Field(default=None, description="Alias continue_clip_id")
    starts_at: float | None = Field(default=None, description="Alias starts")
    ends_at: float | None = Field(default=None, description="Alias ends")
    instruction: str | None = None
    length: float | None = Field(default=None, description="extend: 5..120 s of new material (default 30)")
    strength: float | None = Field(default=None, description="cover/variation 0..1 (alias cover_strength)")
    webhook_url: str | None = None
    callback_url: str | None = None
    webhook_secret: str | None = None


class ProducerItemOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    clip_id: str
    state: str
    title: str
    sound: str
    lyrics: str
    audio_url: str | None
    wav_url: str | None
    image_url: str | None
    video_url: str | None
    created_at: str
    mv: str | None
    seed: str | None
    duration: float | None
    metadata: dict[str, Any]


class ProducerTaskOut(BaseModel):
    code: int = 200
    status: str = Field(description="PENDING, RUNNING, SUCCESS or FAILED")
    message: str = "success"
    data: list[ProducerItemOut]
