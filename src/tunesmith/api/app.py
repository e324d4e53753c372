"""The FastAPI application factory: ``create_app(settings)`` owns the services (no import-time
side effects). Middleware adds ``X-Request-Id``, records HTTP metrics, and turns any unexpected
exception into the contract's 500 body (details logged under the request id)."""

from __future__ import annotations

import time
import traceback
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tunesmith import __version__
from tunesmith.api import errors
from tunesmith.api.links import install_links
from tunesmith.api.metrics import HttpMetrics
from tunesmith.api.routes import analysis, edits, native, nuro, producer, public, riffusion, sonic, studio
from tunesmith.api.routes import batch as batch_routes
from tunesmith.api.routes import personas as persona_routes
from tunesmith.jobs.context import Services, build_services
from tunesmith.settings import Settings, load_settings
from tunesmith.web.routes import router as playground_router

log = structlog.get_logger(__name__)


class RequestMiddleware:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")[:200]
        request_id = incoming or str(uuid.uuid4())
        started = time.perf_counter()
        status = [500]
        sent_start = [False]

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent_start[0] = True
                status[0] = message["status"]
                headers = list(message.get("headers") or [])
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # a plain traceback string: the console renderer's locals dump of a deep ASGI stack
            # costs seconds of CPU per error
            log.error(
                "http.unhandled",
                request_id=request_id,
                path=scope.get("path"),
                traceback=traceback.format_exc(),
            )
            if not sent_start[0]:
                response = JSONResponse(errors.error_body(500, errors.INTERNAL), status_code=500)
                await response(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            self.metrics.observe(scope.get("method", ""), template, status[0], time.perf_counter() - started)


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """The API. ``services`` may be injected (tests); otherwise built from ``settings`` at startup."""
    settings = settings or (services.settings if services else load_settings())
    own = services is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.services is None:
            app.state.services = build_services(settings)
        try:
            yield
        finally:
            if own and app.state.services is not None:
                app.state.services.close()

    app = FastAPI(
        title="tunesmith",
        version=__version__,
        lifespan=lifespan,
        description="Self-hosted music generation, wire-compatible with the MusicAPI (Suno-style) API.",
    )
    app.state.services = services
    app.state.http_metrics = HttpMetrics()
    errors.install(app)
    app.include_router(sonic.router)
    app.include_router(edits.router)  # upload-extend, upload-cover, replace-section
    app.include_router(analysis.router)  # listening: stems, bpm, vox, wav, midi, lyrics, download
    app.include_router(persona_routes.router)  # persona (sync), create-voice (async)
    app.include_router(batch_routes.router)  # sonic/batch submit and poll
    app.include_router(riffusion.router)  # §5
    app.include_router(producer.router)  # §6
    app.include_router(studio.router)  # §7
    app.include_router(nuro.router)  # §8
    app.include_router(native.router)
    app.include_router(public.router)
    app.include_router(playground_router)  # the playground page at / (tunesmith.web)
    install_links(app)  # OpenAPI links: submit → poll → clip → file (tunesmith.api.links)
    app.add_middleware(RequestMiddleware, metrics=app.state.http_metrics)
    return app


def services_of(app: Any) -> Services:
    services: Services = app.state.services
    return services
