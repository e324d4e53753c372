"""Public file URLs (API.md §1): ``{base}/files/{clip_id}/{name}``, optionally signed.

With a TTL, URLs carry ``exp`` (unix seconds) and ``sig`` (hex HMAC-SHA256 of ``"{path}:{exp}"``).
Wire names map to bundle files by :data:`WIRE_FILES`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from tunesmith.music import bundle

WIRE_FILES: dict[str, str] = {
    "audio.mp3": bundle.MIX_MP3,
    "audio.wav": bundle.MIX_WAV,
    "cover.jpg": bundle.COVER,
    "video.mp4": bundle.VIDEO,
    "song.mid": bundle.MIDI,
}
"""Wire file name → bundle file name."""

CONTENT_TYPES: dict[str, str] = {
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".mp4": "video/mp4",
    ".mid": "audio/midi",
    ".json": "application/json",
}


CLIP_ID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
"""A clip id as the server makes them: a lowercase hyphenated UUID (API.md §1 "Values")."""


def is_clip_id(value: str) -> bool:
    """True for a well-formed clip id; anything else (``..``, encoded slashes, NUL …) is unknown."""
    return CLIP_ID_PATTERN.fullmatch(value) is not None


def blob_key(clip_id: str, bundle_name: str) -> str:
    return f"clips/{clip_id}/{bundle_name}"


def _sign(path: str, exp: int, secret: str) -> str:
    return hmac.new(secret.encode(), f"{path}:{exp}".encode(), hashlib.sha256).hexdigest()


def file_url(base_url: str, clip_id: str, name: str, *, ttl_s: int | None = None, secret: str = "") -> str:
    """The absolute URL of a clip file; signed when ``ttl_s`` is set."""
    path = f"/files/{clip_id}/{name}"
    if not ttl_s:
        return base_url + path
    exp = int(time.time()) + ttl_s
    return f"{base_url}{path}?exp={exp}&sig={_sign(path, exp, secret)}"


def verify(path: str, exp: str | None, sig: str | None, secret: str) -> bool:
    """True when ``exp`` is in the future and ``sig`` matches (compared in constant time, as bytes,
    so any text a client sends is a plain mismatch, never an error)."""
    if not exp or not sig or not (exp.isascii() and exp.isdigit()):
        return False
    if int(exp) < time.time():
        return False
    expected = _sign(path, int(exp), secret).encode("ascii")
    return hmac.compare_digest(expected, sig.encode("utf-8", "replace"))
