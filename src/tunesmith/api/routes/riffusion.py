"""Riffusion family routes (API.md §5): create (every task type), upload, poll."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tunesmith.api.deps import ReadKey, ServicesDep, SubmitKey
from tunesmith.api.routes.common import ERRORS, body_doc
from tunesmith.api.routes.sonic import read_json, upload_answer
from tunesmith.api.schemas.riffusion import RiffusionCreateBody, RiffusionPollOut, parse_riffusion
from tunesmith.api.schemas.sonic import SonicUploadBody, Submitted, Uploaded
from tunesmith.errors import InvalidParameter
from tunesmith.jobs.families import riffusion_poll, submit_riffusion

router = APIRouter(tags=["riffusion"])

TASK_NOT_FOUND = "task not found."


@router.post(
    "/api/v1/riffusion/create",
    response_model=Submitted,
    responses=ERRORS,
    openapi_extra=body_doc(RiffusionCreateBody),
    operation_id="riffusion-create",
)
async def create(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Submit a song or an edit (extend, cover, replace and swaps return full songs): 2 clips, 12 credits."""
    req = parse_riffusion(await read_json(request))
    task = await run_in_threadpool(submit_riffusion, services, key, req)
    return JSONResponse({"code": 200, "message": "success", "task_id": task.id})


@router.post(
    "/api/v1/riffusion/upload",
    response_model=Uploaded,
    responses={**ERRORS, 413: ERRORS[400]},
    openapi_extra=body_doc(SonicUploadBody, multipart=True),
    operation_id="riffusion-upload",
)
async def upload_route(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Upload a song by URL or multipart ``file`` (as sonic upload); 2 credits."""
    return await upload_answer(request, key, services)


@router.get(
    "/api/v1/riffusion/task/{task_id}",
    response_model=RiffusionPollOut,
    responses=ERRORS,
    operation_id="riffusion-task",
)
def poll(task_id: str, key: ReadKey, services: ServicesDep) -> JSONResponse:
    """The task's clips with their lyric line times; always 200 from submission on."""
    task = services.store.get_task(task_id, key_id=key.id)
    if task is None or task.family != "riffusion":
        raise InvalidParameter(TASK_NOT_FOUND, field="task_id")
    return JSONResponse(riffusion_poll(services, services.store.task_clips(task_id)))
