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
    sung = mono != 0
    if mono.size == 0 or not sung.any():
        return np.zeros((2, frames), dtype=np.float32)
    # only the sung span (plus the reverb tail) is processed: the rest stays silent
    first = int(np.argmax(sung))
    last = min(mono.size, mono.size - int(np.argmax(sung[::-1])) + round(_TAIL_S * fs))
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
    wet = wet[: max(0, frames - offset)]
    # the right channel of the backing is a delayed copy, so the stem's peak is the mono peak
    peak = float(np.max(np.abs(wet))) if wet.size else 0.0
    if peak > 0:
        wet *= np.float32(0.708 / peak)
    stereo = np.zeros((2, frames), dtype=np.float32)
    stereo[0, offset : offset + wet.size] = wet
    delay = int(0.014 * rate) if backing else 0
    right = wet[: max(0, frames - offset - delay)]
    stereo[1, offset + delay : offset + delay + right.size] = right
    return stereo
