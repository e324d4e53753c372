"""The one exception tree of tunesmith.

Every failure a user can cause or see is one of these; ``tunesmith.api.errors`` is the single
mapping to HTTP. Nothing here knows about HTTP.

::

    TunesmithError
    ├── InvalidParameter        a request field is missing, malformed or out of range (400)
    ├── Unauthorized            no key, a malformed header, or an unknown key (401)
    ├── Forbidden               the key may not do this (403)
    │   └── InsufficientCredits the key's balance cannot pay for the task (403)
    ├── NotFound                the thing does not exist for this key (404)
    ├── PayloadTooLarge         a body or upload over its size limit (413)
    ├── RateLimited             a per-key limit was exceeded; carries retry_after_s (429)
    ├── ServiceUnavailable      the server is busy or a dependency is down; retry_after_s (503)
    ├── Gone                    the thing existed but was deleted or expired (410)
    ├── JobFailed               an engine or analysis step failed while running a task
    └── Cancelled               a running task was asked to stop

``message`` is always the user-facing text (for wire errors, verbatim from the API contract);
``field`` names the request field at fault where there is one.
"""

from __future__ import annotations


class TunesmithError(Exception):
    """Base of every tunesmith error. ``message`` is safe to show to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidParameter(TunesmithError):
    """A request field is missing, malformed or out of range; the message names the field."""


class Unauthorized(TunesmithError):
    """No credentials, malformed credentials, or an unknown key."""


class Forbidden(TunesmithError):
    """The caller is known but may not do this."""


class InsufficientCredits(Forbidden):
    """The key's balance cannot pay for the requested work."""


class NotFound(TunesmithError):
    """The resource does not exist, or belongs to another key (answered the same way)."""


class PayloadTooLarge(TunesmithError):
    """A request body or uploaded file exceeds its size limit."""


class RateLimited(TunesmithError):
    """A per-key rate limit was exceeded; retry after ``retry_after_s`` whole seconds (>= 1)."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, int(retry_after_s))


class ServiceUnavailable(TunesmithError):
    """The server cannot take the work now (queue full, database down); retry later."""

    def __init__(self, message: str, *, retry_after_s: int = 1) -> None:
        super().__init__(message)
        self.retry_after_s = max(1, int(retry_after_s))


class Gone(TunesmithError):
    """The resource existed but is no longer available."""


class JobFailed(TunesmithError):
    """A task's engine or analysis step failed; ``message`` is the clip's error_message."""


class Cancelled(TunesmithError):
    """A running task was asked to stop (raised from the progress callback)."""
