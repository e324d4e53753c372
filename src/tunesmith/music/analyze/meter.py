"""Meter and downbeats of an :class:`AudioBuffer`, from beats plus accent and harmony evidence.

Given the beats of :func:`~tunesmith.music.analyze.tempo.estimate_tempo`, every beat gets an
**accent**: the low-band onset strength around it (kick and bass land on the downbeat) plus the
chroma flux (chords change on the downbeat), each standardised over the song. For a bar of
``b`` ∈ {3, 4} beats and each phase ``p``, the contrast is the mean accent of beats ``≡ p (mod
b)`` minus the mean of the others; the bar length and phase with the largest contrast win (4/4
gets :data:`DUPLE_BIAS`, since duple meters are far more common and a 4/4 bar with strong beats
1 and 3 also shows some 3-periodicity by chance).

A beat that divides in three (the onset autocorrelation at a third of the beat beats the one at
half of it) with bars of two or four beats reads as **6/8** (two dotted-quarter beats per bar).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from tunesmith.music.analyze import tempo as _tempo
from tunesmith.music.audio import AudioBuffer

DUPLE_BIAS = 0.2
"""Added to the 4-beat bar's contrast (standard-deviation units) before comparing with 3."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MeterEstimate:
    """The result of :func:`estimate_meter`.

    - ``meter``: ``(4, 4)``, ``(3, 4)`` or ``(6, 8)`` (the Score's convention).
    - ``beats_per_bar``: analysed beats per bar (4, 3, or 2 for 6/8's dotted quarters).
    - ``downbeats_s``: bar starts in seconds (a subset of ``beats_s``).
    - ``beats_s``: the beats used (s). ``tempo_bpm``: their tempo.
    - ``confidence``: 0..1, the winning contrast's margin over the other bar length.
    """

    meter: tuple[int, int]
    beats_per_bar: int
    downbeats_s: FloatArray = field(repr=False)
    beats_s: FloatArray = field(repr=False)
    tempo_bpm: float
    confidence: float


def _at_beats(signal: FloatArray, beats_s: FloatArray, radius_s: float = 0.05) -> FloatArray:
    fps = _tempo.ANALYSIS_RATE_HZ / _tempo.HOP
    r = max(1, round(radius_s * fps))
    out = np.zeros(beats_s.size)
    for i, t in enumerate(beats_s):
        c = round(t * fps)
        lo, hi = max(0, c - r), min(signal.size, c + r + 1)
        out[i] = float(np.max(signal[lo:hi])) if hi > lo else 0.0
    return out


def _standardise(x: FloatArray) -> FloatArray:
    spread = float(np.std(x))
    out: FloatArray = (x - float(np.mean(x))) / spread if spread > 1e-12 else np.zeros_like(x)
    return out


def _harmonic_change_at_beats(features: _tempo._OnsetFeatures, beats_s: FloatArray) -> FloatArray:
    """Chroma-flux summed over the half beat after each beat minus the half beat before (a
    chord change *at* the beat scores high)."""
    fps = _tempo.ANALYSIS_RATE_HZ / _tempo.HOP
    h = features.harmonic
    period = float(np.median(np.diff(beats_s))) if beats_s.size > 1 else 0.5
    half = max(1, round(0.4 * period * fps))
    out = np.zeros(beats_s.size)
    for i, t in enumerate(beats_s):
        c = round(t * fps)
        out[i] = float(np.sum(h[max(0, c - 2) : min(h.size, c + half)]))
    return out


def _beat_chroma_change(audio: AudioBuffer, beats_s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Per beat: the cosine distance between the mean chroma of the beat (its span up to the
    next beat) and of the previous beat, for the full spectrum and for the bass (≤ 300 Hz).

    Chords and bass roots change on the downbeat; averaging over the whole beat makes the
    measure robust to anticipations (a chord pushed to the "and" of 4) and to onset smear.
    """
    import librosa

    from tunesmith.music.analyze.downmix import mono_at

    rate, hop = _tempo.ANALYSIS_RATE_HZ, 512
    y = mono_at(audio, rate)
    power = np.abs(librosa.stft(y, n_fft=4096, hop_length=hop)) ** 2
    freqs = librosa.fft_frequencies(sr=rate, n_fft=4096)
    chroma = librosa.feature.chroma_stft(S=power, sr=rate, tuning=0.0)
    bass = librosa.feature.chroma_stft(S=power * (freqs <= 300.0)[:, None], sr=rate, tuning=0.0)
    frames = np.clip(librosa.time_to_frames(beats_s, sr=rate, hop_length=hop), 0, power.shape[1] - 1)
    step = int(np.median(np.diff(frames))) if frames.size > 1 else 1
    bounds = np.concatenate([frames, [min(power.shape[1], int(frames[-1]) + max(1, step))]])

    def change(x: npt.NDArray[np.floating]) -> FloatArray:
        synced = np.stack(
            [x[:, bounds[i] : max(bounds[i] + 1, bounds[i + 1])].mean(axis=1) for i in range(frames.size)],
            axis=1,
        )
        unit = synced / (np.linalg.norm(synced, axis=0, keepdims=True) + 1e-9)
        out = np.zeros(frames.size)
        out[1:] = 1.0 - np.sum(unit[:, 1:] * unit[:, :-1], axis=0)
        out[0] = float(np.median(out[1:])) if frames.size > 1 else 0.0
        return out

    return change(chroma), change(bass)


def _best_phase(accent: FloatArray, bar: int) -> tuple[float, int]:
    best, phase = -np.inf, 0
    for p in range(bar):
        on = accent[p::bar]
        mask = np.ones(accent.size, dtype=bool)
        mask[p::bar] = False
        if on.size == 0 or not np.any(mask):
            continue
        contrast = float(np.mean(on) - np.mean(accent[mask]))
        if contrast > best:
            best, phase = contrast, p
    return best, phase


def estimate_meter(audio: AudioBuffer, *, tempo: _tempo.TempoEstimate | None = None) -> MeterEstimate:
    """Meter, downbeats (s) and beats (s) of ``audio`` (any rate/channels; deterministic).

    ``tempo`` reuses an earlier :func:`~tunesmith.music.analyze.tempo.estimate_tempo` result.
    Without a pulse (fewer than 6 beats) the answer is 4/4 with no downbeats and confidence 0.
    """
    est = tempo if tempo is not None else _tempo.estimate_tempo(audio)
    beats = est.beats_s
    if beats.size < 6:
        return MeterEstimate((4, 4), 4, np.zeros(0), beats, est.tempo_bpm, 0.0)
    features = _tempo._onset_features(audio)
    chord_change, bass_change = _beat_chroma_change(audio, beats)
    phase_accent = _standardise(chord_change) + _standardise(bass_change)
    accent = (
        _standardise(_at_beats(features.low, beats))
        + _standardise(_harmonic_change_at_beats(features, beats))
        + phase_accent
    )
    three = _best_phase(accent, 3)[0]
    four = _best_phase(accent, 4)[0]
    phase3 = _best_phase(phase_accent, 3)[1]
    phase4 = _best_phase(phase_accent, 4)[1]
    four += DUPLE_BIAS
    ternary = _is_ternary(features.envelope, beats)
    if three > four:
        meter, bar, phase, margin = (3, 4), 3, phase3, three - four
    else:
        meter, bar, phase, margin = (4, 4), 4, phase4, four - three
    if ternary and bar == 4:
        two, phase2 = _best_phase(phase_accent, 2)
        meter, bar, phase = (6, 8), 2, phase2 if two > 0 else phase4 % 2
    downbeats = beats[phase::bar]
    return MeterEstimate(
        meter, bar, downbeats, beats, est.tempo_bpm, round(float(np.clip(margin, 0.0, 1.0)), 4)
    )


def _is_ternary(envelope: FloatArray, beats_s: FloatArray) -> bool:
    """True when the beat divides in three: the onset autocorrelation peak at a third of the
    beat period is clearly above the one at a half (and is a real pulse)."""
    fps = _tempo.ANALYSIS_RATE_HZ / _tempo.HOP
    period = float(np.median(np.diff(beats_s))) * fps
    ac = _tempo._autocorrelation(envelope, min(envelope.size - 2, int(period * 1.2) + 2))
    third = _tempo._positive_peak(ac, period / 3) + _tempo._positive_peak(ac, 2 * period / 3)
    half = _tempo._positive_peak(ac, period / 2)
    return bool(third / 2 > 0.2 and third / 2 > 1.5 * half)
