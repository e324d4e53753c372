"""The error body on every routed endpoint, the contract's messages, and the check order."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tunesmith.auth.keys import create_key
from tunesmith.jobs.context import Services

ROUTES = [
    ("POST", "/api/v1/sonic/create"),
    ("GET", "/api/v1/sonic/task/00000000-0000-4000-8000-000000000000"),
    ("GET", "/get_music/00000000-0000-4000-8000-000000000000"),
    ("POST", "/api/v1/sonic/upload"),
    ("GET", "/api/v1/get-credits"),
    ("GET", "/api/v1/clips/00000000-0000-4000-8000-000000000000"),
    ("GET", "/api/v1/tasks"),
    ("GET", "/api/v1/tasks/00000000-0000-4000-8000-000000000000"),
    ("GET", "/api/v1/webhooks/deliveries"),
    ("POST", "/api/v1/sonic/lyrics"),
    ("POST", "/api/v1/sonic/upsample-tags"),
]


def assert_error(response: Any, status: int, message: str | None = None) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "error"}
    assert body["code"] == status and body["message"] == body["error"]
    if message is not None:
        assert body["message"] == message
    assert response.headers["x-request-id"]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_auth_errors_on_every_route(client: httpx.Client, method: str, path: str) -> None:
    assert_error(client.request(method, path), 401, "Authorization header is missing.")
    assert_error(
        client.request(method, path, headers={"Authorization": "Basic abc"}),
        401,
        "Invalid authorization format.",
    )
    assert_error(
        client.request(method, path, headers={"Authorization": "Bearer a b"}),
        401,
        "Invalid authorization format.",
    )
    assert_error(
        client.request(method, path, headers={"Authorization": "bearer ts_nope"}), 401, "Invalid API key."
    )


def test_suspended_and_revoked(client: httpx.Client, services: Services) -> None:
    record, key = create_key(services.store, credits=5)
    services.store.set_key_flags(record.id, suspended=True)
    assert_error(
        client.get("/api/v1/get-credits", headers={"Authorization": f"Bearer {key}"}),
        403,
        "You do not have an active subscription. Please check whether your renewal was successful.",
    )
    services.store.set_key_flags(record.id, suspended=False, revoked=True)
    assert_error(
        client.get("/api/v1/get-credits", headers={"Authorization": f"Bearer {key}"}), 401, "Invalid API key."
    )


def test_routing_errors(client: httpx.Client, auth: dict[str, str]) -> None:
    assert_error(client.get("/api/v1/nope", headers=auth), 404, "Not Found.")
    assert_error(client.delete("/api/v1/sonic/create", headers=auth), 405, "Method Not Allowed.")
    assert_error(client.get("/api/v1/sonic/task/", headers=auth), 400, "missing task id.")
    assert_error(client.get("/api/v1/sonic/task/not-a-uuid", headers=auth), 400, "task not found.")
    assert_error(client.get("/api/v1/clips/x", headers=auth), 404, "clip not found.")
    assert_error(client.get("/api/v1/tasks/x", headers=auth), 404, "task not found.")
    assert_error(
        client.get("/api/v1/tasks", params={"limit": 0}, headers=auth),
        400,
        "The 'limit' field should be between 1 and 100.",
    )
    assert_error(client.get("/api/v1/tasks", params={"cursor": "!!"}, headers=auth), 400)
    assert_error(client.get("/files/x/secret.txt"), 404, "Not Found.")


LONG = "x" * 5001
BODY_CASES: list[tuple[Any, int, str]] = [
    (b"not json", 400, "Invalid JSON body."),
    (b"[1, 2]", 400, "Invalid JSON body."),
    (
        {"mv": "sonic-v9"},
        400,
        "The 'mv' field is invalid. The model should be 'sonic-v3-5','sonic-v4',"
        "'sonic-v4-5','sonic-v4-5-plus','sonic-v4-5-all','sonic-v5','sonic-v5-5','sonic-v6',"
        "'sonic-v6-wild' or 'sonic-v6-mini'.",
    ),
    ({"prompt": "[Verse]\nhi"}, 400, "The 'mv' field is required."),
    (
        {"mv": "sonic-v5", "custom_mode": "true", "prompt": "x"},
        400,
        "The 'custom_mode' field should be boolean.",
    ),
    (
        {"mv": "sonic-v5", "prompt": "x", "make_instrumental": "false"},
        400,
        "The 'make_instrumental' field should be boolean.",
    ),
    ({"mv": "sonic-v5", "prompt": LONG}, 400, "The prompt character length should be less than 5000."),
    ({"mv": "chirp-v4", "prompt": "x" * 3001}, 400, "The prompt character length should be less than 3000."),
    (
        {"mv": "sonic-v5", "prompt": "x", "title": "t" * 81},
        400,
        "The title character length should be less than 80.",
    ),
    (
        {"mv": "sonic-v4", "prompt": "x", "tags": "t" * 201},
        400,
        "The tags character length should be less than 200.",
    ),
    (
        {"mv": "sonic-v5", "gpt_description_prompt": "d" * 401},
        400,
        "The 'gpt_description_prompt' character length should be less than 400.",
    ),
    (
        {"mv": "sonic-v5", "prompt": "x", "style_weight": 2},
        400,
        "The 'style_weight' field should be between 0 and 1.",
    ),
    (
        {"mv": "sonic-v5", "prompt": "x", "style_weight": "0.5"},
        400,
        "The 'style_weight' field should be a number.",
    ),
    ({"mv": "sonic-v5", "prompt": "x", "seed": 1.5}, 400, "The 'seed' field should be an integer."),
    (
        {"mv": "sonic-v5", "prompt": "x", "duration": 5},
        400,
        "The 'duration' field should be between 10 and 360.",
    ),
    (
        {"mv": "sonic-v5", "prompt": "x", "vocal_gender": "x"},
        400,
        "The 'vocal_gender' field is invalid. The value should be 'f' or 'm'.",
    ),
    (
        {"mv": "sonic-v5", "prompt": "x", "webhook_url": "ftp://x"},
        400,
        "The 'webhook_url' field should be an http or https URL.",
    ),
    (
        {"mv": "sonic-v5", "prompt": "x", "callback_url": "nope"},
        400,
        "The 'callback_url' field should be an http or https URL.",
    ),
    (
        {"mv": "sonic-v5", "task_type": "dance_music"},
        400,
        "The 'task_type' field is invalid. The value should be 'create_music','extend_music',"
        "'extend_upload_music','cover_music','cover_upload_music','concat_music','persona_music',"
        "'remaster','add_instrumental' or 'add_vocals'.",
    ),
    (
        {"mv": "sonic-v5", "task_type": "persona_music"},
        400,
        "The 'persona_id' field is required when task_type = persona_music.",
    ),
    ({"mv": "sonic-v5", "custom_mode": True}, 400, "The 'prompt' field is required when custom_mode = true."),
    (
        {"mv": "sonic-v5", "custom_mode": False},
        400,
        "The 'gpt_description_prompt' field is required when custom_mode = false.",
    ),
    (
        {"mv": "sonic-v5", "prompt": "[Verse\nla la"},
        403,
        "The lyrics format is invalid. Please check and try again.",
    ),
    (
        {"mv": "sonic-v5", "prompt": "[Verse]\n[Chorus]"},
        403,
        "The lyrics format is invalid. Please check and try again.",
    ),
    (
        {"task_type": "concat_music"},
        400,
        "The 'continue_clip_id' field is required when task_type = concat_music.",
    ),
    ({"task_type": "concat_music", "continue_clip_id": "x"}, 400, "clip not found."),
    (
        {"task_type": "concat_music", "continue_clip_id": "x", "duration": 30},
        400,
        "The 'duration' field is not supported when task_type = concat_music.",
    ),
]


@pytest.mark.parametrize(("body", "status", "message"), BODY_CASES)
def test_create_validation(
    client: httpx.Client, auth: dict[str, str], services: Services, body: Any, status: int, message: str
) -> None:
    if isinstance(body, bytes):
        response = client.post("/api/v1/sonic/create", content=body, headers=auth)
    else:
        response = client.post("/api/v1/sonic/create", json=body, headers=auth)
    assert_error(response, status, message)
    assert services.store.count_pending() == 0
    assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] == 1000


def test_null_is_absent_and_unknown_fields_ignored(client: httpx.Client, auth: dict[str, str]) -> None:
    body = {
        "mv": "chirp-v5",
        "prompt": "[Verse]\nhello",
        "title": None,
        "tags": None,
        "whatever": [1, 2],
        "use_suno_cdn": True,
        "duration": 30.0,
        "seed": 12.0,
    }
    response = client.post("/api/v1/sonic/create", json=body, headers=auth)
    assert response.status_code == 200, response.text


def test_body_too_large(client: httpx.Client, auth: dict[str, str]) -> None:
    big = b'{"prompt": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    assert_error(
        client.post("/api/v1/sonic/create", content=big, headers=auth), 413, "Request body is too large."
    )


def test_insufficient_credits(client: httpx.Client, services: Services) -> None:
    _, key = create_key(services.store, credits=19)
    auth = {"Authorization": f"Bearer {key}"}
    response = client.post(
        "/api/v1/sonic/create", json={"mv": "sonic-v5", "prompt": "[Verse]\nhi"}, headers=auth
    )
    assert_error(
        response,
        403,
        "The remaining credits are not enough. You can buy more one-time credit packs or subscribe.",
    )
    assert client.get("/api/v1/get-credits", headers=auth).json() == {"credits": 19, "extra_credits": 0}


def test_description_mode(client: httpx.Client, auth: dict[str, str], drain: Any) -> None:
    body = {"mv": "sonic-v5", "gpt_description_prompt": "a calm piano piece", "make_instrumental": True}
    task_id = client.post("/api/v1/sonic/create", json=body, headers=auth).json()["task_id"]
    drain()
    clips = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert all(c["gpt_description_prompt"] == "a calm piano piece" for c in clips)
    assert all(c["lyrics"] == "[Instrumental]" and c["state"] == "succeeded" for c in clips)


def test_internal_error_is_opaque(
    client: httpx.Client, auth: dict[str, str], services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret details")

    monkeypatch.setattr(services.store, "task_clips", boom)
    task_id = client.post(
        "/api/v1/sonic/create", json={"mv": "sonic-v5", "prompt": "[Verse]\nhi"}, headers=auth
    ).json()["task_id"]
    response = client.get(f"/api/v1/sonic/task/{task_id}", headers={**auth, "X-Request-Id": "abc"})
    assert_error(response, 500, "Internal Server Error.")
    assert response.headers["x-request-id"] == "abc" and "secret" not in response.text


def test_rate_limit(tmp_path: Any, engine: Any, serve: Any) -> None:
    from tests.service.conftest import make_settings

    from tunesmith.jobs.context import build_services
    from tunesmith.jobs.queue import InlineQueue

    settings = make_settings(
        tmp_path / "d", rate_limits={"submit_per_minute": 1, "submit_burst": 2, "other_per_minute": 300}
    )
    services = build_services(settings, queue=InlineQueue(), engine_factory=lambda name: engine)
    _, key = create_key(services.store, credits=1000)
    auth = {"Authorization": f"Bearer {key}"}
    try:
        with serve(services) as client:
            body = {"mv": "sonic-v5", "prompt": "[Verse]\nhi"}
            assert [
                client.post("/api/v1/sonic/create", json=body, headers=auth).status_code for _ in range(2)
            ] == [200, 200]
            limited = client.post("/api/v1/sonic/create", json=body, headers=auth)
            assert_error(limited, 429)
            seconds = int(limited.headers["retry-after"])
            assert 1 <= seconds <= 60
            assert limited.json()["message"] == f"Too many requests. Retry after {seconds} seconds."
            assert client.get("/api/v1/get-credits", headers=auth).status_code == 200
    finally:
        services.close()


def test_description_mode_with_vocals_writes_lyrics(
    client: httpx.Client, auth: dict[str, str], drain: Any, engine: Any
) -> None:
    body = {"mv": "sonic-v5", "gpt_description_prompt": "a happy song about summer at the beach", "seed": 5}
    task_id = client.post("/api/v1/sonic/create", json=body, headers=auth).json()["task_id"]
    assert [
        c["lyrics"] for c in client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    ] == ["", ""]
    drain()
    clips = client.get(f"/api/v1/sonic/task/{task_id}", headers=auth).json()["data"]
    assert all(c["state"] == "succeeded" for c in clips)
    assert all("[" in c["lyrics"] and c["lyrics"] != "[Instrumental]" for c in clips)
    assert clips[0]["lyrics"] != clips[1]["lyrics"]  # seeds 5 and 6 write different lyrics
    assert all(c["title"] and c["tags"] for c in clips)
    assert all(spec.sings for spec in engine.calls)
