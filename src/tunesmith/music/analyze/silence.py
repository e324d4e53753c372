"""Silent spans of a clip (the acceptance's "no unplanned silence over 1 s")."""

from __future__ import annotations

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.audio import AudioBuffer

WINDOW_S = 0.05
"""Short-term RMS window (s); silences are located to within one window (50 ms)."""


def find_silences(
    audio: AudioBuffer, *, min_duration_s: float = 1.0, threshold_db: float = -50.0
) -> list[tuple[float, float]]:
    """Spans ``(start_s, end_s)`` where the short-term RMS stays below ``threshold_db`` dBFS.

    RMS is taken over all channels in consecutive :data:`WINDOW_S` windows (the last window may
    be shorter); runs of quiet windows lasting at least ``min_duration_s`` seconds are returned,
    in order, with ``end_s`` clamped to the clip's duration. Raises :class:`InvalidParameter`
    for a negative ``min_duration_s`` or a ``threshold_db`` above 0.
    """
    if min_duration_s < 0:
        raise InvalidParameter("min_duration_s must not be negative.", field="min_duration_s")
    if threshold_db > 0:
        raise InvalidParameter("threshold_db must be at most 0 dBFS.", field="threshold_db")
    if audio.frames == 0:
        return []
    window = max(1, round(WINDOW_S * audio.sample_rate_hz))
    count = -(-audio.frames // window)
    padded = np.zeros((audio.channels, count * window), dtype=np.float64)
    padded[:, : audio.frames] = audio.samples
    power = (padded.reshape(audio.channels, count, window) ** 2).mean(axis=(0, 2))
    lengths = np.full(count, window, dtype=np.float64)
    lengths[-1] = audio.frames - (count - 1) * window
    power[-1] *= window / lengths[-1]  # the last window's mean over its real frames
    threshold_power = 10.0 ** (threshold_db / 10.0)
    quiet = power < threshold_power
    spans: list[tuple[float, float]] = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(np.int8), [0]])))
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        start_s = start * window / audio.sample_rate_hz
        end_s = min(audio.duration_s, end * window / audio.sample_rate_hz)
        if end_s - start_s >= min_duration_s:
            spans.append((round(start_s, 4), round(end_s, 4)))
    return spans
