"""Uploads (API.md §4.3, §12): fetch or receive audio, check size and duration, decode, store
the original bytes plus a WAV and an MP3, and record an ``origin: upload`` clip.

The clip's duration is measured at once. Its tempo and key are not needed by the answer, so they
are measured after it (API.md §4.3: analysis runs when an operation first needs it, and is
cached): :func:`analyse_later` starts the measurement in a background thread as soon as the clip
is stored, and :func:`with_facts` — what ``sonic/bpm``, stems, vox, midi and personas call —
returns them, measuring them first if nobody has yet. Either way they are measured once
(``cache/upload_facts.json`` in the bundle) and copied into the clip row, where polls read them
(null until then). A synchronous upload used to spend most of its time here: the first one in a
process paid ~5 s of imports and numba compilation in ``estimate_tempo``, and every one paid
0.2 s (30 s of audio) to 0.8 s (3 min) of measuring (``bench/bench_upload.py``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import posixpath
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import structlog

from tunesmith.errors import InsufficientCredits, InvalidParameter, PayloadTooLarge
from tunesmith.jobs.analysis import cached_json, mix_audio
from tunesmith.jobs.context import Services
from tunesmith.jobs.runner import after_finish
from tunesmith.music.audio import (
    DEFAULT_SAMPLE_RATE_HZ,
    AudioBuffer,
    decode_audio,
    encode_mp3,
    encode_wav,
    reusable_mp3,
)
from tunesmith.music.bundle import MIX_MP3, MIX_WAV
from tunesmith.store.repos import ApiKey, Clip, NewClip, Task, new_id
from tunesmith.webhooks.net import BlockedTarget, TooLarge, fetch

log = structlog.get_logger(__name__)

NOT_ACCESSIBLE = "Audio URL is not accessible. Please provide a public direct audio file URL."
INSUFFICIENT = "The remaining credits are not enough. You can buy more one-time credit packs or subscribe."

FACTS = "upload_facts.json"
"""Cache name (``clips/<id>/cache/upload_facts.json``) of an upload's measured tempo and key."""


class _Background:
    """Runs jobs one at a time, in order, in one daemon thread started when first needed.

    A daemon, unlike a ``ThreadPoolExecutor`` worker, does not hold up the process's exit while
    a backlog remains: a measurement cut short is made by the next request that needs it (blobs
    are written atomically, and the clip row only once the result is stored).
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[tuple[Callable[[], None], Future[None]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._guard = threading.Lock()

    def submit(self, job: Callable[[], None]) -> Future[None]:
        """Queue ``job``; the future completes when it has run."""
        future: Future[None] = Future()
        self._jobs.put((job, future))
        with self._guard:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        return future

    def _run(self) -> None:
        while True:
            job, future = self._jobs.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                job()
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(None)


_analyser = _Background("tunesmith-upload-analysis")
"""Measures uploads after they are answered, one at a time (each measurement is CPU-bound)."""


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


def _measure(audio: AudioBuffer) -> dict[str, Any]:
    """Tempo (avg / min / max BPM, 2 decimals; None where estimation fails) and key name (None
    where it fails) of an upload's mix. Best effort: the upload itself has succeeded."""
    from tunesmith.music.analyze.key import estimate_key
    from tunesmith.music.analyze.tempo import estimate_tempo

    facts: dict[str, Any] = {"bpm": None, "key": None}
    try:
        est = estimate_tempo(audio)
        tempo_bpm = float(est.tempo_bpm)
        facts["bpm"] = {
            "avg_bpm": round(tempo_bpm, 2),
            "max_bpm": round(float(max(est.max_bpm, tempo_bpm)), 2),
            "min_bpm": round(float(min(est.min_bpm, tempo_bpm)), 2),
        }
    except Exception as exc:
        log.info("upload.tempo_failed", error=str(exc))
    try:
        facts["key"] = estimate_key(audio).name
    except Exception as exc:
        log.info("upload.key_failed", error=str(exc))
    return facts


def upload_facts(services: Services, clip: Clip) -> dict[str, Any]:
    """``{"bpm": {"avg_bpm", "max_bpm", "min_bpm"} | None, "key": str | None}`` of an uploaded
    clip, measured on its ``mix.wav`` once (under a lock, whoever asks first) and cached in its
    bundle; the clip row gets ``tempo_bpm`` (the average) and ``key``."""
    facts: dict[str, Any] = cached_json(services, clip.id, FACTS, lambda: _measure(mix_audio(services, clip)))
    tempo_bpm = facts["bpm"]["avg_bpm"] if facts["bpm"] else None
    if clip.tempo_bpm is None and (tempo_bpm is not None or facts["key"] is not None):
        services.store.set_clip_facts(clip.id, tempo_bpm=tempo_bpm, key=facts["key"])
    return facts


def with_facts(services: Services, clip: Clip) -> Clip:
    """``clip`` with its tempo and key known: an upload not yet analysed is measured now
    (:func:`upload_facts`); any other clip is returned as it is."""
    if clip.origin != "upload" or clip.tempo_bpm is not None or clip.state != "succeeded":
        return clip
    facts = upload_facts(services, clip)
    tempo_bpm = facts["bpm"]["avg_bpm"] if facts["bpm"] else None
    return dataclasses.replace(clip, tempo_bpm=tempo_bpm, key=facts["key"] or clip.key)


def analyse_later(services: Services, clip_id: str) -> None:
    """Measure the upload ``clip_id`` in the background (:func:`with_facts`), after the answer."""

    def run() -> None:
        try:
            clip = services.store.get_clip(clip_id)
            if clip is not None:
                with_facts(services, clip)
        except Exception as exc:  # a closed store or a deleted clip: a later request measures it
            log.info("upload.analysis_failed", clip_id=clip_id, error=str(exc))

    _analyser.submit(run)


def store_upload_files(
    services: Services, clip_id: str, *, data: bytes, name: str, audio: AudioBuffer
) -> list[str]:
    """Write an upload's files into ``clips/<clip_id>/``: the original bytes (``original.<ext>``),
    ``mix.wav`` (16-bit, 44.1 kHz stereo) and ``mix.mp3``; the sorted file names.

    The MP3 is the slow part (LAME runs at roughly 50-100x real time: 0.3 s for 30 s of audio,
    2 s for 3 min on one idle core), so it is encoded in a second thread (ffmpeg, outside the GIL)
    from the WAV bytes while the original and the WAV are written. An uploaded MP3 that already
    is what the contract serves (44.1 kHz stereo, 192 kbit/s constant) is stored as it is
    (:func:`~tunesmith.music.audio.reusable_mp3`): no second encode, no generation of loss. On
    any failure (a full disk, a failing bucket) what was written is removed and the error
    raised: no partial clip is left.
    """
    mix = audio.to_stereo().resampled(DEFAULT_SAMPLE_RATE_HZ)
    ext = posixpath.splitext(name)[1].lower()[:8] or ".bin"
    wav = encode_wav(mix)
    written: list[str] = []
    as_sent = reusable_mp3(data)

    def put(fname: str, content: bytes) -> None:
        services.blobs.put(f"clips/{clip_id}/{fname}", content)
        written.append(fname)

    def mp3_bytes() -> bytes:
        return as_sent if as_sent is not None else encode_mp3(mix, wav=wav)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tunesmith-upload-mp3") as encoder:
        mp3 = encoder.submit(mp3_bytes)
        try:
            put(f"original{ext}", data)
            put(MIX_WAV, wav)
            put(MIX_MP3, mp3.result())
        except Exception:
            for fname in written:
                with contextlib.suppress(Exception):
                    services.blobs.delete(f"clips/{clip_id}/{fname}")
            raise
    return sorted(written)


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
    clip_id = new_id()
    files = store_upload_files(services, clip_id, data=data, name=name, audio=audio)
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
            duration_s=audio.duration_s,
            files=files,
            tempo_bpm=None,  # measured after the answer (analyse_later)
            key=None,
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
    analyse_later(services, clip.id)
    if task is not None:
        after_finish(services, task)
    return clip, task
