"""Uploads (API.md §4.3, §12): fetch or receive audio, check size and duration, decode, store
the original bytes plus a WAV and an MP3, and record an ``origin: upload`` clip.

The clip's duration is measured; tempo and key are estimated with ``tunesmith.music.analyze``.
"""

from __future__ import annotations

import contextlib
import hashlib
import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import structlog

from tunesmith.errors import InsufficientCredits, InvalidParameter, PayloadTooLarge
from tunesmith.jobs.context import Services
from tunesmith.jobs.runner import after_finish
from tunesmith.music.analyze.key import estimate_key
from tunesmith.music.analyze.tempo import estimate_tempo
from tunesmith.music.audio import (
    DEFAULT_SAMPLE_RATE_HZ,
    AudioBuffer,
    decode_audio,
    encode_mp3,
    encode_wav,
)
from tunesmith.music.bundle import MIX_MP3, MIX_WAV
from tunesmith.store.repos import ApiKey, Clip, NewClip, Task, new_id
from tunesmith.webhooks.net import BlockedTarget, TooLarge, fetch

log = structlog.get_logger(__name__)

NOT_ACCESSIBLE = "Audio URL is not accessible. Please provide a public direct audio file URL."
INSUFFICIENT = "The remaining credits are not enough. You can buy more one-time credit packs or subscribe."


@dataclass(frozen=True)
class UploadRequest:
    url: str | None
    file_bytes: bytes | None
    filename: str
    title: str | None
    webhook_url: str | None
    webhook_secret: str | None
    stored: dict[str, Any]


def too_large_message(max_bytes: int) -> str:
    return f"The audio file should be less than {max_bytes / (1024 * 1024):g} MB."


def _fetch(services: Services, url: str) -> bytes:
    cfg = services.settings.uploads
    own = services.settings.base_url + "/files/"
    if url.startswith(own):
        return _own_file(services, url[len(own) :])
    try:
        return fetch(
            url,
            allow_private=cfg.allow_private_networks,
            allowed_networks=cfg.allowed_networks,
            max_bytes=cfg.max_bytes,
            connect_timeout_s=cfg.connect_timeout_s,
            total_timeout_s=cfg.total_timeout_s,
        ).content
    except TooLarge as exc:
        raise PayloadTooLarge(too_large_message(cfg.max_bytes)) from exc
    except (BlockedTarget, httpx.HTTPError) as exc:
        log.info("upload.fetch_failed", url=url, error=str(exc))
        raise InvalidParameter(NOT_ACCESSIBLE, field="url") from exc


def _own_file(services: Services, rest: str) -> bytes:
    from tunesmith.blobs.urls import WIRE_FILES, is_clip_id

    parts = rest.split("?", 1)[0].split("/")
    if len(parts) != 2 or parts[1] not in WIRE_FILES or not is_clip_id(parts[0]):
        raise InvalidParameter(NOT_ACCESSIBLE, field="url")
    key = f"clips/{parts[0]}/{WIRE_FILES[parts[1]]}"
    if not services.blobs.exists(key):
        raise InvalidParameter(NOT_ACCESSIBLE, field="url")
    return services.blobs.get(key)


def decode_upload(
    data: bytes, name: str, *, max_duration_s: float, min_duration_s: float, field: str
) -> AudioBuffer:
    """Decode uploaded bytes within the contract's length rule (API.md §12), naming ``field``.

    The limit is checked before decoding where the header declares a length, and decoding stops
    as soon as it passes the limit, so a header claiming hours or a decompression-bomb FLAC costs
    at most ``max_duration_s`` of samples. Too long, too short or not audio: InvalidParameter with
    the contract's message.
    """
    try:
        audio = decode_audio(data, filename_hint=name, max_duration_s=max_duration_s)
    except InvalidParameter as exc:  # AudioTooLong included: the same message, this field
        raise InvalidParameter(exc.message, field=field) from exc
    if audio.duration_s < min_duration_s:
        raise InvalidParameter(
            f"The audio duration should be more than {min_duration_s:g} seconds.", field=field
        )
    return audio


def _analysis(audio: AudioBuffer) -> tuple[float | None, str | None]:
    """Estimated tempo (BPM, 2 decimals) and key name of an upload; None where analysis fails."""
    tempo: float | None = None
    key: str | None = None
    try:
        tempo = round(float(estimate_tempo(audio).tempo_bpm), 2)
    except Exception as exc:  # analysis is best effort; the upload itself succeeded
        log.info("upload.tempo_failed", error=str(exc))
    try:
        key = estimate_key(audio).name
    except Exception as exc:
        log.info("upload.key_failed", error=str(exc))
    return tempo, key


def upload(services: Services, key: ApiKey, req: UploadRequest) -> tuple[Clip, Task | None]:
    """Store an uploaded song as a succeeded clip; with a webhook, inside a finished task."""
    cfg = services.settings.uploads
    price = services.settings.billing.price("upload")
    if key.credits + key.extra_credits < price:
        raise InsufficientCredits(INSUFFICIENT)
    if req.file_bytes is not None:
        data = req.file_bytes
        if len(data) > cfg.max_bytes:
            raise PayloadTooLarge(too_large_message(cfg.max_bytes))
        name = req.filename
    else:
        assert req.url is not None
        data = _fetch(services, req.url)
        name = posixpath.basename(unquote(urlsplit(req.url).path))
    audio = decode_upload(
        data,
        name,
        max_duration_s=cfg.max_duration_s,
        min_duration_s=cfg.min_duration_s,
        field="file" if req.file_bytes is not None else "url",
    )
    duration_s = audio.duration_s
    tempo, musical_key = _analysis(audio)
    mix = audio.to_stereo().resampled(DEFAULT_SAMPLE_RATE_HZ)
    clip_id = new_id()
    ext = posixpath.splitext(name)[1].lower()[:8] or ".bin"
    files = {f"original{ext}": data, MIX_WAV: encode_wav(mix), MIX_MP3: encode_mp3(mix)}
    written: list[str] = []
    try:
        for fname, content in files.items():
            services.blobs.put(f"clips/{clip_id}/{fname}", content)
            written.append(fname)
    except Exception:  # a full disk or a failing bucket: leave no partial clip behind, charge nothing
        for fname in written:
            with contextlib.suppress(Exception):
                services.blobs.delete(f"clips/{clip_id}/{fname}")
        raise
    title = req.title if req.title is not None else posixpath.splitext(name)[0]
    new = NewClip(
        id=clip_id,
        idx=0,
        title=title,
        tags="",
        negative_tags=None,
        lyrics="",
        gpt_description_prompt=None,
        mv=None,
        style_weight=None,
        weirdness_constraint=None,
        task_type="upload",
        origin="upload",
        seed=None,
        engine="analysis",
        quality="standard",
    )
    task_info = None
    if req.webhook_url:
        task_info = {
            "id": new_id(),
            "family": "sonic",
            "task_type": "upload",
            "request": {"_sent": req.stored},
            "webhook_url": req.webhook_url,
            "webhook_secret": req.webhook_secret,
        }
    try:
        clip, task = services.store.create_finished_clip(
            key_id=key.id,
            clip=new,
            duration_s=duration_s,
            files=sorted(files),
            tempo_bpm=tempo,
            key=musical_key,
            time_signature=None,
            charge=price,
            task=task_info,
            upload={
                "source_url": req.url,
                "filename": name,
                "size_bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            },
        )
    except InsufficientCredits:
        for fname in files:
            services.blobs.delete(f"clips/{clip_id}/{fname}")
        raise
    if task is not None:
        after_finish(services, task)
    return clip, task
