"""The vocal chain: EQ, de-essing, compression, reverb (pedalboard), stereo placement."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pedalboard as pb

__all__ = ["vocal_chain"]

FloatArray = npt.NDArray[np.float64]


def _smooth(x: FloatArray, width: int) -> FloatArray:
    width = max(1, width)
    cumulative = np.cumsum(np.concatenate([[0.0], x]))
    out = (cumulative[width:] - cumulative[:-width]) / width
    result: FloatArray = np.concatenate([np.full(width - 1, out[0] if out.size else 0.0), out])
    return result


def _de_ess(x: FloatArray, fs: int) -> FloatArray:
    """Attenuate the > 5 kHz band where it dominates the signal (sibilants), up to −10 dB."""
    high = pb.Pedalboard([pb.HighpassFilter(cutoff_frequency_hz=min(5000.0, fs * 0.4))])(  # type: ignore[attr-defined]
        x.astype(np.float32)[None, :], fs
    )[0].astype(np.float64)
    width = max(1, int(0.005 * fs))
    ratio = _smooth(np.abs(high), width) / (_smooth(np.abs(x), width) + 1e-9)
    gain = np.clip(0.45 / np.maximum(ratio, 1e-9), 0.32, 1.0)
    result: FloatArray = x - high * (1.0 - gain)
    return result


def vocal_chain(mono: FloatArray, fs: int, *, backing: bool) -> npt.NDArray[np.float32]:
    """Process a dry mono vocal into a stereo ``[2, frames]`` float32 stem (peak ≤ −3 dBFS).

    Lead: centred. Backing: darker, more reverb, widened by a 14 ms doubled copy on the right.
    """
    if mono.size == 0 or not np.any(mono):
        return np.zeros((2, mono.size), dtype=np.float32)
    x = _de_ess(mono, fs)
    board = pb.Pedalboard(  # type: ignore[attr-defined]
        [
            pb.HighpassFilter(cutoff_frequency_hz=110.0 if backing else 90.0),
            pb.PeakFilter(cutoff_frequency_hz=300.0, gain_db=-2.0, q=1.0),
            pb.PeakFilter(cutoff_frequency_hz=3000.0, gain_db=-1.0 if backing else 2.5, q=0.9),
            pb.HighShelfFilter(cutoff_frequency_hz=min(9000.0, fs * 0.4), gain_db=1.5, q=0.7),
            pb.Compressor(threshold_db=-20.0, ratio=3.0, attack_ms=5.0, release_ms=80.0),
            pb.Reverb(
                room_size=0.5 if backing else 0.35,
                wet_level=0.22 if backing else 0.14,
                dry_level=0.85,
                damping=0.6,
                width=1.0,
            ),
        ]
    )
    y = board(x.astype(np.float32)[None, :], fs)[0].astype(np.float64)
    if backing:
        delay = int(0.014 * fs)
        right = np.concatenate([np.zeros(delay), y[: y.size - delay]])
        stereo = np.stack([y, right])
    else:
        stereo = np.stack([y, y])
    peak = float(np.max(np.abs(stereo)))
    if peak > 0:
        stereo *= 0.708 / peak
    return stereo.astype(np.float32)
