"""Webhook signatures (API.md §10): the original X-Webhook-* scheme plus Standard Webhooks.

- ``X-Webhook-Signature: sha256=<hex HMAC-SHA256(secret UTF-8, "{timestamp}.{body}")>``
- ``webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`` where the key is
  the base64-decoded remainder of a ``whsec_`` secret, otherwise the secret's UTF-8 bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from tunesmith import __version__


def legacy_signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def standard_key(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret[len("whsec_") :], validate=True)
        except (binascii.Error, ValueError):
            pass
    return secret.encode("utf-8")


def standard_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(standard_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def signed_headers(*, secret: str, msg_id: str, event: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header of one delivery attempt."""
    return {
        "Content-Type": "application/json",
        "User-Agent": f"tunesmith-webhooks/{__version__}",
        "X-Webhook-Id": msg_id,
        "Idempotency-Key": msg_id,
        "X-Webhook-Event": event,
        "X-Webhook-Timestamp": str(timestamp),
        "X-Webhook-Signature": legacy_signature(secret, timestamp, body),
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_signature(secret, msg_id, timestamp, body),
    }
