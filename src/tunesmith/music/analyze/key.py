"""Key and mode of an :class:`AudioBuffer`, from chroma and key profiles.

Method: a constant-Q transform of the mono downmix at 11 025 Hz (C1–B7, three bins per
semitone, 186 ms hop), log-compressed, with each frame's floor (the broadband part drums add)
removed, folded into two 12-bin chroma vectors: *bass* (below :data:`BASS_SPLIT_HZ`) and *treble*.
Each of the 24 major/minor keys scores the Pearson correlation of the treble chroma with its
rotated key profile, plus :data:`BASS_WEIGHT` × the same correlation of the bass chroma (the
bass line states the tonic), divided by ``1 + BASS_WEIGHT``. The best score wins.

The profiles count *notes*, the chroma counts *partials*: a played note also sounds its octaves,
its twelfth (a fifth up) and its seventeenth (a major third up). Matched raw, every key therefore
looks like its dominant (the tonic's twelfth is the dominant's root) — on Bach chorales rendered
through General MIDI most errors were the dominant key. So each profile is first spread over the
partials a note of its pitch class puts into the chroma (:func:`harmonic_profile`: harmonics 1 to
:data:`HARMONICS`, amplitude :data:`HARMONIC_DECAY` ^ (h − 1)), the harmonic pitch class profile
of Gómez (2006).

Profiles (:data:`PROFILES`): Krumhansl–Kessler probe-tone ratings, Temperley's Kostka–Payne
corpus profile, and Albrecht–Shanahan's; :data:`DEFAULT_PROFILE` is the one that measured best
on :func:`tunesmith.music.analyze.evalset.key_cases` (see ``bench/bench_analysis.py``) and on the
rendered Bach chorales of ``bench/eval_analysis.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from tunesmith.music.audio import AudioBuffer
from tunesmith.music.theory.keys import Key

ANALYSIS_RATE_HZ = 11_025
"""Key analysis runs on a mono downmix at this rate (Hz); harmony lives well below 5 kHz."""

HOP = 2048
"""CQT hop in samples at :data:`ANALYSIS_RATE_HZ` (≈ 186 ms)."""

BASS_SPLIT_HZ = 180.0
"""CQT bins below this frequency (Hz) form the bass chroma."""

BASS_WEIGHT = 0.25
"""Weight of the bass chroma's key correlation relative to the treble chroma's.

Measured with the harmonic profiles (mean ``mir_eval`` weighted key score over three seeded sets
of 40 rendered Bach chorales, 30 s each, and exact / exact-or-relative on the 16
:func:`~tunesmith.music.analyze.evalset.key_cases`): weight 0: 0.904, 11/15; 0.25: 0.918, 12/15;
0.5: 0.898, 12/15. More than that and bass lines that walk root–fifth pull towards the dominant."""

HARMONICS = 6
"""Harmonics (1 = the fundamental) a note is assumed to put into the chroma."""

HARMONIC_DECAY = 0.6
"""Amplitude of harmonic h relative to the fundamental: ``HARMONIC_DECAY ** (h - 1)`` (log-CQT
chroma of piano, organ, strings, guitar). Measured on the chorales above (bass weight 0.25):
0.5 → 0.913, 0.6 → 0.918, 0.7 → 0.918; without harmonics 0.865 (0.825 without the bass either)."""

ProfileName = Literal["krumhansl", "temperley", "albrecht"]
KeyMatch = Literal["exact", "relative", "fifth", "parallel", "wrong"]

PROFILES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    # (major, minor), index 0 = tonic.
    "krumhansl": (
        (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88),
        (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17),
    ),
    "temperley": (
        (0.748, 0.060, 0.488, 0.082, 0.670, 0.460, 0.096, 0.715, 0.104, 0.366, 0.057, 0.400),
        (0.712, 0.084, 0.474, 0.618, 0.049, 0.460, 0.105, 0.747, 0.404, 0.067, 0.133, 0.330),
    ),
    "albrecht": (
        (0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081),
        (0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052),
    ),
}

DEFAULT_PROFILE: ProfileName = "albrecht"
"""Exact / exact-or-relative on the 16 key cases with the raw profiles and no bass term:
Albrecht–Shanahan 13/16, 16/16; Temperley 11/16, 16/16; Krumhansl–Kessler 10/16, 13/16. With the
harmonic profiles and the bass term: Albrecht–Shanahan 12/16, 15/16 (0.918 on the chorales);
Temperley 10/16, 16/16 (0.895)."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class KeyEstimate:
    """The result of :func:`estimate_key`.

    - ``tonic_pc``: 0 = C … 11 = B;  ``mode``: ``"major"`` or ``"minor"``.
    - ``name``: as :attr:`tunesmith.music.theory.keys.Key.name` (``"Bb major"``, ``"F# minor"``).
    - ``confidence``: 0..1, the margin of the best correlation over the runner-up that is not
      its relative key, scaled (``min(1, 4 × margin)``) — 0 for silence or noise.
    - ``scores``: the score (−1..1, see :func:`estimate_key`) of every key, by name, 24 entries.
    - ``chroma``: the song's treble 12-bin pitch-class profile (C first), normalised to unit sum.
    """

    tonic_pc: int
    mode: Literal["major", "minor"]
    name: str
    confidence: float
    scores: dict[str, float]
    chroma: tuple[float, ...]

    @property
    def key(self) -> Key:
        return Key(self.tonic_pc, self.mode)


def song_chroma(audio: AudioBuffer) -> tuple[FloatArray, FloatArray]:
    """(treble, bass) 12-bin chroma of ``audio``, each summed over time and normalised to unit sum.

    Zero vectors for silence.
    """
    import librosa

    from tunesmith.music.analyze.downmix import mono_at

    y = mono_at(audio, ANALYSIS_RATE_HZ)
    if y.size < HOP or float(np.max(np.abs(y))) < 1e-5:
        return np.zeros(12), np.zeros(12)
    bins_per_octave = 36
    fmin = float(librosa.note_to_hz("C1"))
    n_bins = bins_per_octave * 7
    cqt = np.abs(
        librosa.cqt(
            y, sr=ANALYSIS_RATE_HZ, hop_length=HOP, fmin=fmin, n_bins=n_bins, bins_per_octave=bins_per_octave
        )
    )
    spec = np.log1p(100.0 * cqt / max(1e-9, float(np.max(cqt))))
    # Remove each frame's broadband floor (drums, noise): keep what stands above its median.
    spec = np.maximum(0.0, spec - np.median(spec, axis=0, keepdims=True))
    energy = spec.sum(axis=1)  # per CQT bin, summed over time
    freqs = fmin * 2.0 ** (np.arange(n_bins) / bins_per_octave)
    # Bin k sits k/3 semitones above C1: bins 3p-1, 3p, 3p+1 straddle pitch class p.
    pcs = ((np.arange(n_bins) + 1) // 3) % 12
    energy = energy.astype(np.float64)
    bass_mask = freqs < BASS_SPLIT_HZ
    treble = np.bincount(pcs[~bass_mask], weights=energy[~bass_mask], minlength=12).astype(np.float64)
    bass = np.bincount(pcs[bass_mask], weights=energy[bass_mask], minlength=12).astype(np.float64)
    return _unit_sum(treble), _unit_sum(bass)


def _unit_sum(v: FloatArray) -> FloatArray:
    total = float(np.sum(v))
    out: FloatArray = v / total if total > 0 else np.zeros_like(v, dtype=np.float64)
    return out


def harmonic_profile(
    profile: npt.ArrayLike, *, harmonics: int = HARMONICS, decay: float = HARMONIC_DECAY
) -> FloatArray:
    """The chroma that notes weighted by ``profile`` (12 values, index 0 = tonic) produce when each
    also sounds harmonics 2..``harmonics`` at amplitude ``decay ** (h - 1)``: harmonic h lands
    ``round(12 · log2 h)`` semitones up (h = 2, 4: the octave; 3, 6: the fifth; 5: the major third).
    ``harmonics=1`` returns the profile itself."""
    notes = np.asarray(profile, dtype=np.float64)
    out = np.zeros(12, dtype=np.float64)
    for h in range(1, harmonics + 1):
        out += decay ** (h - 1) * np.roll(notes, round(12.0 * np.log2(h)) % 12)
    return out


def key_scores(
    chroma: FloatArray, profile: ProfileName = DEFAULT_PROFILE, *, harmonics: int = HARMONICS
) -> dict[tuple[int, str], float]:
    """Pearson correlation of ``chroma`` with every rotated major/minor ``profile``, each spread
    over ``harmonics`` harmonics by :func:`harmonic_profile` (``harmonics=1``: the raw profile).
    All zeros for a flat (or silent) chroma."""
    if profile not in PROFILES:
        from tunesmith.errors import InvalidParameter

        raise InvalidParameter(f"Unknown key profile '{profile}'.", field="profile")
    major, minor = (harmonic_profile(p, harmonics=harmonics) for p in PROFILES[profile])
    scores: dict[tuple[int, str], float] = {}
    flat = float(np.std(chroma)) < 1e-12
    for tonic in range(12):
        for mode, prof in (("major", major), ("minor", minor)):
            rotated = np.roll(prof, tonic)
            scores[(tonic, mode)] = 0.0 if flat else float(np.corrcoef(chroma, rotated)[0, 1])
    return scores


def estimate_key(audio: AudioBuffer, *, profile: ProfileName = DEFAULT_PROFILE) -> KeyEstimate:
    """The most likely major or minor key of ``audio`` (any rate or channel count; deterministic).

    Score of a key: (treble correlation + :data:`BASS_WEIGHT` × bass correlation) / (1 +
    :data:`BASS_WEIGHT`), see :func:`key_scores`; a silent bass scores 0 for every key. Silence
    gives C major with confidence 0. About 0.16 s for 3 minutes of 44.1 kHz stereo audio
    (measured 2026-11-26, downmix included).
    """
    treble, bass = song_chroma(audio)
    treble_scores = key_scores(treble, profile)
    bass_scores = key_scores(bass, profile)
    scores = {
        k: (treble_scores[k] + BASS_WEIGHT * bass_scores[k]) / (1.0 + BASS_WEIGHT) for k in treble_scores
    }
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    (tonic, mode), best = ranked[0]
    best_key = Key(tonic, mode)
    relative = best_key.relative()
    runner_up = next(s for (t, m), s in ranked[1:] if (t, m) != (relative.tonic_pc, relative.mode))
    confidence = float(np.clip(4.0 * (best - runner_up), 0.0, 1.0)) if best > 0 else 0.0
    return KeyEstimate(
        tonic_pc=tonic,
        mode="major" if mode == "major" else "minor",
        name=best_key.name,
        confidence=round(confidence, 4),
        scores={Key(t, m).name: round(s, 4) for (t, m), s in sorted(scores.items())},
        chroma=tuple(round(float(c), 4) for c in treble),
    )


def key_matches(estimate: KeyEstimate | Key, truth: Key) -> KeyMatch:
    """How an estimated key relates to the true one.

    ``"exact"`` same tonic and mode; ``"relative"`` the relative major/minor; ``"fifth"`` same
    mode a fifth above or below; ``"parallel"`` same tonic, other mode; else ``"wrong"``. Modal
    truths (dorian, mixolydian …) compare as the major or minor key with the same tonic and third.
    """
    est = estimate.key if isinstance(estimate, KeyEstimate) else estimate
    est_minor = est.is_minor
    true_minor = truth.is_minor
    if est.tonic_pc == truth.tonic_pc:
        return "exact" if est_minor == true_minor else "parallel"
    if est_minor != true_minor:
        shift = 9 if not true_minor else 3  # relative minor is 9 up from major; major 3 up from minor
        return "relative" if (truth.tonic_pc + shift) % 12 == est.tonic_pc else "wrong"
    if (est.tonic_pc - truth.tonic_pc) % 12 in (5, 7):
        return "fifth"
    return "wrong"
