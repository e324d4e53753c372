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

    webhook_url: str | None
    callback_url: str | None
    webhook_secret: str | None


class SonicContent(Webhook, total=False):
    """The §4.1 content fields shared by create, upload-extend, upload-cover, sample and mashup."""

    custom_mode: bool | None
    mv: str | None
    prompt: str | None
    gpt_description_prompt: str | None
    title: str | None
    tags: str | None
    negative_tags: str | None
    make_instrumental: bool | None
    auto_lyrics: bool | None
    vocal_gender: str | None
    style_weight: float | None
    weirdness_constraint: float | None
    audio_weight: float | None
    duration: float | None
    seed: int | None


class SonicCreate(SonicContent, total=False):
    """``POST /api/v1/sonic/create`` (§4.1)."""

    task_type: str | None
    continue_clip_id: str | None
    continue_at: float | None
    persona_id: str | None
    variation_category: str | None
    overpainting_start_s: float | None
    overpainting_end_s: float | None
    use_suno_cdn: bool | None


class SonicUpload(Webhook, total=False):
    """``POST /api/v1/sonic/upload`` (§4.3): ``url`` or ``file``."""

    url: str | None
    file: FileInput | None
    filename: str | None
    title: str | None


class SonicUploadExtend(SonicContent, total=False):
    """``POST /api/v1/sonic/upload-extend`` (§4.4)."""

    url: str | None
    file: FileInput | None
    filename: str | None
    continue_at: float | None
    auto_concat: bool | None


class SonicUploadCover(SonicContent, total=False):
    """``POST /api/v1/sonic/upload-cover`` (§4.5)."""

    url: str | None
    file: FileInput | None
    filename: str | None


class SonicPersona(TypedDict, total=False):
    """``POST /api/v1/sonic/persona`` (§4.6, sync)."""

    name: str | None
    clip_id: str | None
    continue_clip_id: str | None
    description: str | None
    describe: str | None
    styles: str | None
    vox_audio_id: str | None
    vocal_start_s: float | None
    vocal_end_s: float | None


class SonicCreateVoice(Webhook, total=False):
    """``POST /api/v1/sonic/create-voice`` (§4.7)."""

    url: str | None
    audio_url: str | None
    file: FileInput | None
    filename: str | None
    name: str | None
    seed: int | None


class SonicSample(SonicContent, total=False):
    """``POST /api/v1/sonic/sample`` (§4.8): ``url``, ``file`` or ``sample_clip_id``."""

    url: str | None
    file: FileInput | None
    filename: str | None
    sample_clip_id: str | None
    chop_sample_start_s: float | None
    chop_sample_end_s: float | None


class SonicMashup(SonicContent, total=False):
    """``POST /api/v1/sonic/mashup`` (§4.9): exactly 2 ``mashup_clip_ids``."""

    mashup_clip_ids: list[str] | None


class SonicReplaceSection(Webhook, total=False):
    """``POST /api/v1/sonic/replace-section`` (§4.10): window 2..60 s."""

    clip_id: str | None
    continue_clip_id: str | None
    infill_start_s: float | None
    infill_end_s: float | None
    infill_lyrics: str | None
    prompt: str | None
    tags: str | None
    mv: str | None
    vocal_gender: str | None
    negative_tags: str | None
    seed: int | None
    auto_concat: bool | None


class RiffusionCreate(Webhook, total=False):
    """``POST /api/v1/riffusion/create`` (§5)."""

    task_type: str | None
    custom_mode: bool | None
    mv: str | None
    lyrics: str | None
    prompt: str | None
    title: str | None
    sound: str | None
    make_instrumental: bool | None
    continue_clip_id: str | None
    continue_at: float | None
    replace_start_at: float | None
    replace_end_at: float | None
    duration: float | None
    seed: int | None


class RiffusionUpload(Webhook, total=False):
    """``POST /api/v1/riffusion/upload`` (§5)."""

    url: str | None
    file: FileInput | None
    filename: str | None
    title: str | None


class ProducerCreate(Webhook, total=False):
    """``POST /api/v1/producer/create`` (§6); ``task_type`` is required there."""

    mv: str | None
    seed: int | str | None
    sound: str | None
    lyrics: str | None
    title: str | None
    make_instrumental: bool | None
    cover_url: str | None
    lyrics_strength: float | None
    sound_strength: float | None
    weirdness: float | None
    duration: float | None
    clip_id: str | None
    continue_clip_id: str | None
    starts_at: float | None
    ends_at: float | None
    instruction: str | None
    length: float | None
    strength: float | None


class ProducerUpload(Webhook, total=False):
    """``POST /api/v1/producer/upload`` (§6)."""

    audio_url: str | None
    url: str | None
    file: FileInput | None
    filename: str | None


class StudioSource(TypedDict, total=False):
    song_id: str


class StudioConfig(TypedDict, total=False):
    """``config`` of a studio create: ``mode`` is ``regular``, ``precede`` or ``continuation``."""

    mode: str | None
    source: StudioSource | None
    context_length: float | None


class StudioCreate(Webhook, total=False):
    """``POST /api/v1/studio/create`` (§7)."""

    prompt: str | None
    lyrics_type: str | None
    lyrics: str | None
    bypass_prompt_optimization: bool | None
    seed: int | None
    song_section_start: float | None
    song_section_end: float | None
    lyrics_placement_start: float | None
    lyrics_placement_end: float | None
    prompt_strength: float | None
    clarity_strength: float | None
    lyrics_strength: float | None
    generation_quality: float | None
    negative_prompt: str | None
    model_type: str | None
    config: StudioConfig | None
    notify_hook: str | None


class NuroSegment(TypedDict):
    name: str
    duration: int


class NuroCreate(Webhook, total=False):
    """``POST /api/v1/nuro/create`` (§8): vocal mode (``lyrics``) or bgm mode (``description``)."""

    type: str | None
    lyrics: str | None
    gender: str | None
    genre: str | list[str] | None
    mood: str | list[str] | None
    timbre: str | None
    duration: int | None
    description: str | None
    instrument: list[str] | None
    theme: list[str] | None
    version: str | None
    segments: list[NuroSegment] | None
    seed: int | None


def clean(fields: dict[str, Any]) -> dict[str, Any]:
    """The body to send: ``fields`` without None values (null counts as absent on the wire)."""
    return {k: v for k, v in fields.items() if v is not None}
