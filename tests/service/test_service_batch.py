"""sonic/batch over real HTTP (API.md §4.14): per-item validation and charging, per-item tasks,
the submit and poll shapes, batch-level errors, and tenancy."""

from __future__ import annotations

from typing import Any

import httpx

from tunesmith.auth.keys import create_key
from tunesmith.jobs.context import Services

INSUFFICIENT = "The remaining credits are not enough. You can buy more one-time credit packs or subscribe."


def _credits(client: httpx.Client, auth: dict[str, str]) -> int:
    value: int = client.get("/api/v1/get-credits", headers=auth).json()["credits"]
    return value


def test_batch_submits_each_item_as_its_own_task(
    client: httpx.Client, auth: dict[str, str], services: Services, drain: Any
) -> None:
    before = _credits(client, auth)
    items = [
        {"mv": "sonic-v5", "prompt": "[Verse]\nOne two three", "seed": 1},
        {"prompt": "[Verse]\nno model"},
        {"mv": "chirp-v4", "custom_mode": False, "gpt_description_prompt": "a calm song", "seed": 9},
        "not an object",
    ]
    answer = client.post(
        "/api/v1/sonic/batch",
        json={"items": items, "webhook_url": "http://127.0.0.1:9/hook"},
        headers=auth,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"code", "message", "batch_id", "submitted", "tasks"}
    assert body["code"] == 200 and body["message"] == "success" and body["submitted"] == 2
    tasks = body["tasks"]
    assert [t["index"] for t in tasks] == [0, 1, 2, 3]
    assert tasks[1] == {
        "index": 1,
        "task_id": None,
        "error": {"code": 400, "message": "The 'mv' field is required."},
    }
    assert tasks[3]["task_id"] is None and tasks[3]["error"]["code"] == 400
    assert tasks[0]["task_id"] and tasks[2]["task_id"] and tasks[0]["task_id"] != tasks[2]["task_id"]
    assert _credits(client, auth) == before - 2 * 20  # each submitted item pays its own price
    for index in (0, 2):
        task = services.store.get_task(tasks[index]["task_id"])
        assert task is not None and task.webhook_url == "http://127.0.0.1:9/hook"

    pending = client.get("/api/v1/sonic/batch", params={"batch_id": body["batch_id"]}, headers=auth).json()
    assert pending["tasks"][0]["state"] == "pending"
    assert all(c["state"] == "pending" for c in pending["tasks"][0]["data"])
    drain()
    polled = client.get("/api/v1/sonic/batch", params={"batch_id": body["batch_id"]}, headers=auth).json()
    assert polled["code"] == 200 and polled["batch_id"] == body["batch_id"]
    for index in (0, 2):
        entry = polled["tasks"][index]
        assert entry["task_id"] == tasks[index]["task_id"] and entry["state"] == "succeeded"
        assert len(entry["data"]) == 2 and all(c["state"] == "succeeded" for c in entry["data"])
        single = client.get(f"/api/v1/sonic/task/{entry['task_id']}", headers=auth).json()["data"]
        assert [c["clip_id"] for c in single] == [c["clip_id"] for c in entry["data"]]
    assert polled["tasks"][0]["data"][0]["mv"] == "sonic-v5"
    assert polled["tasks"][2]["data"][0]["mv"] == "chirp-v4"
    assert polled["tasks"][1] == tasks[1]  # a rejected item repeats its error


def test_batch_charges_in_order_until_the_balance_runs_out(client: httpx.Client, services: Services) -> None:
    _, api_key = create_key(services.store, name="poor", credits=30)
    auth = {"Authorization": f"Bearer {api_key}"}
    item = {"mv": "sonic-v5", "prompt": "[Verse]\nla la la"}
    body = client.post("/api/v1/sonic/batch", json={"items": [item, item]}, headers=auth).json()
    assert body["submitted"] == 1
    assert body["tasks"][0]["task_id"]
    assert body["tasks"][1]["error"] == {"code": 403, "message": INSUFFICIENT}
    assert _credits(client, auth) == 10


def test_batch_errors_and_tenancy(client: httpx.Client, auth: dict[str, str], services: Services) -> None:
    before = _credits(client, auth)
    cases = [
        ({}, "The 'items' field is required."),
        ({"items": "x"}, "The 'items' field should be an array."),
        (
            {"items": [{"mv": "sonic-v5", "prompt": "la"}] * 11},
            "The 'items' field should contain at most 10 items.",
        ),
        (
            {"items": [{}], "webhook_url": "ftp://x"},
            "The 'webhook_url' field should be an http or https URL.",
        ),
    ]
    for payload, message in cases:
        answer = client.post("/api/v1/sonic/batch", json=payload, headers=auth)
        assert answer.status_code == 400, payload
        assert answer.json()["message"] == message
    assert _credits(client, auth) == before
    missing = client.get("/api/v1/sonic/batch", headers=auth)
    assert missing.status_code == 400 and missing.json()["message"] == "missing batch id."
    unknown = client.get("/api/v1/sonic/batch", params={"batch_id": "nope"}, headers=auth)
    assert unknown.status_code == 400 and unknown.json()["message"] == "batch not found."
    batch_id = client.post(
        "/api/v1/sonic/batch", json={"items": [{"mv": "sonic-v5", "prompt": "la"}]}, headers=auth
    ).json()["batch_id"]
    _, other = create_key(services.store, name="other", credits=10)
    foreign = client.get(
        "/api/v1/sonic/batch", params={"batch_id": batch_id}, headers={"Authorization": f"Bearer {other}"}
    )
    assert foreign.status_code == 400 and foreign.json()["message"] == "batch not found."
    assert client.post("/api/v1/sonic/batch", json={"items": []}).status_code == 401
