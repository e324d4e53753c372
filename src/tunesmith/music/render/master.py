"""Mastering: tone, glue, width, then loudness to a target with a true-peak ceiling.

Chain: level the mix to a working RMS → low shelf (``low_end_db``), high shelf
(``brightness_db``) and, for lo-fi songs, a low-pass (16 kHz → 7 kHz as ``lofi`` goes 0 → 1) →
bus compressor (``compression`` 0–1 sets threshold and ratio) → mid/side width → gain to the
loudness target → a look-ahead **true-peak limiter**.

The limiter computes the gain each 64-sample block needs so that its 4×-oversampled peak stays
under the ceiling, spreads it backwards over the attack time (look-ahead, so peaks are caught
before they happen) and lets it recover with an exponential release. Because limiting lowers the
loudness, gain and limiting are iterated (at block rate) until the estimated integrated loudness
is within 0.05 LU of the target; the result's true peak is then measured exactly and the ceiling
lowered and the loop rerun if needed; a final trim guarantees the ceiling.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pedalboard as pb
from pedalboard import Pedalboard  # type: ignore[attr-defined]
from scipy.ndimage import minimum_filter1d
from scipy.signal import lfilter

from tunesmith.errors import InvalidParameter
from tunesmith.music.analyze.loudness import (
    block_peak_bounds,
    gated_lufs,
    gating_blocks,
    oversampled_peaks,
    pad_for_peaks,
    true_peak_dbtp,
    weighted_energy,
)
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.score import MixSettings

_BLOCK = 64
_WORKING_RMS_DBFS = -20.0
_ESTIMATE_TOLERANCE_LU = 0.05
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
    (normally ±0.1) and true peak ≤ ``ceiling_dbtp`` (4× oversampled, BS.1770-4).
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
    rms = float(np.sqrt(np.mean(np.square(x[:, ::4], dtype=np.float64))))  # every 4th frame suffices
    if rms < 1e-7:
        return AudioBuffer(np.zeros_like(x), rate)
    x *= np.float32(10 ** (_WORKING_RMS_DBFS / 20) / rms)
    x = _tone_and_glue(x, rate, settings, quality)
    x = _width(x, settings.width)
    return AudioBuffer(_loudness_and_limit(x, rate, target_lufs, ceiling_dbtp), rate)


def _tone_and_glue(
    x: np.ndarray[Any, Any], rate: int, settings: MixSettings, quality: str
) -> np.ndarray[Any, Any]:
    plugins: list[Any] = []
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
        if settings.lofi > 0.05:  # song-wide lo-fi: a darker top end (tracks carry their own "lofi")
            plugins.append(
                pb.LowpassFilter(cutoff_frequency_hz=16000.0 - 9000.0 * float(np.clip(settings.lofi, 0, 1)))
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
    if not plugins:
        return x
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


class _BlockPeaks:
    """Per 64-frame block, the 4×-oversampled peak of ``x`` (max over channels), computed lazily.

    Scaling ``x`` scales every peak, so one instance serves every gain the loop tries: only
    blocks whose cheap bound can reach the (scaled) ceiling are ever interpolated.
    """

    def __init__(self, x: np.ndarray[Any, Any]) -> None:
        self.x = x
        self.bounds = np.max([block_peak_bounds(channel) for channel in x], axis=0)
        self.peaks = np.zeros_like(self.bounds)  # exact where known, else 0
        self.known = np.zeros(self.bounds.shape, dtype=bool)
        self.padded: list[np.ndarray[Any, np.dtype[np.float64]]] = []

    def above(self, level: float) -> tuple[np.ndarray[Any, np.dtype[np.int64]], np.ndarray[Any, Any]]:
        """Blocks whose oversampled peak exceeds ``level`` (unscaled units) and those peaks."""
        candidates = np.nonzero(self.bounds > level)[0]
        todo = candidates[~self.known[candidates]]
        if todo.size:
            if not self.padded:
                self.padded = [pad_for_peaks(channel) for channel in self.x]
            for start in range(0, todo.size, 8192):
                chunk = todo[start : start + 8192].astype(np.int64)
                peaks = np.max(
                    [oversampled_peaks(p, chunk * _BLOCK).max(axis=1) for p in self.padded], axis=0
                )
                self.peaks[chunk] = peaks
                self.known[chunk] = True
        hits = candidates[self.peaks[candidates] > level]
        return hits.astype(np.int64), self.peaks[hits]


def _loudness_and_limit(
    x: np.ndarray[Any, Any], rate: int, target_lufs: float, ceiling_dbtp: float
) -> np.ndarray[Any, Any]:
    """Gain + true-peak limiting until loudness and ceiling both hold (see the module docstring).

    The inner loop works at block rate: it estimates the loudness of ``gain × limiter × x`` from
    the K-weighted energy of ``x`` per block (computed once; the limiter gain varies slowly, so it
    commutes with the K-weighting to within a few hundredths of a LU; the tests check the result
    with pyloudnorm). Each outer pass renders the result and measures its true peak exactly,
    lowering the limiter's ceiling when interpolation pushed a peak over.
    """
    frames = x.shape[1]
    blocks = -(-frames // _BLOCK)
    energy = weighted_energy(AudioBuffer(x, rate))
    padded_energy = np.zeros(blocks * _BLOCK)
    padded_energy[:frames] = energy
    block_energy = padded_energy.reshape(blocks, _BLOCK).sum(axis=1)
    loudness = gated_lufs(gating_blocks(energy, rate))
    peaks = _BlockPeaks(x)
    # audio shorter than one 400 ms gating block has no integrated loudness: keep the working
    # level and only enforce the ceiling
    gain_db = target_lufs - loudness if math.isfinite(loudness) else 0.0
    margin_db = 0.25
    y = x
    true_peak = float("inf")
    for _ in range(4):
        ceiling = 10 ** ((ceiling_dbtp - margin_db) / 20)
        block_gain = np.ones(blocks)
        scale = 1.0
        for _ in range(_MAX_ITERATIONS):
            scale = 10 ** (gain_db / 20)
            hits, hit_peaks = peaks.above(ceiling / scale)
            block_gain = _smooth_gain(hits, ceiling / (scale * hit_peaks), blocks, rate)
            estimate = _block_lufs(block_energy * np.square(block_gain * scale), rate)
            if (
                not math.isfinite(estimate)
                or abs(estimate - target_lufs) <= _ESTIMATE_TOLERANCE_LU
                or gain_db > 60
            ):
                break
            gain_db += target_lufs - estimate
        y = x * _expand(block_gain * scale, frames)[np.newaxis, :]
        true_peak = true_peak_dbtp(AudioBuffer(y, rate))
        if true_peak <= ceiling_dbtp - 0.02:
            break
        margin_db += true_peak - (ceiling_dbtp - 0.02) + 0.05
    if true_peak > ceiling_dbtp - 0.02:
        y = y * np.float32(10 ** ((ceiling_dbtp - 0.05 - true_peak) / 20))
    return np.ascontiguousarray(y, dtype=np.float32)


def _block_lufs(block_energy: np.ndarray[Any, Any], rate: int) -> float:
    """BS.1770 gating over per-block energies (gating-block edges rounded to 64 frames)."""
    cumulative = np.concatenate([[0.0], np.cumsum(block_energy)])
    frames = block_energy.shape[0] * _BLOCK
    count = round((frames / rate - 0.4) / 0.1) + 1
    if count < 1:
        return float("-inf")
    j = np.arange(count)
    lower = np.round(0.1 * j * rate / _BLOCK).astype(np.int64)
    upper = np.minimum(np.round((0.1 * j + 0.4) * rate / _BLOCK).astype(np.int64), block_energy.shape[0])
    return gated_lufs((cumulative[upper] - cumulative[lower]) / (0.4 * rate))


def _smooth_gain(
    hits: np.ndarray[Any, np.dtype[np.int64]],
    hit_gain: np.ndarray[Any, Any],
    blocks: int,
    rate: int,
    *,
    attack_s: float = 0.003,
    release_s: float = 0.08,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Per-block limiter gain: ≤ the requirement of the block and its neighbours, with
    look-ahead attack (spread back over ``attack_s``) and exponential release."""
    gain = np.ones(blocks, dtype=np.float64)
    if hits.size == 0:
        return gain
    required = np.ones(blocks, dtype=np.float64)
    required[hits] = np.minimum(1.0, hit_gain)
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
    result: np.ndarray[Any, np.dtype[np.float64]] = np.minimum(smooth, 1.0)
    return result


def _expand(block_gain: np.ndarray[Any, Any], frames: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Per-frame gain: linear interpolation between block centres (flat before the first and
    after the last centre)."""
    blocks = block_gain.shape[0]
    g = block_gain.astype(np.float32)
    to_next = np.concatenate([g[1:], g[-1:]]) - g
    to_prev = np.concatenate([g[:1], g[:-1]]) - g
    offset = (np.arange(_BLOCK, dtype=np.float32) - (_BLOCK - 1) / 2) / _BLOCK  # −0.49 … +0.49
    curve = np.multiply.outer(to_next, np.maximum(offset, 0))
    curve += np.multiply.outer(to_prev, np.maximum(-offset, 0))
    curve += g[:, np.newaxis]
    result: np.ndarray[Any, np.dtype[np.float32]] = curve.reshape(blocks * _BLOCK)[:frames]
    return result


def limit(x: np.ndarray[Any, Any], rate: int, *, ceiling_linear: float) -> np.ndarray[Any, Any]:
    """``x`` ([channels, frames]) through the look-ahead true-peak limiter at ``ceiling_linear``."""
    frames = x.shape[1]
    blocks = -(-frames // _BLOCK)
    hits, hit_peaks = _BlockPeaks(x).above(ceiling_linear)
    if hits.size == 0:
        return x
    gain = _expand(_smooth_gain(hits, ceiling_linear / hit_peaks, blocks, rate), frames)
    result: np.ndarray[Any, Any] = x * gain[np.newaxis, :]
    return result


def _chain(plugins: list[Any]) -> Callable[[np.ndarray[Any, Any], int], np.ndarray[Any, Any]]:
    """A ``pedalboard.Pedalboard`` of ``plugins`` (processes block by block: cache friendly)."""
    board = Pedalboard(plugins)

    def run(x: np.ndarray[Any, Any], rate: int) -> np.ndarray[Any, Any]:
        return np.asarray(board(x, rate), dtype=np.float32)

    return run
