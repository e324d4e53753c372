"""Every SDK method sends the exact request of API.md and parses the contract's answer — sync and async."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sdk_contract import (
    BATCH_SUBMITTED,
    CLIP_ID,
    CLIP_ID_2,
    DELIVERIES,
    NURO_POLL,
    PRODUCER_POLL,
    SONIC_CLIP,
    STUDIO_POLL,
    SUBMITTED,
    TASK_ID,
    FakeServer,
    pending_clip,
    sonic_poll,
)

from tunesmith.client import (
    AsyncClient,
    Client,
    Clip,
    NuroTask,
    ProducerTask,
    SonicTask,
    StudioTask,
    TaskSubmitted,
)

KEY = "ts_test_key_123"
ALL_CLIENT_METHODS = sorted(
    name for name, _ in inspect.getmembers(Client, inspect.isfunction) if not name.startswith("_")
)


@dataclass
class Case:
    method: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    http_method: str
    path: str
    body: dict[str, Any] | None
    answer: Any
    check: Callable[[Any], object]
    params: dict[str, str] = field(default_factory=dict)
    status: int = 200
    auth: bool = True


def _submitted(result: Any) -> None:
    assert isinstance(result, TaskSubmitted)
    assert result.task_id == TASK_ID


def _check_clip(clip: Clip) -> None:
    assert clip.clip_id == CLIP_ID
    assert clip.state == "succeeded"
    assert clip.duration == pytest.approx(179.42)
    assert clip.metadata.key == "A minor"
    assert clip.metadata.seed == 1234567
    assert clip.wav_url is not None and clip.wav_url.endswith("/audio.wav")


def _sonic_task(result: Any) -> None:
    assert isinstance(result, SonicTask)
    assert [c.clip_id for c in result.clips] == [CLIP_ID, CLIP_ID_2]
    assert result.state == "running"
    assert not result.is_terminal
    _check_clip(result.clips[0])


_POLL = sonic_poll(SONIC_CLIP, pending_clip(state="running"))
_V = "/api/v1"

CASES: list[Case] = [
    Case(
        "sonic_create",
        (),
        {
            "mv": "sonic-v5",
            "custom_mode": True,
            "prompt": "[Verse]\nStars",
            "tags": "pop",
            "make_instrumental": False,
            "seed": 7,
            "title": None,
        },
        "POST",
        f"{_V}/sonic/create",
        {
            "mv": "sonic-v5",
            "custom_mode": True,
            "prompt": "[Verse]\nStars",
            "tags": "pop",
            "make_instrumental": False,
            "seed": 7,
        },
        SUBMITTED,
        _submitted,
    ),
    Case("sonic_task", (TASK_ID,), {}, "GET", f"{_V}/sonic/task/{TASK_ID}", None, _POLL, _sonic_task),
    Case("get_music", (TASK_ID,), {}, "GET", f"/get_music/{TASK_ID}", None, _POLL, _sonic_task),
    Case(
        "sonic_upload",
        (),
        {"url": "https://cdn.example.org/a.mp3", "title": "Demo"},
        "POST",
        f"{_V}/sonic/upload",
        {"url": "https://cdn.example.org/a.mp3", "title": "Demo"},
        {"code": 200, "message": "success", "clip_id": CLIP_ID},
        lambda r: (r.clip_id == CLIP_ID and r.task_id is None) or pytest.fail(repr(r)),
    ),
    Case(
        "sonic_upload_extend",
        (),
        {"url": "https://cdn.example.org/a.mp3", "continue_at": 12.5, "mv": "chirp-v4", "auto_concat": True},
        "POST",
        f"{_V}/sonic/upload-extend",
        {"url": "https://cdn.example.org/a.mp3", "continue_at": 12.5, "mv": "chirp-v4", "auto_concat": True},
        SUBMITTED,
        _submitted,
    ),
    Case(
        "sonic_upload_cover",
        (),
        {"url": "https://cdn.example.org/a.mp3", "mv": "sonic-v5", "audio_weight": 0.7, "tags": "jazz"},
        "POST",
        f"{_V}/sonic/upload-cover",
        {"url": "https://cdn.example.org/a.mp3", "mv": "sonic-v5", "audio_weight": 0.7, "tags": "jazz"},
        SUBMITTED,
        _submitted,
    ),
    Case(
        "sonic_persona",
        (),
        {"name": "Ava", "clip_id": CLIP_ID, "vocal_start_s": 10.0, "vocal_end_s": 30.0},
        "POST",
        f"{_V}/sonic/persona",
        {"name": "Ava", "clip_id": CLIP_ID, "vocal_start_s": 10.0, "vocal_end_s": 30.0},
        {"code": 200, "message": "success", "persona_id": "p-1"},
        lambda r: r.persona_id == "p-1" or pytest.fail(repr(r)),
    ),
    Case(
        "sonic_create_voice",
        (),
        {"url": "https://cdn.example.org/voice.wav", "name": "Me"},
        "POST",
        f"{_V}/sonic/create-voice",
        {"url": "https://cdn.example.org/voice.wav", "name": "Me"},
        SUBMITTED,
        _submitted,
    ),
    Case(
        "sonic_sample",
        (),
        {"sample_clip_id": CLIP_ID, "chop_sample_start_s": 4.0, "chop_sample_end_s": 20.0, "mv": "sonic-v5"},
        "POST",
        f"{_V}/sonic/sample",
        {"sample_clip_id": CLIP_ID, "chop_sample_start_s": 4.0, "chop_sample_end_s": 20.0, "mv": "sonic-v5"},
        SUBMITTED,
        _submitted,
    ),
    Case(
        "sonic_mashup",
        (),
        {"mashup_clip_ids": [CLIP_ID, CLIP_ID_2], "mv": "sonic-v5"},
        "POST",
        f"{_V}/sonic/mashup",
        {"mashup_clip_ids": [CLIP_ID, CLIP_ID_2], "mv": "sonic-v5"},
        SUBMITTED,
        _submitted,
    ),
    Case(
        "sonic_replace_section",
        (),
        {"clip_id": CLIP_ID, "infill_start_s": 30.0, "infill_end_s": 45.5, "infill_lyrics": "[Verse]\nNew"},
        "POST",
        f"{_V}/sonic/replace-section",
        {"clip_id": CLIP_ID, "infill_start_s": 30.0, "infill_end_s": 45.5, "infill_lyrics": "[Verse]\nNew"},
        SUBMITTED,
        _submitted,
    ),
    Case(
        "sonic_stems_basic",
        (CLIP_ID,),
        {"webhook_url": "https://hooks.example.org/in"},
        "POST",
        f"{_V}/sonic/stems/basic",
        {"clip_id": CLIP_ID, "webhook_url": "https://hooks.example.org/in"},
        SUBMITTED,
        _submitted,
    ),
    Case(
        "sonic_stems_full",
        (CLIP_ID,),
        {},
        "POST",
        f"{_V}/sonic/stems/full",
        {"clip_id": CLIP_ID},
        SUBMITTED,
        _submitted,
    ),
    Case(
        "sonic_bpm",
        (CLIP_ID,),
        {},
        "POST",
        f"{_V}/sonic/bpm",
        {"clip_id": CLIP_ID},
        {"code": 200, "message": "success", "data": {"avg_bpm": 96.0, "max_bpm": 98.5, "min_bpm": 94}},
        lambda r: (r.avg_bpm, r.max_bpm, r.min_bpm) == (96.0, 98.5, 94.0) or pytest.fail(repr(r)),
    ),
    Case(
        "sonic_vox",
        (CLIP_ID,),
        {"vocal_start_s": 5.0, "vocal_end_s": 20.0},
        "POST",
        f"{_V}/sonic/vox",
        {"clip_id": CLIP_ID, "vocal_start_s": 5.0, "vocal_end_s": 20.0},
        {
            "code": 200,
            "message": "success",
            "data": {
                "vox_audio_id": "v-1",
                "status": "complete",
                "source_clip_id": CLIP_ID,
                "vocal_start_s": 5.0,
                "vocal_end_s": 20.0,
                "vocal_audio_url": f"https://x/files/{CLIP_ID}/vox-v-1.mp3",
                "wave_response": {"waveform_aggregates": [{"data": [0.1, 0.9], "mip_map_level": 0}]},
            },
        },
        lambda r: (
            (
                r.vox_audio_id == "v-1"
                and r.waveform_aggregates[0]["data"] == [0.1, 0.9]
                and r.vocal_end_s == 20.0
            )
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "sonic_wav",
        (CLIP_ID,),
        {},
        "POST",
        f"{_V}/sonic/wav",
        {"clip_id": CLIP_ID},
        {"code": 200, "message": "success", "data": {"wav_url": "https://x/audio.wav"}},
        lambda r: r == "https://x/audio.wav" or pytest.fail(repr(r)),
    ),
    Case(
        "sonic_midi",
        (CLIP_ID,),
        {},
        "POST",
        f"{_V}/sonic/midi",
        {"clip_id": CLIP_ID},
        {
            "code": 200,
            "message": "success",
            "data": {
                "midi_url": "https://x/song.mid",
                "instruments": [
                    {
                        "name": "Bass",
                        "program": 33,
                        "is_drum": False,
                        "notes": [{"pitch": 40, "start_s": 0.5, "end_s": 1.0, "velocity": 90}],
                    }
                ],
            },
        },
        lambda r: (
            (r.instruments[0].program == 33 and r.instruments[0].notes[0].end_s == 1.0)
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "sonic_aligned_lyrics",
        (CLIP_ID,),
        {},
        "POST",
        f"{_V}/sonic/aligned-lyrics",
        {"clip_id": CLIP_ID},
        {
            "code": 200,
            "message": "success",
            "data": {
                "alignment": [
                    {"word": "Stars ", "start_s": 12.3, "end_s": 12.8, "p_align": 1.0, "success": True}
                ]
            },
        },
        lambda r: (r[0].word == "Stars " and r[0].start_s == 12.3) or pytest.fail(repr(r)),
    ),
    Case(
        "sonic_download",
        (CLIP_ID,),
        {"formats": ["mp3", "wav"]},
        "POST",
        f"{_V}/sonic/download",
        {"clip_id": CLIP_ID, "formats": ["mp3", "wav"]},
        {
            "code": 200,
            "message": "success",
            "data": {"clip_id": CLIP_ID, "urls": {"mp3": "https://x/a.mp3", "wav": "https://x/a.wav"}},
        },
        lambda r: (not r.preparing and r.urls["wav"] == "https://x/a.wav") or pytest.fail(repr(r)),
    ),
    Case(
        "sonic_download",
        (CLIP_ID,),
        {},
        "POST",
        f"{_V}/sonic/download",
        {"clip_id": CLIP_ID},
        {"code": 202, "message": "preparing", "data": {"clip_id": CLIP_ID}},
        lambda r: (r.preparing and r.urls == {} and r.clip_id == CLIP_ID) or pytest.fail(repr(r)),
        status=202,
    ),
    Case(
        "sonic_batch",
        ([{"mv": "sonic-v5", "gpt_description_prompt": "a song"}, {"prompt": "x"}],),
        {"webhook_url": "https://hooks.example.org/in"},
        "POST",
        f"{_V}/sonic/batch",
        {
            "items": [{"mv": "sonic-v5", "gpt_description_prompt": "a song"}, {"prompt": "x"}],
            "webhook_url": "https://hooks.example.org/in",
        },
        BATCH_SUBMITTED,
        lambda r: (
            (
                r.submitted == 1
                and r.tasks[0].task_id == TASK_ID
                and r.tasks[1].error_code == 400
                and r.tasks[1].error_message == "The 'mv' field is required."
            )
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "sonic_batch_status",
        ("b-1",),
        {},
        "GET",
        f"{_V}/sonic/batch",
        None,
        {
            "code": 200,
            "message": "success",
            "batch_id": "b-1",
            "tasks": [{"index": 0, "task_id": TASK_ID, "state": "succeeded", "data": [SONIC_CLIP]}],
        },
        lambda r: (
            (r.tasks[0].state == "succeeded" and r.tasks[0].clips[0].clip_id == CLIP_ID)
            or pytest.fail(repr(r))
        ),
        params={"batch_id": "b-1"},
    ),
    Case(
        "sonic_lyrics",
        ("a song about rain",),
        {"seed": 3},
        "POST",
        f"{_V}/sonic/lyrics",
        {"description": "a song about rain", "seed": 3},
        {
            "code": 200,
            "message": "success",
            "results": [
                {"title": "Rain", "lyrics": "[Verse]\nRain"},
                {"title": "Drops", "lyrics": "[Verse]\nDrops"},
            ],
        },
        lambda r: [c.title for c in r] == ["Rain", "Drops"] or pytest.fail(repr(r)),
    ),
    Case(
        "sonic_upsample_tags",
        ("lofi",),
        {},
        "POST",
        f"{_V}/sonic/upsample-tags",
        {"tags": "lofi"},
        {
            "code": 200,
            "message": "success",
            "data": {"upsampled_tags": "lofi hip hop, mellow, vinyl crackle"},
        },
        lambda r: r == "lofi hip hop, mellow, vinyl crackle" or pytest.fail(repr(r)),
    ),
    Case(
        "riffusion_create",
        (),
        {"mv": "FUZZ-1.1 Pro", "lyrics": "[Verse]\nHi", "sound": "indie rock", "replace_start_at": 1.0},
        "POST",
        f"{_V}/riffusion/create",
        {"mv": "FUZZ-1.1 Pro", "lyrics": "[Verse]\nHi", "sound": "indie rock", "replace_start_at": 1.0},
        SUBMITTED,
        _submitted,
    ),
    Case(
        "riffusion_upload",
        (),
        {"url": "https://cdn.example.org/a.mp3"},
        "POST",
        f"{_V}/riffusion/upload",
        {"url": "https://cdn.example.org/a.mp3"},
        {"code": 200, "message": "success", "clip_id": CLIP_ID},
        lambda r: r.clip_id == CLIP_ID or pytest.fail(repr(r)),
    ),
    Case(
        "riffusion_task",
        (TASK_ID,),
        {},
        "GET",
        f"{_V}/riffusion/task/{TASK_ID}",
        None,
        sonic_poll({**SONIC_CLIP, "timestamp": {"lines": [{"text": "Stars", "start_s": 1.0, "end_s": 2.0}]}}),
        lambda r: r.clips[0].timestamp["lines"][0]["text"] == "Stars" or pytest.fail(repr(r)),
    ),
    Case(
        "producer_create",
        ("extend_music",),
        {"clip_id": CLIP_ID, "starts_at": 60.0, "length": 30, "seed": "42"},
        "POST",
        f"{_V}/producer/create",
        {"task_type": "extend_music", "clip_id": CLIP_ID, "starts_at": 60.0, "length": 30, "seed": "42"},
        SUBMITTED,
        _submitted,
    ),
    Case(
        "producer_upload",
        (),
        {"audio_url": "https://cdn.example.org/a.mp3"},
        "POST",
        f"{_V}/producer/upload",
        {"audio_url": "https://cdn.example.org/a.mp3"},
        SUBMITTED,
        _submitted,
    ),
    Case(
        "producer_download",
        (CLIP_ID,),
        {"format": "wav"},
        "POST",
        f"{_V}/producer/download",
        {"clip_id": CLIP_ID, "format": "wav"},
        SUBMITTED,
        _submitted,
    ),
    Case(
        "producer_task",
        (TASK_ID,),
        {},
        "GET",
        f"{_V}/producer/task/{TASK_ID}",
        None,
        PRODUCER_POLL,
        lambda r: (
            (
                isinstance(r, ProducerTask)
                and r.status == "SUCCESS"
                and r.is_terminal
                and r.clips[0].seed == "1234567"
                and r.clips[0].wav_url is not None
            )
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "studio_create",
        (),
        {
            "prompt": "bossa",
            "lyrics_type": "instrumental",
            "config": {"mode": "continuation", "source": {"song_id": CLIP_ID}},
        },
        "POST",
        f"{_V}/studio/create",
        {
            "prompt": "bossa",
            "lyrics_type": "instrumental",
            "config": {"mode": "continuation", "source": {"song_id": CLIP_ID}},
        },
        SUBMITTED,
        _submitted,
    ),
    Case(
        "studio_task",
        (TASK_ID,),
        {},
        "GET",
        f"{_V}/studio/task/{TASK_ID}",
        None,
        STUDIO_POLL,
        lambda r: (
            (
                isinstance(r, StudioTask)
                and r.status == "SUCCESS"
                and r.progress_percent == 100
                and r.submit_time == 1732240123
                and r.songs[0].tags == ["jazz", "bossa nova"]
                and r.songs[0].clip_id == CLIP_ID
            )
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "nuro_create",
        (),
        {
            "type": "bgm",
            "description": "calm piano",
            "instrument": ["piano"],
            "version": "v2.0",
            "segments": [{"name": "intro", "duration": 10}],
        },
        "POST",
        f"{_V}/nuro/create",
        {
            "type": "bgm",
            "description": "calm piano",
            "instrument": ["piano"],
            "version": "v2.0",
            "segments": [{"name": "intro", "duration": 10}],
        },
        SUBMITTED,
        _submitted,
    ),
    Case(
        "nuro_task",
        (TASK_ID,),
        {},
        "GET",
        f"{_V}/nuro/task/{TASK_ID}",
        None,
        NURO_POLL,
        lambda r: (
            (isinstance(r, NuroTask) and r.progress == 100 and r.mp3_url is not None and r.is_terminal)
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "get_credits",
        (),
        {},
        "GET",
        f"{_V}/get-credits",
        None,
        {"credits": 1180, "extra_credits": 40},
        lambda r: (r.credits, r.extra_credits, r.total) == (1180, 40, 1220) or pytest.fail(repr(r)),
    ),
    Case(
        "get_clip",
        (CLIP_ID,),
        {},
        "GET",
        f"{_V}/clips/{CLIP_ID}",
        None,
        {"code": 200, "message": "success", "data": SONIC_CLIP},
        _check_clip,
    ),
    Case(
        "list_tasks",
        (),
        {"limit": 5, "family": "sonic"},
        "GET",
        f"{_V}/tasks",
        None,
        {
            "code": 200,
            "message": "success",
            "next_cursor": "c2",
            "data": [
                {
                    "task_id": TASK_ID,
                    "family": "sonic",
                    "task_type": "create_music",
                    "state": "succeeded",
                    "created_at": "2026-03-02T10:26:46.552Z",
                    "finished_at": "2026-03-02T10:27:31.090Z",
                    "credits": 20,
                    "clip_ids": [CLIP_ID, CLIP_ID_2],
                }
            ],
        },
        lambda r: (
            (r.next_cursor == "c2" and r.tasks[0].credits == 20 and r.tasks[0].clip_ids[1] == CLIP_ID_2)
            or pytest.fail(repr(r))
        ),
        params={"limit": "5", "family": "sonic"},
    ),
    Case(
        "get_task",
        (TASK_ID,),
        {},
        "GET",
        f"{_V}/tasks/{TASK_ID}",
        None,
        {
            "code": 200,
            "message": "success",
            "data": {
                "task_id": TASK_ID,
                "family": "sonic",
                "task_type": "create_music",
                "state": "running",
                "created_at": "2026-03-02T10:26:46.552Z",
                "finished_at": None,
                "credits": 20,
                "clip_ids": [CLIP_ID],
                "clips": [SONIC_CLIP],
                "request": {"mv": "sonic-v5"},
            },
        },
        lambda r: (
            (
                r.summary.state == "running"
                and r.clips[0].clip_id == CLIP_ID
                and r.request == {"mv": "sonic-v5"}
            )
            or pytest.fail(repr(r))
        ),
    ),
    Case(
        "webhook_deliveries",
        (),
        {"task_id": TASK_ID, "limit": 10},
        "GET",
        f"{_V}/webhooks/deliveries",
        None,
        DELIVERIES,
        lambda r: (
            (
                r.deliveries[0].status == "delivered"
                and [a.status_code for a in r.deliveries[0].attempts] == [500, 200]
                and r.next_cursor is None
            )
            or pytest.fail(repr(r))
        ),
        params={"task_id": TASK_ID, "limit": "10"},
    ),
    Case(
        "health",
        (),
        {},
        "GET",
        "/health",
        None,
        {"status": "ok", "version": "0.1.0", "checks": {"database": "ok", "queue": "ok", "blobs": "ok"}},
        lambda r: (r.ok and r.checks["blobs"] == "ok") or pytest.fail(repr(r)),
        auth=False,
    ),
    Case(
        "health",
        (),
        {},
        "GET",
        "/health",
        None,
        {
            "status": "degraded",
            "version": "0.1.0",
            "checks": {"database": "ok", "queue": "redis down", "blobs": "ok"},
        },
        lambda r: (not r.ok and r.checks["queue"] == "redis down") or pytest.fail(repr(r)),
        status=503,
        auth=False,
    ),
]

WAIT_AND_FILES = {"wait_for", "download", "download_clip", "close"}


def test_every_public_method_has_a_case() -> None:
    covered = {c.method for c in CASES} | WAIT_AND_FILES
    assert sorted(covered) == ALL_CLIENT_METHODS


def test_async_client_mirrors_the_sync_client() -> None:
    for name in ALL_CLIENT_METHODS:
        async_name = "aclose" if name == "close" else name
        sync_sig = inspect.signature(getattr(Client, name))
        async_fn = getattr(AsyncClient, async_name)
        assert inspect.iscoroutinefunction(async_fn), name
        assert list(inspect.signature(async_fn).parameters) == list(sync_sig.parameters), name


def _assert_request(server: FakeServer, case: Case) -> None:
    assert len(server.requests) == 1
    request = server.last
    assert request.method == case.http_method
    assert request.url.path == case.path
    assert request.url.host == "music.example.org"
    assert dict(request.url.params) == case.params
    if case.auth:
        assert request.headers["authorization"] == f"Bearer {KEY}"
    else:
        assert "authorization" not in request.headers
    if case.body is None:
        assert request.content == b""
    else:
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == case.body


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method}-{c.status}")
def test_sync_request_and_answer(case: Case, server: FakeServer) -> None:
    server.json(case.http_method, case.path, case.answer, case.status)
    with Client("https://music.example.org/", KEY, transport=server.transport) as client:
        result = getattr(client, case.method)(*case.args, **case.kwargs)
    _assert_request(server, case)
    case.check(result)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method}-{c.status}")
def test_async_request_and_answer(case: Case, server: FakeServer) -> None:
    server.json(case.http_method, case.path, case.answer, case.status)

    async def go() -> Any:
        async with AsyncClient("https://music.example.org", KEY, transport=server.transport) as client:
            return await getattr(client, case.method)(*case.args, **case.kwargs)

    result = asyncio.run(go())
    _assert_request(server, case)
    case.check(result)


def test_base_url_with_api_v1_suffix_and_user_agent(server: FakeServer) -> None:
    server.json("GET", "/api/v1/get-credits", {"credits": 1, "extra_credits": 0})
    with Client("https://music.example.org/api/v1/", KEY, transport=server.transport) as client:
        client.get_credits()
    assert server.last.url == httpx.URL("https://music.example.org/api/v1/get-credits")
    assert server.last.headers["user-agent"].startswith("tunesmith-python/")


@pytest.mark.parametrize("bad", ["", "music.example.org", "   "])
def test_bad_base_url_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        Client(bad, KEY)


def test_ids_are_percent_encoded(server: FakeServer) -> None:
    server.json("GET", "/api/v1/sonic/task/a/b", sonic_poll())  # the fake matches decoded paths
    with Client("https://music.example.org", KEY, transport=server.transport) as client:
        client.sonic_task("a/b")
    assert server.last.url.raw_path == b"/api/v1/sonic/task/a%2Fb"


def test_multipart_upload_sends_file_and_typed_fields(server: FakeServer, tmp_path: Any) -> None:
    audio = tmp_path / "take 1.wav"
    audio.write_bytes(b"RIFF....WAVEfmt fake")
    server.json("POST", "/api/v1/sonic/upload-extend", SUBMITTED)
    with Client("https://music.example.org", KEY, transport=server.transport) as client:
        client.sonic_upload_extend(file=audio, continue_at=12.5, auto_concat=False, mv="sonic-v5", title=None)
    request = server.last
    content_type = request.headers["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=")[1].encode()
    parts = [p for p in request.content.split(b"--" + boundary) if p.strip(b"-\r\n")]
    by_name: dict[str, bytes] = {}
    for part in parts:
        head, _, value = part.partition(b"\r\n\r\n")
        name = head.split(b'name="')[1].split(b'"')[0].decode()
        by_name[name] = value.rstrip(b"\r\n")
        if name == "file":
            assert b'filename="take 1.wav"' in head
            assert b"audio/" in head
    assert by_name == {
        "continue_at": b"12.5",
        "auto_concat": b"false",
        "mv": b"sonic-v5",
        "file": b"RIFF....WAVEfmt fake",
    }


def test_upload_accepts_bytes_and_file_objects(server: FakeServer, tmp_path: Any) -> None:
    server.json("POST", "/api/v1/riffusion/upload", {"code": 200, "message": "success", "clip_id": CLIP_ID})
    path = tmp_path / "hum.mp3"
    path.write_bytes(b"ID3fake")
    with Client("https://music.example.org", KEY, transport=server.transport) as client:
        client.riffusion_upload(file=b"OggS", filename="x.ogg")
        with path.open("rb") as handle:
            client.riffusion_upload(file=handle)
    first, second = server.requests
    assert b'filename="x.ogg"' in first.content and b"OggS" in first.content
    assert b'filename="hum.mp3"' in second.content and b"ID3fake" in second.content


def test_unknown_fields_in_answers_are_tolerated(server: FakeServer) -> None:
    clip = {**SONIC_CLIP, "brand_new_field": {"x": 1}, "metadata": {**SONIC_CLIP["metadata"], "future": True}}
    server.json("GET", f"/api/v1/sonic/task/{TASK_ID}", {**sonic_poll(clip), "extra": 1})
    with Client("https://music.example.org", KEY, transport=server.transport) as client:
        task = client.sonic_task(TASK_ID)
    assert task.clips[0].raw["brand_new_field"] == {"x": 1}
    assert task.clips[0].metadata.raw["future"] is True
    assert task.state == "succeeded"


def test_sparse_answers_of_the_original_service_parse(server: FakeServer) -> None:
    server.json(
        "GET",
        f"/api/v1/sonic/task/{TASK_ID}",
        {"code": 200, "message": "success", "data": [{"clip_id": CLIP_ID, "state": "running"}]},
    )
    with Client("https://music.example.org", KEY, transport=server.transport) as client:
        task = client.sonic_task(TASK_ID)
    clip = task.clips[0]
    assert (clip.title, clip.audio_url, clip.duration, clip.metadata.seed) == ("", None, None, None)
    assert task.state == "running"


def test_submission_answer_without_task_id_is_a_protocol_error(server: FakeServer) -> None:
    from tunesmith.client import ProtocolError

    server.json("POST", "/api/v1/sonic/create", {"code": 200, "message": "success"})
    with (
        Client("https://music.example.org", KEY, transport=server.transport) as client,
        pytest.raises(ProtocolError),
    ):
        client.sonic_create(mv="sonic-v5", gpt_description_prompt="x")
