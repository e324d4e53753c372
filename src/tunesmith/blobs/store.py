"""The BlobStore port and its local-directory adapter.

Keys are ``/``-separated relative paths such as ``clips/<clip_id>/mix.mp3``. A key never contains
``..``, ``.``, empty segments, backslashes, NUL or other control characters, and never starts with
``/`` (checked: such a key is NotFound, so no key names a path outside the store). Writes are
atomic (temp file + rename), so a reader never sees half a file and re-running a task overwrites
safely.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tunesmith.errors import NotFound

if TYPE_CHECKING:
    from tunesmith.settings import Settings


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def list(self, prefix: str = "") -> list[str]:
        """Keys starting with ``prefix``, sorted."""
        ...

    def local_path(self, key: str) -> Path | None:
        """A filesystem path for serving the blob directly, or None for remote stores."""
        ...

    def presigned_url(
        self, key: str, *, expires_s: int, content_type: str | None = None, method: str = "GET"
    ) -> str | None:
        """A time-limited direct download URL (remote stores), or None (local stores)."""
        ...

    def ping(self) -> None:
        """Raise if the store cannot be written and read."""
        ...


def check_key(key: str) -> str:
    """``key`` if it is a safe relative key, else NotFound (never a path outside the store)."""
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or any(p in ("", ".", "..") for p in parts)
        or "\\" in key
        or any(ord(c) < 0x20 or c == "\x7f" for c in key)
    ):
        raise NotFound("Not Found.")
    return key


class LocalBlobStore:
    """Blobs as files under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> bytes:
        path = self._path(key)
        if not path.is_file():
            raise NotFound("Not Found.")
        return path.read_bytes()

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except NotFound:
            return False

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> list[str]:
        if not self.root.is_dir():
            return []
        keys = (p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())
        return sorted(
            k for k in keys if k.startswith(prefix) and not k.rsplit("/", 1)[-1].startswith(".tmp-")
        )

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def presigned_url(
        self, key: str, *, expires_s: int, content_type: str | None = None, method: str = "GET"
    ) -> str | None:
        return None

    def ping(self) -> None:
        self.put(".health/ping", b"ok")
        if self.get(".health/ping") != b"ok":
            raise OSError("blob store read back different bytes")


def make_blob_store(settings: Settings) -> BlobStore:
    """The blob store for ``settings``: ``blobs.url`` (``s3://…``) or the folder under ``data_dir``."""
    url = settings.blobs.url
    if url:
        from tunesmith.blobs.s3 import S3BlobStore

        return S3BlobStore.from_url(url)
    return LocalBlobStore(settings.blob_dir)
