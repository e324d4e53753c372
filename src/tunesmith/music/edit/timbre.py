"""Voice timbre: features measured on a vocal track, and a brightness match for a rendered vocal.

:func:`measure_timbre` describes a (separated or rendered) vocal with features a persona keeps:

- ``centroid_hz``: median spectral centroid (80 Hz–10 kHz) of the voiced frames — brightness;
- ``rolloff_hz``: median 85 % roll-off of the voiced frames' power spectra;
- ``tilt_db_per_octave``: slope of the voiced frames' mean spectrum (dB against log2 frequency,
  200 Hz–8 kHz) — how fast the voice darkens;
- ``hnr_db``: median harmonic-to-noise ratio of the voiced frames, from the normalised
  autocorrelation peak ``r`` at the pitch period (Boersma's method): ``10·log10(r / (1 − r))``;
  ``breathiness`` = ``1 / (1 + 10^(hnr/10))``, the noise share of the voice (0 clean … 1 noise);
- ``formant_f1_hz``, ``formant_f2_hz``: median first two LPC formants (order 12 at 11.025 kHz) of
  the voiced frames — an estimate (a high sung pitch biases it); ``formant_shift_semitones``:
  ``12·log2(√(F1·F2) / reference)`` against a neutral vowel of the voice's gender (male 500/1500 Hz,
  female 575/1750 Hz) — positive for a smaller (brighter, younger-sounding) vocal tract;
- ``voiced_s``: seconds of voiced frames measured.

:func:`match_brightness` tilts a vocal's spectrum (a first-order slope in dB per octave around
1 kHz, within ±6 dB/octave, level kept) so its measured centroid lands on a target centroid.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tunesmith.errors import InvalidParameter
from tunesmith.music.audio import AudioBuffer

__all__ = [
    "FORMANT_REFERENCE_HZ",
    "Timbre",
    "formant_shift_semitones",
    "match_brightness",
    "measure_timbre",
]

_RATE = 22_050
_FRAME = 2048
_HOP = 512
_GATE_DB = -30.0
"""Frames quieter than the loudest frame by more than this are not measured."""
_MIN_R = 0.3
"""A frame is voiced when its normalised autocorrelation peak (65–1000 Hz lag) reaches this."""
FORMANT_REFERENCE_HZ = {"m": (500.0, 1500.0), "f": (575.0, 1750.0)}
"""Neutral-vowel F1/F2 of each voice, the zero of ``formant_shift_semitones``."""
MAX_TILT_DB_PER_OCTAVE = 6.0

Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Timbre:
    """Timbre features of a vocal; see the module docstring for each field's meaning and unit."""

    centroid_hz: float
    rolloff_hz: float
    tilt_db_per_octave: float
    hnr_db: float
    breathiness: float
    formant_f1_hz: float | None
    formant_f2_hz: float | None
    voiced_s: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, rounded (Hz to 1 Hz, dB to 0.1 dB, shares to 0.001)."""
        out = asdict(self)
        for name, value in out.items():
            if isinstance(value, float):
                out[name] = round(value, 3 if name == "breathiness" else 1)
        return out


def formant_shift_semitones(f1_hz: float | None, f2_hz: float | None, gender: str) -> float | None:
    """``12·log2(√(F1·F2) / √(F1ref·F2ref))`` for ``gender`` ("f"/"m"); None when unknown."""
    if f1_hz is None or f2_hz is None or f1_hz <= 0 or f2_hz <= 0:
        return None
    r1, r2 = FORMANT_REFERENCE_HZ["m" if gender == "m" else "f"]
    return round(12.0 * math.log2(math.sqrt(f1_hz * f2_hz) / math.sqrt(r1 * r2)), 2)


def _frames(audio: AudioBuffer, max_s: float) -> Array:
    mono = audio.resampled(_RATE).mono() if audio.sample_rate_hz != _RATE else audio.mono()
    x = np.asarray(mono[: round(max_s * _RATE)], dtype=np.float64)
    if x.size < _FRAME:
        return np.zeros((0, _FRAME))
    count = 1 + (x.size - _FRAME) // _HOP
    index = np.arange(_FRAME)[None, :] + _HOP * np.arange(count)[:, None]
    return np.asarray(x[index], dtype=np.float64)


def _voiced(frames: Array) -> tuple[Array, Array]:
    """The voiced frames (loud enough, periodic) and their autocorrelation peaks ``r``."""
    if frames.shape[0] == 0:
        return frames, np.zeros(0)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    loud = rms > rms.max() * 10 ** (_GATE_DB / 20) if rms.max() > 0 else np.zeros(rms.size, dtype=bool)
    window = np.hanning(_FRAME)
    spec = np.fft.rfft(frames[loud] * window, n=2 * _FRAME, axis=1)
    ac = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :_FRAME]
    wac = np.fft.irfft(np.abs(np.fft.rfft(window, n=2 * _FRAME)) ** 2)[:_FRAME]
    norm = (ac / np.maximum(ac[:, :1], 1e-18)) / np.maximum(wac / wac[0], 1e-3)
    lo, hi = int(_RATE / 1000), int(_RATE / 65)
    r = np.clip(norm[:, lo:hi].max(axis=1), 0.0, 0.999)
    keep = r >= _MIN_R
    return frames[loud][keep], r[keep]


def _spectra(frames: Array) -> tuple[Array, Array]:
    window = np.hanning(_FRAME)
    mags = np.asarray(np.abs(np.fft.rfft(frames * window, axis=1)), dtype=np.float64)
    freqs = np.asarray(np.fft.rfftfreq(_FRAME, 1.0 / _RATE), dtype=np.float64)
    return mags, freqs


def _centroids(mags: Array, freqs: Array) -> Array:
    band = (freqs >= 80) & (freqs <= 10_000)
    m, f = mags[:, band], freqs[band]
    return np.asarray((m * f).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-12), dtype=np.float64)


def _formants(frames: Array) -> tuple[float | None, float | None]:
    import librosa

    f1s: list[float] = []
    f2s: list[float] = []
    rate = _RATE // 2
    step = max(1, frames.shape[0] // 200)
    for frame in frames[::step]:
        x = librosa.resample(frame, orig_sr=_RATE, target_sr=rate) * np.hamming(_FRAME // 2)
        x = np.append(x[0], x[1:] - 0.63 * x[:-1])  # pre-emphasis
        if not np.any(x):
            continue
        try:
            a = librosa.lpc(x.astype(np.float64), order=12)
        except Exception:  # a degenerate frame (FloatingPointError in the recursion)
            continue
        roots = [z for z in np.roots(a) if z.imag > 0]
        found = sorted(
            float(np.angle(z) * rate / (2 * np.pi))
            for z in roots
            if -rate / np.pi * np.log(max(abs(z), 1e-9)) < 400.0 and np.angle(z) * rate / (2 * np.pi) > 150.0
        )
        if len(found) >= 2:
            f1s.append(found[0])
            f2s.append(found[1])
    if len(f1s) < 5:
        return None, None
    return float(np.median(f1s)), float(np.median(f2s))


_TILT_RANGE_DB = 60.0
"""The spectral tilt is fitted over the bins within this many dB of the loudest one."""


def measure_timbre(vocals: AudioBuffer, *, max_s: float = 60.0) -> Timbre | None:
    """The timbre features of ``vocals`` (its first ``max_s`` seconds); None when less than 0.5 s
    of it is voiced. Deterministic; costs about a second per minute of audio."""
    if max_s <= 0:
        raise InvalidParameter("max_s should be positive.", field="max_s")
    voiced, r = _voiced(_frames(vocals, max_s))
    voiced_s = voiced.shape[0] * _HOP / _RATE
    if voiced_s < 0.5:
        return None
    mags, freqs = _spectra(voiced)
    centroid = float(np.median(_centroids(mags, freqs)))
    cumulative = np.cumsum(mags**2, axis=1)
    rolloff_bins = np.argmax(cumulative >= 0.85 * cumulative[:, -1:], axis=1)
    rolloff = float(np.median(freqs[rolloff_bins]))
    band = (freqs >= 200) & (freqs <= 8000)
    mean_db = 20 * np.log10(np.mean(mags[:, band], axis=0) + 1e-12)
    # fitted where the voice has energy: a band-limited input (a separated vocal ends near 5 kHz)
    # must not read its empty top band as a steep slope
    heard = mean_db >= mean_db.max() - _TILT_RANGE_DB
    tilt = float(np.polyfit(np.log2(freqs[band][heard]), mean_db[heard], 1)[0])
    hnr = float(np.median(10 * np.log10(r / (1 - r))))
    f1, f2 = _formants(voiced)
    return Timbre(
        centroid_hz=centroid,
        rolloff_hz=rolloff,
        tilt_db_per_octave=tilt,
        hnr_db=hnr,
        breathiness=1.0 / (1.0 + 10 ** (hnr / 10)),
        formant_f1_hz=f1,
        formant_f2_hz=f2,
        voiced_s=voiced_s,
    )


def _tilt_gain(freqs: Array, db_per_octave: float) -> Array:
    octaves = np.log2(np.maximum(freqs, 50.0) / 1000.0)
    return np.asarray(10 ** (np.clip(db_per_octave * octaves, -18.0, 18.0) / 20), dtype=np.float64)


def match_brightness(
    vocals: AudioBuffer, target_centroid_hz: float, *, max_tilt_db_per_octave: float = MAX_TILT_DB_PER_OCTAVE
) -> tuple[AudioBuffer, float]:
    """``vocals`` tilted so the median centroid of its voiced frames is ``target_centroid_hz``
    (as near as a tilt within ±``max_tilt_db_per_octave`` dB/octave around 1 kHz allows), at the
    same RMS level. Returns the audio and the tilt applied (dB/octave; 0 when nothing is voiced).
    Deterministic; the same length, rate and channels as ``vocals``."""
    if not target_centroid_hz > 0:
        raise InvalidParameter("target_centroid_hz should be positive.", field="timbre")
    voiced, _ = _voiced(_frames(vocals, 60.0))
    if voiced.shape[0] * _HOP / _RATE < 0.5:
        return vocals, 0.0
    mags, freqs = _spectra(voiced)

    def centroid(tilt: float) -> float:
        return float(np.median(_centroids(mags * _tilt_gain(freqs, tilt)[None, :], freqs)))

    lo, hi = -max_tilt_db_per_octave, max_tilt_db_per_octave
    if centroid(hi) <= target_centroid_hz:
        tilt = hi
    elif centroid(lo) >= target_centroid_hz:
        tilt = lo
    else:
        for _ in range(24):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if centroid(mid) < target_centroid_hz else (lo, mid)
        tilt = 0.5 * (lo + hi)
    x = vocals.samples.astype(np.float64)
    spectrum = np.fft.rfft(x, axis=1)
    gains = _tilt_gain(np.asarray(np.fft.rfftfreq(x.shape[1], 1.0 / vocals.sample_rate_hz), np.float64), tilt)
    y = np.fft.irfft(spectrum * gains[None, :], n=x.shape[1], axis=1)
    before, after = float(np.sqrt(np.mean(x**2))), float(np.sqrt(np.mean(y**2)))
    if after > 0:
        y *= before / after
    return AudioBuffer(np.asarray(y, dtype=np.float32), vocals.sample_rate_hz), round(tilt, 3)
