"""Exceptions raised by the tunesmith SDK.

The tree mirrors the wire contract (API.md §2): every error body is
``{"code": <status>, "message": "…", "error": "…"}`` (the nuro family adds ``"type"``), and the
exception class is chosen by the HTTP status.

::

    TunesmithClientError               anything the SDK raises
    ├── APIError                       the server answered with an error body
    │   ├── BadRequest                 400: validation, unknown ids on original endpoints
    │   ├── Unauthorized               401: missing, malformed or unknown API key
    │   ├── Forbidden                  403: suspended key, lyrics format, content policy
    │   │   └── InsufficientCredits    403: the balance cannot pay for the call
    │   ├── NotFound                   404: unknown route, unknown id on tunesmith endpoints
    │   ├── MethodNotAllowed           405
    │   ├── PayloadTooLarge            413: body or upload over its size limit
    │   ├── RateLimited                429: carries ``retry_after_s``
    │   └── ServerError                5xx
    │       └── ServerBusy             503: carries ``retry_after_s``
    ├── ConnectionFailed               the server could not be reached (DNS, refused, timeout)
    ├── ProtocolError                  the answer was not the JSON the contract promises
    ├── WaitTimeout                    ``wait_for`` gave up; also a ``TimeoutError``
    └── WebhookVerificationError       a webhook's signature or timestamp did not verify

This module imports nothing but the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIError",
    "BadRequest",
    "ConnectionFailed",
    "Forbidden",
    "InsufficientCredits",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "ProtocolError",
    "RateLimited",
    "ServerBusy",
    "ServerError",
    "TunesmithClientError",
    "Unauthorized",
    "WaitTimeout",
    "WebhookVerificationError",
    "error_for_status",
]

_CREDITS_TEXT = "The remaining credits are not enough"
_RETRY_AFTER_IN_TEXT = re.compile(r"Retry after (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)


class TunesmithClientError(Exception):
    """Base of every exception the SDK raises. ``message`` is safe to show to a user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class APIError(TunesmithClientError):
    """The server answered with an error.

    Attributes:
        status_code: the HTTP status of the answer.
        code: the body's ``code`` (normally equal to ``status_code``).
        message: the body's ``message`` (or ``error``), verbatim from the server.
        error_type: the nuro family's ``type`` (``bad_request``, ``not_found`` …), else None.
        request_id: the ``X-Request-Id`` response header, when the server sent one.
        body: the decoded JSON body (an empty dict when it was not JSON).
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        code: int | str | None = None,
        error_type: str | None = None,
        request_id: str | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code: int | str = status_code if code is None else code
        self.error_type = error_type
        self.request_id = request_id
        self.body: dict[str, Any] = dict(body or {})

    def __str__(self) -> str:
        return f"{self.status_code}: {self.message}"


class BadRequest(APIError):
    """400: a field is missing, malformed or out of range, or an id is unknown."""


class Unauthorized(APIError):
    """401: the API key is missing, malformed or unknown."""


class Forbidden(APIError):
    """403: the key is suspended, or the lyrics/description were refused."""


class InsufficientCredits(Forbidden):
    """403: the key's balance cannot pay for the call."""


class NotFound(APIError):
    """404: unknown route, or an unknown id on a tunesmith addition or the nuro poll."""


class MethodNotAllowed(APIError):
    """405: the path exists but not with this method."""


class PayloadTooLarge(APIError):
    """413: the request body or uploaded file is over its size limit."""


class _RetryAfter:
    retry_after_s: float | None


class RateLimited(APIError, _RetryAfter):
    """429: a per-key rate limit was exceeded. ``retry_after_s`` is the wait the server asked for."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after_s = retry_after_s


class ServerError(APIError):
    """5xx: the server failed; details are in its log under ``request_id``."""


class ServerBusy(ServerError, _RetryAfter):
    """503: the queue is full or a dependency is down. ``retry_after_s`` as for :class:`RateLimited`."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after_s = retry_after_s


class ConnectionFailed(TunesmithClientError):
    """The server could not be reached, or did not answer within the client's timeout."""


class ProtocolError(TunesmithClientError):
    """The server's answer was not the JSON shape the contract promises."""


class WaitTimeout(TunesmithClientError, TimeoutError):
    """``wait_for`` reached its deadline. ``states`` holds the clip states last seen."""

    def __init__(self, message: str, *, task_id: str, states: list[str]) -> None:
        super().__init__(message)
        self.task_id = task_id
        self.states = states


class WebhookVerificationError(TunesmithClientError):
    """A webhook delivery's signature, timestamp or headers did not verify."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    429: RateLimited,
    503: ServerBusy,
}


def parse_retry_after(value: str | None, message: str = "") -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds), else from the message text.

    The contract sends whole seconds (at least 1) and repeats them in the message
    (``Too many requests. Retry after N seconds.``). HTTP-date values are not used by the contract
    and yield None unless the message carries the number.
    """
    if value:
        try:
            seconds = float(value.strip())
        except ValueError:
            seconds = -1.0
        if seconds >= 0:
            return seconds
    match = _RETRY_AFTER_IN_TEXT.search(message)
    return float(match.group(1)) if match else None


def error_for_status(
    status_code: int,
    body: Any,
    *,
    headers: Mapping[str, str] | None = None,
    reason: str = "",
) -> APIError:
    """Build the exception for an error answer.

    Args:
        status_code: the HTTP status (or the body's integer ``code`` when a server reports an
            error inside a 200 answer).
        body: the decoded JSON body; anything but a dict is treated as no body.
        headers: the response headers (case-insensitive mapping), for ``Retry-After`` and
            ``X-Request-Id``.
        reason: text to use when the body carries no message (e.g. the HTTP reason phrase).
    """
    data: dict[str, Any] = body if isinstance(body, dict) else {}
    message = data.get("message") or data.get("error") or data.get("detail") or reason
    if not isinstance(message, str):
        message = str(message)
    if not message:
        message = f"HTTP {status_code}"
    code = data.get("code")
    error_type = data.get("type") if isinstance(data.get("type"), str) else None
    hdrs = headers or {}
    request_id = hdrs.get("x-request-id") or hdrs.get("X-Request-Id")
    common: dict[str, Any] = {
        "status_code": status_code,
        "code": code if isinstance(code, int | str) and not isinstance(code, bool) else None,
        "error_type": error_type,
        "request_id": request_id,
        "body": data,
    }
    cls = _BY_STATUS.get(status_code)
    if cls is None:
        cls = ServerError if status_code >= 500 else APIError
    if cls is Forbidden and message.startswith(_CREDITS_TEXT):
        cls = InsufficientCredits
    if cls is RateLimited or cls is ServerBusy:
        retry = parse_retry_after(hdrs.get("retry-after") or hdrs.get("Retry-After"), message)
        return cls(message, retry_after_s=retry, **common)
    return cls(message, **common)
