"""File downloads stream to disk, never send the API key, and leave no partial file on failure."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sdk_contract import CLIP_ID, SONIC_CLIP, FakeServer

from tunesmith.client import AsyncClient, Client, Clip, NotFound

PAYLOAD = bytes(range(256)) * 4096  # 1 MiB, not a multiple of the chunk size below
FILE_PATH = f"/files/{CLIP_ID}/audio.mp3"


class Chunked(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body delivered in pieces, counting how many were pulled (proves streaming)."""

    def __init__(self, data: bytes, piece: int = 10_000) -> None:
        self.data, self.piece, self.pulled = data, piece, 0

    def __iter__(self) -> Iterator[bytes]:
        for i in range(0, len(self.data), self.piece):
            self.pulled += 1
            yield self.data[i : i + self.piece]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def test_download_streams_to_file_without_auth(server: FakeServer, tmp_path: Path) -> None:
    stream = Chunked(PAYLOAD)
    server.add(
        "GET",
        FILE_PATH,
        lambda _r: httpx.Response(200, stream=stream, headers={"Content-Type": "audio/mpeg"}),
    )
    with Client("https://music.example.org", "secret-key", transport=server.transport) as client:
        path = client.download(
            f"https://music.example.org{FILE_PATH}", tmp_path / "song.mp3", chunk_size=65_536
        )
    assert path == tmp_path / "song.mp3"
    assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(PAYLOAD).digest()
    assert stream.pulled == -(-len(PAYLOAD) // 10_000)
    assert "authorization" not in server.last.headers
    assert not list(tmp_path.glob("*.part"))


def test_download_into_directory_keeps_the_url_name(server: FakeServer, tmp_path: Path) -> None:
    server.add("GET", FILE_PATH, httpx.Response(200, content=b"ID3abc"))
    with Client("https://music.example.org", "k", transport=server.transport) as client:
        path = client.download(f"https://music.example.org{FILE_PATH}?exp=1&sig=x", tmp_path)
        relative = client.download(FILE_PATH, str(tmp_path / "nested" / "dir") + "/")
    assert path == tmp_path / "audio.mp3" and path.read_bytes() == b"ID3abc"
    assert relative == tmp_path / "nested" / "dir" / "audio.mp3" and relative.read_bytes() == b"ID3abc"
    assert server.requests[0].url.params["sig"] == "x"


def test_download_follows_redirects_to_presigned_urls(server: FakeServer, tmp_path: Path) -> None:
    server.add(
        "GET", FILE_PATH, httpx.Response(302, headers={"Location": "https://bucket.example.org/obj?X-Amz=1"})
    )
    server.add("GET", "/obj", httpx.Response(200, content=b"fLaC"))
    with Client("https://music.example.org", "k", transport=server.transport) as client:
        path = client.download(f"https://music.example.org{FILE_PATH}", tmp_path / "a.flac")
    assert path.read_bytes() == b"fLaC"
    assert [r.url.host for r in server.requests] == ["music.example.org", "bucket.example.org"]


def test_failed_download_raises_and_leaves_nothing(server: FakeServer, tmp_path: Path) -> None:
    server.json(
        "GET", FILE_PATH, {"code": 404, "message": "clip not found.", "error": "clip not found."}, 404
    )
    with (
        Client("https://music.example.org", "k", transport=server.transport) as client,
        pytest.raises(NotFound, match=r"clip not found\."),
    ):
        client.download(f"https://music.example.org{FILE_PATH}", tmp_path / "x.mp3")
    assert list(tmp_path.iterdir()) == []


def test_interrupted_download_leaves_no_partial_file(tmp_path: Path) -> None:
    class Broken(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b"partial"
            raise httpx.ReadError("connection reset")

    transport = httpx.MockTransport(lambda _r: httpx.Response(200, stream=Broken()))
    from tunesmith.client import ConnectionFailed

    with (
        Client("https://m", "k", transport=transport) as client,
        pytest.raises(ConnectionFailed, match="download"),
    ):
        client.download("https://m/files/x/audio.mp3", tmp_path / "x.mp3")
    assert list(tmp_path.iterdir()) == []


def test_download_clip_writes_every_file_kind(server: FakeServer, tmp_path: Path) -> None:
    names = {"audio.mp3": b"mp3", "audio.wav": b"wav", "cover.jpg": b"jpg", "video.mp4": b"mp4"}
    for name, data in names.items():
        server.add("GET", f"/files/{CLIP_ID}/{name}", httpx.Response(200, content=data))
    clip = Clip.from_dict(SONIC_CLIP)
    with Client("https://music.example.org", "k", transport=server.transport) as client:
        written = client.download_clip(clip, tmp_path)
        only_mp3 = client.download_clip(clip, tmp_path / "one", kinds=["mp3"])
    assert {k: p.name for k, p in written.items()} == {
        "mp3": "audio.mp3",
        "wav": "audio.wav",
        "cover": "cover.jpg",
        "video": "video.mp4",
    }
    assert all(p.read_bytes() == names[p.name] for p in written.values())
    assert list(only_mp3) == ["mp3"]
    with (
        Client("https://music.example.org", "k", transport=server.transport) as client,
        pytest.raises(ValueError, match="kinds"),
    ):
        client.download_clip(clip, tmp_path, kinds=["flac"])


def test_async_download(server: FakeServer, tmp_path: Path) -> None:
    stream = Chunked(PAYLOAD)
    server.add("GET", FILE_PATH, lambda _r: httpx.Response(200, stream=stream))

    async def go() -> Path:
        async with AsyncClient("https://music.example.org", "k", transport=server.transport) as client:
            return await client.download(f"https://music.example.org{FILE_PATH}", tmp_path / "a.mp3")

    path = asyncio.run(go())
    assert path.read_bytes() == PAYLOAD and stream.pulled > 1
    assert "authorization" not in server.last.headers
