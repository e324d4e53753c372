"""OpenAPI links (OpenAPI 3.1 §4.8.20): how a response's ids feed the next call.

They document the API's flows for clients (submit → poll → clip → file; upload → clip → analysis;
batch → batch poll; list → item) and drive the stateful abuse test, which walks them. Links are
keyed by operation id, added to each source operation's 200 response after FastAPI builds the
document; an operation missing from the document is skipped, so routers can change freely.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

_TASK = "$response.body#/task_id"
_CLIP = "$response.body#/clip_id"
_FIRST_CLIP = "$response.body#/data/0/clip_id"


def _poll_links(poll: str) -> dict[str, dict[str, Any]]:
    return {
        "poll": {"operationId": poll, "parameters": {"task_id": _TASK}},
        "task": {"operationId": "task-get", "parameters": {"task_id": _TASK}},
        "deliveries": {"operationId": "webhook-deliveries", "parameters": {"task_id": _TASK}},
    }


def _clip_links(clip: str) -> dict[str, dict[str, Any]]:
    return {
        "clip": {"operationId": "clip-get", "parameters": {"clip_id": clip}},
        "audio": {"operationId": "file", "parameters": {"clip_id": clip, "name": "audio.mp3"}},
        "audio_head": {"operationId": "file-head", "parameters": {"clip_id": clip, "name": "audio.wav"}},
        "bpm": {"operationId": "sonic-bpm", "requestBody": {"clip_id": clip}},
        "wav": {"operationId": "sonic-wav", "requestBody": {"clip_id": clip}},
        "midi": {"operationId": "sonic-midi", "requestBody": {"clip_id": clip}},
        "persona": {
            "operationId": "sonic-persona",
            "requestBody": {"name": "linked persona", "continue_clip_id": clip},
        },
    }


LINKS: dict[str, dict[str, dict[str, Any]]] = {
    "sonic-create": {
        **_poll_links("sonic-task"),
        "alias": {"operationId": "get-music", "parameters": {"task_id": _TASK}},
    },
    "sonic-upload": {**_clip_links(_CLIP), **_poll_links("sonic-task")},
    "sonic-upload-extend": _poll_links("sonic-task"),
    "sonic-upload-cover": _poll_links("sonic-task"),
    "sonic-replace-section": _poll_links("sonic-task"),
    "sonic-stems-basic": _poll_links("sonic-task"),
    "sonic-stems-full": _poll_links("sonic-task"),
    "sonic-create-voice": _poll_links("sonic-task"),
    "sonic-sample": _poll_links("sonic-task"),
    "sonic-mashup": _poll_links("sonic-task"),
    "sonic-task": _clip_links(_FIRST_CLIP),
    "get-music": _clip_links(_FIRST_CLIP),
    "sonic-batch": {
        "batch_poll": {
            "operationId": "sonic-batch-poll",
            "parameters": {"batch_id": "$response.body#/batch_id"},
        }
    },
    "riffusion-create": _poll_links("riffusion-task"),
    "riffusion-upload": {"clip": {"operationId": "clip-get", "parameters": {"clip_id": _CLIP}}},
    "producer-create": _poll_links("producer-task"),
    "producer-upload": {"clip": {"operationId": "clip-get", "parameters": {"clip_id": _CLIP}}},
    "studio-create": _poll_links("studio-task"),
    "nuro-create": _poll_links("nuro-task"),
    "tasks-list": {
        "task": {"operationId": "task-get", "parameters": {"task_id": "$response.body#/data/0/task_id"}}
    },
    "task-get": {
        "clip": {"operationId": "clip-get", "parameters": {"clip_id": "$response.body#/data/clip_ids/0"}}
    },
}
"""Source operation id → link name → OpenAPI Link object (targets by operation id)."""


def _fits(link: dict[str, Any], target: dict[str, Any]) -> bool:
    """A link fits its target when every parameter it sets is one the target declares and it sets
    a body only on an operation that takes one."""
    declared = {parameter.get("name") for parameter in target.get("parameters", [])}
    if not set(link.get("parameters", {})) <= declared:
        return False
    return "requestBody" not in link or "requestBody" in target


def add_links(document: dict[str, Any]) -> dict[str, Any]:
    """Add :data:`LINKS` to the 200 responses of ``document`` (in place; also returned). A link
    whose target operation is absent, or does not take what the link sets, is left out."""
    operations: dict[str, dict[str, Any]] = {}
    for item in document.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                operations[operation["operationId"]] = operation
    for source, links in LINKS.items():
        operation = operations.get(source)
        if operation is None or "200" not in operation.get("responses", {}):
            continue
        present = {
            name: link
            for name, link in links.items()
            if link["operationId"] in operations and _fits(link, operations[link["operationId"]])
        }
        if present:
            operation["responses"]["200"]["links"] = present
    return document


def install_links(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``) serve the document with :data:`LINKS`."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_links(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
