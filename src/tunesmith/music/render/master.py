"""Mastering: tone, glue, width, then loudness to a target with a true-peak ceiling.

Chain: level the mix to a working RMS → high-pass 25 Hz, low shelf (``low_end_db``) and high
shelf (``brightness_db``) → bus compressor (``compression`` 0–1 sets threshold and ratio) →
mid/side width → gain to the loudness target → a look-ahead **true-peak limiter**.

The limiter computes the gain each 64-sample block needs so that its 4×-oversampled peak stays
under the ceiling, spreads it backwards over the attack time (look-ahead, so peaks are caught
before they happen) and lets it recover with an exponential release. Because limiting lowers the
loudness, gain and limiting are iterated until the integrated loudness is within 0.15 LU of the
target and the true peak is below the ceiling; a final trim guarantees the ceiling.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pedalboard as pb
from scipy.ndimage import minimum_filter1d
from scipy.signal import lfilter

from tunesmith.errors import InvalidParameter
from tunesmith.music.analyze.loudness import (
    block_peak_bounds,
    gated_lufs,
    gating_blocks,
    integrated_lufs,
    oversampled_peaks,
    pad_for_peaks,
    true_peak_dbtp,
    weighted_energy,
)
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.score import MixSettings

_BLOCK = 64
_WORKING_RMS_DBFS = -20.0
_LOUDNESS_TOLERANCE_LU = 0.15
_MAX_ITERATIONS = 8


def master(
    mix: AudioBuffer,
    settings: MixSettings,
    *,
    quality: str = "standard",
    target_lufs: float = -14.0,
    ceiling_dbtp: float = -1.0,
) -> AudioBuffer:
    """The mastered stereo version of ``mix``: same rate and frame count.

    Guarantees (for non-silent input): integrated loudness within ±0.5 LU of ``target_lufs``
    (normally ±0.15) and true peak ≤ ``ceiling_dbtp`` (4× oversampled, BS.1770-4).
    ``quality="draft"`` skips the tone EQ and the bus compressor. Deterministic.
    """
    if quality not in ("draft", "standard", "high"):
        raise InvalidParameter("quality must be one of draft, standard, high.", field="quality")
    if not -40.0 <= target_lufs <= 0.0:
        raise InvalidParameter("target_lufs must be between -40 and 0.", field="target_lufs")
    if not -20.0 <= ceiling_dbtp <= 0.0:
        raise InvalidParameter("ceiling_dbtp must be between -20 and 0.", field="ceiling_dbtp")
    rate = mix.sample_rate_hz
    x = np.array(mix.to_stereo().samples, dtype=np.float32, copy=True)
    if x.shape[1] == 0:
        return AudioBuffer(x, rate)
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    if rms < 1e-7:
        return AudioBuffer(np.zeros_like(x), rate)
    x *= np.float32(10 ** (_WORKING_RMS_DBFS / 20) / rms)
    x = _tone_and_glue(x, rate, settings, quality)
    x = _width(x, settings.width)
    return AudioBuffer(_loudness_and_limit(x, rate, target_lufs, ceiling_dbtp), rate)


def _tone_and_glue(
    x: np.ndarray[Any, Any], rate: int, settings: MixSettings, quality: str
) -> np.ndarray[Any, Any]:
    plugins: list[Any] = [pb.HighpassFilter(25.0)]
    if quality != "draft":
        if abs(settings.low_end_db) > 0.05:
            plugins.append(
                pb.LowShelfFilter(
                    cutoff_frequency_hz=110.0, gain_db=float(np.clip(settings.low_end_db, -12, 12))
                )
            )
        if abs(settings.brightness_db) > 0.05:
            plugins.append(
                pb.HighShelfFilter(
                    cutoff_frequency_hz=8000.0, gain_db=float(np.clip(settings.brightness_db, -12, 12))
                )
            )
        amount = float(np.clip(settings.compression, 0.0, 1.0))
        if amount > 0.02:
            plugins.append(
                pb.Compressor(
                    threshold_db=-12.0 - 8.0 * amount,
                    ratio=1.5 + 2.5 * amount,
                    attack_ms=20.0,
                    release_ms=200.0,
                )
            )
    result: np.ndarray[Any, Any] = _chain(plugins)(x, rate)
    return result


def _width(x: np.ndarray[Any, Any], width: float) -> np.ndarray[Any, Any]:
    """Scale the side signal by ``width`` (0 = mono, 1 = unchanged, 1.5 = wider)."""
    width = float(np.clip(width, 0.0, 1.5))
    if abs(width - 1.0) < 1e-3:
        return x
    mid = (x[0] + x[1]) * np.float32(0.5)
    side = (x[0] - x[1]) * np.float32(0.5 * width)
    return np.stack([mid + side, mid - side]).astype(np.float32)


def _loudness_and_limit(
    x: np.ndarray[Any, Any], rate: int, target_lufs: float, ceiling_dbtp: float
) -> np.ndarray[Any, Any]:
    """Gain + true-peak limiting until loudness and ceiling both hold (see the module docstring).

    Inner iterations estimate the loudness of ``gain × limiter_gain × x`` from the K-weighted
    energy of ``x`` computed once (the limiter gain varies slowly, so it commutes with the
    K-weighting to within a few hundredths of a LU); each outer pass then measures exactly.
    """
    energy = weighted_energy(AudioBuffer(x, rate))
    loudness = gated_lufs(gating_blocks(energy, rate))
    if not math.isfinite(loudness):
        return x
    gain_db = target_lufs - loudness
    margin_db = 0.25
    y = x
    scale = 1.0
    gain: np.ndarray[Any, np.dtype[np.float32]] | None = None
    true_peak = float("inf")
    for _ in range(4):
        ceiling = 10 ** ((ceiling_dbtp - margin_db) / 20)
        for _ in range(_MAX_ITERATIONS):
            scale = 10 ** (gain_db / 20)
            gain = limiter_gain(x * np.float32(scale), rate, ceiling_linear=ceiling)
            curve = (
                energy * (scale * scale)
                if gain is None
                else energy * np.square(gain * scale, dtype=np.float64)
            )
            estimate = gated_lufs(gating_blocks(curve, rate))
            if abs(estimate - target_lufs) <= 0.05 or gain_db > 60:
                break
            gain_db += target_lufs - estimate
        y = x * np.float32(scale)
        if gain is not None:
            y *= gain[np.newaxis, :]
        true_peak = true_peak_dbtp(AudioBuffer(y, rate))
        if true_peak > ceiling_dbtp - 0.02:
            margin_db += true_peak - (ceiling_dbtp - 0.02) + 0.05
            continue
        loudness = integrated_lufs(AudioBuffer(y, rate))
        if abs(loudness - target_lufs) <= _LOUDNESS_TOLERANCE_LU:
            break
        gain_db = 20 * math.log10(scale) + target_lufs - loudness
    if true_peak > ceiling_dbtp - 0.02:
        y = y * np.float32(10 ** ((ceiling_dbtp - 0.05 - true_peak) / 20))
    return np.ascontiguousarray(y, dtype=np.float32)


def limit(x: np.ndarray[Any, Any], rate: int, *, ceiling_linear: float) -> np.ndarray[Any, Any]:
    """``x`` ([channels, frames]) through the look-ahead true-peak limiter (see :func:`limiter_gain`)."""
    gain = limiter_gain(x, rate, ceiling_linear=ceiling_linear)
    if gain is None:
        return x
    result: np.ndarray[Any, Any] = x * gain[np.newaxis, :]
    return result


def limiter_gain(
    x: np.ndarray[Any, Any],
    rate: int,
    *,
    ceiling_linear: float,
    attack_s: float = 0.003,
    release_s: float = 0.08,
) -> np.ndarray[Any, np.dtype[np.float32]] | None:
    """Per-frame gain (float32, ≤ 1) that limits ``x`` to ``ceiling_linear``; ``None`` if none needed.

    The gain never exceeds the block-wise requirement (oversampled peaks), so the limited
    signal's true peak is at the ceiling up to the small effect of the gain curve on
    interpolation (the caller keeps a margin and re-measures).
    """
    frames = x.shape[1]
    blocks = -(-frames // _BLOCK)
    required = np.ones(blocks, dtype=np.float64)
    for channel in x:
        candidates = np.nonzero(block_peak_bounds(channel) > ceiling_linear)[0]
        if candidates.size == 0:
            continue
        padded = pad_for_peaks(channel)
        for start in range(0, candidates.size, 8192):
            chunk = candidates[start : start + 8192].astype(np.int64)
            peaks = oversampled_peaks(padded, chunk * _BLOCK).max(axis=1)
            np.minimum.at(required, chunk, np.minimum(1.0, ceiling_linear / np.maximum(peaks, 1e-12)))
    if required.min() >= 1.0:
        return None
    needed = required.copy()
    needed[1:] = np.minimum(needed[1:], required[:-1])
    needed[:-1] = np.minimum(needed[:-1], required[1:])
    window = max(1, round(attack_s * rate / _BLOCK))
    held = minimum_filter1d(needed, size=2 * window + 1, mode="nearest")
    coefficient = math.exp(-_BLOCK / (release_s * rate))
    released = lfilter([1 - coefficient], [1, -coefficient], held - 1.0) + 1.0
    released = np.minimum(released, held)
    cumulative = np.concatenate([[0.0], np.cumsum(np.concatenate([np.ones(window), released]))])
    smooth = (cumulative[window + 1 :] - cumulative[:blocks]) / (window + 1)  # trailing mean
    smooth = np.minimum(smooth, 1.0)
    centres = np.arange(blocks) * _BLOCK + (_BLOCK - 1) / 2
    gain: np.ndarray[Any, np.dtype[np.float32]] = np.interp(np.arange(frames), centres, smooth).astype(
        np.float32
    )
    return gain


def _chain(plugins: list[Any]) -> Callable[[np.ndarray[Any, Any], int], np.ndarray[Any, Any]]:
    """Apply pedalboard plugins in order (what ``pedalboard.Pedalboard`` does)."""

    def run(x: np.ndarray[Any, Any], rate: int) -> np.ndarray[Any, Any]:
        for plugin in plugins:
            x = np.asarray(plugin(x, rate), dtype=np.float32)
        return x

    return run
