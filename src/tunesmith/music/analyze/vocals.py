"""Vocal activity of an :class:`AudioBuffer`: where somebody sings.

The vocal estimate of :func:`~tunesmith.music.analyze.separate.separate_vocals` is measured in
0.1-s frames: its energy in the vocal band (200–4 000 Hz) as a share of the mix's energy in that
band (the separation already keeps only harmonic, non-repeating sound there). Frames above
:data:`ACTIVITY_THRESHOLD` (median-smoothed over 0.5 s) are sung; spans shorter than 0.3 s are
dropped and gaps shorter than 0.3 s closed.

The threshold was tuned on our own rendered songs with and without the singer's vocal stem
(see ``tests/music/analyze/test_analyze_vocals.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tunesmith.music.audio import AudioBuffer

FRAME_S = 0.1
"""Activity frame length and hop (s)."""

ACTIVITY_THRESHOLD = 0.3
"""Vocal-band energy share above which a frame counts as sung (0..1)."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class VocalActivity:
    """``spans_s``: sung spans as (start_s, end_s); ``frame_scores``: the per-frame score
    (0..1, one per :data:`FRAME_S`); ``vocal_fraction``: sung share of the duration (0..1)."""

    spans_s: list[tuple[float, float]]
    frame_scores: FloatArray = field(repr=False)
    vocal_fraction: float


def _band_energy(samples: npt.NDArray[np.float32], rate: int) -> FloatArray:
    import librosa

    hop = max(1, round(FRAME_S * rate))
    spec = np.abs(librosa.stft(samples, n_fft=2048, hop_length=hop)) ** 2
    freqs = librosa.fft_frequencies(sr=rate, n_fft=2048)
    band = (freqs >= 200.0) & (freqs <= 4000.0)
    out: FloatArray = spec[band].sum(axis=0).astype(np.float64)
    return out


def vocal_activity(audio: AudioBuffer, *, threshold: float = ACTIVITY_THRESHOLD) -> VocalActivity:
    """Sung spans of ``audio`` (s). Any rate/channels; deterministic."""
    from scipy.ndimage import median_filter

    from tunesmith.music.analyze.separate import separate_vocals

    if audio.frames < audio.sample_rate_hz // 2:
        return VocalActivity([], np.zeros(0), 0.0)
    split = separate_vocals(audio)
    rate = audio.sample_rate_hz
    vocal = split.vocals.mono()
    mix = audio.mono()
    ratio = _band_energy(vocal, rate) / (_band_energy(mix, rate) + 1e-10)
    level = _band_energy(mix, rate)
    audible = level > 1e-4 * max(1e-12, float(np.max(level)))
    score = np.clip(ratio, 0.0, 1.0) * audible
    smooth = median_filter(score, size=5, mode="nearest")
    active = smooth >= threshold
    spans: list[tuple[float, float]] = []
    start: int | None = None
    for i, on in enumerate([*active.tolist(), False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            spans.append((start * FRAME_S, min(i * FRAME_S, audio.duration_s)))
            start = None
    merged: list[tuple[float, float]] = []
    for s, e in spans:
        if merged and s - merged[-1][1] < 0.3:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    merged = [(round(s, 3), round(e, 3)) for s, e in merged if e - s >= 0.3]
    fraction = sum(e - s for s, e in merged) / audio.duration_s if audio.duration_s > 0 else 0.0
    return VocalActivity(merged, smooth.astype(np.float64), round(float(fraction), 4))
