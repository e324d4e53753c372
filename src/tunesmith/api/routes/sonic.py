"""Sonic family routes that are built: create (create_music with custom, description and
auto-lyrics modes; the edit task types and concat_music), poll (+ the root ``/get_music``
alias), upload, and the synchronous words endpoints lyrics and upsample-tags."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from tunesmith.api.deps import ReadKey, ServicesDep, SubmitKey
from tunesmith.api.routes.common import ERRORS, body_doc
from tunesmith.api.schemas.sonic import (
    LyricsOut,
    PollOut,
    SonicCreateBody,
    SonicLyricsBody,
    SonicUploadBody,
    Submitted,
    Uploaded,
    UpsampleTagsBody,
    UpsampleTagsOut,
    parse_create,
    parse_lyrics,
    parse_upload,
    parse_upsample,
)
from tunesmith.api.validation import MAX_BODY_BYTES, parse_json_object
from tunesmith.errors import InvalidParameter, PayloadTooLarge
from tunesmith.jobs.context import Services
from tunesmith.jobs.service import submit_create
from tunesmith.jobs.uploads import too_large_message, upload
from tunesmith.jobs.views import poll_view
from tunesmith.jobs.words import make_lyrics, make_upsampled_tags
from tunesmith.store.repos import ApiKey

router = APIRouter(tags=["sonic"])

TASK_NOT_FOUND = "task not found."


async def read_json(request: Request) -> dict[str, Any]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge("Request body is too large.")
    return parse_json_object(await request.body())


async def read_form_or_json(request: Request, services: Services) -> tuple[dict[str, Any], bytes | None, str]:
    """A JSON body, or a multipart form (API.md §12): ``(fields, file bytes or None, file name)``."""
    max_bytes = services.settings.uploads.max_bytes
    file_bytes: bytes | None = None
    filename = ""
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        try:
            form = await request.form(max_files=1, max_fields=50)
        except Exception as exc:  # malformed multipart
            raise InvalidParameter("Invalid multipart body.") from exc
        data: dict[str, Any] = {}
        upload_file: UploadFile | None = None
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name == "file":
                    upload_file = value
            else:
                data.setdefault(name, value)
        if upload_file is not None:
            file_bytes = await upload_file.read(max_bytes + 1)
            filename = upload_file.filename or "upload"
            await form.close()
            if len(file_bytes) > max_bytes:
                raise PayloadTooLarge(too_large_message(max_bytes))
    else:
        data = await read_json(request)
    return data, file_bytes, filename


@router.post(
    "/api/v1/sonic/create",
    response_model=Submitted,
    responses=ERRORS,
    openapi_extra=body_doc(SonicCreateBody),
    operation_id="sonic-create",
)
async def create(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Submit a song or an edit (any built task_type); poll it at /api/v1/sonic/task/{task_id}."""
    req = parse_create(await read_json(request))
    task = await run_in_threadpool(submit_create, services, key, req)
    return JSONResponse({"code": 200, "message": "success", "task_id": task.id})


def _poll(services: Services, key: ApiKey, task_id: str) -> JSONResponse:
    task = services.store.get_task(task_id, key_id=key.id)
    if task is None or task.family != "sonic":
        raise InvalidParameter(TASK_NOT_FOUND, field="task_id")
    return JSONResponse(poll_view(services.settings, services.store.task_clips(task_id)))


@router.get(
    "/api/v1/sonic/task/{task_id}", response_model=PollOut, responses=ERRORS, operation_id="sonic-task"
)
def poll(task_id: str, key: ReadKey, services: ServicesDep) -> JSONResponse:
    """The task's clips; always 200 from submission on."""
    return _poll(services, key, task_id)


@router.get("/api/v1/sonic/task/", responses=ERRORS, include_in_schema=False)
def poll_missing(key: ReadKey) -> JSONResponse:
    raise InvalidParameter("missing task id.", field="task_id")


@router.get("/get_music/{task_id}", response_model=PollOut, responses=ERRORS, operation_id="get-music")
def get_music(task_id: str, key: ReadKey, services: ServicesDep) -> JSONResponse:
    """Alias of the sonic poll at the server root (the original JavaScript client polls it)."""
    return _poll(services, key, task_id)


@router.get("/get_music/", responses=ERRORS, include_in_schema=False)
def get_music_missing(key: ReadKey) -> JSONResponse:
    raise InvalidParameter("missing task id.", field="task_id")


@router.post(
    "/api/v1/sonic/upload",
    response_model=Uploaded,
    responses={**ERRORS, 413: ERRORS[400]},
    openapi_extra=body_doc(SonicUploadBody, multipart=True),
    operation_id="sonic-upload",
)
async def upload_route(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Upload a song by URL (JSON) or as a multipart ``file``; becomes a succeeded clip."""
    return await upload_answer(request, key, services)


async def upload_answer(request: Request, key: ApiKey, services: Services) -> JSONResponse:
    """The upload endpoints' shared body: parse the JSON or multipart request, store the upload,
    answer ``{code, message, [task_id], clip_id}`` (sonic and riffusion upload alike)."""
    data, file_bytes, filename = await read_form_or_json(request, services)
    req = parse_upload(data, file_bytes=file_bytes, filename=filename)
    clip, task = await run_in_threadpool(upload, services, key, req)
    answer: dict[str, Any] = {"code": 200, "message": "success"}
    if task is not None:
        answer["task_id"] = task.id
    answer["clip_id"] = clip.id
    return JSONResponse(answer)


@router.post(
    "/api/v1/sonic/lyrics",
    response_model=LyricsOut,
    responses=ERRORS,
    openapi_extra=body_doc(SonicLyricsBody),
    operation_id="sonic-lyrics",
)
async def lyrics(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Write two titled lyrics from a short description (synchronous; 2 credits, charged on success)."""
    description, seed = parse_lyrics(await read_json(request))
    pair = await run_in_threadpool(make_lyrics, services, key, description, seed=seed)
    results = [{"title": c.title, "lyrics": c.lyrics} for c in pair]
    return JSONResponse({"code": 200, "message": "success", "results": results})


@router.post(
    "/api/v1/sonic/upsample-tags",
    response_model=UpsampleTagsOut,
    responses=ERRORS,
    openapi_extra=body_doc(UpsampleTagsBody),
    operation_id="sonic-upsample-tags",
)
async def upsample(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Expand short tags into a production description the composer honours (synchronous; 1 credit)."""
    tags = parse_upsample(await read_json(request))
    upsampled = await run_in_threadpool(make_upsampled_tags, services, key, tags)
    return JSONResponse({"code": 200, "message": "success", "data": {"upsampled_tags": upsampled}})
