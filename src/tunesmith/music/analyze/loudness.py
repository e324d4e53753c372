"""Loudness and true peak per ITU-R BS.1770-4 / EBU R 128.

:func:`integrated_lufs` is a vectorised BS.1770 meter (K-weighting, 400 ms blocks with 75 %
overlap, absolute gate −70 LUFS, relative gate −10 LU). It uses pyloudnorm's K-weighting filter
design so the two agree to within 0.01 LU, but runs about ten times faster, which matters because
mastering measures several times per song.

:func:`true_peak_dbtp` measures the peak of the signal oversampled 4× with a 49-tap interpolation
filter (BS.1770-4 Annex 2). Only the neighbourhoods of the loudest samples are interpolated: a
block is skipped when a bound on what its interpolated values can reach (block peak × the filter's
absolute tap sum) is below the peak already found, so the result is exact yet cheap.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
from scipy.signal import firwin, sosfilt

from tunesmith.music.audio import AudioBuffer

OVERSAMPLING = 4
_HALF_TAPS = 6  # the interpolator reaches 6 input samples either side
_BLOCK = 64


def k_weighting_sos(sample_rate_hz: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    """BS.1770 K-weighting (high shelf +4 dB at 1.5 kHz, then a 38 Hz high-pass) as SOS rows."""
    fs = float(sample_rate_hz)

    def shelf(gain_db: float, q: float, fc: float) -> list[float]:
        a = 10 ** (gain_db / 40.0)
        w0 = 2 * math.pi * fc / fs
        alpha = math.sin(w0) / (2 * q)
        cos_w0 = math.cos(w0)
        sq = 2 * math.sqrt(a) * alpha
        b0 = a * ((a + 1) + (a - 1) * cos_w0 + sq)
        b1 = -2 * a * ((a - 1) + (a + 1) * cos_w0)
        b2 = a * ((a + 1) + (a - 1) * cos_w0 - sq)
        a0 = (a + 1) - (a - 1) * cos_w0 + sq
        a1 = 2 * ((a - 1) - (a + 1) * cos_w0)
        a2 = (a + 1) - (a - 1) * cos_w0 - sq
        return [b0 / a0, b1 / a0, b2 / a0, 1.0, a1 / a0, a2 / a0]

    def highpass(q: float, fc: float) -> list[float]:
        w0 = 2 * math.pi * fc / fs
        alpha = math.sin(w0) / (2 * q)
        cos_w0 = math.cos(w0)
        a0 = 1 + alpha
        return [
            (1 + cos_w0) / 2 / a0,
            -(1 + cos_w0) / a0,
            (1 + cos_w0) / 2 / a0,
            1.0,
            -2 * cos_w0 / a0,
            (1 - alpha) / a0,
        ]

    return np.array([shelf(4.0, 1 / math.sqrt(2), 1500.0), highpass(0.5, 38.0)], dtype=np.float64)


def weighted_energy(audio: AudioBuffer) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Per frame, the channel sum of the squared K-weighted signal (the meter's raw input)."""
    weighted = sosfilt(k_weighting_sos(audio.sample_rate_hz), audio.samples, axis=1)
    energy: np.ndarray[Any, np.dtype[np.float64]] = np.square(weighted, dtype=np.float64).sum(axis=0)
    return energy


def block_powers(audio: AudioBuffer) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Channel-summed K-weighted mean square of every 400 ms gating block (100 ms hop)."""
    return gating_blocks(weighted_energy(audio), audio.sample_rate_hz)


def gating_blocks(energy: np.ndarray[Any, Any], rate: int) -> np.ndarray[Any, np.dtype[np.float64]]:
    block = 0.4 * rate
    count = round((energy.shape[0] / rate - 0.4) / 0.1) + 1
    if energy.shape[0] < block or count < 1:
        return np.zeros(0, dtype=np.float64)
    cumulative = np.concatenate([[0.0], np.cumsum(energy, dtype=np.float64)])
    j = np.arange(count)
    lower = (0.4 * (j * 0.25) * rate).astype(np.int64)
    upper = np.minimum((0.4 * (j * 0.25 + 1) * rate).astype(np.int64), energy.shape[0])
    result: np.ndarray[Any, np.dtype[np.float64]] = (cumulative[upper] - cumulative[lower]) / block
    return result


def gated_lufs(powers: np.ndarray[Any, np.dtype[np.float64]]) -> float:
    """Integrated loudness from :func:`block_powers` (absolute then relative gate)."""
    if powers.size == 0:
        return float("-inf")
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(powers)
    above_abs = powers[loudness >= -70.0]
    if above_abs.size == 0:
        return float("-inf")
    relative_gate = -0.691 + 10 * math.log10(float(above_abs.mean())) - 10.0
    with np.errstate(divide="ignore"):
        kept = above_abs[-0.691 + 10 * np.log10(above_abs) > relative_gate]
    if kept.size == 0:
        return float("-inf")
    return -0.691 + 10 * math.log10(float(kept.mean()))


def integrated_lufs(audio: AudioBuffer) -> float:
    """Integrated loudness in LUFS (BS.1770-4, mono/stereo channel weights 1.0).

    Returns ``-inf`` for silence or audio shorter than one 400 ms block.
    """
    return gated_lufs(block_powers(audio))


@lru_cache(maxsize=1)
def _phase_taps() -> np.ndarray[Any, np.dtype[np.float64]]:
    """``[13, 4]`` matrix: column p interpolates time ``n + p/4`` from ``x[n-6 … n+6]``."""
    taps = 2 * _HALF_TAPS * OVERSAMPLING + 1  # 49, centred on a multiple of 4
    h = firwin(taps, 1.0 / OVERSAMPLING, window=("kaiser", 6.0)) * OVERSAMPLING
    matrix = np.zeros((2 * _HALF_TAPS + 1, OVERSAMPLING), dtype=np.float64)
    for j in range(2 * _HALF_TAPS + 1):
        for p in range(OVERSAMPLING):
            index = (taps - 1) - OVERSAMPLING * j + p
            if 0 <= index < taps:
                matrix[j, p] = h[index]
    return matrix


def pad_for_peaks(channel: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """``channel`` padded with zeros as :func:`oversampled_peaks` expects (do it once per channel)."""
    padded: np.ndarray[Any, np.dtype[np.float64]] = np.zeros(channel.shape[0] + 2 * _HALF_TAPS + _BLOCK)
    padded[_HALF_TAPS : _HALF_TAPS + channel.shape[0]] = channel
    return padded


def oversampled_peaks(
    padded: np.ndarray[Any, np.dtype[np.float64]], starts: np.ndarray[Any, np.dtype[np.int64]]
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Per 64-sample block starting at ``starts``, the peak |value| at each sample position ``n``
    over the 4 interpolated instants ``n, n+¼, n+½, n+¾`` → shape [blocks, 64].

    ``padded`` is the channel after :func:`pad_for_peaks`.
    """
    offsets = np.arange(_BLOCK + 2 * _HALF_TAPS)
    segments = padded[starts[:, np.newaxis] + offsets[np.newaxis, :]]
    windows = np.lib.stride_tricks.sliding_window_view(segments, 2 * _HALF_TAPS + 1, axis=1)
    values = windows @ _phase_taps()  # [blocks, 64, 4]
    peaks: np.ndarray[Any, np.dtype[np.float64]] = np.abs(values).max(axis=2)
    return peaks


def _bound_factor() -> float:
    return float(np.abs(_phase_taps()).sum(axis=0).max())


def block_peak_bounds(channel: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Upper bound of the oversampled |value| inside each 64-sample block of ``channel``."""
    n = channel.shape[0]
    whole = n // _BLOCK * _BLOCK
    body = channel[:whole].reshape(-1, _BLOCK)
    peaks = np.maximum(body.max(axis=1), -body.min(axis=1)).astype(np.float64)
    if whole < n:
        tail = channel[whole:]
        peaks = np.append(peaks, max(float(tail.max()), -float(tail.min())))
    neighbours = peaks.copy()
    neighbours[1:] = np.maximum(neighbours[1:], peaks[:-1])
    neighbours[:-1] = np.maximum(neighbours[:-1], peaks[1:])
    result: np.ndarray[Any, np.dtype[np.float64]] = neighbours * _bound_factor()
    return result


def true_peak_linear(samples: np.ndarray[Any, Any]) -> float:
    """The 4×-oversampled absolute peak of ``samples`` ([channels, frames]) as a linear value."""
    if samples.size == 0:
        return 0.0
    best = max(float(samples.max()), -float(samples.min()))
    for channel in samples:
        bounds = block_peak_bounds(channel)
        order = np.nonzero(bounds > best)[0]
        order = order[np.argsort(-bounds[order], kind="stable")]
        padded: np.ndarray[Any, np.dtype[np.float64]] | None = None
        for chunk_start in range(0, order.shape[0], 4096):
            chunk = order[chunk_start : chunk_start + 4096]
            chunk = chunk[bounds[chunk] > best]
            if chunk.size == 0:
                break
            if padded is None:
                padded = pad_for_peaks(channel)
            peaks = oversampled_peaks(padded, chunk.astype(np.int64) * _BLOCK)
            best = max(best, float(peaks.max()))
    return best


def true_peak_dbtp(audio: AudioBuffer) -> float:
    """True peak in dBTP: the 4×-oversampled sample peak (BS.1770-4 Annex 2); ``-inf`` for silence."""
    peak = true_peak_linear(audio.samples)
    return 20 * math.log10(peak) if peak > 0 else float("-inf")
