"""Studio family wire schemas (API.md §7): the create body checked in the contract's order."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tunesmith.api.validation import Body
from tunesmith.errors import InvalidParameter
from tunesmith.jobs.families import STUDIO_MODELS, StudioRequest


def _ordered(body: Body, start: str, end: str) -> tuple[float, float]:
    """``(start, end)`` shares of 0..1 (defaults 0 and 1), start < end."""
    lo = body.number(start, lo=0, hi=1)
    hi = body.number(end, lo=0, hi=1)
    first, last = 0.0 if lo is None else float(lo), 1.0 if hi is None else float(hi)
    if first >= last:
        raise InvalidParameter(f"The '{end}' field should be greater than '{start}'.", field=end)
    return first, last


def parse_studio(data: dict[str, Any]) -> StudioRequest:
    """Type- and range-check a ``/studio/create`` body in table order (API.md §7)."""
    body = Body(data)
    prompt = body.string("prompt", max_len=1000, required=True)
    lyrics_type = body.enum("lyrics_type", ["user", "generate", "instrumental"])
    if lyrics_type is None:
        raise InvalidParameter("The 'lyrics_type' field is required.", field="lyrics_type")
    lyrics = body.string("lyrics", max_len=3000)
    bypass = body.boolean("bypass_prompt_optimization") or False
    seed = body.integer("seed", lo=-1, hi=4_294_967_295)
    section = _ordered(body, "song_section_start", "song_section_end")
    placement = _ordered(body, "lyrics_placement_start", "lyrics_placement_end")
    prompt_strength = body.number("prompt_strength", lo=0, hi=1)
    clarity = body.number("clarity_strength", lo=0, hi=1)
    lyrics_strength = body.number("lyrics_strength", lo=0, hi=1)
    quality = body.number("generation_quality", lo=0, hi=1)
    negative = body.string("negative_prompt", max_len=1000)
    model_type = body.enum("model_type", list(STUDIO_MODELS)) or "studio32-v1.5"
    config = data.get("config")
    mode, song_id, context = "regular", None, 30.0
    if config is not None:
        if not isinstance(config, dict):
            raise InvalidParameter("The 'config' field should be an object.", field="config")
        conf = Body(config)
        mode = conf.enum("mode", ["regular", "precede", "continuation"]) or "regular"
        source = config.get("source")
        if source is not None and not isinstance(source, dict):
            raise InvalidParameter("The 'source' field should be an object.", field="config.source")
        song_id = Body(source or {}).string("song_id")
        context = conf.number("context_length", lo=1, hi=60) or 30.0
    webhook_url = body.url("webhook_url", "callback_url", "notify_hook")
    webhook_secret = body.string("webhook_secret", max_len=256)
    assert prompt is not None
    if not prompt.strip():
        raise InvalidParameter("The 'prompt' field is required.", field="prompt")
    if lyrics_type == "user" and not (lyrics or "").strip():
        raise InvalidParameter("The 'lyrics' field is required.", field="lyrics")
    if mode != "regular" and not song_id:
        raise InvalidParameter("The 'song_id' field is required.", field="config.source.song_id")
    return StudioRequest(
        prompt=prompt,
        lyrics_type=lyrics_type,
        lyrics=lyrics,
        bypass_prompt_optimization=bypass,
        seed=None if seed is None or seed == -1 else seed,
        prompt_strength=0.5 if prompt_strength is None else prompt_strength,
        generation_quality=0.75 if quality is None else quality,
        negative_prompt=negative,
        model_type=model_type,
        mode=mode,
        song_id=song_id,
        context_length=context,
        song_section=section,
        lyrics_placement=placement,
        clarity_strength=0.25 if clarity is None else float(clarity),
        lyrics_strength=0.5 if lyrics_strength is None else float(lyrics_strength),
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        stored={k: v for k, v in data.items() if k != "webhook_secret"},
    )


class StudioCreateBody(BaseModel):
    """POST /api/v1/studio/create (2 songs; 15 credits for studio32-v1.5, 30 for studio130-v1.5)."""

    model_config = ConfigDict(extra="allow")
    prompt: str | None = Field(default=None, description="Style and description (≤ 1000)")
    lyrics_type: str | None = Field(default=None, description="user, generate or instrumental")
    lyrics: str | None = None
    bypass_prompt_optimization: bool | None = None
    seed: int | None = Field(default=None, description="-1 (random) or 0..4294967295")
    song_section_start: float | None = None
    song_section_end: float | None = None
    lyrics_placement_start: float | None = None
    lyrics_placement_end: float | None = None
    prompt_strength: float | None = None
    clarity_strength: float | None = None
    lyrics_strength: float | None = None
    generation_quality: float | None = None
    negative_prompt: str | None = None
    model_type: str | None = Field(default=None, description="studio32-v1.5 (32 s) or studio130-v1.5 (130 s)")
    config: dict[str, Any] | None = Field(
        default=None, description="{mode, source: {song_id}, context_length}"
    )
    webhook_url: str | None = None
    callback_url: str | None = None
    notify_hook: str | None = None
    webhook_secret: str | None = None


class StudioSongOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    state: str
    title: str
    artist: str
    tags: list[str]
    lyrics: str
    audio_url: str | None
    image_url: str | None
    video_url: str | None
    duration: float | None
    created_at: str
    liked: bool
    likes: int
    plays: int
    metadata: dict[str, Any]


class StudioSongs(BaseModel):
    songs: list[StudioSongOut]


class StudioTaskData(BaseModel):
    task_id: str
    notify_hook: str
    action: str
    status: str
    fail_reason: str
    submit_time: int
    start_time: int
    finish_time: int
    progress: str
    data: StudioSongs


class StudioTaskOut(BaseModel):
    code: str = "success"
    message: str = ""
    data: StudioTaskData
