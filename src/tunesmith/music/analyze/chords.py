"""Chords of an :class:`AudioBuffer`: beat-synchronous chroma, templates and Viterbi smoothing.

1. Chroma from a constant-Q transform (C1–B7, 3 bins per semitone, 93 ms hop at 11 025 Hz) of
   the harmonic part (drums removed by HPSS), log-compressed, each frame's broadband floor
   removed; the bass register (below :data:`BASS_SPLIT_HZ`) is kept as a separate bass chroma.
2. Averaged between consecutive beats (from :func:`~tunesmith.music.analyze.tempo.estimate_tempo`
   unless given), so a chord is decided per beat.
3. Each beat scores the 24 major/minor triad templates (plus "N", no chord, for silence) by
   cosine similarity, the bass chroma adding weight to the chord whose root it hits.
4. Viterbi over beats with a strong self-transition (:data:`CHANGE_PENALTY`) so chords change
   only when the evidence says so; consecutive beats with the same chord are merged.

Symbols follow the Score's convention: ``"C"``, ``"F#m"``, ``"Bb"``; ``"N"`` for no chord.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tunesmith.music.audio import AudioBuffer

ANALYSIS_RATE_HZ = 11_025
HOP = 1024
"""CQT hop in samples at :data:`ANALYSIS_RATE_HZ` (≈ 93 ms)."""

BASS_SPLIT_HZ = 150.0
BASS_WEIGHT = 0.35
"""Weight of the bass chroma's root evidence added to each template score."""

CHANGE_PENALTY = 0.25
"""Log-probability cost of changing chord between two beats (cosine-score units)."""

NO_CHORD_LEVEL = 0.02
"""Beats whose chroma energy is below this fraction of the song's median are "N"."""

PITCH_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
"""Root spelling used in chord symbols (the Score's usual spelling)."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ChordSpan:
    """A chord from ``start_s`` to ``end_s`` (seconds). ``root_pc`` 0–11 (−1 for "N"),
    ``quality`` ``"maj"``, ``"min"`` or ``"N"``; ``symbol`` e.g. ``"Am"``."""

    start_s: float
    end_s: float
    symbol: str
    root_pc: int
    quality: str


def chord_symbol(root_pc: int, quality: str) -> str:
    """``"C"``, ``"Am"`` … from a root pitch class and ``"maj"``/``"min"``; ``"N"`` otherwise."""
    if quality not in ("maj", "min") or not 0 <= root_pc < 12:
        return "N"
    return PITCH_NAMES[root_pc] + ("m" if quality == "min" else "")


def _templates() -> tuple[FloatArray, list[tuple[int, str]]]:
    rows, labels = [], []
    for quality, third in (("maj", 4), ("min", 3)):
        for root in range(12):
            t = np.zeros(12)
            t[[root, (root + third) % 12, (root + 7) % 12]] = (1.0, 0.8, 0.8)
            rows.append(t / np.linalg.norm(t))
            labels.append((root, quality))
    return np.asarray(rows), labels


def _chroma(audio: AudioBuffer) -> tuple[FloatArray, FloatArray, float]:
    """(treble chroma 12×frames, bass chroma 12×frames, seconds per frame)."""
    import librosa

    y = AudioBuffer.from_array(audio.mono(), audio.sample_rate_hz).resampled(ANALYSIS_RATE_HZ).samples[0]
    frame_s = HOP / ANALYSIS_RATE_HZ
    if y.size < 4 * HOP or float(np.max(np.abs(y))) < 1e-5:
        frames = max(1, y.size // HOP + 1)
        return np.zeros((12, frames)), np.zeros((12, frames)), frame_s
    y = librosa.effects.harmonic(y, margin=2.0)
    bins_per_octave = 36
    fmin = float(librosa.note_to_hz("C1"))
    n_bins = bins_per_octave * 7
    cqt = np.abs(
        librosa.cqt(
            y, sr=ANALYSIS_RATE_HZ, hop_length=HOP, fmin=fmin, n_bins=n_bins, bins_per_octave=bins_per_octave
        )
    ).astype(np.float64)
    spec = np.log1p(100.0 * cqt / max(1e-9, float(np.max(cqt))))
    spec = np.maximum(0.0, spec - np.median(spec, axis=0, keepdims=True))
    freqs = fmin * 2.0 ** (np.arange(n_bins) / bins_per_octave)
    pcs = ((np.arange(n_bins) + 1) // 3) % 12
    fold = np.zeros((12, n_bins))
    fold[pcs, np.arange(n_bins)] = 1.0
    bass_mask = freqs < BASS_SPLIT_HZ
    treble = fold[:, ~bass_mask] @ spec[~bass_mask]
    bass = fold[:, bass_mask] @ spec[bass_mask]
    return treble, bass, frame_s


def _beat_sync(chroma: FloatArray, frame_s: float, bounds_s: FloatArray) -> FloatArray:
    """Mean chroma over each [bounds[i], bounds[i+1]) span (12 × spans)."""
    frames = chroma.shape[1]
    idx = np.clip(np.round(bounds_s / frame_s).astype(int), 0, frames)
    out = np.zeros((12, bounds_s.size - 1))
    for i in range(bounds_s.size - 1):
        lo, hi = idx[i], max(idx[i] + 1, idx[i + 1])
        out[:, i] = chroma[:, lo : min(hi, frames)].mean(axis=1) if lo < frames else 0.0
    return out


def _viterbi(scores: FloatArray, change_penalty: float) -> npt.NDArray[np.int64]:
    """Best state path through ``scores`` (states × steps, higher is better)."""
    states, steps = scores.shape
    total = scores[:, 0].copy()
    back = np.zeros((states, steps), dtype=np.int64)
    for t in range(1, steps):
        best_prev = int(np.argmax(total))
        stay = total
        switch = total[best_prev] - change_penalty
        take_switch = switch > stay
        back[:, t] = np.where(take_switch, best_prev, np.arange(states))
        total = np.where(take_switch, switch, stay) + scores[:, t]
    path = np.zeros(steps, dtype=np.int64)
    path[-1] = int(np.argmax(total))
    for t in range(steps - 1, 0, -1):
        path[t - 1] = back[path[t], t]
    return path


def estimate_chords(
    audio: AudioBuffer, *, beats_s: Sequence[float] | npt.NDArray[np.float64] | None = None
) -> list[ChordSpan]:
    """Chord spans covering ``audio`` from 0 to its duration (s), in order, no gaps.

    ``beats_s`` (seconds, increasing) sets the decision grid; by default the beats of
    :func:`~tunesmith.music.analyze.tempo.estimate_tempo` (or a 0.5-s grid when it finds no
    pulse). Major and minor triads only (sevenths reduce to their triad). Deterministic.
    """
    duration_s = audio.duration_s
    if duration_s <= 0:
        return []
    if beats_s is None:
        from tunesmith.music.analyze.tempo import estimate_tempo

        beats = estimate_tempo(audio).beats_s
    else:
        beats = np.asarray(beats_s, dtype=np.float64)
    beats = beats[(beats > 0.05) & (beats < duration_s - 0.05)]
    if beats.size < 2:
        beats = np.arange(0.5, duration_s, 0.5)
    bounds = np.concatenate([[0.0], beats, [duration_s]])
    treble, bass, frame_s = _chroma(audio)
    sync = _beat_sync(treble, frame_s, bounds)
    sync_bass = _beat_sync(bass, frame_s, bounds)
    energy = sync.sum(axis=0)
    median = float(np.median(energy[energy > 0])) if np.any(energy > 0) else 0.0
    templates, labels = _templates()
    norm = np.linalg.norm(sync, axis=0) + 1e-12
    scores = templates @ (sync / norm)
    bass_norm = sync_bass / (sync_bass.sum(axis=0, keepdims=True) + 1e-12)
    roots = np.array([root for root, _ in labels])
    scores = scores + BASS_WEIGHT * bass_norm[roots, :]
    silent = energy <= NO_CHORD_LEVEL * median
    no_chord = np.where(silent, 2.0, -1.0)
    all_scores = np.vstack([scores, no_chord[None, :]])
    path = _viterbi(all_scores, CHANGE_PENALTY)
    spans: list[ChordSpan] = []
    for i, state in enumerate(path):
        root, quality = labels[state] if state < len(labels) else (-1, "N")
        start, end = float(bounds[i]), float(bounds[i + 1])
        if end <= start:
            continue
        if spans and spans[-1].root_pc == root and spans[-1].quality == quality:
            last = spans[-1]
            spans[-1] = ChordSpan(last.start_s, end, last.symbol, root, quality)
        else:
            spans.append(ChordSpan(start, end, chord_symbol(root, quality), root, quality))
    return spans


def chord_overlap_accuracy(
    estimated: Sequence[ChordSpan], reference: Sequence[tuple[float, float, int, str]]
) -> float:
    """Share (0..1) of the reference's duration where the estimated root and major/minor quality
    agree with the reference. ``reference`` is (start_s, end_s, root_pc, "maj"|"min"|other);
    reference qualities other than min/maj count as maj, except dim/m7b5/min7/min6/min9 → min."""
    minorish = {"min", "min7", "min6", "min9", "dim", "dim7", "m7b5"}
    total, agree = 0.0, 0.0
    for start, end, root, quality in reference:
        ref_quality = "min" if quality in minorish else "maj"
        total += max(0.0, end - start)
        for est in estimated:
            lo, hi = max(start, est.start_s), min(end, est.end_s)
            if hi > lo and est.root_pc == root and est.quality == ref_quality:
                agree += hi - lo
    return agree / total if total > 0 else 0.0
