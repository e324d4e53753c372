"""Sonic edit endpoints (API.md §4.4 upload-extend, §4.5 upload-cover, §4.10 replace-section).

The edit task types of ``sonic/create`` (extend, cover, remaster, add_*, concat) are routed by
``routes/sonic.py``; all of them are polled at ``/api/v1/sonic/task/{task_id}``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tunesmith.api.deps import ServicesDep, SubmitKey
from tunesmith.api.routes.common import ERRORS, body_doc
from tunesmith.api.routes.sonic import read_form_or_json, read_json
from tunesmith.api.schemas.sonic import (
    ReplaceSectionBody,
    Submitted,
    UploadEditBody,
    parse_replace,
    parse_upload_edit,
)
from tunesmith.jobs.edits import submit_replace, submit_upload_edit

router = APIRouter(tags=["sonic"])

_FORM_BOOLEANS = {"custom_mode", "make_instrumental", "auto_lyrics", "auto_concat", "use_suno_cdn"}
_FORM_NUMBERS = {"continue_at", "style_weight", "weirdness_constraint", "audio_weight", "duration", "seed"}


def _form_value(name: str, value: Any) -> Any:
    """A multipart text part as the JSON value it stands for (§12: booleans and numbers are parsed
    from their text); text that does not parse stays a string and fails the type check."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if name in _FORM_BOOLEANS and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if name in _FORM_NUMBERS:
        try:
            number = float(text)
        except ValueError:
            return value
        return int(number) if number.is_integer() and "." not in text else number
    return value


async def _upload_edit(request: Request, key: Any, services: Any, op: str) -> JSONResponse:
    data, file_bytes, filename = await read_form_or_json(request, services)
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        data = {name: _form_value(name, value) for name, value in data.items()}
    req = parse_upload_edit(data, file_bytes=file_bytes, filename=filename, op=op)
    task = await run_in_threadpool(submit_upload_edit, services, key, req, op=op)
    return JSONResponse({"code": 200, "message": "success", "task_id": task.id})


@router.post(
    "/api/v1/sonic/upload-extend",
    response_model=Submitted,
    responses={**ERRORS, 413: ERRORS[400]},
    openapi_extra=body_doc(UploadEditBody, multipart=True),
    operation_id="sonic-upload-extend",
)
async def upload_extend(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Upload a song and extend it from ``continue_at``: 2 extension-only clips (full songs with
    ``auto_concat``). 17 credits, 19 with auto_concat."""
    return await _upload_edit(request, key, services, "extend")


@router.post(
    "/api/v1/sonic/upload-cover",
    response_model=Submitted,
    responses={**ERRORS, 413: ERRORS[400]},
    openapi_extra=body_doc(UploadEditBody, multipart=True),
    operation_id="sonic-upload-cover",
)
async def upload_cover(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Upload a song and cover it in the ``tags`` style: 2 clips. 17 credits."""
    return await _upload_edit(request, key, services, "cover")


@router.post(
    "/api/v1/sonic/replace-section",
    response_model=Submitted,
    responses=ERRORS,
    openapi_extra=body_doc(ReplaceSectionBody),
    operation_id="sonic-replace-section",
)
async def replace_section(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Re-make ``[infill_start_s, infill_end_s)`` of a clip (new lyrics, melody, arrangement): 2
    full songs, unchanged outside the window. 10 credits."""
    req = parse_replace(await read_json(request))
    task = await run_in_threadpool(submit_replace, services, key, req)
    return JSONResponse({"code": 200, "message": "success", "task_id": task.id})
