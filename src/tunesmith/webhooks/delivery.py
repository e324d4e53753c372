"""One webhook delivery attempt with the contract's retry schedule (API.md §10).

Each attempt is signed afresh with the same ids; a 2xx answer means delivered; redirects, other
statuses, refused targets and network errors are failures. After ``1 + len(retry_schedule_s)``
attempts the delivery is ``failed``.
"""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import structlog

from tunesmith.settings import WebhookSettings
from tunesmith.store.repos import Delivery, Store, iso_ms, utcnow
from tunesmith.webhooks.net import BlockedTarget, post
from tunesmith.webhooks.signing import signed_headers

log = structlog.get_logger(__name__)


def attempt(
    store: Store, delivery_id: str, *, settings: WebhookSettings
) -> tuple[Delivery | None, float | None]:
    """Make the next attempt of a delivery. Returns the updated delivery and, when another attempt
    is due, the delay in seconds before it (None when delivered, failed or already final)."""
    delivery = store.get_delivery(delivery_id)
    if delivery is None or delivery.status in ("delivered", "failed"):
        return delivery, None
    timestamp = int(time.time())
    headers = signed_headers(
        secret=delivery.secret,
        msg_id=delivery.id,
        event=delivery.event,
        timestamp=timestamp,
        body=delivery.body,
    )
    started = time.perf_counter()
    at = utcnow()
    status_code: int | None = None
    error: str | None = None
    if settings.require_https and not delivery.url.startswith("https://"):
        error = "https is required"
    else:
        try:
            status_code = post(
                delivery.url,
                body=delivery.body,
                headers=headers,
                allow_private=settings.allow_private_targets,
                allowed_networks=settings.allowed_networks,
                timeout_s=settings.timeout_s,
            )
        except BlockedTarget as exc:
            error = f"target refused: {exc}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
    duration_ms = int((time.perf_counter() - started) * 1000)
    number = delivery.attempt_count + 1
    record = {
        "attempt": number,
        "at": iso_ms(at),
        "status_code": status_code,
        "duration_ms": duration_ms,
        "error": error,
    }
    delay: float | None = None
    if status_code is not None and 200 <= status_code < 300:
        status, next_at = "delivered", None
    elif number > len(settings.retry_schedule_s):
        status, next_at = "failed", None
    else:
        delay = settings.retry_schedule_s[number - 1]
        status, next_at = "retrying", utcnow() + timedelta(seconds=delay)
    log.info(
        "webhook.attempt",
        delivery_id=delivery.id,
        attempt=number,
        status_code=status_code,
        error=error,
        result=status,
    )
    return store.record_attempt(delivery.id, record, status=status, next_attempt_at=next_at), delay
