"""Batches (API.md §4.14): up to 10 ``sonic/create`` bodies submitted in one call.

Each item is parsed, validated, priced and queued on its own, in order, exactly as a single
``sonic/create`` (so it is charged its own price and fires its own webhook); a rejected item
creates nothing and costs nothing. The batch record — the key that owns it and, per item, its
``task_id`` or its ``error`` — is a small JSON document in the blob store
(``batches/<batch_id>.json``); the poll reads each task's current clips from the store.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tunesmith.errors import InvalidParameter, TunesmithError
from tunesmith.jobs.context import Services
from tunesmith.jobs.service import CreateRequest, submit_create
from tunesmith.jobs.views import clip_view
from tunesmith.store.repos import ApiKey, new_id

MAX_ITEMS = 10
BATCH_NOT_FOUND = "batch not found."
MISSING_BATCH_ID = "missing batch id."
_WEBHOOK_FIELDS = ("webhook_url", "callback_url", "webhook_secret")


def _blob(batch_id: str) -> str:
    return f"batches/{batch_id}.json"


def check_items(data: dict[str, Any]) -> list[Any]:
    """The batch-level checks: ``items`` present, an array, 1–10 entries (400 otherwise)."""
    items = data.get("items")
    if items is None or items == []:
        raise InvalidParameter("The 'items' field is required.", field="items")
    if not isinstance(items, list):
        raise InvalidParameter("The 'items' field should be an array.", field="items")
    if len(items) > MAX_ITEMS:
        raise InvalidParameter(f"The 'items' field should contain at most {MAX_ITEMS} items.", field="items")
    return items


def with_batch_webhook(item: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """The item with the batch's top-level webhook fields when it has none of its own."""
    if any(item.get(name) is not None for name in ("webhook_url", "callback_url")):
        return item
    merged = dict(item)
    for name in _WEBHOOK_FIELDS:
        if data.get(name) is not None and merged.get(name) is None:
            merged[name] = data[name]
    return merged


def submit_batch(
    services: Services,
    key: ApiKey,
    data: dict[str, Any],
    *,
    parse: Callable[[dict[str, Any]], CreateRequest],
    status_of: Callable[[TunesmithError], int],
) -> dict[str, Any]:
    """Submit every item in order; returns the answer body (``batch_id``, ``submitted``, ``tasks``).

    ``parse`` is the API's ``sonic/create`` body parser and ``status_of`` maps an error to its HTTP
    status (both belong to the API layer)."""
    items = check_items(data)
    entries: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        entry: dict[str, Any] = {"index": index}
        try:
            if not isinstance(item, dict):
                raise InvalidParameter("Invalid JSON body.", field="items")
            # the balance may have changed since the key was read: re-read it per item
            fresh = services.store.get_key(key.id) or key
            task = submit_create(services, fresh, parse(with_batch_webhook(item, data)))
        except TunesmithError as exc:
            status = status_of(exc)
            entry["task_id"] = None
            entry["error"] = {
                "code": status,
                "message": exc.message if status < 500 else "Internal Server Error.",
            }
        else:
            entry["task_id"] = task.id
        entries.append(entry)
    batch_id = new_id()
    record = {"batch_id": batch_id, "key_id": key.id, "tasks": entries}
    services.blobs.put(_blob(batch_id), json.dumps(record).encode("utf-8"))
    return {
        "code": 200,
        "message": "success",
        "batch_id": batch_id,
        "submitted": sum(1 for e in entries if e["task_id"] is not None),
        "tasks": entries,
    }


def batch_view(services: Services, key: ApiKey, batch_id: str | None) -> dict[str, Any]:
    """``GET /sonic/batch``: each item's task state and clips; rejected items repeat their error."""
    if not batch_id:
        raise InvalidParameter(MISSING_BATCH_ID, field="batch_id")
    name = _blob(batch_id)
    if "/" in batch_id or not services.blobs.exists(name):
        raise InvalidParameter(BATCH_NOT_FOUND, field="batch_id")
    record = json.loads(services.blobs.get(name))
    if record.get("key_id") != key.id:
        raise InvalidParameter(BATCH_NOT_FOUND, field="batch_id")
    tasks: list[dict[str, Any]] = []
    for entry in record["tasks"]:
        if entry.get("task_id") is None:
            tasks.append({"index": entry["index"], "task_id": None, "error": entry["error"]})
            continue
        task = services.store.get_task(entry["task_id"], key_id=key.id)
        clips = services.store.task_clips(entry["task_id"]) if task else []
        tasks.append(
            {
                "index": entry["index"],
                "task_id": entry["task_id"],
                "state": task.state if task else "failed",
                "data": [clip_view(services.settings, c) for c in clips],
            }
        )
    return {"code": 200, "message": "success", "batch_id": batch_id, "tasks": tasks}
