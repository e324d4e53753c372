"""The single mapping from :mod:`tunesmith.errors` to the wire (API.md §2).

Every error body is ``{"code": status, "message": text, "error": text}``; 429 and 503 add a
``Retry-After`` header. Anything unexpected is a 500 ``Internal Server Error.`` whose details go to
the log under the request id, never to the client. A database or Redis that cannot be reached (a
restart, a fail-over) is a 503 with a short ``Retry-After`` (:data:`OUTAGE_RETRY_S`): the pooled
connections are checked before use, so the next call after the server is back succeeds.
"""

from __future__ import annotations

import errno
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tunesmith.errors import (
    Cancelled,
    Forbidden,
    Gone,
    InvalidParameter,
    JobFailed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    TunesmithError,
    Unauthorized,
)

INTERNAL = "Internal Server Error."

log = structlog.get_logger(__name__)

STATUS: list[tuple[type[TunesmithError], int]] = [
    (InvalidParameter, 400),
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (PayloadTooLarge, 413),
    (RateLimited, 429),
    (ServiceUnavailable, 503),
    (Gone, 410),
    (JobFailed, 500),
    (Cancelled, 500),
]

OUTAGE_RETRY_S = 5
"""Retry-After of a 503 answered while the database or Redis cannot be reached."""


def outage_errors() -> tuple[type[Exception], ...]:
    """Exception types meaning "the database or Redis is unreachable right now"."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    kinds: list[type[Exception]] = [OperationalError, InterfaceError]
    try:
        import redis
    except ImportError:  # pragma: no cover - redis is a dependency
        pass
    else:
        kinds += [redis.ConnectionError, redis.TimeoutError]
    return tuple(kinds)


STORAGE_FULL_RETRY_S = 60
"""Retry-After of a 503 answered while local storage is full (ENOSPC / EDQUOT)."""

STORAGE_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


HTTP_MESSAGES = {404: "Not Found.", 405: "Method Not Allowed.", 413: "Request body is too large."}


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"code": status, "message": message, "error": message}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message), status_code=status, headers=headers)


def status_of(exc: TunesmithError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def to_response(exc: TunesmithError) -> JSONResponse:
    status = status_of(exc)
    headers: dict[str, str] = {}
    if isinstance(exc, RateLimited | ServiceUnavailable):
        headers["Retry-After"] = str(exc.retry_after_s)
    message = exc.message if status < 500 or isinstance(exc, ServiceUnavailable) else INTERNAL
    return error_response(status, message, headers or None)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    async def on_tunesmith(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, TunesmithError)
        return to_response(exc)

    async def on_http(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        return error_response(exc.status_code, message, dict(exc.headers) if exc.headers else None)

    async def on_validation(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        where = errors[0].get("loc", ("", ""))[-1] if errors else ""
        return error_response(400, f"The '{where}' field is invalid.")

    async def on_outage(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("http.outage", error=f"{type(exc).__name__}: {exc}"[:300])
        return to_response(
            ServiceUnavailable(
                f"Server is busy. Retry after {OUTAGE_RETRY_S} seconds.", retry_after_s=OUTAGE_RETRY_S
            )
        )

    async def on_os_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, OSError)
        if exc.errno in STORAGE_FULL_ERRNOS:
            log.error("http.storage_full", error=f"{type(exc).__name__}: {exc}"[:300])
            return to_response(
                ServiceUnavailable(
                    f"Storage is full. Retry after {STORAGE_FULL_RETRY_S} seconds.",
                    retry_after_s=STORAGE_FULL_RETRY_S,
                )
            )
        log.exception("http.os_error", error=f"{type(exc).__name__}: {exc}"[:300])
        return error_response(500, INTERNAL)

    app.add_exception_handler(TunesmithError, on_tunesmith)
    app.add_exception_handler(OSError, on_os_error)
    for kind in outage_errors():
        app.add_exception_handler(kind, on_outage)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
