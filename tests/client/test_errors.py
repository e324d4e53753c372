"""The contract's error answers (API.md §1, §2) become the SDK's typed exceptions."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sdk_contract import TASK_ID, FakeServer

from tunesmith.client import (
    APIError,
    AsyncClient,
    BadRequest,
    Client,
    ConnectionFailed,
    Forbidden,
    InsufficientCredits,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ProtocolError,
    RateLimited,
    ServerBusy,
    ServerError,
    TunesmithClientError,
    Unauthorized,
)

CREDITS = "The remaining credits are not enough. You can buy more one-time credit packs or subscribe."
SUSPENDED = "You do not have an active subscription. Please check whether your renewal was successful."


def _body(status: int, message: str) -> dict[str, object]:
    return {"code": status, "message": message, "error": message}


ERRORS: list[tuple[int, str, type[APIError]]] = [
    (400, "The title character length should be less than 80.", BadRequest),
    (400, "task not found.", BadRequest),
    (401, "Authorization header is missing.", Unauthorized),
    (401, "Invalid API key.", Unauthorized),
    (403, SUSPENDED, Forbidden),
    (403, CREDITS, InsufficientCredits),
    (403, "The lyrics format is invalid. Please check and try again.", Forbidden),
    (404, "clip not found.", NotFound),
    (405, "Method Not Allowed.", MethodNotAllowed),
    (413, "Request body is too large.", PayloadTooLarge),
    (429, "Too many requests. Retry after 7 seconds.", RateLimited),
    (500, "Internal Server Error.", ServerError),
    (502, "Bad Gateway", ServerError),
    (503, "Server is busy. Retry after 30 seconds.", ServerBusy),
]


@pytest.mark.parametrize(("status", "message", "cls"), ERRORS)
def test_status_maps_to_exception(status: int, message: str, cls: type[APIError], server: FakeServer) -> None:
    headers = {"X-Request-Id": "req-1"}
    if status in (429, 503):
        headers["Retry-After"] = message.split("after ")[1].split(" ")[0]
    server.json("POST", "/api/v1/sonic/create", _body(status, message), status, **headers)
    with Client("http://t", "k", transport=server.transport) as client, pytest.raises(cls) as info:
        client.sonic_create(mv="sonic-v5", prompt="x")
    exc = info.value
    assert type(exc) is cls
    assert isinstance(exc, APIError) and isinstance(exc, TunesmithClientError)
    assert exc.status_code == status
    assert exc.code == status
    assert exc.message == message
    assert exc.request_id == "req-1"
    assert exc.body["error"] == message
    assert str(exc) == f"{status}: {message}"


def test_insufficient_credits_is_a_forbidden() -> None:
    assert issubclass(InsufficientCredits, Forbidden)
    assert issubclass(ServerBusy, ServerError)


@pytest.mark.parametrize(
    ("status", "headers", "message", "expected"),
    [
        (429, {"Retry-After": "7"}, "Too many requests. Retry after 7 seconds.", 7.0),
        (503, {"Retry-After": "30"}, "Server is busy. Retry after 30 seconds.", 30.0),
        # no header: the number is read from the contract's message text
        (429, {}, "Too many requests. Retry after 12 seconds.", 12.0),
        (503, {}, "Server is busy.", None),
        # an HTTP-date header (not used by the contract) falls back to the message
        (
            429,
            {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"},
            "Too many requests. Retry after 3 seconds.",
            3.0,
        ),
    ],
)
def test_retry_after(
    status: int, headers: dict[str, str], message: str, expected: float | None, server: FakeServer
) -> None:
    server.json("GET", "/api/v1/get-credits", _body(status, message), status, **headers)
    with (
        Client("http://t", "k", transport=server.transport) as client,
        pytest.raises((RateLimited, ServerBusy)) as info,
    ):
        client.get_credits()
    assert isinstance(info.value, RateLimited | ServerBusy)
    assert info.value.retry_after_s == expected


def test_nuro_error_type(server: FakeServer) -> None:
    body = {"code": 404, "type": "not_found", "message": "Task not found", "error": "Task not found"}
    server.json("GET", f"/api/v1/nuro/task/{TASK_ID}", body, 404)
    with Client("http://t", "k", transport=server.transport) as client, pytest.raises(NotFound) as info:
        client.nuro_task(TASK_ID)
    assert info.value.error_type == "not_found"
    assert info.value.message == "Task not found"


def test_error_code_inside_a_200_answer_is_raised(server: FakeServer) -> None:
    server.json("POST", "/api/v1/sonic/create", _body(403, CREDITS), 200)
    with (
        Client("http://t", "k", transport=server.transport) as client,
        pytest.raises(InsufficientCredits) as info,
    ):
        client.sonic_create(mv="sonic-v5", prompt="x")
    assert info.value.status_code == 403


def test_error_without_json_body_uses_reason_phrase(server: FakeServer) -> None:
    server.add("GET", "/api/v1/get-credits", httpx.Response(502, text="<html>bad gateway</html>"))
    with Client("http://t", "k", transport=server.transport) as client, pytest.raises(ServerError) as info:
        client.get_credits()
    assert info.value.message == "Bad Gateway"
    assert info.value.body == {}


def test_success_without_json_is_a_protocol_error(server: FakeServer) -> None:
    server.add("GET", "/api/v1/get-credits", httpx.Response(200, text="hello"))
    with (
        Client("http://t", "k", transport=server.transport) as client,
        pytest.raises(ProtocolError, match="hello"),
    ):
        client.get_credits()


def test_unusual_status_maps_to_plain_api_error(server: FakeServer) -> None:
    server.json("GET", "/api/v1/get-credits", _body(418, "teapot"), 418)
    with Client("http://t", "k", transport=server.transport) as client, pytest.raises(APIError) as info:
        client.get_credits()
    assert type(info.value) is APIError and info.value.status_code == 418


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def _slow(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


@pytest.mark.parametrize(
    ("handler", "text"), [(_refuse, "cannot reach http://t"), (_slow, "no answer from http://t")]
)
def test_transport_failures_become_connection_failed(handler: object, text: str) -> None:
    transport = httpx.MockTransport(handler)  # type: ignore[arg-type]
    with Client("http://t", "k", transport=transport) as client, pytest.raises(ConnectionFailed, match=text):
        client.get_credits()

    async def go() -> None:
        async with AsyncClient("http://t", "k", transport=transport) as aclient:
            await aclient.get_credits()

    with pytest.raises(ConnectionFailed, match=text):
        asyncio.run(go())


def test_async_client_raises_the_same_errors(server: FakeServer) -> None:
    server.json("POST", "/api/v1/sonic/create", _body(401, "Invalid API key."), 401)

    async def go() -> None:
        async with AsyncClient("http://t", "bad", transport=server.transport) as client:
            await client.sonic_create(mv="sonic-v5", prompt="x")

    with pytest.raises(Unauthorized, match=r"Invalid API key\."):
        asyncio.run(go())
    assert server.last.headers["authorization"] == "Bearer bad"
