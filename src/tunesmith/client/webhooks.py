"""Verify webhook deliveries exactly as API.md §10 signs them.

Two schemes are checked, each when its headers are present (at least one must be):

* ``X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret UTF-8, "{X-Webhook-Timestamp}.{body}")>``
  (the original service's scheme);
* Standard Webhooks: ``webhook-signature: v1,<base64 HMAC-SHA256(key, message)>`` over the
  message ``"{webhook-id}.{webhook-timestamp}.{body}"``, where ``key`` is the base64-decoded
  remainder of a ``whsec_`` secret, else the secret's UTF-8 bytes.
  Several space-separated signatures may be sent; one match is enough.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from tunesmith.client.errors import WebhookVerificationError

__all__ = ["sign_webhook", "verify_webhook"]

DEFAULT_TOLERANCE_S = 300.0
"""Largest accepted difference in seconds between the signed timestamp and now (replay window)."""


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _standard_key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_") :], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise WebhookVerificationError("the whsec_ secret is not valid base64") from exc
    return secret.encode("utf-8")


def _check_timestamp(value: str, now_s: float, tolerance_s: float | None, header: str) -> None:
    try:
        timestamp = int(value.strip())
    except ValueError as exc:
        raise WebhookVerificationError(f"{header} is not unix seconds: {value!r}") from exc
    if tolerance_s is not None and abs(now_s - timestamp) > tolerance_s:
        raise WebhookVerificationError(f"{header} is outside the {tolerance_s:g} s tolerance")


def sign_webhook(body: bytes, secret: str, *, timestamp: int, webhook_id: str) -> dict[str, str]:
    """The signature headers tunesmith sends for ``body`` (useful to test a webhook receiver)."""
    legacy = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    message = f"{webhook_id}.{timestamp}.".encode() + body
    standard = base64.b64encode(hmac.new(_standard_key(secret), message, hashlib.sha256).digest()).decode()
    return {
        "X-Webhook-Id": webhook_id,
        "Idempotency-Key": webhook_id,
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": f"sha256={legacy}",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{standard}",
    }


def verify_webhook(
    body: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance_s: float | None = DEFAULT_TOLERANCE_S,
    now_s: float | None = None,
) -> dict[str, Any]:
    """Check a webhook delivery's signature(s) and timestamp; return the decoded JSON body.

    Args:
        body: the raw request body, exactly as received (bytes; a str is UTF-8 encoded).
        headers: the request headers (any letter case).
        secret: the ``webhook_secret`` sent with the task, or the key's ``whsec_…`` secret.
        tolerance_s: largest accepted |now − timestamp| in seconds; None disables the check.
        now_s: the current unix time in seconds (default: the system clock).

    Raises:
        WebhookVerificationError: no signature headers, a signature mismatch, a stale or
            malformed timestamp, or a body that is not a JSON object.
    """
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    now = time.time() if now_s is None else now_s
    checked = 0

    legacy_sig = _header(headers, "X-Webhook-Signature")
    if legacy_sig is not None:
        timestamp = _header(headers, "X-Webhook-Timestamp")
        if timestamp is None:
            raise WebhookVerificationError("X-Webhook-Timestamp header is missing")
        _check_timestamp(timestamp, now, tolerance_s, "X-Webhook-Timestamp")
        expected = hmac.new(
            secret.encode("utf-8"), timestamp.strip().encode() + b"." + raw, hashlib.sha256
        ).hexdigest()
        given = legacy_sig.strip()
        # compared as bytes: hmac.compare_digest raises TypeError on non-ASCII str
        if not given.startswith("sha256=") or not hmac.compare_digest(
            given[len("sha256=") :].encode("utf-8"), expected.encode("ascii")
        ):
            raise WebhookVerificationError("X-Webhook-Signature does not match")
        checked += 1

    standard_sig = _header(headers, "webhook-signature")
    if standard_sig is not None:
        webhook_id = _header(headers, "webhook-id")
        timestamp = _header(headers, "webhook-timestamp")
        if webhook_id is None or timestamp is None:
            raise WebhookVerificationError("webhook-id or webhook-timestamp header is missing")
        _check_timestamp(timestamp, now, tolerance_s, "webhook-timestamp")
        message = f"{webhook_id}.{timestamp.strip()}.".encode() + raw
        expected_b64 = base64.b64encode(hmac.new(_standard_key(secret), message, hashlib.sha256).digest())
        candidates = [part.split(",", 1) for part in standard_sig.split()]
        matches = [
            len(c) == 2 and c[0] == "v1" and hmac.compare_digest(c[1].encode(), expected_b64)
            for c in candidates
        ]
        if not any(matches):
            raise WebhookVerificationError("webhook-signature does not match")
        checked += 1

    if checked == 0:
        raise WebhookVerificationError("no X-Webhook-Signature or webhook-signature header")
    try:
        payload = json.loads(raw)
    except ValueError as exc:
        raise WebhookVerificationError("the webhook body is not JSON") from exc
    if not isinstance(payload, dict):
        raise WebhookVerificationError("the webhook body is not a JSON object")
    return payload
