"""One audio type, :class:`AudioBuffer`, and the codecs that turn it into bytes and back.

Samples are float32, channels-first ``[channels, frames]``, nominally in [-1, 1]. Codecs take and
return ``bytes`` so uploads, blobs and tests share them. WAV/FLAC/OGG/MP3 decode through
libsndfile (soundfile); anything else (M4A/AAC, odd MP3s) falls back to an ``ffmpeg`` pipe.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

from tunesmith.errors import InvalidParameter

DEFAULT_SAMPLE_RATE_HZ = 44_100
"""The sample rate of every rendered mix and stem (CD rate; what the contract promises)."""

DECODE_ERROR = "The audio file could not be decoded. Supported formats: MP3, WAV, FLAC, OGG, M4A."

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class AudioBuffer:
    """Audio samples with their rate.

    ``samples`` is float32 with shape ``[channels, frames]``. Construct with :meth:`from_array`
    to coerce shapes and dtypes; the constructor itself only checks.
    """

    samples: Samples
    sample_rate_hz: int

    def __post_init__(self) -> None:
        if self.samples.ndim != 2:
            raise ValueError("AudioBuffer.samples must be 2-D [channels, frames]")
        if self.samples.dtype != np.float32:
            raise ValueError("AudioBuffer.samples must be float32")
        if self.sample_rate_hz <= 0:
            raise ValueError("sample_rate_hz must be positive")

    @classmethod
    def from_array(cls, samples: npt.ArrayLike, sample_rate_hz: int) -> AudioBuffer:
        """Build from a 1-D mono array or a 2-D channels-first array of any float dtype."""
        array = np.asarray(samples, dtype=np.float32)
        if array.ndim == 1:
            array = array[np.newaxis, :]
        return cls(np.ascontiguousarray(array), int(sample_rate_hz))

    @classmethod
    def silence(
        cls, duration_s: float, *, channels: int = 2, sample_rate_hz: int = DEFAULT_SAMPLE_RATE_HZ
    ) -> AudioBuffer:
        """Digital silence lasting ``round(duration_s * sample_rate_hz)`` frames."""
        frames = round(duration_s * sample_rate_hz)
        return cls(np.zeros((channels, frames), dtype=np.float32), sample_rate_hz)

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def frames(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate_hz

    def mono(self) -> Samples:
        """The channel mean as a 1-D float32 array."""
        return np.ascontiguousarray(self.samples.mean(axis=0, dtype=np.float32))

    def to_stereo(self) -> AudioBuffer:
        """Two channels: mono is duplicated, stereo returned as is, more channels downmixed."""
        if self.channels == 2:
            return self
        if self.channels == 1:
            return AudioBuffer(np.repeat(self.samples, 2, axis=0), self.sample_rate_hz)
        mono = self.mono()
        return AudioBuffer(np.stack([mono, mono]), self.sample_rate_hz)

    def slice_s(self, start_s: float, end_s: float) -> AudioBuffer:
        """Frames in ``[start_s, end_s)``, clamped to the buffer."""
        start = max(0, round(start_s * self.sample_rate_hz))
        end = min(self.frames, round(end_s * self.sample_rate_hz))
        return AudioBuffer(
            np.ascontiguousarray(self.samples[:, start : max(start, end)]), self.sample_rate_hz
        )

    def with_frames(self, frames: int) -> AudioBuffer:
        """Exactly ``frames`` long: truncated, or padded with silence at the end."""
        if frames <= self.frames:
            return AudioBuffer(np.ascontiguousarray(self.samples[:, :frames]), self.sample_rate_hz)
        pad = np.zeros((self.channels, frames - self.frames), dtype=np.float32)
        return AudioBuffer(np.concatenate([self.samples, pad], axis=1), self.sample_rate_hz)

    def resampled(self, sample_rate_hz: int) -> AudioBuffer:
        """Resampled with a polyphase filter (scipy); returns self when the rate already matches."""
        if sample_rate_hz == self.sample_rate_hz:
            return self
        from math import gcd

        from scipy.signal import resample_poly

        g = gcd(sample_rate_hz, self.sample_rate_hz)
        out = resample_poly(self.samples, sample_rate_hz // g, self.sample_rate_hz // g, axis=1)
        return AudioBuffer(np.ascontiguousarray(out, dtype=np.float32), sample_rate_hz)


def encode_wav(audio: AudioBuffer, *, subtype: str = "PCM_16") -> bytes:
    """WAV bytes; 16-bit PCM by default (what ``wav_url`` serves). Samples are clipped to [-1, 1]."""
    return _encode(audio, "WAV", subtype)


def encode_flac(audio: AudioBuffer, *, subtype: str = "PCM_24") -> bytes:
    """FLAC bytes, 24-bit by default so stems keep headroom detail."""
    return _encode(audio, "FLAC", subtype)


def encode_mp3(audio: AudioBuffer, *, bitrate_kbps: int = 192, wav: bytes | None = None) -> bytes:
    """MP3 bytes at a constant ``bitrate_kbps`` (LAME through ffmpeg; libsndfile as fallback).

    ``wav``: ``encode_wav(audio)`` when the caller already has it (an upload stores both), so the
    audio is not encoded to WAV a second time to feed ffmpeg.
    """
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        if wav is None:
            wav = encode_wav(audio)
        # A seekable output file (not a pipe) lets ffmpeg write the Xing/LAME tag with the encoder
        # delay and padding, so decoders (libsndfile, ffmpeg) return exactly the original frames.
        with tempfile.TemporaryDirectory(prefix="tunesmith-mp3-") as folder:
            target = Path(folder) / "out.mp3"
            result = subprocess.run(
                [
                    ffmpeg,
                    "-hide_banner",
                    "-loglevel",
                    "error",
                    "-f",
                    "wav",
                    "-i",
                    "pipe:0",
                    "-codec:a",
                    "libmp3lame",
                    "-b:a",
                    f"{bitrate_kbps}k",
                    "-f",
                    "mp3",
                    str(target),
                ],
                input=wav,
                capture_output=True,
                check=False,
            )
            if result.returncode == 0 and target.exists() and target.stat().st_size > 0:
                return target.read_bytes()
    buffer = io.BytesIO()
    sf.write(
        buffer,
        np.clip(audio.samples, -1.0, 1.0).T,
        audio.sample_rate_hz,
        format="MP3",
        bitrate_mode="CONSTANT",
        compression_level=0.4,
    )
    return buffer.getvalue()


_MPEG1_LAYER3_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0)
"""Bit rates (kbit/s) of MPEG-1 Layer III frame headers by their 4-bit index (0: free, 15: bad)."""

_MPEG1_RATES_HZ = (44_100, 48_000, 32_000, 0)


def _id3v2_size(data: bytes) -> int:
    """Bytes of the ID3v2 tag at the start of ``data`` (0 without one)."""
    if len(data) < 10 or data[:3] != b"ID3":
        return 0
    size = 0
    for byte in data[6:10]:  # a "syncsafe" integer: 7 bits per byte
        size = (size << 7) | (byte & 0x7F)
    return 10 + size + (10 if data[5] & 0x10 else 0)  # + footer


def reusable_mp3(
    data: bytes, *, bitrate_kbps: int = 192, sample_rate_hz: int = DEFAULT_SAMPLE_RATE_HZ
) -> bytes | None:
    """The MP3 frames of ``data`` (its leading ID3v2 tag removed) when it is already what
    :func:`encode_mp3` makes — every frame MPEG-1 Layer III, stereo, ``sample_rate_hz``, a
    constant ``bitrate_kbps`` — so it can be served as is instead of decoded and encoded again
    (which costs LAME's time and a generation of loss); None otherwise.

    Every frame header is checked (a VBR stream has other bit rates; a Xing "VBR" tag frame is
    refused too); the bytes after the last frame may only be an ID3v1 tag (128 bytes).
    """
    start = _id3v2_size(data)
    position = start
    frames = 0
    while position + 4 <= len(data):
        header = int.from_bytes(data[position : position + 4], "big")
        if data[position : position + 3] == b"TAG" and len(data) - position == 128:
            break  # ID3v1 at the end
        if (header >> 21) != 0x7FF or (header >> 19) & 3 != 3 or (header >> 17) & 3 != 1:
            return None  # not an MPEG-1 Layer III frame
        rate_hz = _MPEG1_RATES_HZ[(header >> 10) & 3]
        if _MPEG1_LAYER3_KBPS[(header >> 12) & 15] != bitrate_kbps or rate_hz != sample_rate_hz:
            return None
        if (header >> 6) & 3 == 3:
            return None  # mono
        if frames == 0:
            side_info = 32 + (0 if header & 0x10000 else 2)  # + CRC when the protection bit is 0
            if data[position + 4 + side_info : position + 8 + side_info] == b"Xing":
                return None  # a VBR stream's tag ("Info" marks a constant bit rate)
        length = 144_000 * bitrate_kbps // rate_hz + ((header >> 9) & 1)
        if position + length > len(data):
            return None  # a cut frame
        position += length
        frames += 1
    if frames == 0 or (position != len(data) and len(data) - position != 128):
        return None
    return data[start:]


class AudioTooLong(InvalidParameter):
    """The audio lasts longer than the caller's ``max_duration_s`` (by its header, or found while
    decoding with a cap). Carries the contract's message; ``field`` is ``"file"`` — callers that
    read a URL re-raise with their own field."""

    def __init__(self, max_duration_s: float, *, field: str = "file") -> None:
        super().__init__(f"The audio duration should be less than {max_duration_s:g} seconds.", field=field)
        self.max_duration_s = max_duration_s


_UNKNOWN_FRAMES = 2**62
"""libsndfile reports ``frames`` near ``2**63`` when a stream does not declare its length (a FLAC
written to a pipe); such a count is no evidence of length, so decoding with a cap decides."""

_BLOCK_FRAMES = 65_536


def decode_audio(data: bytes, *, filename_hint: str = "", max_duration_s: float | None = None) -> AudioBuffer:
    """Decode any common audio format (MP3, WAV, FLAC, OGG, M4A …) to an :class:`AudioBuffer`.

    Raises :class:`InvalidParameter` with the contract's decode message when the bytes are not
    audio. The native rate and channel count are kept.

    With ``max_duration_s`` (seconds), a stream whose header declares more is refused before any
    sample is decoded, and decoding stops as soon as it passes the limit (a small FLAC of hours of
    silence never becomes gigabytes of float32): :class:`AudioTooLong`. Memory stays bounded by
    the limit, whatever the header claims.
    """
    if not data:
        raise InvalidParameter(DECODE_ERROR, field="file")
    if max_duration_s is not None:
        return _decode_capped(data, filename_hint, max_duration_s)
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
        if samples.shape[0] > 0:
            return AudioBuffer(np.ascontiguousarray(samples.T), int(rate))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        pass
    return _decode_with_ffmpeg(data, filename_hint)


def _declared_wav_duration_s(data: bytes) -> float | None:
    """The duration a RIFF/WAVE header declares (its ``data`` chunk size over the frame size), or
    None when it declares none (not a WAV, or a streamed size of 0 or 0xFFFFFFFF). libsndfile
    quietly trims a longer claim to the bytes present; a cap must see the claim itself."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    position = 12
    block_align = rate = 0
    while position + 8 <= len(data):
        chunk = data[position : position + 4]
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        if chunk == b"fmt " and position + 24 <= len(data):
            rate = int.from_bytes(data[position + 12 : position + 16], "little")
            block_align = int.from_bytes(data[position + 20 : position + 22], "little")
        elif chunk == b"data":
            if size in (0, 0xFFFFFFFF) or block_align <= 0 or rate <= 0:
                return None
            return size / block_align / rate
        position += 8 + size + (size & 1)
    return None


def _decode_capped(data: bytes, filename_hint: str, max_duration_s: float) -> AudioBuffer:
    declared_s = _declared_wav_duration_s(data)
    if declared_s is not None and declared_s > max_duration_s:
        raise AudioTooLong(max_duration_s)
    try:
        with sf.SoundFile(io.BytesIO(data)) as stream:
            rate = int(stream.samplerate)
            max_frames = int(np.ceil(max_duration_s * rate))
            if max_frames < stream.frames < _UNKNOWN_FRAMES:
                raise AudioTooLong(max_duration_s)
            blocks: list[Samples] = []
            total = 0
            while True:
                block = stream.read(_BLOCK_FRAMES, dtype="float32", always_2d=True)
                if block.shape[0] == 0:
                    break
                total += block.shape[0]
                if total > max_frames:
                    raise AudioTooLong(max_duration_s)
                blocks.append(block)
        if total > 0:
            return AudioBuffer(np.ascontiguousarray(np.concatenate(blocks).T), rate)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        pass
    audio = _decode_with_ffmpeg(data, filename_hint, max_duration_s=max_duration_s)
    if audio.frames > int(np.ceil(max_duration_s * audio.sample_rate_hz)):
        raise AudioTooLong(max_duration_s)
    return audio


def _decode_with_ffmpeg(
    data: bytes, filename_hint: str, *, max_duration_s: float | None = None
) -> AudioBuffer:
    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        raise InvalidParameter(DECODE_ERROR, field="file")
    suffix = Path(filename_hint).suffix if filename_hint else ""
    with tempfile.NamedTemporaryFile(suffix=suffix or ".bin") as source:
        source.write(data)
        source.flush()
        result = subprocess.run(
            [
                ffmpeg,
                "-hide_banner",
                "-loglevel",
                "error",
                "-i",
                source.name,
                "-vn",
                # with a cap, decode a little past it (enough to tell "too long"), never more
                *(["-t", f"{max_duration_s + 1.0:g}"] if max_duration_s is not None else []),
                "-f",
                "wav",
                "-acodec",
                "pcm_f32le",
                "pipe:1",
            ],
            capture_output=True,
            check=False,
        )
    if result.returncode != 0 or not result.stdout:
        raise InvalidParameter(DECODE_ERROR, field="file")
    try:
        samples, rate = sf.read(io.BytesIO(result.stdout), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise InvalidParameter(DECODE_ERROR, field="file") from exc
    if samples.shape[0] == 0:
        raise InvalidParameter(DECODE_ERROR, field="file")
    return AudioBuffer(np.ascontiguousarray(samples.T), int(rate))


def _encode(audio: AudioBuffer, container: str, subtype: str) -> bytes:
    buffer = io.BytesIO()
    sf.write(
        buffer, np.clip(audio.samples, -1.0, 1.0).T, audio.sample_rate_hz, format=container, subtype=subtype
    )
    return buffer.getvalue()
