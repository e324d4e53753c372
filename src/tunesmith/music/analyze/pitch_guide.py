"""A learned pitch salience to guide the lead-voice tracker: basic-pitch's *contour* output.

basic-pitch (Spotify, Apache-2.0; its ONNX model ships inside the wheel, run through
onnxruntime, see :mod:`tunesmith.music.analyze.transcribe`) predicts, besides notes and onsets,
a multi-pitch "contour" posteriorgram: 264 bins, :data:`CONTOUR_BINS_PER_SEMITONE` per semitone
from :data:`CONTOUR_BASE_HZ` (A0), one frame per 256 samples at 22 050 Hz (11.6 ms — the same
frame period as the melody mask's STFT hop at 11 025 Hz). Run on the *non-repeating residual*
of a mix, it marks the voice's pitch region far more often than a harmonic sum does
(:mod:`tunesmith.music.analyze.melody_mask`), though on a coarser grid; the melody mask
multiplies its own salience by it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

CONTOUR_RATE_HZ = 22_050
"""Sample rate (Hz) the model expects."""

CONTOUR_BASE_HZ = 27.5
"""Frequency (Hz) of contour bin 0."""

CONTOUR_BINS_PER_SEMITONE = 3
"""Contour bins per semitone."""

FREQ_BLUR_BINS = 5
"""The contour is max-filtered over this many bins of the target grid (±2 × 20 cents) before use:
its grid is coarser than the tracker's, so it should say *where*, not *exactly where*."""

TIME_BLUR_FRAMES = 9
"""…and averaged over this many frames (≈ 100 ms)."""

FloatArray = npt.NDArray[np.float32]


def contour_posteriorgram(mono: npt.NDArray[np.float32]) -> FloatArray:
    """basic-pitch's contour output (frames × 264, 0..1) of mono audio at :data:`CONTOUR_RATE_HZ`;
    frame ``i`` is centred at ``i × 256 / 22 050`` s. Deterministic; about 1 s of CPU per 25 s of
    audio. Empty input gives zero frames."""
    from tunesmith.music.analyze.transcribe import _load_model

    if mono.size == 0:
        return np.zeros((0, 264), dtype=np.float32)
    from basic_pitch.constants import AUDIO_N_SAMPLES, FFT_HOP
    from basic_pitch.inference import unwrap_output, window_audio_file

    model: Any = _load_model()
    n_overlap = 30
    overlap_len = n_overlap * FFT_HOP
    hop_size = AUDIO_N_SAMPLES - overlap_len
    padded = np.concatenate([np.zeros(overlap_len // 2, dtype=np.float32), mono.astype(np.float32)])
    windows = [
        model.predict(np.expand_dims(window, axis=0))["contour"]
        for window, _ in window_audio_file(padded, hop_size)
    ]
    out: FloatArray = np.asarray(
        unwrap_output(np.concatenate(windows), mono.size, n_overlap), dtype=np.float32
    )
    return out


def contour_on_grid(contour: FloatArray, candidates_hz: npt.NDArray[np.float64], frames: int) -> FloatArray:
    """The contour resampled onto the tracker's f0 grid (``candidates_hz`` rows × ``frames``),
    linear in log-frequency, cut or zero-padded to ``frames``, then blurred by
    :data:`FREQ_BLUR_BINS` (max) and :data:`TIME_BLUR_FRAMES` (mean)."""
    from scipy.ndimage import maximum_filter1d, uniform_filter1d

    out = np.zeros((candidates_hz.size, frames), dtype=np.float32)
    if contour.shape[0] == 0 or candidates_hz.size == 0 or frames == 0:
        return out
    pos = CONTOUR_BINS_PER_SEMITONE * 12 * np.log2(candidates_hz / CONTOUR_BASE_HZ)
    pos = np.clip(pos, 0.0, contour.shape[1] - 1.001)
    i0 = np.floor(pos).astype(np.int64)
    frac = (pos - i0)[:, None]
    table = contour.T
    resampled = table[i0] * (1.0 - frac) + table[i0 + 1] * frac
    n = min(frames, resampled.shape[1])
    out[:, :n] = resampled[:, :n]
    blurred = maximum_filter1d(out, size=FREQ_BLUR_BINS, axis=0)
    result: FloatArray = uniform_filter1d(blurred, size=TIME_BLUR_FRAMES, axis=1).astype(np.float32)
    return result
