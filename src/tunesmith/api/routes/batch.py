"""Batch submission and poll (API.md §4.14): ``POST`` and ``GET /api/v1/sonic/batch``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from tunesmith.api.deps import ReadKey, ServicesDep, SubmitKey
from tunesmith.api.errors import status_of
from tunesmith.api.routes.common import ERRORS, body_doc
from tunesmith.api.routes.sonic import read_json
from tunesmith.api.schemas.sonic import ClipOut, SonicCreateBody, parse_create
from tunesmith.api.validation import Body
from tunesmith.jobs.batch import batch_view, submit_batch

router = APIRouter(tags=["sonic"])


class BatchBody(BaseModel):
    """POST /api/v1/sonic/batch: 1–10 ``sonic/create`` bodies, each validated and charged alone."""

    model_config = ConfigDict(extra="allow")
    items: list[SonicCreateBody] | None = Field(default=None, description="1–10 sonic/create bodies")
    webhook_url: str | None = Field(default=None, description="For items that have none")
    callback_url: str | None = None
    webhook_secret: str | None = None


class BatchError(BaseModel):
    code: int
    message: str


class BatchSubmitted(BaseModel):
    index: int
    task_id: str | None
    error: BatchError | None = Field(default=None, description="Only for a rejected item")


class BatchOut(BaseModel):
    code: int = 200
    message: str = "success"
    batch_id: str
    submitted: int
    tasks: list[BatchSubmitted]


class BatchTask(BaseModel):
    index: int
    task_id: str | None
    state: str | None = Field(default=None, description="pending, running, succeeded or failed")
    data: list[ClipOut] | None = None
    error: BatchError | None = Field(default=None, description="Only for a rejected item")


class BatchPollOut(BaseModel):
    code: int = 200
    message: str = "success"
    batch_id: str
    tasks: list[BatchTask]


def _check_webhook_fields(data: dict[str, Any]) -> None:
    body = Body(data)
    body.url("webhook_url", "callback_url")
    body.string("webhook_secret", max_len=256)


@router.post(
    "/api/v1/sonic/batch",
    response_model=BatchOut,
    responses=ERRORS,
    openapi_extra=body_doc(BatchBody),
    operation_id="sonic-batch",
)
async def submit(request: Request, key: SubmitKey, services: ServicesDep) -> JSONResponse:
    """Submit up to 10 creates at once; each item is its own task, charged its own price."""
    data = await read_json(request)
    _check_webhook_fields(data)
    answer = await run_in_threadpool(
        submit_batch, services, key, data, parse=parse_create, status_of=status_of
    )
    return JSONResponse(answer)


@router.get(
    "/api/v1/sonic/batch", response_model=BatchPollOut, responses=ERRORS, operation_id="sonic-batch-poll"
)
def poll(key: ReadKey, services: ServicesDep, batch_id: str | None = None) -> JSONResponse:
    """Each item's task state and clips; rejected items repeat their error."""
    return JSONResponse(batch_view(services, key, batch_id))
