"""Producer family routes (API.md §6): create (every task type) and its task poll (uppercase
``status``, string ``seed``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tunesmith.api.deps import ReadKey, ServicesDep, SubmitKey
from tunesmith.api.routes.common import ERRORS, body_doc
from tunesmith.api.routes.sonic import read_form_or_json, read_json
from tunesmith.api.schemas.producer import ProducerCreateBody, ProducerTaskOut, parse_producer
from tunesmith.api.schemas.sonic import SonicUploadBody, Submitted, parse_upload
from tunesmith.api.validation import Body
from tunesmith.errors import InvalidParameter
from tunesmith.jobs.families import (
    DOWNLOAD_FORMATS,
    download_poll,
    producer_poll,
    producer_upload,
    submit_producer,
    submit_producer_download,
)

router = APIRouter(tags=["producer"])

TASK_NOT_FOUND = "task not found."


@router.post(
    "/api/v1/producer/create",
    response_model=Submitted,
    responses=ERRORS,
    openapi_extra=body_doc(ProducerCreateBody),
    operation_id="producer-create",
)
async def create(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Submit a song or an edit; extend and replace give 1 full song, the others 2 clips."""
    req = parse_producer(await read_json(request))
    task = await run_in_threadpool(submit_producer, services, key, req)
    return JSONResponse({"code": 200, "message": "success", "task_id": task.id})


@router.post(
    "/api/v1/producer/upload",
    response_model=Submitted,
    responses={**ERRORS, 413: ERRORS[400]},
    openapi_extra=body_doc(SonicUploadBody, multipart=True),
    operation_id="producer-upload",
)
async def upload_route(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Upload a song (``audio_url``, alias ``url``, or multipart ``file``): a task with the one
    uploaded clip; 2 credits."""
    data, file_bytes, filename = await read_form_or_json(request, services)
    if data.get("audio_url") is not None:
        data = {**data, "url": data["audio_url"]}
    elif file_bytes is None and data.get("url") is None:
        raise InvalidParameter("The 'audio_url' or 'file' field is required.", field="audio_url")
    req = parse_upload(data, file_bytes=file_bytes, filename=filename)
    task = await run_in_threadpool(producer_upload, services, key, req)
    return JSONResponse({"code": 200, "message": "success", "task_id": task.id})


@router.post(
    "/api/v1/producer/download",
    response_model=Submitted,
    responses=ERRORS,
    operation_id="producer-download",
)
async def download(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Prepare a clip's download (``format`` mp3 or wav): the task's one item is the clip with
    ``download_url``; 2 credits."""
    data = await read_json(request)
    body = Body(data)
    clip_id = body.string("clip_id", "continue_clip_id")
    fmt = body.enum("format", DOWNLOAD_FORMATS) or "mp3"
    webhook_url = body.url("webhook_url", "callback_url")
    webhook_secret = body.string("webhook_secret", max_len=256)
    if not clip_id:
        raise InvalidParameter("The 'clip_id' field is required.", field="clip_id")
    stored = {k: v for k, v in data.items() if k != "webhook_secret"}
    task = await run_in_threadpool(
        lambda: submit_producer_download(
            services, key, clip_id, fmt, webhook_url=webhook_url, webhook_secret=webhook_secret, stored=stored
        )
    )
    return JSONResponse({"code": 200, "message": "success", "task_id": task.id})


@router.get(
    "/api/v1/producer/task/{task_id}",
    response_model=ProducerTaskOut,
    responses=ERRORS,
    operation_id="producer-task",
)
def poll(task_id: str, key: ReadKey, services: ServicesDep) -> JSONResponse:
    """The task's items with the status derived from their states; always 200."""
    task = services.store.get_task(task_id, key_id=key.id)
    if task is None or task.family != "producer":
        raise InvalidParameter(TASK_NOT_FOUND, field="task_id")
    clips = services.store.task_clips(task_id)
    if task.task_type == "producer_download":
        return JSONResponse(download_poll(services, task, clips))
    return JSONResponse(producer_poll(services.settings, clips))
