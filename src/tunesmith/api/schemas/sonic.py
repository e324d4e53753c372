"""Sonic family wire schemas (API.md §4): parsing of request bodies in the contract's order, and
pydantic models that document the request and response shapes in OpenAPI."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tunesmith.api.validation import Body, enum_message
from tunesmith.errors import InvalidParameter
from tunesmith.jobs.edits import ReplaceRequest, UploadEditRequest
from tunesmith.jobs.service import CreateRequest
from tunesmith.jobs.uploads import UploadRequest

SONIC_MODELS = [
    f"{family}-{version}"
    for family in ("sonic", "chirp")
    for version in ("v3-5", "v4", "v4-5", "v4-5-plus", "v4-5-all", "v5", "v5-5", "v6", "v6-wild", "v6-mini")
]
"""The 20 accepted model names (§3.4), sonic spellings first."""

_MV_LIST = [m for m in SONIC_MODELS if m.startswith("sonic-")]
MV_MESSAGE = enum_message("mv", _MV_LIST, noun="model")
BUILT_TASK_TYPES = [
    "create_music",
    "extend_music",
    "extend_upload_music",
    "cover_music",
    "cover_upload_music",
    "concat_music",
    "persona_music",
    "remaster",
    "add_instrumental",
    "add_vocals",
]
"""Task types this server performs (API.md §4.1 order)."""


def _short_limits(mv: str | None) -> bool:
    return bool(mv) and mv is not None and mv.split("-", 1)[-1] in ("v3-5", "v4")


def parse_create(data: dict[str, Any]) -> CreateRequest:
    """Type- and range-check a ``/sonic/create`` body in table order (API.md §4.1)."""
    body = Body(data)
    task_type = body.enum("task_type", BUILT_TASK_TYPES) or "create_music"
    return parse_content(body, data, task_type=task_type)


def parse_content(body: Body, data: dict[str, Any], *, task_type: str) -> CreateRequest:
    """The §4.1 content fields (also those of upload-extend and upload-cover), in table order."""
    custom_mode = body.boolean("custom_mode")
    mv = body.string("mv")
    if mv is not None and mv not in SONIC_MODELS:
        raise InvalidParameter(MV_MESSAGE, field="mv")
    short = _short_limits(mv)
    prompt_max = 3000 if short else 5000
    prompt = body.string(
        "prompt",
        max_len=prompt_max,
        len_message=f"The prompt character length should be less than {prompt_max}.",
    )
    description = body.string("gpt_description_prompt", max_len=400)
    title = body.string("title", max_len=80, len_message="The title character length should be less than 80.")
    tags_max = 200 if short else 1000
    tags = body.string(
        "tags", max_len=tags_max, len_message=f"The tags character length should be less than {tags_max}."
    )
    negative_tags = body.string("negative_tags", max_len=1000)
    make_instrumental = body.boolean("make_instrumental") or False
    auto_lyrics = body.boolean("auto_lyrics") or False
    vocal_gender = body.enum("vocal_gender", ["f", "m"])
    style_weight = body.number("style_weight", lo=0, hi=1)
    weirdness = body.number("weirdness_constraint", lo=0, hi=1)
    audio_weight = body.number("audio_weight", lo=0, hi=1)
    continue_clip_id = body.string("continue_clip_id")
    continue_at = body.number("continue_at")
    persona_id = body.string("persona_id")
    variation = body.enum("variation_category", ["subtle", "normal", "high"])
    overpaint_start = body.number("overpainting_start_s", lo=0)
    overpaint_end = body.number("overpainting_end_s", lo=0)
    duration = body.number("duration", lo=10, hi=360)
    body.boolean("use_suno_cdn")
    seed = body.integer("seed", lo=0, hi=4_294_967_295)
    webhook_url = body.url("webhook_url", "callback_url")
    webhook_secret = body.string("webhook_secret", max_len=256)
    if task_type != "concat_music" and mv is None:
        raise InvalidParameter("The 'mv' field is required.", field="mv")
    if custom_mode is None:
        custom_mode = bool(prompt) or description is None
    stored = {k: v for k, v in data.items() if k != "webhook_secret"}
    return CreateRequest(
        task_type=task_type,
        custom_mode=custom_mode,
        mv=mv,
        prompt=prompt,
        gpt_description_prompt=description,
        title=title,
        tags=tags,
        negative_tags=negative_tags,
        make_instrumental=make_instrumental,
        auto_lyrics=auto_lyrics,
        vocal_gender=vocal_gender,
        style_weight=style_weight,
        weirdness_constraint=weirdness,
        continue_clip_id=continue_clip_id,
        duration=duration,
        seed=seed,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        stored=stored,
        continue_at=continue_at,
        audio_weight=audio_weight,
        variation_category=variation,
        overpainting_start_s=overpaint_start,
        overpainting_end_s=overpaint_end,
        persona_id=persona_id,
    )


def parse_upload_edit(
    data: dict[str, Any], *, file_bytes: bytes | None, filename: str, op: str
) -> UploadEditRequest:
    """Check an ``upload-extend`` (op ``extend``) or ``upload-cover`` (op ``cover``) body: the
    audio (``url`` or multipart ``file``), ``continue_at``/``auto_concat`` or ``audio_weight``,
    and the §4.1 content fields."""
    body = Body(data)
    url = None if file_bytes is not None else body.url("url")
    auto_concat = False
    if op == "extend":
        body.number("continue_at")
        auto_concat = body.boolean("auto_concat") or False
    task_type = "upload_extend" if op == "extend" else "upload_cover"
    content = parse_content(body, data, task_type=task_type)
    if file_bytes is None and url is None:
        raise InvalidParameter("The 'url' or 'file' field is required.", field="url")
    return UploadEditRequest(
        url=url, file_bytes=file_bytes, filename=filename, auto_concat=auto_concat, content=content
    )


def parse_replace(data: dict[str, Any]) -> ReplaceRequest:
    """Check a ``/sonic/replace-section`` body (API.md §4.10) in table order."""
    body = Body(data)
    clip_id = body.string("clip_id", "continue_clip_id")
    start = body.number("infill_start_s", lo=0)
    end = body.number("infill_end_s", lo=0)
    infill_lyrics = body.string("infill_lyrics", max_len=3000)
    prompt = body.string(
        "prompt", max_len=5000, len_message="The prompt character length should be less than 5000."
    )
    tags = body.string(
        "tags", max_len=1000, len_message="The tags character length should be less than 1000."
    )
    mv = body.string("mv")
    if mv is not None and mv not in SONIC_MODELS:
        raise InvalidParameter(MV_MESSAGE, field="mv")
    vocal_gender = body.enum("vocal_gender", ["f", "m"])
    negative_tags = body.string("negative_tags", max_len=1000)
    seed = body.integer("seed", lo=0, hi=4_294_967_295)
    body.boolean("auto_concat")
    webhook_url = body.url("webhook_url", "callback_url")
    webhook_secret = body.string("webhook_secret", max_len=256)
    if not clip_id:
        raise InvalidParameter("The 'clip_id' field is required.", field="clip_id")
    if start is None:
        raise InvalidParameter("The 'infill_start_s' field is required.", field="infill_start_s")
    if end is None:
        raise InvalidParameter("The 'infill_end_s' field is required.", field="infill_end_s")
    if end <= start:
        raise InvalidParameter(
            "The 'infill_end_s' field should be greater than 'infill_start_s'.", field="infill_end_s"
        )
    return ReplaceRequest(
        clip_id=clip_id,
        infill_start_s=start,
        infill_end_s=end,
        infill_lyrics=infill_lyrics,
        prompt=prompt,
        tags=tags,
        mv=mv,
        vocal_gender=vocal_gender,
        negative_tags=negative_tags,
        seed=seed,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        stored={k: v for k, v in data.items() if k != "webhook_secret"},
    )


LYRICS_REQUIRED = "description is required."
LYRICS_TOO_LONG = "The description character length should be less than 120."


def parse_lyrics(data: dict[str, Any]) -> tuple[str, int | None]:
    """Check a ``/sonic/lyrics`` body: ``description`` (alias ``prompt``; required, ≤ 120) and
    ``seed`` [+]. Returns ``(description, seed)``."""
    body = Body(data)
    sent, value = body.raw("description", "prompt")
    if value is None:
        raise InvalidParameter(LYRICS_REQUIRED, field="description")
    if not isinstance(value, str):
        raise InvalidParameter(f"The '{sent}' field should be a string.", field=sent)
    if len(value) > 120:
        raise InvalidParameter(LYRICS_TOO_LONG, field=sent)
    if not value.strip():
        raise InvalidParameter(LYRICS_REQUIRED, field="description")
    seed = body.integer("seed", lo=0, hi=4_294_967_295)
    return value, seed


def parse_upsample(data: dict[str, Any]) -> str:
    """Check a ``/sonic/upsample-tags`` body: ``tags`` (required, ≤ 1000)."""
    body = Body(data)
    tags = body.string(
        "tags", max_len=1000, len_message="The tags character length should be less than 1000."
    )
    if tags is None or not tags.strip():
        raise InvalidParameter("The 'tags' field is required.", field="tags")
    return tags


def parse_upload(data: dict[str, Any], *, file_bytes: bytes | None, filename: str) -> UploadRequest:
    """Check a ``/sonic/upload`` body (JSON, or the text parts of a multipart form)."""
    body = Body(data)
    url = None if file_bytes is not None else body.url("url")
    title = body.string("title", max_len=80, len_message="The title character length should be less than 80.")
    webhook_url = body.url("webhook_url", "callback_url")
    webhook_secret = body.string("webhook_secret", max_len=256)
    if file_bytes is None and url is None:
        raise InvalidParameter("The 'url' or 'file' field is required.", field="url")
    stored = {k: v for k, v in data.items() if k != "webhook_secret"}
    return UploadRequest(
        url=url,
        file_bytes=file_bytes,
        filename=filename,
        title=title,
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        stored=stored,
    )


# ----- documentation models (OpenAPI) -------------------------------------------------------------


class SonicCreateBody(BaseModel):
    """POST /api/v1/sonic/create. Unknown fields are ignored; ``null`` counts as absent."""

    model_config = ConfigDict(extra="allow")
    task_type: str | None = Field(
        default=None, description="create_music (default), or an edit: " + ", ".join(BUILT_TASK_TYPES[1:])
    )
    custom_mode: bool | None = None
    mv: str | None = Field(default=None, description="One of the 20 sonic-/chirp- model names")
    prompt: str | None = Field(default=None, description="Lyrics in custom mode")
    gpt_description_prompt: str | None = None
    title: str | None = None
    tags: str | None = None
    negative_tags: str | None = None
    make_instrumental: bool | None = None
    auto_lyrics: bool | None = None
    vocal_gender: str | None = None
    style_weight: float | None = None
    weirdness_constraint: float | None = None
    audio_weight: float | None = Field(default=None, description="0..1; closeness to the source")
    continue_clip_id: str | None = Field(default=None, description="Source clip of an edit")
    continue_at: float | None = Field(default=None, description="Join point (s) of an extension")
    persona_id: str | None = Field(default=None, description="persona_music: the persona that sings")
    variation_category: str | None = Field(default=None, description="remaster: subtle, normal, high")
    overpainting_start_s: float | None = None
    overpainting_end_s: float | None = None
    duration: float | None = None
    seed: int | None = None
    webhook_url: str | None = None
    callback_url: str | None = None
    webhook_secret: str | None = None


class UploadEditBody(SonicCreateBody):
    """POST /api/v1/sonic/upload-extend and /upload-cover (JSON with ``url``, or multipart ``file``)."""

    url: str | None = None
    auto_concat: bool | None = Field(default=None, description="upload-extend: return the full songs")


class ReplaceSectionBody(BaseModel):
    """POST /api/v1/sonic/replace-section (10 credits, 2 full songs)."""

    model_config = ConfigDict(extra="allow")
    clip_id: str | None = None
    continue_clip_id: str | None = Field(default=None, description="Alias of clip_id")
    infill_start_s: float | None = None
    infill_end_s: float | None = None
    infill_lyrics: str | None = None
    prompt: str | None = None
    tags: str | None = None
    mv: str | None = None
    vocal_gender: str | None = None
    negative_tags: str | None = None
    seed: int | None = None
    auto_concat: bool | None = None
    webhook_url: str | None = None
    callback_url: str | None = None
    webhook_secret: str | None = None


class SonicUploadBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    url: str | None = None
    title: str | None = None
    webhook_url: str | None = None
    callback_url: str | None = None
    webhook_secret: str | None = None


class SonicLyricsBody(BaseModel):
    """POST /api/v1/sonic/lyrics (synchronous, 2 credits)."""

    model_config = ConfigDict(extra="allow")
    description: str | None = Field(default=None, description="What the song is about (≤ 120 characters)")
    prompt: str | None = Field(default=None, description="Alias of description")
    seed: int | None = Field(default=None, description="[+] Same seed, same lyrics")


class LyricResult(BaseModel):
    title: str
    lyrics: str


class LyricsOut(BaseModel):
    code: int = 200
    message: str = "success"
    results: list[LyricResult]


class UpsampleTagsBody(BaseModel):
    """POST /api/v1/sonic/upsample-tags (synchronous, 1 credit)."""

    model_config = ConfigDict(extra="allow")
    tags: str | None = Field(default=None, description="Short style tags, e.g. 'pop, happy' (≤ 1000)")


class UpsampledTags(BaseModel):
    upsampled_tags: str


class UpsampleTagsOut(BaseModel):
    code: int = 200
    message: str = "success"
    data: UpsampledTags


class Submitted(BaseModel):
    code: int = 200
    message: str = "success"
    task_id: str


class Uploaded(BaseModel):
    code: int = 200
    message: str = "success"
    clip_id: str
    task_id: str | None = Field(default=None, description="Only when a webhook was given")


class ClipMetadata(BaseModel):
    model_config = ConfigDict(extra="allow")
    task_id: str | None
    task_type: str
    origin: str
    seed: int | None
    tempo_bpm: float | None
    key: str | None
    time_signature: str | None
    engine: str
    quality: str
    estimated: bool
    source_clip_id: str | None
    wav_url: str | None
    finished_at: str | None


class ClipOut(BaseModel):
    clip_id: str
    state: str
    title: str
    tags: str
    negative_tags: str | None
    lyrics: str
    gpt_description_prompt: str | None
    mv: str | None
    audio_url: str | None
    image_url: str | None
    video_url: str | None
    created_at: str
    duration: float | None
    style_weight: float | None
    weirdness_constraint: float | None
    error_message: str | None = Field(default=None, description="Only when failed")
    metadata: ClipMetadata


class PollOut(BaseModel):
    code: int = 200
    message: str = "success"
    data: list[ClipOut]


class ErrorOut(BaseModel):
    code: int
    message: str
    error: str
