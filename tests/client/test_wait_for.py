"""``wait_for``: polls until every clip is terminal, backs off, honours Retry-After, times out.

Sleeping goes through an injected fake clock, so these tests take no wall time and can check the
exact delays.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sdk_contract import (
    CLIP_ID,
    CLIP_ID_2,
    NURO_POLL,
    PRODUCER_POLL,
    SONIC_CLIP,
    STUDIO_POLL,
    TASK_ID,
    FakeServer,
    failed_clip,
    pending_clip,
    sonic_poll,
)

from tunesmith.client import (
    AsyncClient,
    BadRequest,
    Client,
    Clip,
    NuroTask,
    ProducerClip,
    ServerError,
    StudioSong,
    WaitProgress,
    WaitTimeout,
)

POLL_PATH = f"/api/v1/sonic/task/{TASK_ID}"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(round(seconds, 6))
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def _pending() -> dict[str, object]:
    return sonic_poll(pending_clip(CLIP_ID), pending_clip(CLIP_ID_2))


def _running() -> dict[str, object]:
    return sonic_poll(pending_clip(CLIP_ID, "running"), pending_clip(CLIP_ID_2, "running"))


def _done() -> dict[str, object]:
    return sonic_poll(SONIC_CLIP, failed_clip(CLIP_ID_2))


def _answers(server: FakeServer, *bodies: dict[str, object]) -> None:
    server.add("GET", POLL_PATH, *(httpx.Response(200, json=b) for b in bodies))


def test_polls_with_exponential_backoff_until_terminal(server: FakeServer) -> None:
    _answers(server, _pending(), _running(), _running(), _running(), _running(), _done())
    clock = FakeClock()
    seen: list[WaitProgress] = []
    with Client("http://t", "k", transport=server.transport) as client:
        clips = client.wait_for(
            TASK_ID,
            on_progress=seen.append,
            poll_interval_s=1.0,
            max_interval_s=3.0,
            backoff=2.0,
            sleep=clock.sleep,
            clock=clock.time,
        )
    assert [type(c) for c in clips] == [Clip, Clip]
    assert [c.state for c in clips] == ["succeeded", "failed"]
    assert clips[1].error_message == "Generation failed."
    assert clock.sleeps == [1.0, 2.0, 3.0, 3.0, 3.0]
    assert len(server.requests) == 6
    assert all(r.url.path == POLL_PATH for r in server.requests)
    assert [p.state for p in seen] == ["pending", "running", "running", "running", "running", "succeeded"]
    assert [p.fraction for p in seen] == [0.0, 0.5, 0.5, 0.5, 0.5, 1.0]
    assert [p.polls for p in seen] == [1, 2, 3, 4, 5, 6]
    assert seen[-1].elapsed_s == pytest.approx(12.0)
    assert seen[-1].states == ["succeeded", "failed"]


def test_returns_immediately_when_already_terminal(server: FakeServer) -> None:
    _answers(server, _done())
    clock = FakeClock()
    with Client("http://t", "k", transport=server.transport) as client:
        clips = client.wait_for(TASK_ID, sleep=clock.sleep, clock=clock.time)
    assert len(clips) == 2 and clock.sleeps == []


def test_empty_clip_list_is_not_terminal(server: FakeServer) -> None:
    _answers(server, sonic_poll(), _done())
    clock = FakeClock()
    with Client("http://t", "k", transport=server.transport) as client:
        clips = client.wait_for(TASK_ID, sleep=clock.sleep, clock=clock.time)
    assert len(clips) == 2 and len(server.requests) == 2


@pytest.mark.parametrize(
    ("status", "retry_after", "message"),
    [
        (429, "7", "Too many requests. Retry after 7 seconds."),
        (503, "20", "Server is busy. Retry after 20 seconds."),
    ],
)
def test_retry_after_is_respected(status: int, retry_after: str, message: str, server: FakeServer) -> None:
    error = httpx.Response(
        status,
        json={"code": status, "message": message, "error": message},
        headers={"Retry-After": retry_after},
    )
    server.add(
        "GET", POLL_PATH, httpx.Response(200, json=_running()), error, httpx.Response(200, json=_done())
    )
    clock = FakeClock()
    with Client("http://t", "k", transport=server.transport) as client:
        clips = client.wait_for(
            TASK_ID, poll_interval_s=1.0, backoff=2.0, sleep=clock.sleep, clock=clock.time
        )
    assert len(clips) == 2
    # first delay: the 1 s interval; second: at least Retry-After, although the interval was 2 s
    assert clock.sleeps == [1.0, float(retry_after)]


def test_short_retry_after_never_shortens_the_interval(server: FakeServer) -> None:
    error = httpx.Response(
        429,
        json={"code": 429, "message": "Too many requests. Retry after 1 seconds."},
        headers={"Retry-After": "1"},
    )
    server.add(
        "GET",
        POLL_PATH,
        httpx.Response(200, json=_running()),
        httpx.Response(200, json=_running()),
        error,
        httpx.Response(200, json=_done()),
    )
    clock = FakeClock()
    with Client("http://t", "k", transport=server.transport) as client:
        client.wait_for(
            TASK_ID, poll_interval_s=2.0, backoff=2.0, max_interval_s=8.0, sleep=clock.sleep, clock=clock.time
        )
    assert clock.sleeps == [2.0, 4.0, 8.0]


def test_timeout_raises_wait_timeout_without_oversleeping(server: FakeServer) -> None:
    _answers(server, _running())
    clock = FakeClock()
    with Client("http://t", "k", transport=server.transport) as client, pytest.raises(WaitTimeout) as info:
        client.wait_for(
            TASK_ID, timeout_s=10.0, poll_interval_s=4.0, backoff=1.0, sleep=clock.sleep, clock=clock.time
        )
    assert clock.sleeps == [4.0, 4.0, 2.0]
    assert clock.now == pytest.approx(1010.0)
    assert info.value.task_id == TASK_ID
    assert info.value.states == ["running", "running"]
    assert isinstance(info.value, TimeoutError)
    assert "did not finish within 10 s" in info.value.message


def test_client_errors_are_raised_at_once(server: FakeServer) -> None:
    server.json(
        "GET", POLL_PATH, {"code": 400, "message": "task not found.", "error": "task not found."}, 400
    )
    clock = FakeClock()
    with (
        Client("http://t", "k", transport=server.transport) as client,
        pytest.raises(BadRequest, match=r"task not found\."),
    ):
        client.wait_for(TASK_ID, sleep=clock.sleep, clock=clock.time)
    assert clock.sleeps == [] and len(server.requests) == 1


def test_transient_server_errors_are_retried_then_given_up(server: FakeServer) -> None:
    boom = httpx.Response(
        500, json={"code": 500, "message": "Internal Server Error.", "error": "Internal Server Error."}
    )
    server.add("GET", POLL_PATH, boom, boom, httpx.Response(200, json=_done()))
    clock = FakeClock()
    with Client("http://t", "k", transport=server.transport) as client:
        assert len(client.wait_for(TASK_ID, sleep=clock.sleep, clock=clock.time)) == 2
    assert len(clock.sleeps) == 2

    always = FakeServer()
    always.add("GET", POLL_PATH, boom)
    with Client("http://t", "k", transport=always.transport) as client, pytest.raises(ServerError):
        client.wait_for(TASK_ID, sleep=clock.sleep, clock=clock.time)
    assert len(always.requests) == 5


def test_connection_failures_are_retried(server: FakeServer) -> None:
    calls = {"n": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=_done())

    clock = FakeClock()
    with Client("http://t", "k", transport=httpx.MockTransport(flaky)) as client:
        assert len(client.wait_for(TASK_ID, sleep=clock.sleep, clock=clock.time)) == 2
    assert calls["n"] == 2


@pytest.mark.parametrize(
    ("family", "path", "body", "item_type"),
    [
        ("riffusion", f"/api/v1/riffusion/task/{TASK_ID}", None, Clip),
        ("producer", f"/api/v1/producer/task/{TASK_ID}", PRODUCER_POLL, ProducerClip),
        ("studio", f"/api/v1/studio/task/{TASK_ID}", STUDIO_POLL, StudioSong),
        ("nuro", f"/api/v1/nuro/task/{TASK_ID}", NURO_POLL, NuroTask),
    ],
)
def test_other_families(
    family: str, path: str, body: dict[str, object] | None, item_type: type, server: FakeServer
) -> None:
    server.json("GET", path, body or _done())
    clock = FakeClock()
    with Client("http://t", "k", transport=server.transport) as client:
        items = client.wait_for(TASK_ID, family=family, sleep=clock.sleep, clock=clock.time)  # type: ignore[call-overload]
    assert items and all(isinstance(i, item_type) for i in items)
    assert server.last.url.path == path


def test_nuro_progress_fraction_comes_from_the_server(server: FakeServer) -> None:
    running = {**NURO_POLL, "status": "running", "progress": 40, "audio_url": None, "duration": None}
    server.add(
        "GET",
        f"/api/v1/nuro/task/{TASK_ID}",
        httpx.Response(200, json=running),
        httpx.Response(200, json=NURO_POLL),
    )
    clock = FakeClock()
    seen: list[float] = []
    with Client("http://t", "k", transport=server.transport) as client:
        client.wait_for(
            TASK_ID,
            family="nuro",
            on_progress=lambda p: seen.append(p.fraction),
            sleep=clock.sleep,
            clock=clock.time,
        )
    assert seen == [0.4, 1.0]


def test_studio_waits_on_task_status(server: FakeServer) -> None:
    running = {**STUDIO_POLL, "data": {**STUDIO_POLL["data"], "status": "IN_PROGRESS", "progress": "37%"}}
    server.add(
        "GET",
        f"/api/v1/studio/task/{TASK_ID}",
        httpx.Response(200, json=running),
        httpx.Response(200, json=STUDIO_POLL),
    )
    clock = FakeClock()
    seen: list[float] = []
    with Client("http://t", "k", transport=server.transport) as client:
        songs = client.wait_for(
            TASK_ID,
            family="studio",
            on_progress=lambda p: seen.append(p.fraction),
            sleep=clock.sleep,
            clock=clock.time,
        )
    assert seen == [0.37, 1.0] and songs[0].duration == 32.0


def test_bad_arguments() -> None:
    with Client("http://t", "k") as client:
        with pytest.raises(ValueError, match="timeout_s"):
            client.wait_for(TASK_ID, timeout_s=0)
        with pytest.raises(ValueError, match="family"):
            client.wait_for(TASK_ID, family="jazz")  # type: ignore[call-overload]


def test_async_wait_for(server: FakeServer) -> None:
    error = httpx.Response(
        429,
        json={"code": 429, "message": "Too many requests. Retry after 5 seconds."},
        headers={"Retry-After": "5"},
    )
    server.add(
        "GET",
        POLL_PATH,
        httpx.Response(200, json=_pending()),
        error,
        httpx.Response(200, json=_running()),
        httpx.Response(200, json=_done()),
    )
    clock = FakeClock()
    seen: list[str] = []

    async def go() -> list[Clip]:
        async with AsyncClient("http://t", "k", transport=server.transport) as client:
            return await client.wait_for(
                TASK_ID,
                poll_interval_s=1.0,
                backoff=2.0,
                on_progress=lambda p: seen.append(p.state),
                sleep=clock.asleep,
                clock=clock.time,
            )

    clips = asyncio.run(go())
    assert [c.clip_id for c in clips] == [CLIP_ID, CLIP_ID_2]
    assert clock.sleeps == [1.0, 5.0, 4.0]
    assert seen == ["pending", "running", "succeeded"]
