"""SoundFont synthesis: one dry stereo buffer per Score track (TinySoundFont + FluidR3_GM).

Tracks are rendered **note by note with a cache**: every distinct (pitch, velocity, length) is
synthesised once in isolation — note on, hold, note off, release tail — and added into the track
at each of its onsets. A SoundFont voice is linear and independent of other voices, so this
equals a sequential render (without voice stealing) while songs, which repeat their material,
render several times faster. Drum kits' exclusive classes (an open hi-hat choked by the next
closed one) are applied when the notes are placed: a choked note fades out over 5 ms.

Velocities are quantised to steps of 4 and note lengths to 128 frames (2.9 ms at 44.1 kHz),
far below audibility, so repeated notes hit the cache.
"""

from __future__ import annotations

import os
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from tunesmith.errors import InvalidParameter, JobFailed
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.score import Score, Track

DEFAULT_SOUNDFONT_PATH = "/usr/share/sounds/sf2/FluidR3_GM.sf2"
SOUNDFONT_ENV_VAR = "TUNESMITH_SOUNDFONT"

QUALITIES = ("draft", "standard", "high")

_VELOCITY_STEP = 4
_LENGTH_STEP_FRAMES = 128
_TAIL_BLOCK_FRAMES = 2048
_SILENT_PEAK = 10 ** (-84 / 20)
_TAIL_FLOOR = 10 ** (-50 / 20)
"""A release tail stops (with a short fade) 50 dB below the note's peak, or at −84 dBFS."""
_MAX_TAIL_S = {"draft": 1.5, "standard": 4.0, "high": 8.0}
_LOAD_LOCK = threading.Lock()
_CHOKE_FADE_S = 0.005
_CHOKE_GROUPS = {42: 1, 44: 1, 46: 1, 71: 2, 72: 2, 73: 3, 74: 3, 78: 4, 79: 4, 80: 5, 81: 5}
"""GM drum keys that silence each other (closed/pedal/open hi-hat, short/long whistle …)."""


def find_soundfont() -> str:
    """The SoundFont file to render with.

    ``$TUNESMITH_SOUNDFONT`` when set, else Debian's ``/usr/share/sounds/sf2/FluidR3_GM.sf2``
    (package ``fluid-soundfont-gm``, MIT licensed). Raises :class:`JobFailed` naming both places
    when neither exists.
    """
    configured = os.environ.get(SOUNDFONT_ENV_VAR, "").strip()
    if configured:
        if Path(configured).is_file():
            return configured
        raise JobFailed(f"The SoundFont named by ${SOUNDFONT_ENV_VAR} does not exist: {configured}")
    if Path(DEFAULT_SOUNDFONT_PATH).is_file():
        return DEFAULT_SOUNDFONT_PATH
    raise JobFailed(
        f"No SoundFont found: set ${SOUNDFONT_ENV_VAR} to an .sf2/.sf3 file or install the Debian "
        f"package fluid-soundfont-gm ({DEFAULT_SOUNDFONT_PATH})."
    )


@lru_cache(maxsize=2)
def _load(path: str) -> Any:
    """The parsed SoundFont, loaded once per process (FluidR3_GM takes ~1 s to parse)."""
    import tinysoundfont._tinysoundfont as tsf

    try:
        return tsf.SoundFont(path)
    except Exception as exc:  # the binding raises plain exceptions for unreadable files
        raise JobFailed(f"The SoundFont could not be loaded: {path}") from exc


def _soundfont() -> Any:
    path = find_soundfont()
    with _LOAD_LOCK:
        return _load(path)


def _new_voice(sample_rate_hz: int, program: int, *, is_drum: bool) -> Any:
    """A fresh synthesiser (sharing the loaded samples) with ``program`` on channel 0."""
    import tinysoundfont._tinysoundfont as tsf

    base = _soundfont()
    synth = tsf.SoundFont(base)
    synth.set_output(tsf.OutputMode.StereoInterleaved, int(sample_rate_hz), 0.0)
    synth.set_max_voices(256)
    preset = program % 128
    if is_drum:
        if base.get_preset_index(128, preset) < 0:
            preset = 0
        synth.channel_set_bank(0, 128)
        synth.channel_set_preset_number(0, preset, True)
    else:
        if base.get_preset_index(0, preset) < 0:
            preset = 0
        synth.channel_set_bank(0, 0)
        synth.channel_set_preset_number(0, preset, False)
    return synth


def _render_into(synth: Any, out: np.ndarray[Any, np.dtype[np.float32]], start: int, stop: int) -> None:
    """Render frames ``[start, stop)`` of interleaved stereo ``out`` (shape [frames, 2])."""
    if stop > start:
        synth.render(out[start:stop].data.cast("B"), False)


def _note_spans(score: Score, track: Track, sample_rate_hz: int) -> list[tuple[int, int, int, int]]:
    """(start_frame, length_frames, pitch, velocity) per playable note, in time order."""
    spans = []
    for note in track.notes:
        if not 0 <= note.pitch <= 127 or note.velocity <= 0 or note.length_beats <= 0:
            continue
        start = round(score.seconds_at(note.start_beat) * sample_rate_hz)
        stop = round(score.seconds_at(note.end_beat) * sample_rate_hz)
        spans.append((start, max(1, stop - start), int(note.pitch), min(127, int(note.velocity))))
    spans.sort()
    return spans


def _render_cached(
    score: Score, track: Track, frames: int, sample_rate_hz: int, quality: str
) -> np.ndarray[Any, np.dtype[np.float32]]:
    """A track via the per-note cache (see the module docstring); ``[2, frames]``."""
    out = np.zeros((2, frames), dtype=np.float32)
    synth = _new_voice(sample_rate_hz, track.program, is_drum=track.is_drum)
    max_tail = int(_MAX_TAIL_S[quality] * sample_rate_hz)
    fade = max(1, int(_CHOKE_FADE_S * sample_rate_hz))
    spans = _note_spans(score, track, sample_rate_hz)
    chokes = _choke_frames(spans) if track.is_drum else [None] * len(spans)
    cache: dict[tuple[int, int, int], np.ndarray[Any, np.dtype[np.float32]]] = {}
    for (start, length, pitch, velocity), choke_at in zip(spans, chokes, strict=True):
        if start >= frames:
            continue
        vel_q = min(127, max(1, round(velocity / _VELOCITY_STEP) * _VELOCITY_STEP))
        len_q = max(_LENGTH_STEP_FRAMES, round(length / _LENGTH_STEP_FRAMES) * _LENGTH_STEP_FRAMES)
        key = (pitch, vel_q, len_q)
        rendered = cache.get(key)
        if rendered is None:
            rendered = _render_note(synth, pitch, vel_q, len_q, max_tail)
            cache[key] = rendered
        segment = rendered[:, : frames - start]
        if choke_at is not None and choke_at - start < segment.shape[1]:
            # an exclusive-class partner (closed hat after an open one) cuts this note quickly
            cut = max(0, choke_at - start)
            segment = segment[:, : cut + fade].copy()
            segment[:, cut:] *= np.linspace(1.0, 0.0, segment.shape[1] - cut, dtype=np.float32)
        out[:, start : start + segment.shape[1]] += segment
    return out


def _choke_frames(spans: list[tuple[int, int, int, int]]) -> list[int | None]:
    """Per drum note, the onset of the next note of its exclusive class (GM hi-hats, whistles,
    guiros, cuicas, triangles), or ``None``: what a synthesiser's exclusive classes do."""
    starts: dict[int, list[int]] = {}
    for start, _length, pitch, _velocity in spans:
        group = _CHOKE_GROUPS.get(pitch)
        if group is not None:
            starts.setdefault(group, []).append(start)
    result: list[int | None] = []
    for start, _length, pitch, _velocity in spans:
        group = _CHOKE_GROUPS.get(pitch)
        if group is None:
            result.append(None)
            continue
        onsets = starts[group]
        i = bisect_right(onsets, start)
        result.append(onsets[i] if i < len(onsets) else None)
    return result


def _render_note(
    synth: Any, pitch: int, velocity: int, length: int, max_tail: int
) -> np.ndarray[Any, np.dtype[np.float32]]:
    """One isolated note, ``[2, frames]``: ``length`` held frames plus its release tail."""
    buffer = np.zeros((length + max_tail, 2), dtype=np.float32)
    synth.channel_note_on(0, pitch, velocity / 127.0)
    _render_into(synth, buffer, 0, length)
    synth.channel_note_off(0, pitch)
    end = length
    floor = max(_SILENT_PEAK, float(np.abs(buffer[:length]).max(initial=0.0)) * _TAIL_FLOOR)
    while end < buffer.shape[0]:
        block_end = min(buffer.shape[0], end + _TAIL_BLOCK_FRAMES)
        _render_into(synth, buffer, end, block_end)
        silent = float(np.abs(buffer[end:block_end]).max(initial=0.0)) < floor
        end = block_end
        if silent:
            break
    synth.channel_sounds_off(0)
    scratch = np.zeros((_TAIL_BLOCK_FRAMES, 2), dtype=np.float32)
    _render_into(synth, scratch, 0, _TAIL_BLOCK_FRAMES)  # let the quick fade finish: next note starts clean
    rendered = np.ascontiguousarray(buffer[:end].T)
    fade = min(256, end - length)
    if fade > 0:
        rendered[:, end - fade : end] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return rendered


def render_track(
    score: Score, track: Track, *, sample_rate_hz: int = 44_100, quality: str = "standard"
) -> AudioBuffer:
    """One track's dry stereo audio, exactly ``round(score.duration_s * sample_rate_hz)`` frames.

    No gain, pan or effects: those belong to the mixer. Drum tracks use bank 128 preset
    ``track.program`` (preset 0 when the font lacks that kit); others bank 0 ``track.program``.
    """
    _check(score, sample_rate_hz, quality)
    frames = round(score.duration_s * sample_rate_hz)
    if not track.notes or frames == 0:
        return AudioBuffer(np.zeros((2, frames), dtype=np.float32), sample_rate_hz)
    return AudioBuffer(_render_cached(score, track, frames, sample_rate_hz, quality), sample_rate_hz)


def render_tracks(
    score: Score,
    *,
    sample_rate_hz: int = 44_100,
    quality: str = "standard",
    on_track: Callable[[int, int], None] | None = None,
) -> dict[str, AudioBuffer]:
    """Dry stereo audio for every track of ``score``, keyed by track name.

    Every buffer has exactly ``round(score.duration_s * sample_rate_hz)`` frames (release tails
    past the end are cut). Deterministic: the same Score gives bit-identical buffers.
    ``quality`` (``draft``/``standard``/``high``) bounds how long release tails ring (1.5/4/8 s).
    ``on_track(done, total)`` is called after each track (progress reporting).
    """
    result: dict[str, AudioBuffer] = {}
    for i, (name, audio) in enumerate(
        iter_render_tracks(score, sample_rate_hz=sample_rate_hz, quality=quality)
    ):
        result[name] = audio
        if on_track is not None:
            on_track(i + 1, len(score.tracks))
    return result


def iter_render_tracks(
    score: Score, *, sample_rate_hz: int = 44_100, quality: str = "standard"
) -> Iterator[tuple[str, AudioBuffer]]:
    """``(track name, dry audio)`` for each track in Score order, rendered one at a time (see
    :func:`render_tracks`), so a consumer can start mixing before the last track is done."""
    _check(score, sample_rate_hz, quality)
    names = [t.name for t in score.tracks]
    if len(set(names)) != len(names):
        raise InvalidParameter("Track names in a score must be unique.", field="score.tracks")
    for track in score.tracks:
        yield track.name, render_track(score, track, sample_rate_hz=sample_rate_hz, quality=quality)


def _check(score: Score, sample_rate_hz: int, quality: str) -> None:
    if quality not in QUALITIES:
        raise InvalidParameter(f"quality must be one of {', '.join(QUALITIES)}.", field="quality")
    if not 8_000 <= sample_rate_hz <= 192_000:
        raise InvalidParameter("sample_rate_hz must be between 8000 and 192000.", field="sample_rate_hz")
    if not (score.duration_s >= 0 and np.isfinite(score.duration_s)):
        raise InvalidParameter("duration_s must be a non-negative number of seconds.", field="duration_s")
