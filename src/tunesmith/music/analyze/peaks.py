"""Waveform peaks for drawing a clip's waveform (what ``analysis.json`` and the vox endpoint hold)."""

from __future__ import annotations

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.audio import AudioBuffer


def waveform_peaks(audio: AudioBuffer, *, points: int = 1000) -> list[float]:
    """``points`` values in 0..1: the maximum absolute sample (over all channels) per bucket.

    The frames are split into ``points`` contiguous buckets of (nearly) equal size; values are
    clipped to 1.0 and rounded to 4 decimals. A clip shorter than ``points`` frames gives one
    value per frame; an empty clip gives ``[]``. Raises :class:`InvalidParameter` (``points``)
    unless ``1 <= points <= 100_000``.
    """
    if not 1 <= points <= 100_000:
        raise InvalidParameter("points must be between 1 and 100000.", field="points")
    if audio.frames == 0:
        return []
    envelope = np.max(np.abs(audio.samples), axis=0)
    buckets = min(points, audio.frames)
    edges = np.linspace(0, audio.frames, buckets + 1).astype(np.int64)
    peaks = np.maximum.reduceat(envelope, edges[:-1])
    return [round(float(v), 4) for v in np.clip(peaks, 0.0, 1.0)]
