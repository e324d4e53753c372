"""Abuse: path traversal on file URLs (API.md §1 files) and on the local blob store.

Raw request lines go over a socket (an HTTP client would normalise ``..`` away) to the real
uvicorn server. A decoy ``mix.mp3``/``mix.wav`` planted where a traversing key would land (the
blob root, the data folder) must never be served; every attempt is a 4xx.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from tunesmith.blobs.store import LocalBlobStore
from tunesmith.errors import NotFound
from tunesmith.jobs.context import Services
from tunesmith.jobs.uploads import _own_file

DECOY = b"SECRET-DECOY-BYTES"


def raw_get(port: int, target: str, *, method: str = "GET") -> tuple[int, bytes]:
    """Send ``target`` exactly as given on the request line; (status, whole response)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(
            f"{method} {target} HTTP/1.1\r\nHost: testserver\r\nConnection: close\r\n\r\n".encode("latin-1")
        )
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    return int(answer.split(b" ", 2)[1]), answer


def test_file_urls_never_leave_the_bundle(
    client: httpx.Client, auth: dict[str, str], make_wav: Any, services: Services, live: Any
) -> None:
    clip_id = client.post(
        "/api/v1/sonic/upload", headers=auth, files={"file": ("a.wav", make_wav(1.5))}
    ).json()["clip_id"]
    blob_root = Path(services.settings.blob_dir)
    for folder in (blob_root, blob_root / "clips", blob_root.parent, blob_root.parent.parent):
        for name in ("mix.mp3", "mix.wav", "cover.jpg"):
            (folder / name).write_bytes(DECOY)
    status, answer = raw_get(live.port, f"/files/{clip_id}/audio.mp3")
    assert status == 200 and DECOY not in answer  # the real file is served
    attacks = [
        "/files/../audio.mp3",
        "/files/%2e%2e/audio.mp3",
        "/files/%2E%2E/audio.mp3",
        "/files/.%2e/audio.mp3",
        "/files/..%2faudio.mp3",
        "/files/..%2F..%2Faudio.mp3",
        f"/files/{clip_id}%2f..%2f../audio.mp3",
        f"/files/{clip_id}/..%2f..%2fmix.mp3",
        f"/files/{clip_id}/../../mix.wav",
        "/files/%2fetc%2fpasswd/audio.mp3",
        "/files//etc/audio.mp3",
        "/files/%2F/audio.mp3",
        "/files/..%5c..%5c/audio.mp3",
        "/files/..\\../audio.mp3",
        f"/files/{clip_id}%00/audio.mp3",
        f"/files/{clip_id}/audio.mp3%00.txt",
        "/files/%00/audio.mp3",
        f"/files/{clip_id.upper()}/audio.mp3",
        f"/files/{clip_id}/../{clip_id}/audio.mp3",
        f"/files/./{clip_id}/audio.mp3",
        "/files/clips/audio.mp3",
        "/files/.health/audio.mp3",
        f"/files/{clip_id}/original.wav",
        f"/files/{clip_id}/score.json",
        "http://testserver/files/../audio.mp3",
        "/files/%252e%252e/audio.mp3",
    ]
    for target in attacks:
        for method in ("GET", "HEAD"):
            status, answer = raw_get(live.port, target, method=method)
            assert 400 <= status < 500, (target, method, status)
            assert DECOY not in answer, (target, method)


def test_own_file_urls_in_uploads_refuse_traversal(services: Services) -> None:
    root = Path(services.settings.blob_dir)
    root.mkdir(parents=True, exist_ok=True)
    (root / "mix.wav").write_bytes(DECOY)
    for rest in ("../audio.wav", "%2e%2e/audio.wav", "x/../audio.wav", "/audio.wav", "\x00/audio.wav"):
        with pytest.raises(Exception) as caught:
            _own_file(services, rest)
        assert getattr(caught.value, "message", "").startswith("Audio URL is not accessible"), rest


@pytest.mark.parametrize(
    "key",
    [
        "../outside.txt",
        "clips/../../outside.txt",
        "/etc/passwd",
        "clips//x",
        "clips/./x",
        "clips\\..\\..\\outside.txt",
        "clips/x\x00.txt",
        "clips/x\n",
        "",
        "..",
    ],
)
def test_the_local_blob_store_refuses_keys_outside_its_root(tmp_path: Path, key: str) -> None:
    root = tmp_path / "blobs"
    store = LocalBlobStore(root)
    (tmp_path / "outside.txt").write_bytes(DECOY)
    with pytest.raises(NotFound):
        store.get(key)
    with pytest.raises(NotFound):
        store.put(key, b"overwrite")
    with pytest.raises(NotFound):
        store.local_path(key)
    with pytest.raises(NotFound):
        store.delete(key)
    assert store.exists(key) is False
    assert (tmp_path / "outside.txt").read_bytes() == DECOY
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert written == [tmp_path / "outside.txt"]
