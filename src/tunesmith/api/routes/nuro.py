"""Nuro family routes (API.md §8): create and the flat poll. Every error of this family carries
``type`` (from the status), auth and rate-limit errors included."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from tunesmith.api.deps import read_key, services_of, submit_key
from tunesmith.api.errors import INTERNAL, status_of, to_response
from tunesmith.api.routes.common import ERRORS, body_doc
from tunesmith.api.routes.sonic import read_json
from tunesmith.api.schemas.nuro import NuroCreateBody, NuroTaskOut, parse_nuro
from tunesmith.api.schemas.sonic import Submitted
from tunesmith.errors import NotFound, TunesmithError
from tunesmith.jobs.families import nuro_poll, submit_nuro

router = APIRouter(tags=["nuro"])

TASK_NOT_FOUND = "Task not found"
ERROR_TYPES = {
    400: "bad_request",
    413: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    429: "forbidden",
    404: "not_found",
}


def error_type(status: int) -> str:
    return ERROR_TYPES.get(status, "api_error" if status >= 500 else "bad_request")


def typed(exc: TunesmithError) -> JSONResponse:
    """The contract's error body plus ``type``."""
    response = to_response(exc)
    status = status_of(exc)
    message = exc.message if status < 500 else INTERNAL
    body = {"code": status, "type": error_type(status), "message": message, "error": message}
    typed_response = JSONResponse(body, status_code=status)
    if "retry-after" in response.headers:
        typed_response.headers["Retry-After"] = response.headers["retry-after"]
    return typed_response


async def _guarded(call: Callable[[], Awaitable[JSONResponse]]) -> JSONResponse:
    try:
        return await call()
    except TunesmithError as exc:
        return typed(exc)


@router.post(
    "/api/v1/nuro/create",
    response_model=Submitted,
    responses=ERRORS,
    openapi_extra=body_doc(NuroCreateBody),
    operation_id="nuro-create",
)
async def create(request: Request) -> JSONResponse:
    """Submit a vocal song (``lyrics``) or background music (``description``): 1 clip, 10 credits."""

    async def run() -> JSONResponse:
        key = await submit_key(request)
        req = parse_nuro(await read_json(request))
        task = await run_in_threadpool(submit_nuro, services_of(request), key, req)
        return JSONResponse({"code": 200, "message": "success", "task_id": task.id})

    return await _guarded(run)


@router.get(
    "/api/v1/nuro/task/{task_id}",
    response_model=NuroTaskOut,
    responses={**ERRORS, 404: ERRORS[400]},
    operation_id="nuro-task",
)
async def poll(task_id: str, request: Request) -> JSONResponse:
    """The flat task object; 404 ``Task not found`` for an unknown task."""

    async def run() -> JSONResponse:
        key = await read_key(request)
        services = services_of(request)

        def view() -> dict[str, Any]:
            task = services.store.get_task(task_id, key_id=key.id)
            if task is None or task.family != "nuro":
                raise NotFound(TASK_NOT_FOUND)
            return nuro_poll(services.settings, task, services.store.task_clips(task_id))

        return JSONResponse(await run_in_threadpool(view))

    return await _guarded(run)
