"""Wire schemas of the persona endpoints (API.md §4.6 sonic/persona, §4.7 create-voice) and of
§4.9 mashup."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tunesmith.api.validation import Body
from tunesmith.errors import InvalidParameter
from tunesmith.jobs.personas import PersonaRequest, VoiceRequest
from tunesmith.jobs.sample_mashup import MashupRequest

PERSONA_REQUIRED = "name and continue_clip_id are required fields."


def parse_persona(data: dict[str, Any]) -> PersonaRequest:
    """Check a ``/sonic/persona`` body in the contract's order (fields, then cross-field rules)."""
    body = Body(data)
    name = body.string("name", max_len=80, len_message="The name character length should be less than 80.")
    clip_id = body.string("clip_id", "continue_clip_id")
    description = body.string(
        "description",
        "describe",
        max_len=200,
        len_message="The description character length should be less than 200.",
    )
    styles = body.string("styles", max_len=1000)
    vox_audio_id = body.string("vox_audio_id")
    start = body.number("vocal_start_s", lo=0)
    end = body.number("vocal_end_s", lo=0)
    if not (name or "").strip() or not clip_id:
        raise InvalidParameter(PERSONA_REQUIRED, field="name" if not (name or "").strip() else "clip_id")
    assert name is not None
    return PersonaRequest(
        name=name,
        clip_id=clip_id,
        description=description or "",
        styles=styles,
        vox_audio_id=vox_audio_id,
        vocal_start_s=start,
        vocal_end_s=end,
    )


def parse_create_voice(data: dict[str, Any], *, file_bytes: bytes | None, filename: str) -> VoiceRequest:
    """Check a ``/sonic/create-voice`` body: ``url`` (alias ``audio_url``) or multipart ``file``,
    ``name`` (≤ 80, default "Voice"), ``seed`` and the webhook fields."""
    body = Body(data)
    url = None if file_bytes is not None else body.url("url", "audio_url")
    name = body.string("name", max_len=80, len_message="The name character length should be less than 80.")
    seed = body.integer("seed", lo=0, hi=4_294_967_295)
    webhook_url = body.url("webhook_url", "callback_url")
    webhook_secret = body.string("webhook_secret", max_len=256)
    if file_bytes is None and url is None:
        raise InvalidParameter("The 'url' or 'file' field is required.", field="url")
    return VoiceRequest(
        url=url,
        file_bytes=file_bytes,
        filename=filename,
        name=name if name and name.strip() else "Voice",
        seed=seed,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        stored={k: v for k, v in data.items() if k != "webhook_secret"},
    )


class PersonaBody(BaseModel):
    """POST /api/v1/sonic/persona (synchronous, 1 credit)."""

    model_config = ConfigDict(extra="allow")
    name: str | None = Field(default=None, description="Required, ≤ 80")
    clip_id: str | None = Field(default=None, description="A clip with vocals (alias continue_clip_id)")
    continue_clip_id: str | None = None
    description: str | None = Field(default=None, description="≤ 200 (alias describe)")
    styles: str | None = Field(default=None, description="Default tags of persona_music (≤ 1000)")
    vox_audio_id: str | None = None
    vocal_start_s: float | None = None
    vocal_end_s: float | None = None


class PersonaOut(BaseModel):
    code: int = 200
    message: str = "success"
    persona_id: str


class CreateVoiceBody(BaseModel):
    """POST /api/v1/sonic/create-voice (async, 4 credits): one singer, at least 10 s."""

    model_config = ConfigDict(extra="allow")
    url: str | None = None
    audio_url: str | None = Field(default=None, description="Alias of url")
    name: str | None = Field(default=None, description="≤ 80, default 'Voice'")
    seed: int | None = None
    webhook_url: str | None = None
    callback_url: str | None = None
    webhook_secret: str | None = None


def parse_mashup(data: dict[str, Any]) -> MashupRequest:
    """Check a ``/sonic/mashup`` body: ``mashup_clip_ids`` (exactly 2 ids) and the content fields."""
    from tunesmith.api.schemas.sonic import parse_content

    body = Body(data)
    sent, ids = body.raw("mashup_clip_ids")
    if ids is not None and not isinstance(ids, list):
        raise InvalidParameter("The 'mashup_clip_ids' field should be an array.", field=sent)
    if ids is not None and len(ids) != 2:
        raise InvalidParameter("The 'mashup_clip_ids' field should contain exactly 2 items.", field=sent)
    if ids is not None and not all(isinstance(i, str) for i in ids):
        raise InvalidParameter("The 'mashup_clip_ids' field should contain strings.", field=sent)
    content = parse_content(body, data, task_type="mashup")
    if ids is None:
        raise InvalidParameter("The 'mashup_clip_ids' field is required.", field="mashup_clip_ids")
    return MashupRequest(clip_ids=[str(i) for i in ids], content=content)


class MashupBody(BaseModel):
    """POST /api/v1/sonic/mashup (async, 10 credits, 2 clips at the first clip's tempo and key)."""

    model_config = ConfigDict(extra="allow")
    mashup_clip_ids: list[str] | None = Field(default=None, description="Exactly 2 clip ids")
    mv: str | None = None
    title: str | None = None
    tags: str | None = None
    audio_weight: float | None = Field(default=None, description="Level of the accompaniment (0..1)")
    seed: int | None = None
    webhook_url: str | None = None
    callback_url: str | None = None
    webhook_secret: str | None = None
