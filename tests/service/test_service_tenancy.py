"""Credits under concurrency (real HTTP, real SQLite) and cross-key isolation."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tunesmith.auth.keys import create_key
from tunesmith.jobs.context import Services

CREDIT_TEXT = "The remaining credits are not enough. You can buy more one-time credit packs or subscribe."


def test_fifty_concurrent_submissions_for_ten(services: Services, live: Any) -> None:
    record, key = create_key(services.store, credits=150, extra_credits=50)
    auth = {"Authorization": f"Bearer {key}"}
    body = {"mv": "sonic-v5", "prompt": "[Verse]\nconcurrency is fun"}

    def submit(_: int) -> httpx.Response:
        return httpx.post(live.url + "/api/v1/sonic/create", json=body, headers=auth, timeout=60)

    with ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(submit, range(50)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [403] * 40
    assert all(r.json()["message"] == CREDIT_TEXT for r in responses if r.status_code == 403)
    credits = httpx.get(live.url + "/api/v1/get-credits", headers=auth).json()
    assert credits == {"credits": 0, "extra_credits": 0}
    entries = services.store.ledger_entries(record.id)
    assert sum(1 for e in entries if e["kind"] == "reserve") == 10
    assert services.store.count_pending() == 10


def test_extra_credits_spent_first_and_refunded_to_their_bucket(
    client: httpx.Client, services: Services, drain: Any
) -> None:
    _, key = create_key(services.store, credits=100, extra_credits=5)
    auth = {"Authorization": f"Bearer {key}"}
    client.post(
        "/api/v1/sonic/create",
        json={"mv": "sonic-v5", "prompt": "[Verse]\nx", "tags": "explode"},
        headers=auth,
    )
    assert client.get("/api/v1/get-credits", headers=auth).json() == {"credits": 85, "extra_credits": 0}
    drain()
    assert client.get("/api/v1/get-credits", headers=auth).json() == {"credits": 100, "extra_credits": 5}


def test_one_key_cannot_see_another(
    client: httpx.Client, services: Services, auth: dict[str, str], drain: Any, receiver: Any
) -> None:
    _, other = create_key(services.store, credits=100)
    them = {"Authorization": f"Bearer {other}"}
    with receiver() as hook:
        task_id = client.post(
            "/api/v1/sonic/create",
            json={"mv": "sonic-v5", "prompt": "[Verse]\nmine", "webhook_url": hook.url},
            headers=auth,
        ).json()["task_id"]
        drain()
    clip_id = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"][0]["clip_id"]
    assert client.get(f"/api/v1/sonic/task/{task_id}", headers=them).json()["message"] == "task not found."
    assert client.get(f"/get_music/{task_id}", headers=them).status_code == 400
    assert client.get(f"/api/v1/clips/{clip_id}", headers=them).json() == {
        "code": 404,
        "message": "clip not found.",
        "error": "clip not found.",
    }
    assert client.get(f"/api/v1/tasks/{task_id}", headers=them).status_code == 404
    assert client.get("/api/v1/tasks", headers=them).json()["data"] == []
    assert client.get("/api/v1/webhooks/deliveries", headers=them).json()["data"] == []
    concat = client.post(
        "/api/v1/sonic/create", json={"task_type": "concat_music", "continue_clip_id": clip_id}, headers=them
    )
    assert concat.json()["message"] == "clip not found."
    mine = client.post(
        "/api/v1/sonic/create", json={"task_type": "concat_music", "continue_clip_id": clip_id}, headers=auth
    )
    assert mine.json()["message"] == "The clip to concat must be an extension."
    # the owner sees everything
    assert client.get(f"/api/v1/clips/{clip_id}", headers=auth).json()["data"]["clip_id"] == clip_id
    listed = client.get("/api/v1/tasks", headers=auth).json()
    assert [t["task_id"] for t in listed["data"]] == [task_id]


def test_task_list_pagination(client: httpx.Client, auth: dict[str, str]) -> None:
    ids = [
        client.post(
            "/api/v1/sonic/create", json={"mv": "sonic-v5", "prompt": "[Verse]\nx"}, headers=auth
        ).json()["task_id"]
        for _ in range(5)
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/api/v1/tasks", params=params, headers=auth).json()
        seen += [t["task_id"] for t in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    item = client.get("/api/v1/tasks", params={"state": "pending", "family": "sonic"}, headers=auth).json()[
        "data"
    ][0]
    assert set(item) == {
        "task_id",
        "family",
        "task_type",
        "state",
        "created_at",
        "finished_at",
        "credits",
        "clip_ids",
    }
    assert item["credits"] == 20 and len(item["clip_ids"]) == 2
