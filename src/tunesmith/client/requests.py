"""Request bodies of the wire contract (API.md), as ``TypedDict`` s for keyword arguments.

Each ``Client``/``AsyncClient`` method takes its body's fields as keyword arguments named exactly
as on the wire (``client.sonic_create(mv="sonic-v5", prompt="[Verse] …", tags="pop")``); a field
left out or passed as None is not sent, which the contract treats the same as absent. Fields this
module does not list are still sent as given (the server ignores unknown fields), so newer
service fields need no SDK release. Units: seconds for every ``*_s``, ``duration`` and
``continue_at``; weights are 0..1.
"""

from __future__ import annotations

import os
from typing import IO, Any, TypedDict

__all__ = [
    "FileInput",
    "NuroCreate",
    "ProducerCreate",
    "ProducerUpload",
    "RiffusionCreate",
    "RiffusionUpload",
    "SonicContent",
    "SonicCreate",
    "SonicCreateVoice",
    "SonicMashup",
    "SonicPersona",
    "SonicReplaceSection",
    "SonicSample",
    "SonicUpload",
    "SonicUploadCover",
    "SonicUploadExtend",
    "StudioConfig",
    "StudioCreate",
    "Webhook",
]

FileInput = bytes | str | os.PathLike[str] | IO[bytes]
"""Audio for multipart uploads: raw bytes, a path, or a binary file object."""


class Webhook(TypedDict, total=False):
    """§10: every async endpoint accepts these. ``callback_url`` is an alias of ``webhook_url``."""

    webhook_url: str
    callback_url: str
    webhook_secret: str


class SonicContent(Webhook, total=False):
    """The §4.1 content fields shared by create, upload-extend, upload-cover, sample and mashup."""

    custom_mode: bool
    mv: str
    prompt: str
    gpt_description_prompt: str
    title: str
    tags: str
    negative_tags: str
    make_instrumental: bool
    auto_lyrics: bool
    vocal_gender: str
    style_weight: float
    weirdness_constraint: float
    audio_weight: float
    duration: float
    seed: int


class SonicCreate(SonicContent, total=False):
    """``POST /api/v1/sonic/create`` (§4.1)."""

    task_type: str
    continue_clip_id: str
    continue_at: float
    persona_id: str
    variation_category: str
    overpainting_start_s: float
    overpainting_end_s: float
    use_suno_cdn: bool


class SonicUpload(Webhook, total=False):
    """``POST /api/v1/sonic/upload`` (§4.3): ``url`` or ``file``."""

    url: str
    file: FileInput
    filename: str
    title: str


class SonicUploadExtend(SonicContent, total=False):
    """``POST /api/v1/sonic/upload-extend`` (§4.4)."""

    url: str
    file: FileInput
    filename: str
    continue_at: float
    auto_concat: bool


class SonicUploadCover(SonicContent, total=False):
    """``POST /api/v1/sonic/upload-cover`` (§4.5)."""

    url: str
    file: FileInput
    filename: str


class SonicPersona(TypedDict, total=False):
    """``POST /api/v1/sonic/persona`` (§4.6, sync)."""

    name: str
    clip_id: str
    continue_clip_id: str
    description: str
    describe: str
    styles: str
    vox_audio_id: str
    vocal_start_s: float
    vocal_end_s: float


class SonicCreateVoice(Webhook, total=False):
    """``POST /api/v1/sonic/create-voice`` (§4.7)."""

    url: str
    audio_url: str
    file: FileInput
    filename: str
    name: str
    seed: int


class SonicSample(SonicContent, total=False):
    """``POST /api/v1/sonic/sample`` (§4.8): ``url``, ``file`` or ``sample_clip_id``."""

    url: str
    file: FileInput
    filename: str
    sample_clip_id: str
    chop_sample_start_s: float
    chop_sample_end_s: float


class SonicMashup(SonicContent, total=False):
    """``POST /api/v1/sonic/mashup`` (§4.9): exactly 2 ``mashup_clip_ids``."""

    mashup_clip_ids: list[str]


class SonicReplaceSection(Webhook, total=False):
    """``POST /api/v1/sonic/replace-section`` (§4.10): window 2..60 s."""

    clip_id: str
    continue_clip_id: str
    infill_start_s: float
    infill_end_s: float
    infill_lyrics: str
    prompt: str
    tags: str
    mv: str
    vocal_gender: str
    negative_tags: str
    seed: int
    auto_concat: bool


class RiffusionCreate(Webhook, total=False):
    """``POST /api/v1/riffusion/create`` (§5)."""

    task_type: str
    custom_mode: bool
    mv: str
    lyrics: str
    prompt: str
    title: str
    sound: str
    make_instrumental: bool
    continue_clip_id: str
    continue_at: float
    replace_start_at: float
    replace_end_at: float
    duration: float
    seed: int


class RiffusionUpload(Webhook, total=False):
    """``POST /api/v1/riffusion/upload`` (§5)."""

    url: str
    file: FileInput
    filename: str
    title: str


class ProducerCreate(Webhook, total=False):
    """``POST /api/v1/producer/create`` (§6); ``task_type`` is required there."""

    mv: str
    seed: int | str
    sound: str
    lyrics: str
    title: str
    make_instrumental: bool
    cover_url: str
    lyrics_strength: float
    sound_strength: float
    weirdness: float
    duration: float
    clip_id: str
    continue_clip_id: str
    starts_at: float
    ends_at: float
    instruction: str
    length: float
    strength: float


class ProducerUpload(Webhook, total=False):
    """``POST /api/v1/producer/upload`` (§6)."""

    audio_url: str
    url: str
    file: FileInput
    filename: str


class StudioSource(TypedDict, total=False):
    song_id: str


class StudioConfig(TypedDict, total=False):
    """``config`` of a studio create: ``mode`` is ``regular``, ``precede`` or ``continuation``."""

    mode: str
    source: StudioSource
    context_length: float


class StudioCreate(Webhook, total=False):
    """``POST /api/v1/studio/create`` (§7)."""

    prompt: str
    lyrics_type: str
    lyrics: str
    bypass_prompt_optimization: bool
    seed: int
    song_section_start: float
    song_section_end: float
    lyrics_placement_start: float
    lyrics_placement_end: float
    prompt_strength: float
    clarity_strength: float
    lyrics_strength: float
    generation_quality: float
    negative_prompt: str
    model_type: str
    config: StudioConfig
    notify_hook: str


class NuroSegment(TypedDict):
    name: str
    duration: int


class NuroCreate(Webhook, total=False):
    """``POST /api/v1/nuro/create`` (§8): vocal mode (``lyrics``) or bgm mode (``description``)."""

    type: str
    lyrics: str
    gender: str
    genre: str | list[str]
    mood: str | list[str]
    timbre: str
    duration: int
    description: str
    instrument: list[str]
    theme: list[str]
    version: str
    segments: list[NuroSegment]
    seed: int


def clean(fields: dict[str, Any]) -> dict[str, Any]:
    """The body to send: ``fields`` without None values (null counts as absent on the wire)."""
    return {k: v for k, v in fields.items() if v is not None}
