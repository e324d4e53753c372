"""``tunesmith create / status / download`` through the SDK, against a recording fake server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import typer
from sdk_contract import (
    CLIP_ID,
    CLIP_ID_2,
    SONIC_CLIP,
    SUBMITTED,
    TASK_ID,
    FakeServer,
    failed_clip,
    pending_clip,
    sonic_poll,
)
from typer.testing import CliRunner, Result

from tunesmith.cli import client as cli_client

FILES = {"audio.mp3": b"ID3-mp3", "audio.wav": b"RIFF-wav", "cover.jpg": b"JPEG", "video.mp4": b"MP4"}


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer(add_completion=False)
    for name, command in cli_client.client_commands.items():
        application.command(name)(command)
    return application


@pytest.fixture
def fake(server: FakeServer, monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    monkeypatch.setattr(cli_client, "_TRANSPORT", server.transport)
    monkeypatch.delenv("TUNESMITH_API_KEY", raising=False)
    monkeypatch.delenv("TUNESMITH_BASE_URL", raising=False)
    return server


def _serve_files(server: FakeServer, clip_id: str = CLIP_ID) -> None:
    for name, data in FILES.items():
        server.add("GET", f"/files/{clip_id}/{name}", httpx.Response(200, content=data))


def _run(app: typer.Typer, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def test_create_waits_and_downloads(app: typer.Typer, fake: FakeServer, tmp_path: Path) -> None:
    lyrics = tmp_path / "song.txt"
    lyrics.write_text("[Verse]\nStars they shine above me\n", encoding="utf-8")
    fake.json("POST", "/api/v1/sonic/create", SUBMITTED)
    fake.add(
        "GET",
        f"/api/v1/sonic/task/{TASK_ID}",
        httpx.Response(200, json=sonic_poll(SONIC_CLIP, failed_clip(CLIP_ID_2))),
    )
    _serve_files(fake)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "create",
            "--tags",
            "pop, dreamy",
            "--lyrics",
            str(lyrics),
            "--title",
            "Stars",
            "--duration",
            "30",
            "--seed",
            "42",
            "-o",
            str(out),
        ],
        env={"TUNESMITH_BASE_URL": "https://music.example.org", "TUNESMITH_API_KEY": "envkey"},
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == TASK_ID
    create = fake.requests[0]
    assert create.url == httpx.URL("https://music.example.org/api/v1/sonic/create")
    assert create.headers["authorization"] == "Bearer envkey"
    assert json.loads(create.content) == {
        "task_type": "create_music",
        "mv": "sonic-v5",
        "custom_mode": True,
        "prompt": "[Verse]\nStars they shine above me\n",
        "title": "Stars",
        "tags": "pop, dreamy",
        "make_instrumental": False,
        "duration": 30.0,
        "seed": 42,
    }
    folder = out / CLIP_ID
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix != ".json"} == FILES
    assert json.loads((folder / "clip.json").read_text())["clip_id"] == CLIP_ID
    assert not (out / CLIP_ID_2).exists()  # the failed clip has nothing to download
    assert "Generation failed." in result.stderr


def test_create_instrumental_without_wait_only_submits(app: typer.Typer, fake: FakeServer) -> None:
    fake.json("POST", "/api/v1/sonic/create", SUBMITTED)
    result = _run(app, "create", "-t", "lofi", "--instrumental", "--api-key", "k", "--base-url", "http://h:1")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == TASK_ID
    body = fake.last_json()
    assert body["make_instrumental"] is True and "prompt" not in body and body["custom_mode"] is True
    assert len(fake.requests) == 1


def test_create_description_mode(app: typer.Typer, fake: FakeServer) -> None:
    fake.json("POST", "/api/v1/sonic/create", SUBMITTED)
    result = _run(
        app, "create", "-t", "rock", "-d", "a song about trains", "--api-key", "k", "--mv", "chirp-v4"
    )
    assert result.exit_code == 0
    body = fake.last_json()
    assert body["custom_mode"] is False and body["gpt_description_prompt"] == "a song about trains"
    assert body["mv"] == "chirp-v4"


def test_create_wait_reports_failed_task(app: typer.Typer, fake: FakeServer) -> None:
    fake.json("POST", "/api/v1/sonic/create", SUBMITTED)
    fake.json(
        "GET", f"/api/v1/sonic/task/{TASK_ID}", sonic_poll(failed_clip(CLIP_ID), failed_clip(CLIP_ID_2))
    )
    result = _run(app, "create", "-t", "pop", "--instrumental", "--wait", "--api-key", "k")
    assert result.exit_code == 1
    assert f"task {TASK_ID} failed" in result.stderr


def test_create_wait_timeout_exits_4(app: typer.Typer, fake: FakeServer) -> None:
    fake.json("POST", "/api/v1/sonic/create", SUBMITTED)
    fake.json("GET", f"/api/v1/sonic/task/{TASK_ID}", sonic_poll(pending_clip(CLIP_ID, "running")))
    result = _run(
        app, "create", "-t", "pop", "--instrumental", "--wait", "--timeout", "0.05", "--api-key", "k"
    )
    assert result.exit_code == 4
    assert "did not finish within 0.05 s" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["create", "-t", "pop", "--api-key", "k"],
            "give --lyrics FILE, --description TEXT or --instrumental",
        ),
        (["create", "-t", "pop", "--instrumental"], "no API key"),
        (
            ["create", "-t", "pop", "--lyrics", "/nonexistent/l.txt", "--api-key", "k"],
            "cannot read lyrics file",
        ),
        (["create", "-t", "pop", "--instrumental", "--api-key", "k", "--base-url", "nohost"], "base_url"),
        (["create", "-t", "pop", "--instrumental", "--api-key", "k", "--files", "flac"], "--files"),
        (["status", TASK_ID, "--family", "jazz", "--api-key", "k"], "--family must be one of"),
    ],
)
def test_usage_errors_exit_2(app: typer.Typer, fake: FakeServer, args: list[str], message: str) -> None:
    result = _run(app, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert fake.requests == []


def test_api_error_is_one_clear_line(app: typer.Typer, fake: FakeServer) -> None:
    text = "The remaining credits are not enough. You can buy more one-time credit packs or subscribe."
    fake.json("POST", "/api/v1/sonic/create", {"code": 403, "message": text, "error": text}, 403)
    result = _run(app, "create", "-t", "pop", "--instrumental", "--api-key", "k")
    assert result.exit_code == 1
    assert f"error: the server answered 403: {text}" in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_unreachable_server_exits_3(app: typer.Typer, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    monkeypatch.setattr(cli_client, "_TRANSPORT", httpx.MockTransport(refuse))
    result = _run(app, "status", TASK_ID, "--api-key", "k", "--base-url", "http://127.0.0.1:9")
    assert result.exit_code == 3
    assert "cannot reach http://127.0.0.1:9" in result.stderr


def test_status_table_and_json(app: typer.Typer, fake: FakeServer) -> None:
    fake.json(
        "GET", f"/api/v1/sonic/task/{TASK_ID}", sonic_poll(SONIC_CLIP, pending_clip(CLIP_ID_2, "running"))
    )
    result = _run(app, "status", TASK_ID, "--api-key", "k")
    assert result.exit_code == 0, result.output
    table = result.stdout
    assert f"task {TASK_ID}: running" in table
    assert "succeeded" in table and "179.42 s" in table and "Stars" in table
    assert fake.last.headers["authorization"] == "Bearer k"
    as_json = _run(app, "status", TASK_ID, "--json", "--api-key", "k")
    assert json.loads(as_json.stdout)["data"][0]["clip_id"] == CLIP_ID


def test_status_other_family(app: typer.Typer, fake: FakeServer) -> None:
    from sdk_contract import NURO_POLL

    fake.json("GET", f"/api/v1/nuro/task/{TASK_ID}", NURO_POLL)
    result = _run(app, "status", TASK_ID, "--family", "nuro", "--api-key", "k")
    assert result.exit_code == 0, result.output
    assert "succeeded" in result.stdout and "93.00 s" in result.stdout


def test_download_clip_by_id(app: typer.Typer, fake: FakeServer, tmp_path: Path) -> None:
    fake.json("GET", f"/api/v1/clips/{CLIP_ID}", {"code": 200, "message": "success", "data": SONIC_CLIP})
    _serve_files(fake)
    result = _run(app, "download", CLIP_ID, "-o", str(tmp_path), "--files", "mp3,cover", "--api-key", "k")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / CLIP_ID).iterdir()) == ["audio.mp3", "clip.json", "cover.jpg"]
    assert (tmp_path / CLIP_ID / "audio.mp3").read_bytes() == FILES["audio.mp3"]
    assert "authorization" not in fake.last.headers


def test_download_url_needs_no_key(app: typer.Typer, fake: FakeServer, tmp_path: Path) -> None:
    _serve_files(fake)
    url = f"https://music.example.org/files/{CLIP_ID}/audio.wav"
    result = _run(app, "download", url, "-o", str(tmp_path / "new"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "audio.wav").read_bytes() == FILES["audio.wav"]


def test_download_unfinished_or_unknown_clip(app: typer.Typer, fake: FakeServer, tmp_path: Path) -> None:
    fake.json("GET", f"/api/v1/clips/{CLIP_ID_2}", {"code": 200, "message": "success", "data": failed_clip()})
    result = _run(app, "download", CLIP_ID_2, "-o", str(tmp_path), "--api-key", "k")
    assert result.exit_code == 1
    assert "is failed: Generation failed." in result.stderr
    missing = _run(app, "download", CLIP_ID, "-o", str(tmp_path), "--api-key", "k")
    assert missing.exit_code == 1
    assert "404" in missing.stderr
    assert list(tmp_path.iterdir()) == []
