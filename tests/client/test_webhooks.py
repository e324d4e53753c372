"""Webhook signatures (API.md §10), checked against HMACs computed here independently."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

import pytest

from tunesmith.client import WebhookVerificationError, sign_webhook, verify_webhook

BODY = json.dumps(
    {
        "code": 200,
        "message": "success",
        "data": [{"clip_id": "c", "state": "succeeded"}],
        "task_id": "t",
        "platform": "suno",
        "event": "song.completed",
    },
    separators=(",", ":"),
).encode()
TS = 1_772_447_251
WEBHOOK_ID = "0b8f8a54-7c41-4a38-9d55-2f9a3b7f4e21"


def _legacy(secret: str, body: bytes = BODY, ts: int = TS) -> dict[str, str]:
    digest = hmac.new(secret.encode("utf-8"), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Webhook-Timestamp": str(ts),
        "X-Webhook-Signature": f"sha256={digest}",
        "X-Webhook-Id": WEBHOOK_ID,
    }


def _standard(key: bytes, body: bytes = BODY, ts: int = TS) -> dict[str, str]:
    mac = hmac.new(key, f"{WEBHOOK_ID}.{ts}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": WEBHOOK_ID,
        "webhook-timestamp": str(ts),
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
    }


def test_legacy_signature_with_request_secret() -> None:
    payload = verify_webhook(BODY, _legacy("my-secret"), "my-secret", now_s=TS + 5)
    assert payload["event"] == "song.completed" and payload["platform"] == "suno"


def test_both_schemes_with_a_whsec_key_secret() -> None:
    raw_key = os.urandom(32)
    secret = "whsec_" + base64.b64encode(raw_key).decode()
    headers = {**_legacy(secret), **_standard(raw_key)}
    assert verify_webhook(BODY, headers, secret, now_s=TS)["task_id"] == "t"
    # header names are case-insensitive
    assert verify_webhook(BODY.decode(), {k.upper(): v for k, v in headers.items()}, secret, now_s=TS)


def test_standard_scheme_alone_with_plain_secret_and_several_signatures() -> None:
    headers = _standard(b"plain")
    headers["webhook-signature"] = "v1,AAAA " + headers["webhook-signature"]
    assert verify_webhook(BODY, headers, "plain", now_s=TS)


def test_sign_webhook_matches_the_independent_computation() -> None:
    raw_key = b"\x01" * 32
    secret = "whsec_" + base64.b64encode(raw_key).decode()
    signed = sign_webhook(BODY, secret, timestamp=TS, webhook_id=WEBHOOK_ID)
    assert signed["X-Webhook-Signature"] == _legacy(secret)["X-Webhook-Signature"]
    assert signed["webhook-signature"] == _standard(raw_key)["webhook-signature"]
    assert signed["Idempotency-Key"] == WEBHOOK_ID


@pytest.mark.parametrize(
    ("headers", "secret", "now", "match"),
    [
        (_legacy("other"), "my-secret", TS, "X-Webhook-Signature does not match"),
        (_legacy("my-secret", body=BODY + b" "), "my-secret", TS, "does not match"),
        (_legacy("my-secret"), "my-secret", TS + 301, "tolerance"),
        (_legacy("my-secret"), "my-secret", TS - 301, "tolerance"),
        (
            {"X-Webhook-Signature": _legacy("my-secret")["X-Webhook-Signature"]},
            "my-secret",
            TS,
            "Timestamp header is missing",
        ),
        ({**_legacy("my-secret"), "X-Webhook-Timestamp": "soon"}, "my-secret", TS, "unix seconds"),
        (_standard(b"wrong"), "right", TS, "webhook-signature does not match"),
        ({**_legacy("s"), **_standard(b"not-s")}, "s", TS, "webhook-signature does not match"),
        ({"Content-Type": "application/json"}, "s", TS, "no X-Webhook-Signature"),
        ({**_legacy("s"), "X-Webhook-Signature": "md5=abc"}, "s", TS, "does not match"),
        (
            {**_legacy("s"), "X-Webhook-Signature": "sha256=é" * 8},
            "s",
            TS,
            "X-Webhook-Signature does not match",
        ),
        ({**_standard(b"s"), "webhook-signature": "v1,é"}, "s", TS, "webhook-signature does not match"),
    ],
)
def test_rejections(headers: dict[str, str], secret: str, now: int, match: str) -> None:
    with pytest.raises(WebhookVerificationError, match=match):
        verify_webhook(BODY, headers, secret, now_s=now)


def test_tolerance_can_be_disabled_and_body_must_be_an_object() -> None:
    assert verify_webhook(BODY, _legacy("s", ts=1), "s", tolerance_s=None)
    with pytest.raises(WebhookVerificationError, match="not a JSON object"):
        verify_webhook(b"[1]", _legacy("s", body=b"[1]"), "s", now_s=TS)
