"""Abuse: fuzzed uploads get the contract's clear 4xx, never a 5xx, and never cost memory in
proportion to what a header claims (API.md §12, docs/errors.md).

Covers truncated WAV/MP3/FLAC, a wrong extension (content decides the format), 0 bytes, a WAV
header claiming 10 hours, and decompression-bomb FLACs (an hour of silence in ~600 KB, with and
without a declared length): the bombs are refused by the length rule after decoding at most
``uploads.max_duration_s`` of samples.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from tunesmith.errors import InvalidParameter
from tunesmith.jobs.context import Services
from tunesmith.jobs.uploads import decode_upload
from tunesmith.music.audio import AudioBuffer, encode_flac, encode_mp3, encode_wav

DECODE = "The audio file could not be decoded. Supported formats: MP3, WAV, FLAC, OGG, M4A."
TOO_LONG = "The audio duration should be less than 480 seconds."
TOO_SHORT = "The audio duration should be more than 1 seconds."
UPLOAD = "/api/v1/sonic/upload"

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg makes the FLAC bomb")


def _tone(duration_s: float, rate: int = 22_050) -> AudioBuffer:
    t = np.arange(round(duration_s * rate)) / rate
    return AudioBuffer.from_array((0.3 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)[None, :], rate)


def _err(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert body["code"] == response.status_code and body["error"] == body["message"], body
    return response.status_code, str(body["message"])


def _post_file(client: httpx.Client, auth: dict[str, str], name: str, data: bytes) -> httpx.Response:
    return client.post(UPLOAD, headers=auth, files={"file": (name, data)})


def wav_claiming(duration_s: float, *, rate_hz: int = 22_050, present_s: float = 2.0) -> bytes:
    """A 16-bit mono WAV whose RIFF header declares ``duration_s`` of silence but which holds only
    ``present_s`` of it (the rest is never sent)."""
    declared = round(duration_s * rate_hz) * 2
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, rate_hz, rate_hz * 2, 2, 16)
    header = b"RIFF" + struct.pack("<I", declared + 36) + b"WAVE" + b"fmt " + fmt
    return header + b"data" + struct.pack("<I", declared) + bytes(round(present_s * rate_hz) * 2)


def flac_bomb(tmp: Path, *, declared: bool, duration_s: float = 3600.0) -> bytes:
    """``duration_s`` of 16 kHz mono silence as FLAC (~0.2 KB per second of audio). Written to a
    file, STREAMINFO declares the length; written to a pipe, it declares none (total samples 0)."""
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi"]
    args += ["-i", "anullsrc=r=16000:cl=mono", "-t", f"{duration_s:g}", "-c:a", "flac", "-f", "flac"]
    if declared:
        target = tmp / "bomb.flac"
        subprocess.run([*args, "-y", str(target)], check=True, capture_output=True)
        return target.read_bytes()
    return subprocess.run([*args, "pipe:1"], check=True, capture_output=True).stdout


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    if shutil.which("ffmpeg") is None:
        return {}
    tmp = tmp_path_factory.mktemp("bombs")
    return {"declared": flac_bomb(tmp, declared=True), "streamed": flac_bomb(tmp, declared=False)}


def test_zero_bytes_png_and_text_are_not_audio(client: httpx.Client, auth: dict[str, str]) -> None:
    png = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 10, 10)).save(png, format="PNG")
    for name, data in {
        "empty.wav": b"",
        "picture.wav": png.getvalue(),
        "picture.mp3": png.getvalue(),
        "notes.flac": b"fLaC but then nothing useful" * 20,
        "riff.wav": b"RIFF\x00\x00\x00\x00WAVE",
    }.items():
        status, message = _err(_post_file(client, auth, name, data))
        assert (status, message) == (400, DECODE), name
    assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] == 1000


def test_the_content_decides_the_format_not_the_extension(client: httpx.Client, auth: dict[str, str]) -> None:
    tone = _tone(2.0)
    for name, data in {
        "song.wav": encode_mp3(tone),
        "song.mp3": encode_flac(tone),
        "x.flac": encode_wav(tone),
    }.items():
        response = _post_file(client, auth, name, data)
        assert response.status_code == 200, (name, response.text)
        clip = client.get(f"/api/v1/clips/{response.json()['clip_id']}", headers=auth).json()["data"]
        assert abs(clip["duration"] - 2.0) < 0.06, (name, clip["duration"])


@pytest.mark.parametrize("codec", ["wav", "mp3", "flac"])
def test_truncated_files_are_a_clear_4xx_or_the_part_that_is_there(
    client: httpx.Client, auth: dict[str, str], codec: str
) -> None:
    encoders: dict[str, Callable[[AudioBuffer], bytes]] = {
        "wav": encode_wav,
        "mp3": encode_mp3,
        "flac": encode_flac,
    }
    whole = encoders[codec](_tone(3.0))
    # Cut inside the header: nothing decodable is left.
    for cut in (4, 12, 20):
        assert _err(_post_file(client, auth, f"cut.{codec}", whole[:cut])) == (400, DECODE), (codec, cut)
    # Cut so that under a second is left: the length rule.
    status, message = _err(_post_file(client, auth, f"short.{codec}", whole[: len(whole) // 5]))
    assert status == 400 and message in {TOO_SHORT, DECODE}, (codec, message)
    # Cut at two thirds: what is there (about 2 s) is a valid upload, never a 5xx.
    response = _post_file(client, auth, f"part.{codec}", whole[: len(whole) * 2 // 3])
    assert response.status_code == 200, (codec, response.text)
    clip = client.get(f"/api/v1/clips/{response.json()['clip_id']}", headers=auth).json()["data"]
    assert 1.5 < clip["duration"] < 2.5, (codec, clip["duration"])


def test_bit_flipped_files_never_5xx(client: httpx.Client, auth: dict[str, str]) -> None:
    rng = np.random.default_rng(9)
    sources = [encode_wav(_tone(1.5)), encode_mp3(_tone(1.5)), encode_flac(_tone(1.5))]
    statuses = []
    for index in range(24):
        data = bytearray(sources[index % 3])
        for position in rng.integers(0, min(len(data), 256), size=int(rng.integers(1, 12))):
            data[int(position)] = int(rng.integers(0, 256))
        response = _post_file(client, auth, "fuzz.bin", bytes(data))
        statuses.append(response.status_code)
        assert response.status_code in (200, 400), (index, response.status_code, response.text)
        if response.status_code == 400:
            assert _err(response)[1] in {DECODE, TOO_SHORT, TOO_LONG}
    assert 400 in statuses  # the fuzzing did break some files


def test_a_wav_header_claiming_ten_hours_is_refused_before_decoding(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    claim = wav_claiming(10 * 3600.0)
    assert len(claim) < 100_000
    assert _err(_post_file(client, auth, "silence.wav", claim)) == (400, TOO_LONG)
    # the same header honestly declaring what it holds is fine
    honest = wav_claiming(2.0)
    assert _post_file(client, auth, "silence.wav", honest).status_code == 200


@needs_ffmpeg
@pytest.mark.parametrize("kind", ["declared", "streamed"])
def test_decompression_bomb_flac_is_refused_with_bounded_memory(
    client: httpx.Client, auth: dict[str, str], bombs: dict[str, bytes], kind: str
) -> None:
    bomb = bombs[kind]
    full_decode_bytes = 3600 * 16_000 * 4  # an hour of float32 mono: 230 MB
    assert len(bomb) * 200 < full_decode_bytes
    tracemalloc.start()
    try:
        with pytest.raises(InvalidParameter) as caught:
            decode_upload(bomb, "bomb.flac", max_duration_s=480.0, min_duration_s=1.0, field="file")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.message == TOO_LONG and caught.value.field == "file"
    # at most the limit's worth of samples (480 s × 16 kHz × float32 ≈ 31 MB) plus slack
    assert peak < 64 * 1024 * 1024, peak
    assert _err(_post_file(client, auth, "bomb.flac", bomb)) == (400, TOO_LONG)
    assert _err(_post_file(client, auth, "bomb.wav", bomb)) == (400, TOO_LONG)


@needs_ffmpeg
def test_bomb_by_url_is_refused_and_the_server_stays_up(
    client: httpx.Client, auth: dict[str, str], bombs: dict[str, bytes], receiver: Any, services: Services
) -> None:
    with receiver(
        files={"/bomb.flac": bombs["streamed"], "/ten-hours.wav": wav_claiming(36_000.0)}
    ) as server:
        for path in ("/bomb.flac", "/ten-hours.wav"):
            response = client.post(UPLOAD, json={"url": server.url + path}, headers=auth)
            assert _err(response) == (400, TOO_LONG), path
    assert client.get("/health").status_code == 200
    assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] == 1000


@needs_ffmpeg
@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/api/v1/producer/upload", {}),
        ("/api/v1/sonic/create-voice", {}),
        ("/api/v1/sonic/upload-extend", {"mv": "sonic-v5", "continue_at": "3"}),
        ("/api/v1/sonic/upload-cover", {"mv": "sonic-v5", "tags": "jazz"}),
        ("/api/v1/sonic/sample", {"mv": "sonic-v5", "tags": "funk"}),
    ],
)
def test_other_upload_paths_refuse_bombs_and_long_headers(
    client: httpx.Client, auth: dict[str, str], bombs: dict[str, bytes], path: str, form: dict[str, str]
) -> None:
    """Every endpoint that takes a file applies the same length rule before decoding."""
    before = client.get("/api/v1/get-credits", headers=auth).json()
    for name, data in (("ten-hours.wav", wav_claiming(10 * 3600.0)), ("bomb.flac", bombs["streamed"])):
        response = client.post(path, data=form, files={"file": (name, data)}, headers=auth)
        assert _err(response) == (400, TOO_LONG), (path, name, response.text)
    assert client.get("/api/v1/get-credits", headers=auth).json() == before
