"""Webhooks: signed deliveries with retries and the same ids, verified independently."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx

from tunesmith.jobs.context import Services


def verify(headers: dict[str, str], body: bytes, secret: str) -> None:
    lower = {k.lower(): v for k, v in headers.items()}
    ts = lower["x-webhook-timestamp"]
    expected = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    assert lower["x-webhook-signature"] == f"sha256={expected}"
    assert lower["idempotency-key"] == lower["x-webhook-id"] == lower["webhook-id"]
    assert lower["webhook-timestamp"] == ts
    key = base64.b64decode(secret.removeprefix("whsec_")) if secret.startswith("whsec_") else secret.encode()
    std = hmac.new(key, f"{lower['webhook-id']}.{ts}.".encode() + body, hashlib.sha256).digest()
    assert lower["webhook-signature"] == "v1," + base64.b64encode(std).decode()
    assert lower["content-type"] == "application/json"
    assert lower["user-agent"].startswith("tunesmith-webhooks/")


def test_retry_then_delivered(client: httpx.Client, auth: dict[str, str], drain: Any, receiver: Any) -> None:
    with receiver([500, 503]) as hook:
        body = {
            "mv": "sonic-v5",
            "prompt": "[Verse]\nHello there",
            "callback_url": hook.url + "/hook",
            "webhook_secret": "s3cret",
        }
        task_id = client.post("/api/v1/sonic/create", json=body, headers=auth).json()["task_id"]
        drain()
        assert len(hook.requests) == 3
    ids = {h["X-Webhook-Id"] for h, _ in hook.requests}
    assert len(ids) == 1
    bodies = {b for _, b in hook.requests}
    assert len(bodies) == 1
    for headers, raw in hook.requests:
        verify(headers, raw, "s3cret")
        assert headers["X-Webhook-Event"] == "song.completed"
    payload = json.loads(hook.requests[0][1])
    assert (
        payload["task_id"] == task_id
        and payload["platform"] == "suno"
        and payload["event"] == "song.completed"
    )
    assert payload["code"] == 200 and [c["state"] for c in payload["data"]] == ["succeeded", "succeeded"]
    assert (
        "webhook_secret" not in client.get(f"/api/v1/tasks/{task_id}", headers=auth).json()["data"]["request"]
    )
    log = client.get("/api/v1/webhooks/deliveries", headers=auth, params={"task_id": task_id}).json()
    assert log["code"] == 200 and log["next_cursor"] is None
    (item,) = log["data"]
    assert item["delivery_id"] == ids.pop() and item["status"] == "delivered" and item["attempt_count"] == 3
    assert [a["status_code"] for a in item["attempts"]] == [500, 503, 200]
    assert item["next_attempt_at"] is None and item["url"] == hook.url + "/hook"


def test_failed_event_uses_key_secret_and_gives_up(
    client: httpx.Client, auth: dict[str, str], drain: Any, receiver: Any, services: Services, key: str
) -> None:
    from tunesmith.auth.keys import hash_key

    record = services.store.key_by_hash(hash_key(key))
    assert record is not None
    with receiver([500] * 10) as hook:
        body = {
            "mv": "sonic-v5",
            "prompt": "[Verse]\nHello there",
            "tags": "explode",
            "webhook_url": hook.url,
        }
        client.post("/api/v1/sonic/create", json=body, headers=auth)
        drain()
    assert len(hook.requests) == 7
    headers, raw = hook.requests[0]
    verify(headers, raw, record[0].webhook_secret)
    payload = json.loads(raw)
    assert payload["event"] == "song.failed" and payload["error"] == "Generation failed."
    item = client.get("/api/v1/webhooks/deliveries", headers=auth).json()["data"][0]
    assert item["status"] == "failed" and item["attempt_count"] == 7


def test_private_target_refused_unless_allowed(tmp_path: Any, engine: Any, receiver: Any, serve: Any) -> None:
    from tests.service.conftest import make_settings

    from tunesmith.auth.keys import create_key
    from tunesmith.jobs.context import build_services
    from tunesmith.jobs.queue import InlineQueue

    settings = make_settings(
        tmp_path / "d", webhooks={"allow_private_targets": False, "retry_schedule_s": [0.0]}
    )
    services = build_services(settings, queue=InlineQueue(), engine_factory=lambda name: engine)
    key = create_key(services.store, credits=100)[1]
    try:
        with receiver() as hook, serve(services) as client:
            auth = {"Authorization": f"Bearer {key}"}
            client.post(
                "/api/v1/sonic/create",
                json={"mv": "sonic-v5", "prompt": "[Verse]\nHi there", "webhook_url": hook.url},
                headers=auth,
            )
            services.queue.drain()  # type: ignore[attr-defined]
            assert hook.requests == []
            item = client.get("/api/v1/webhooks/deliveries", headers=auth).json()["data"][0]
            assert item["status"] == "failed" and "refused" in item["attempts"][0]["error"]
    finally:
        services.close()
