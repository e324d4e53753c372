"""Listening routes of the sonic family (API.md §4.11–§4.13): stems basic/full (async, polled at
``/api/v1/sonic/task/{task_id}``) and the synchronous bpm, vox, wav, midi, aligned-lyrics and
download endpoints. The work lives in :mod:`tunesmith.jobs.analysis`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tunesmith.api.deps import ServicesDep, SubmitKey
from tunesmith.api.routes.common import ERRORS, body_doc
from tunesmith.api.routes.sonic import read_json
from tunesmith.api.schemas.analysis import (
    AlignedLyricsBody,
    AlignedOut,
    BpmOut,
    ClipIdBody,
    DownloadBody,
    DownloadOut,
    MidiOut,
    StemsBody,
    VoxBody,
    VoxOut,
    WavOut,
    parse_clip_id,
    parse_download,
    parse_stems,
    parse_vox,
)
from tunesmith.api.schemas.sonic import Submitted
from tunesmith.api.validation import Body
from tunesmith.jobs import analysis

router = APIRouter(tags=["sonic analysis"])


def _success(data: Any) -> JSONResponse:
    return JSONResponse({"code": 200, "message": "success", "data": data})


async def _stems(request: Request, key: Any, services: Any, mode: str) -> JSONResponse:
    req = parse_stems(await read_json(request))
    task = await run_in_threadpool(
        analysis.submit_stems,
        services,
        key,
        req.clip_id,
        mode=mode,
        webhook_url=req.webhook_url,
        webhook_secret=req.webhook_secret,
        stored=req.stored,
    )
    return JSONResponse({"code": 200, "message": "success", "task_id": task.id})


@router.post(
    "/api/v1/sonic/stems/basic",
    response_model=Submitted,
    responses=ERRORS,
    openapi_extra=body_doc(StemsBody),
    operation_id="sonic-stems-basic",
)
async def stems_basic(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Vocals and instrumental as two stem clips (async, 30 credits)."""
    return await _stems(request, key, services, "basic")


@router.post(
    "/api/v1/sonic/stems/full",
    response_model=Submitted,
    responses=ERRORS,
    openapi_extra=body_doc(StemsBody),
    operation_id="sonic-stems-full",
)
async def stems_full(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """One stem clip per stem with content (async, 75 credits)."""
    return await _stems(request, key, services, "full")


@router.post(
    "/api/v1/sonic/bpm",
    response_model=BpmOut,
    responses=ERRORS,
    openapi_extra=body_doc(ClipIdBody),
    operation_id="sonic-bpm",
)
async def bpm(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """min / avg / max BPM from the tempo map (estimated for uploads); 1 credit."""
    clip_id = parse_clip_id(await read_json(request))
    return _success(await run_in_threadpool(analysis.bpm, services, key, clip_id))


@router.post(
    "/api/v1/sonic/wav",
    response_model=WavOut,
    responses=ERRORS,
    openapi_extra=body_doc(ClipIdBody),
    operation_id="sonic-wav",
)
async def wav(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """The clip's 16-bit 44.1 kHz WAV URL; 2 credits."""
    clip_id = parse_clip_id(await read_json(request))
    return _success(await run_in_threadpool(analysis.wav, services, key, clip_id))


@router.post(
    "/api/v1/sonic/midi",
    response_model=MidiOut,
    responses=ERRORS,
    openapi_extra=body_doc(ClipIdBody),
    operation_id="sonic-midi",
)
async def midi(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """MIDI file URL and notes, from the score (transcribed for uploads); 1 credit."""
    clip_id = parse_clip_id(await read_json(request))
    return _success(await run_in_threadpool(analysis.midi, services, key, clip_id))


@router.post(
    "/api/v1/sonic/aligned-lyrics",
    response_model=AlignedOut,
    responses=ERRORS,
    openapi_extra=body_doc(AlignedLyricsBody),
    operation_id="sonic-aligned-lyrics",
)
async def aligned_lyrics(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Word-level lyric times; 1 credit the first time per clip, repeats free. Uploads have no
    lyrics of their own: send them in the optional ``lyrics`` field **[+]** to have them aligned."""
    body = await read_json(request)
    clip_id = parse_clip_id(body)
    lyrics = Body(body).string("lyrics")
    alignment = await run_in_threadpool(analysis.aligned_lyrics, services, key, clip_id, lyrics=lyrics)
    return _success({"alignment": alignment})


@router.post(
    "/api/v1/sonic/vox",
    response_model=VoxOut,
    responses=ERRORS,
    openapi_extra=body_doc(VoxBody),
    operation_id="sonic-vox",
)
async def vox(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """The vocal of a window (≤ 30 s) as a clip, with waveform peaks; 1 credit."""
    clip_id, start, end = parse_vox(await read_json(request))
    return _success(await run_in_threadpool(analysis.vox, services, key, clip_id, start, end))


@router.post(
    "/api/v1/sonic/download",
    response_model=DownloadOut,
    responses={**ERRORS, 202: {"model": DownloadOut, "description": "Preparing (free)"}},
    openapi_extra=body_doc(DownloadBody),
    operation_id="sonic-download",
)
async def download(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """URLs of the clip in mp3 / m4a / wav; 2 credits, or 202 ``preparing`` (free) while encoding."""
    clip_id, formats = parse_download(await read_json(request))
    answer = await run_in_threadpool(analysis.download, services, key, clip_id, formats)
    if not answer.ready:
        return JSONResponse(
            {"code": 202, "message": "preparing", "data": {"clip_id": clip_id}}, status_code=202
        )
    return _success({"clip_id": clip_id, "urls": answer.urls})
