"""Nuro family wire schemas (API.md §8): the create body checked in the contract's order."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tunesmith.api.validation import Body, enum_message
from tunesmith.errors import InvalidParameter
from tunesmith.jobs.families import (
    NURO_BGM_GENRES,
    NURO_BGM_MOODS,
    NURO_GENDERS,
    NURO_INSTRUMENTS,
    NURO_SEGMENT_NAMES,
    NURO_THEMES,
    NURO_TIMBRES,
    NURO_VOCAL_GENRES,
    NURO_VOCAL_MOODS,
    NuroRequest,
)

DESCRIPTION_REQUIRED = "description is required."
SEGMENTS_SUM = "The segment durations should add up to 'duration'."
MAX_ITEMS = 5
MAX_SEGMENTS = 12


def _array(body: Body, name: str, allowed: list[str]) -> list[str]:
    value = body.data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidParameter(f"The '{name}' field should be an array.", field=name)
    if len(value) > MAX_ITEMS:
        raise InvalidParameter(f"The '{name}' field should contain at most {MAX_ITEMS} items.", field=name)
    for item in value:
        if not isinstance(item, str) or item not in allowed:
            raise InvalidParameter(enum_message(name, allowed), field=name)
    return list(value)


def _segments(body: Body) -> list[dict[str, Any]]:
    value = body.data.get("segments")
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidParameter("The 'segments' field should be an array.", field="segments")
    if len(value) > MAX_SEGMENTS:
        raise InvalidParameter(
            f"The 'segments' field should contain at most {MAX_SEGMENTS} items.", field="segments"
        )
    out: list[dict[str, Any]] = []
    for item in value:
        if not isinstance(item, dict):
            raise InvalidParameter("The 'segments' field should be an object.", field="segments")
        seg = Body(item)
        name = seg.enum("name", NURO_SEGMENT_NAMES)
        duration = seg.integer("duration", lo=1)
        if name is None:
            raise InvalidParameter("The 'name' field is required.", field="segments")
        if duration is None:
            raise InvalidParameter("The 'duration' field is required.", field="segments")
        out.append({"name": name, "duration": duration})
    return out


def parse_nuro(data: dict[str, Any]) -> NuroRequest:
    """Check a ``/nuro/create`` body: ``type`` (inferred from ``lyrics``/``description``), then the
    mode's fields in table order, then the cross-field rules."""
    body = Body(data)
    mode = body.enum("type", ["vocal", "bgm"])
    if mode is None:
        if body.data.get("lyrics") is not None:
            mode = "vocal"
        elif body.data.get("description") is not None:
            mode = "bgm"
        else:
            raise InvalidParameter("The 'type' field is required.", field="type")
    lyrics = description = gender = timbre = None
    genre: list[str] = []
    mood: list[str] = []
    instrument: list[str] = []
    theme: list[str] = []
    segments: list[dict[str, Any]] = []
    version = "v1.0"
    if mode == "vocal":
        lyrics = body.string("lyrics", max_len=2000)
        gender = body.enum("gender", NURO_GENDERS)
        one_genre = body.enum("genre", NURO_VOCAL_GENRES)
        one_mood = body.enum("mood", NURO_VOCAL_MOODS)
        timbre = body.enum("timbre", NURO_TIMBRES)
        duration = body.integer("duration", lo=30, hi=240)
        genre = [one_genre] if one_genre else []
        mood = [one_mood] if one_mood else []
    else:
        description = body.string("description", max_len=1000)
        genre = _array(body, "genre", NURO_BGM_GENRES)
        mood = _array(body, "mood", NURO_BGM_MOODS)
        instrument = _array(body, "instrument", NURO_INSTRUMENTS)
        theme = _array(body, "theme", NURO_THEMES)
        version = body.enum("version", ["v1.0", "v2.0"]) or "v1.0"
        lo, hi = (1, 60) if version == "v1.0" else (10, 240)
        duration = body.integer("duration", lo=lo, hi=hi)
        segments = _segments(body) if version == "v2.0" else []
    seed = body.integer("seed", lo=0, hi=4_294_967_295)
    webhook_url = body.url("webhook_url", "callback_url")
    webhook_secret = body.string("webhook_secret", max_len=256)
    if mode == "vocal" and not (lyrics or "").strip():
        raise InvalidParameter("The 'lyrics' field is required.", field="lyrics")
    if mode == "bgm" and not (description or "").strip():
        raise InvalidParameter(DESCRIPTION_REQUIRED, field="description")
    if segments:
        total = sum(int(s["duration"]) for s in segments)
        if duration is not None and total != duration:
            raise InvalidParameter(SEGMENTS_SUM, field="segments")
        if duration is None and not 10 <= total <= 240:
            raise InvalidParameter("The 'duration' field should be between 10 and 240.", field="duration")
    return NuroRequest(
        mode=mode,
        lyrics=lyrics,
        description=description,
        gender=gender,
        genre=genre,
        mood=mood,
        timbre=timbre,
        instrument=instrument,
        theme=theme,
        version=version,
        duration=duration,
        segments=segments,
        seed=seed,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        stored={k: v for k, v in data.items() if k != "webhook_secret"},
    )


class NuroCreateBody(BaseModel):
    """POST /api/v1/nuro/create (1 clip, 10 credits): vocal (``lyrics``) or bgm (``description``)."""

    model_config = ConfigDict(extra="allow")
    type: str | None = Field(default=None, description="vocal or bgm; inferred when absent")
    lyrics: str | None = None
    description: str | None = None
    gender: str | None = None
    genre: Any = Field(default=None, description="vocal: one name; bgm: up to 5 names")
    mood: Any = Field(default=None, description="vocal: one name; bgm: up to 5 names")
    timbre: str | None = None
    instrument: list[str] | None = None
    theme: list[str] | None = None
    version: str | None = Field(default=None, description="bgm: v1.0 (default) or v2.0")
    duration: int | None = None
    segments: list[dict[str, Any]] | None = None
    seed: int | None = None
    webhook_url: str | None = None
    callback_url: str | None = None
    webhook_secret: str | None = None


class NuroTaskOut(BaseModel):
    """The flat nuro poll (audio_url is WAV; metadata.mp3_url the MP3)."""

    model_config = ConfigDict(extra="allow")
    task_id: str
    clip_id: str
    status: str
    progress: int
    audio_url: str | None
    image_url: str | None
    lyrics: str
    duration: float | None
    genre: str | None
    mood: str | None
    gender: str | None
    timbre: str | None
    created_at: str
    metadata: dict[str, Any]
