"""The vocal chain: EQ, compression, reverb (pedalboard), resampling, stereo placement.

De-essing happens earlier, on the analysed speech's spectral envelope (``singer._de_ess``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pedalboard as pb
import soxr

__all__ = ["vocal_chain"]

FloatArray = npt.NDArray[np.float64]
LEAD_REVERB_WET = 0.03
"""Reverb return level of the lead vocal (pedalboard Reverb wet_level). Measured PocketSphinx word
error rate on the 20 benchmark lines, 16 kHz chain output (slt / kal): wet 0.08 → 0.92 / 0.77,
0.03 → 0.87 / 0.71, 0.0 → 0.84 / 0.76, dry vocoder output 0.79 / 0.71. A little air, few words lost."""
_TAIL_S = 3.0  # reverb tail kept after the last sung sample


def vocal_chain(
    mono: FloatArray, fs: int, *, backing: bool, out_rate_hz: int | None = None
) -> npt.NDArray[np.float32]:
    """Process a dry mono vocal at ``fs`` into a stereo ``[2, frames]`` float32 stem at
    ``out_rate_hz`` (default ``fs``; resampled with soxr), peak at −3 dBFS.

    Lead: centred. Backing: darker, more reverb, widened by a 14 ms doubled copy on the right.
    All processing runs on the mono signal at ``fs``; only the result is resampled and spread.
    """
    rate = out_rate_hz or fs
    frames = round(mono.size * rate / fs)
    if mono.size == 0 or not np.any(mono):
        return np.zeros((2, frames), dtype=np.float32)
    # only the sung span (plus the reverb tail) is processed: the rest stays silent
    active = np.flatnonzero(mono)
    first, last = int(active[0]), min(mono.size, int(active[-1]) + 1 + round(_TAIL_S * fs))
    x = mono[first:last]
    board = pb.Pedalboard(  # type: ignore[attr-defined]
        [
            pb.HighpassFilter(cutoff_frequency_hz=110.0 if backing else 90.0),
            pb.PeakFilter(cutoff_frequency_hz=300.0, gain_db=-2.0, q=1.0),
            pb.PeakFilter(cutoff_frequency_hz=3000.0, gain_db=-1.0 if backing else 2.5, q=0.9),
            pb.HighShelfFilter(cutoff_frequency_hz=min(9000.0, fs * 0.4), gain_db=1.5, q=0.7),
            pb.Compressor(threshold_db=-20.0, ratio=3.0, attack_ms=5.0, release_ms=80.0),
            pb.Reverb(
                room_size=0.5 if backing else 0.35,
                wet_level=0.22 if backing else LEAD_REVERB_WET,
                dry_level=0.85,
                damping=0.6,
                width=1.0,
            ),
        ]
    )
    wet = board(x.astype(np.float32)[None, :], fs)[0]
    if rate != fs:
        wet = np.asarray(soxr.resample(wet, fs, rate, quality="HQ"), dtype=np.float32)
    offset = round(first * rate / fs)
    y = np.zeros(frames, dtype=np.float32)
    stop = min(frames, offset + wet.size)
    y[offset:stop] = wet[: stop - offset]
    if backing:
        delay = int(0.014 * rate)
        right = np.concatenate([np.zeros(delay, dtype=np.float32), y[: y.size - delay]])
        stereo = np.stack([y, right])
    else:
        stereo = np.stack([y, y])
    peak = float(np.max(np.abs(stereo)))
    if peak > 0:
        stereo *= np.float32(0.708 / peak)
    return stereo.astype(np.float32)
