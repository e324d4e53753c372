"""Public endpoints: ``/health``, ``/metrics`` and the clip files (API.md §1, §13)."""

from __future__ import annotations

import hmac
from pathlib import PurePosixPath

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from tunesmith import __version__
from tunesmith.api.deps import ServicesDep
from tunesmith.blobs.urls import CONTENT_TYPES, WIRE_FILES, blob_key, is_clip_id, verify
from tunesmith.errors import NotFound, Unauthorized
from tunesmith.jobs.files import M4A, ensure_m4a, remote_file_url

router = APIRouter()

CACHE_CONTROL = "public, max-age=31536000, immutable"
M4A_NAME = "audio.m4a"


@router.get("/health", tags=["health"], operation_id="health")
def health(services: ServicesDep) -> JSONResponse:
    """Database, queue and blob checks; 503 ``degraded`` when one fails."""
    checks: dict[str, str] = {}
    for name, probe in (
        ("database", services.store.ping),
        ("queue", services.queue.ping),
        ("blobs", services.blobs.ping),
    ):
        try:
            probe()
            checks[name] = "ok"
        except Exception as exc:
            checks[name] = f"{type(exc).__name__}: {exc}"[:200]
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "version": __version__, "checks": checks},
        status_code=200 if ok else 503,
    )


@router.get("/metrics", tags=["health"], operation_id="metrics", response_class=PlainTextResponse)
def metrics(request: Request, services: ServicesDep) -> PlainTextResponse:
    """Prometheus text."""
    from tunesmith.api.metrics import render

    token = services.settings.metrics.token
    if token:
        sent = request.headers.get("authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            raise Unauthorized("Invalid API key.")
    return PlainTextResponse(
        render(services, request.app.state.http_metrics), media_type="text/plain; version=0.0.4"
    )


@router.get("/files/{clip_id}/{name}", tags=["files"], operation_id="file")
@router.head("/files/{clip_id}/{name}", tags=["files"], operation_id="file-head")
async def file(clip_id: str, name: str, request: Request, services: ServicesDep) -> Response:
    """A clip file (no auth: the UUID is the capability). Supports HEAD and Range. ``audio.m4a``
    is transcoded from the mix on first request. With S3-compatible blobs (``blobs.url``) the
    answer is a 307 redirect to a presigned URL of the object."""
    if (name not in WIRE_FILES and name != M4A_NAME) or not is_clip_id(clip_id):
        raise NotFound("Not Found.")  # a malformed id (``..``, ``%2e%2e``, NUL …) counts as unknown
    settings = services.settings
    if settings.files.signed_url_ttl_s and not verify(
        request.url.path,
        request.query_params.get("exp"),
        request.query_params.get("sig"),
        settings.file_signing_secret(),
    ):
        raise NotFound("Not Found.")
    bundle_name = M4A if name == M4A_NAME else WIRE_FILES[name]
    remote = await run_in_threadpool(
        remote_file_url, services, clip_id, bundle_name, method="HEAD" if request.method == "HEAD" else "GET"
    )
    if remote is not None:  # S3-compatible blobs: the client downloads straight from the bucket
        return RedirectResponse(remote, status_code=307, headers={"Cache-Control": "private, no-store"})
    if name == M4A_NAME:
        path = await run_in_threadpool(ensure_m4a, services, clip_id)
    else:
        path = services.blobs.local_path(blob_key(clip_id, WIRE_FILES[name]))
    if path is None:
        raise NotFound("Not Found.")
    media_type = CONTENT_TYPES.get(PurePosixPath(name).suffix, "application/octet-stream")
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": CACHE_CONTROL})
