"""tunesmith additions (API.md §13) behind a key, and ``get-credits`` (§9)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tunesmith.api.deps import ReadKey, ServicesDep
from tunesmith.api.routes.common import ERRORS, query_cursor, query_limit
from tunesmith.api.validation import enum_message
from tunesmith.errors import InvalidParameter, NotFound
from tunesmith.jobs.views import clip_view, delivery_view, task_item

router = APIRouter(tags=["account"])

FAMILIES = ["sonic", "riffusion", "producer", "studio", "nuro"]
STATES = ["pending", "running", "succeeded", "failed"]


@router.get("/api/v1/get-credits", responses=ERRORS, operation_id="get-credits")
def get_credits(key: ReadKey, services: ServicesDep) -> JSONResponse:
    """The key's available credits (reserved credits excluded)."""
    billing = services.settings.billing
    if not billing.enabled:
        return JSONResponse({"credits": billing.unlimited_display_credits, "extra_credits": 0})
    return JSONResponse({"credits": key.credits, "extra_credits": key.extra_credits})


@router.get("/api/v1/clips/{clip_id}", responses={**ERRORS, 404: ERRORS[400]}, operation_id="clip-get")
def get_clip(clip_id: str, key: ReadKey, services: ServicesDep) -> JSONResponse:
    clip = services.store.get_clip(clip_id, key_id=key.id)
    if clip is None:
        raise NotFound("clip not found.")
    return JSONResponse({"code": 200, "message": "success", "data": clip_view(services.settings, clip)})


@router.get("/api/v1/tasks", responses=ERRORS, operation_id="tasks-list")
def list_tasks(request: Request, key: ReadKey, services: ServicesDep) -> JSONResponse:
    """The key's tasks, newest first. Query: limit (1..100), cursor, family, state."""
    q = request.query_params
    limit = query_limit(q.get("limit"))
    cursor = query_cursor(q.get("cursor"))
    family = q.get("family") or None
    if family is not None and family not in FAMILIES:
        raise InvalidParameter(enum_message("family", FAMILIES), field="family")
    state = q.get("state") or None
    if state is not None and state not in STATES:
        raise InvalidParameter(enum_message("state", STATES), field="state")
    tasks, nxt = services.store.list_tasks(key.id, limit=limit, cursor=cursor, family=family, state=state)
    return JSONResponse(
        {"code": 200, "message": "success", "next_cursor": nxt, "data": [task_item(t) for t in tasks]}
    )


@router.get("/api/v1/tasks/{task_id}", responses={**ERRORS, 404: ERRORS[400]}, operation_id="task-get")
def get_task(task_id: str, key: ReadKey, services: ServicesDep) -> JSONResponse:
    task = services.store.get_task(task_id, key_id=key.id)
    if task is None:
        raise NotFound("task not found.")
    item = task_item(task)
    item["clips"] = [clip_view(services.settings, c) for c in services.store.task_clips(task_id)]
    sent = task.request.get("_sent", {})
    item["request"] = {k: v for k, v in sent.items() if k != "webhook_secret"}
    return JSONResponse({"code": 200, "message": "success", "data": item})


@router.get("/api/v1/webhooks/deliveries", responses=ERRORS, operation_id="webhook-deliveries")
def deliveries(request: Request, key: ReadKey, services: ServicesDep) -> JSONResponse:
    """The key's webhook deliveries, newest first, with every attempt."""
    q = request.query_params
    limit = query_limit(q.get("limit"))
    cursor = query_cursor(q.get("cursor"))
    items, nxt = services.store.list_deliveries(
        key.id, limit=limit, cursor=cursor, task_id=q.get("task_id") or None
    )
    return JSONResponse(
        {"code": 200, "message": "success", "next_cursor": nxt, "data": [delivery_view(d) for d in items]}
    )
