"""Persona endpoints (API.md §4.6 ``sonic/persona`` sync, §4.7 ``sonic/create-voice`` async).

persona_music itself is a task type of ``sonic/create``; create-voice is polled at the sonic poll,
whose body then carries a top-level ``persona_id``. Also ``sonic/mashup`` (§4.9) and
``sonic/sample`` (§4.8)."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tunesmith.api.deps import ServicesDep, SubmitKey
from tunesmith.api.routes.common import ERRORS, body_doc
from tunesmith.api.routes.edits import _form_value
from tunesmith.api.routes.sonic import read_form_or_json, read_json
from tunesmith.api.schemas.personas import (
    CreateVoiceBody,
    MashupBody,
    PersonaBody,
    PersonaOut,
    parse_create_voice,
    parse_mashup,
    parse_persona,
)
from tunesmith.api.schemas.sample import SampleBody, parse_sample
from tunesmith.api.schemas.sonic import Submitted
from tunesmith.jobs.personas import create_persona, submit_create_voice
from tunesmith.jobs.sample_mashup import submit_mashup, submit_sample

router = APIRouter(tags=["sonic"])


@router.post(
    "/api/v1/sonic/persona",
    response_model=PersonaOut,
    responses=ERRORS,
    openapi_extra=body_doc(PersonaBody),
    operation_id="sonic-persona",
)
async def persona(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Learn a persona (voice: gender, range, vibrato; style: tags, tempo, key) from a clip's lead
    vocal. 1 credit, charged on success."""
    req = parse_persona(await read_json(request))
    persona_id = await run_in_threadpool(create_persona, services, key, req)
    return JSONResponse({"code": 200, "message": "success", "persona_id": persona_id})


@router.post(
    "/api/v1/sonic/create-voice",
    response_model=Submitted,
    responses={**ERRORS, 413: ERRORS[400]},
    openapi_extra=body_doc(CreateVoiceBody, multipart=True),
    operation_id="sonic-create-voice",
)
async def create_voice(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """A persona from a recording of one singer (≥ 10 s): 1 clip, the cleaned voice sample, with
    ``persona_id`` once succeeded. 4 credits."""
    data, file_bytes, filename = await read_form_or_json(request, services)
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        data = {name: _form_value(name, value) for name, value in data.items()}
    req = parse_create_voice(data, file_bytes=file_bytes, filename=filename)
    task = await run_in_threadpool(submit_create_voice, services, key, req)
    return JSONResponse({"code": 200, "message": "success", "task_id": task.id})


@router.post(
    "/api/v1/sonic/mashup",
    response_model=Submitted,
    responses=ERRORS,
    openapi_extra=body_doc(MashupBody),
    operation_id="sonic-mashup",
)
async def mashup(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Two clips as one song at the first clip's tempo and key: clip 0 sings the first source over
    the second's accompaniment, clip 1 the reverse. 10 credits."""
    req = parse_mashup(await read_json(request))
    task = await run_in_threadpool(submit_mashup, services, key, req)
    return JSONResponse({"code": 200, "message": "success", "task_id": task.id})


_SAMPLE_FORM_NUMBERS = ("chop_sample_start_s", "chop_sample_end_s")


@router.post(
    "/api/v1/sonic/sample",
    response_model=Submitted,
    responses={**ERRORS, 413: ERRORS[400]},
    openapi_extra=body_doc(SampleBody, multipart=True),
    operation_id="sonic-sample",
)
async def sample(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """A new song built around a chopped window (6–60 s) of a clip or uploaded audio: the chop is
    cut on its beats, beat- and key-matched, and looped in the mix (audio_weight ≥ 0.7, default
    0.85) or re-voiced. 2 clips, 14 credits."""
    data, file_bytes, filename = await read_form_or_json(request, services)
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        data = {name: _form_value(name, value) for name, value in data.items()}
        for name in _SAMPLE_FORM_NUMBERS:
            value = data.get(name)
            if isinstance(value, str):
                with contextlib.suppress(ValueError):
                    data[name] = float(value.strip())
    req = parse_sample(data, file_bytes=file_bytes, filename=filename)
    task = await run_in_threadpool(submit_sample, services, key, req)
    return JSONResponse({"code": 200, "message": "success", "task_id": task.id})
