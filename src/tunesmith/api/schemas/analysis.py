"""Wire schemas of the listening endpoints (API.md §4.11–§4.13): body parsing in the contract's
order, and pydantic models documenting request and response shapes in OpenAPI."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tunesmith.api.validation import Body, enum_message
from tunesmith.errors import InvalidParameter
from tunesmith.jobs.analysis import DOWNLOAD_FORMATS


def parse_clip_id(data: dict[str, Any], *aliases: str) -> str:
    """``clip_id`` (required string)."""
    body = Body(data)
    clip_id = body.string("clip_id", *aliases)
    if clip_id is None or not clip_id:
        raise InvalidParameter("The 'clip_id' field is required.", field="clip_id")
    return clip_id


@dataclass(frozen=True)
class StemsRequest:
    clip_id: str
    webhook_url: str | None
    webhook_secret: str | None
    stored: dict[str, Any]


def parse_stems(data: dict[str, Any]) -> StemsRequest:
    """``sonic/stems/basic`` and ``/full``: ``clip_id`` and the webhook fields."""
    body = Body(data)
    clip_id = body.string("clip_id")
    webhook_url = body.url("webhook_url", "callback_url")
    webhook_secret = body.string("webhook_secret", max_len=256)
    if not clip_id:
        raise InvalidParameter("The 'clip_id' field is required.", field="clip_id")
    stored = {k: v for k, v in data.items() if k != "webhook_secret"}
    return StemsRequest(clip_id, webhook_url, webhook_secret, stored)


def parse_vox(data: dict[str, Any]) -> tuple[str, float | None, float | None]:
    """``sonic/vox``: ``clip_id``, optional ``vocal_start_s`` / ``vocal_end_s`` (numbers ≥ 0)."""
    body = Body(data)
    clip_id = body.string("clip_id")
    start = body.number("vocal_start_s")
    end = body.number("vocal_end_s")
    if not clip_id:
        raise InvalidParameter("The 'clip_id' field is required.", field="clip_id")
    return clip_id, start, end


def parse_download(data: dict[str, Any]) -> tuple[str, list[str]]:
    """``sonic/download``: ``clip_id`` and ``formats`` (subset of mp3, m4a, wav; default mp3)."""
    body = Body(data)
    clip_id = body.string("clip_id")
    sent, formats = body.raw("formats")
    chosen: list[str] = ["mp3"]
    if formats is not None:
        if not isinstance(formats, list):
            raise InvalidParameter(f"The '{sent}' field should be an array.", field=sent)
        for item in formats:
            if item not in DOWNLOAD_FORMATS:
                raise InvalidParameter(enum_message("formats", DOWNLOAD_FORMATS), field="formats")
        chosen = list(dict.fromkeys(formats)) or ["mp3"]
    if not clip_id:
        raise InvalidParameter("The 'clip_id' field is required.", field="clip_id")
    return clip_id, chosen


# ----- documentation models (OpenAPI) -------------------------------------------------------------


class ClipIdBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    clip_id: str | None = Field(default=None, description="The clip (generated, uploaded or a stem)")


class AlignedLyricsBody(ClipIdBody):
    lyrics: str | None = Field(
        default=None,
        description=(
            "[+] Lyrics to align to an uploaded clip (its vocal is separated and force-aligned); "
            "ignored for generated clips, whose timeline is exact. Default: the clip's own lyrics."
        ),
    )


class StemsBody(ClipIdBody):
    webhook_url: str | None = None
    callback_url: str | None = None
    webhook_secret: str | None = None


class VoxBody(ClipIdBody):
    vocal_start_s: float | None = Field(default=None, description="Window start (s)")
    vocal_end_s: float | None = Field(default=None, description="Window end (s), at most 30 s after start")


class DownloadBody(ClipIdBody):
    formats: list[str] | None = Field(default=None, description="Subset of mp3, m4a, wav (default mp3)")


class BpmData(BaseModel):
    avg_bpm: float
    max_bpm: float
    min_bpm: float


class BpmOut(BaseModel):
    code: int = 200
    message: str = "success"
    data: BpmData


class WavData(BaseModel):
    wav_url: str


class WavOut(BaseModel):
    code: int = 200
    message: str = "success"
    data: WavData


class MidiNote(BaseModel):
    pitch: int
    start_s: float
    end_s: float
    velocity: int


class MidiInstrument(BaseModel):
    name: str
    program: int
    is_drum: bool
    notes: list[MidiNote]


class MidiData(BaseModel):
    midi_url: str
    instruments: list[MidiInstrument]


class MidiOut(BaseModel):
    code: int = 200
    message: str = "success"
    data: MidiData


class AlignedWord(BaseModel):
    word: str
    start_s: float
    end_s: float
    p_align: float
    success: bool


class AlignedData(BaseModel):
    alignment: list[AlignedWord]


class AlignedOut(BaseModel):
    code: int = 200
    message: str = "success"
    data: AlignedData


class WaveAggregate(BaseModel):
    data: list[float]
    mip_map_level: int


class WaveResponse(BaseModel):
    waveform_aggregates: list[WaveAggregate]


class VoxData(BaseModel):
    vox_audio_id: str
    status: str
    source_clip_id: str
    vocal_start_s: float
    vocal_end_s: float
    vocal_audio_url: str
    wave_response: WaveResponse


class VoxOut(BaseModel):
    code: int = 200
    message: str = "success"
    data: VoxData


class DownloadData(BaseModel):
    clip_id: str
    urls: dict[str, str] | None = None


class DownloadOut(BaseModel):
    code: int = 200
    message: str = "success"
    data: DownloadData
