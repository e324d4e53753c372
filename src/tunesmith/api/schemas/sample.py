"""Wire schema of ``POST /api/v1/sonic/sample`` (API.md §4.8): parsing in the contract's order and
the OpenAPI model of the body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tunesmith.api.schemas.sonic import parse_content
from tunesmith.api.validation import Body
from tunesmith.errors import InvalidParameter
from tunesmith.jobs.sample_mashup import SampleRequest

SOURCE_REQUIRED = "The 'sample_clip_id' or 'url' field is required."
"""No source: neither a clip id, nor a URL, nor a multipart file."""


def parse_sample(data: dict[str, Any], *, file_bytes: bytes | None, filename: str) -> SampleRequest:
    """Check a ``/sonic/sample`` body: the source (``sample_clip_id``, ``url`` or multipart
    ``file``), ``chop_sample_start_s`` (≥ 0), ``chop_sample_end_s`` (≥ 0; its upper bounds depend on
    the source and are checked on submission), the §4.1 content fields, then the cross-field rules."""
    body = Body(data)
    sample_clip_id = body.string("sample_clip_id")
    url = None if file_bytes is not None or sample_clip_id is not None else body.url("url")
    start = body.number("chop_sample_start_s", lo=0)
    end = body.number("chop_sample_end_s", lo=0)
    content = parse_content(body, data, task_type="sample")
    if file_bytes is None and url is None and sample_clip_id is None:
        raise InvalidParameter(SOURCE_REQUIRED, field="sample_clip_id")
    if start is not None and end is not None and end <= start:
        raise InvalidParameter(
            "The 'chop_sample_end_s' field should be greater than 'chop_sample_start_s'.",
            field="chop_sample_end_s",
        )
    return SampleRequest(
        url=url,
        file_bytes=file_bytes if sample_clip_id is None else None,
        filename=filename,
        sample_clip_id=sample_clip_id,
        chop_start_s=start,
        chop_end_s=end,
        content=content,
    )


class SampleBody(BaseModel):
    """POST /api/v1/sonic/sample (async, 14 credits, 2 clips): a new song around a chopped window
    of a clip or of uploaded audio (JSON with ``sample_clip_id`` or ``url``, or multipart ``file``).
    Unknown fields are ignored; ``null`` counts as absent."""

    model_config = ConfigDict(extra="allow")
    sample_clip_id: str | None = Field(default=None, description="Source clip (or give url / file)")
    url: str | None = Field(default=None, description="Source audio URL (§12)")
    chop_sample_start_s: float | None = Field(default=None, description="Window start (s, ≥ 0, default 0)")
    chop_sample_end_s: float | None = Field(
        default=None,
        description="Window end (s): start + 6 … start + 60, ≤ the source's duration; "
        "default min(duration, start + 30). Cut on the source's beats (whole bars).",
    )
    custom_mode: bool | None = None
    mv: str | None = Field(default=None, description="Required: one of the 20 sonic-/chirp- model names")
    prompt: str | None = Field(default=None, description="Lyrics in custom mode (none: an instrumental)")
    gpt_description_prompt: str | None = Field(default=None, description="Description mode")
    title: str | None = None
    tags: str | None = Field(default=None, description="Style of the new song (default: the source's)")
    negative_tags: str | None = None
    make_instrumental: bool | None = None
    auto_lyrics: bool | None = None
    vocal_gender: str | None = None
    style_weight: float | None = None
    weirdness_constraint: float | None = None
    audio_weight: float | None = Field(
        default=None,
        description="0..1, default 0.85: ≥ 0.7 loops the chop's audio in the mix (−6 dB at 0.7 … 0 dB at 1 "
        "re the mix), below only re-voices it (its chords and melody)",
    )
    duration: float | None = Field(default=None, description="10..360 s")
    seed: int | None = None
    webhook_url: str | None = None
    callback_url: str | None = None
    webhook_secret: str | None = None
