"""Studio family routes (API.md §7): create (description, custom, instrumental; precede and continuation)
and its poll (unix-second times, ``"N%"`` progress)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tunesmith.api.deps import ReadKey, ServicesDep, SubmitKey
from tunesmith.api.routes.common import ERRORS, body_doc
from tunesmith.api.routes.sonic import read_json
from tunesmith.api.schemas.sonic import Submitted
from tunesmith.api.schemas.studio import StudioCreateBody, StudioTaskOut, parse_studio
from tunesmith.errors import InvalidParameter
from tunesmith.jobs.families import studio_poll, submit_studio

router = APIRouter(tags=["studio"])

TASK_NOT_FOUND = "task not found."


@router.post(
    "/api/v1/studio/create",
    response_model=Submitted,
    responses=ERRORS,
    openapi_extra=body_doc(StudioCreateBody),
    operation_id="studio-create",
)
async def create(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Submit 2 songs of the model's length; poll at /api/v1/studio/task/{task_id}."""
    req = parse_studio(await read_json(request))
    task = await run_in_threadpool(submit_studio, services, key, req)
    return JSONResponse({"code": 200, "message": "success", "task_id": task.id})


@router.get(
    "/api/v1/studio/task/{task_id}",
    response_model=StudioTaskOut,
    responses=ERRORS,
    operation_id="studio-task",
)
def poll(task_id: str, key: ReadKey, services: ServicesDep) -> JSONResponse:
    """The studio task object; always 200 from submission on."""
    task = services.store.get_task(task_id, key_id=key.id)
    if task is None or task.family != "studio":
        raise InvalidParameter(TASK_NOT_FOUND, field="task_id")
    return JSONResponse(studio_poll(services.settings, task, services.store.task_clips(task_id)))
