"""Derived clip files made on first request and kept in the blob store.

``audio.m4a`` (API.md §1 file names) is AAC in an MP4 container, transcoded by ffmpeg from the
clip's mastered ``mix.wav`` the first time it is asked for; later requests serve the stored copy.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from tunesmith.blobs.urls import blob_key
from tunesmith.jobs.context import Services
from tunesmith.music import bundle

M4A = "mix.m4a"
"""Bundle name of the derived AAC file (wire name ``audio.m4a``)."""

M4A_BITRATE_KBPS = 192
"""AAC bit rate, the same as the MP3's."""

_lock = threading.Lock()


def m4a_bytes(wav: bytes, *, bitrate_kbps: int = M4A_BITRATE_KBPS) -> bytes:
    """Transcode WAV bytes to AAC/M4A bytes with ffmpeg (RuntimeError if ffmpeg is missing or fails)."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("ffmpeg is not installed")
    with tempfile.TemporaryDirectory(prefix="tunesmith-m4a-") as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.m4a"
        src.write_bytes(wav)
        command = [ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-i", str(src), "-c:a", "aac"]
        command += ["-b:a", f"{bitrate_kbps}k", "-movflags", "+faststart", str(dst)]
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0 or not dst.exists():
            raise RuntimeError(f"ffmpeg failed: {done.stderr.decode(errors='replace')[-500:]}")
        return dst.read_bytes()


def ensure_m4a(services: Services, clip_id: str) -> Path | None:
    """The local path of the clip's ``audio.m4a``, made from ``mix.wav`` if needed; None when the
    clip has no mix (unknown, unfinished) or the blob store is not local."""
    key = blob_key(clip_id, M4A)
    path = services.blobs.local_path(key)
    if path is not None:
        return path
    wav_key = blob_key(clip_id, bundle.MIX_WAV)
    if not services.blobs.exists(wav_key):
        return None
    with _lock:  # one transcode at a time per process; a second caller finds the stored file
        path = services.blobs.local_path(key)
        if path is None:
            services.blobs.put(key, m4a_bytes(services.blobs.get(wav_key)))
            path = services.blobs.local_path(key)
    return path


def remote_file_url(services: Services, clip_id: str, bundle_name: str, *, method: str = "GET") -> str | None:
    """For a remote blob store (S3): a presigned URL of the clip file ``bundle_name`` valid for
    ``blobs.presign_ttl_s`` seconds (``mix.m4a`` is transcoded and stored first if needed); None
    for a local store. NotFound when the clip has no such file."""
    from pathlib import PurePosixPath

    from tunesmith.blobs.urls import CONTENT_TYPES
    from tunesmith.errors import NotFound

    key = blob_key(clip_id, bundle_name)
    content_type = CONTENT_TYPES.get(PurePosixPath(bundle_name).suffix, "application/octet-stream")
    ttl_s = services.settings.blobs.presign_ttl_s
    if services.blobs.presigned_url(key, expires_s=ttl_s, method=method) is None:
        return None  # a local store: served from disk
    if not services.blobs.exists(key):
        wav_key = blob_key(clip_id, bundle.MIX_WAV)
        if bundle_name != M4A or not services.blobs.exists(wav_key):
            raise NotFound("Not Found.")
        services.blobs.put(key, m4a_bytes(services.blobs.get(wav_key)))
    return services.blobs.presigned_url(key, expires_s=ttl_s, content_type=content_type, method=method)
