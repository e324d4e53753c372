"""Tempo of music whose notes change without attacks: Bach chorales rendered on sustained
timbres (strings, choir, organ, flute), and synthetic legato chords of constant loudness.

With slow attacks the log-mel flux is smeared and the note changes (four voices moving every
quarter note) are the onsets; :func:`estimate_tempo` hears them through its pitch-change
novelty. Measured on these four 20-s renders: the estimator before the pitch-change novelty
got 1 of 4 within 4 % (100 -> 105, 132 -> 66, 112 -> 76, 83 -> 83 bpm); now 4 of 4. On
48 such renders (corpus seeds 100-111, the same four programs) 45/48 are within 4 % now,
27/48 before.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tunesmith.music.analyze.evalset import corpus_pieces, render_corpus_piece
from tunesmith.music.analyze.tempo import estimate_tempo
from tunesmith.music.audio import AudioBuffer

SUSTAINED_PROGRAMS = (48, 52, 19, 73)
"""GM string ensemble, choir aahs, church organ, flute: one per corpus piece."""


@pytest.mark.slow
def test_chorales_on_sustained_timbres_read_at_the_quarter_note_tempo() -> None:
    pieces = corpus_pieces(4, seed=109, tempo_range_bpm=(70.0, 140.0), max_duration_s=20.0)
    results = {}
    for piece, program in zip(pieces, SUSTAINED_PROGRAMS, strict=True):
        piece = dataclasses.replace(piece, program=program)
        bpm = estimate_tempo(render_corpus_piece(piece)).tempo_bpm
        results[piece.name] = (piece.tempo_bpm, round(bpm, 1), abs(bpm / piece.tempo_bpm - 1) <= 0.04)
    assert sum(ok for _, _, ok in results.values()) >= 3, results


def legato_chords(
    tempo_bpm: float, *, duration_s: float = 16.0, sample_rate_hz: int = 22_050, seed: int = 0
) -> AudioBuffer:
    """Four voices (4 harmonics each) moving to a random scale degree on every beat, joined by
    150-ms equal-power cross-fades: the loudness never changes, only the notes do."""
    rng = np.random.default_rng(seed)
    beat_s, fade_s = 60.0 / tempo_bpm, 0.15
    t = np.arange(int(duration_s * sample_rate_hz)) / sample_rate_hz
    out = np.zeros(t.size)
    scale = np.array([0, 2, 4, 5, 7, 9, 11])
    beats = int(np.ceil(duration_s / beat_s)) + 1
    for base_midi in (48, 55, 60, 67):
        for beat, degree in enumerate(rng.integers(0, 7, beats)):
            f0_hz = 440.0 * 2.0 ** ((base_midi + scale[degree] - 69) / 12)
            start_s, end_s = beat * beat_s, (beat + 1) * beat_s
            ramp = np.minimum(t - start_s + fade_s / 2, end_s + fade_s / 2 - t) / fade_s
            gain = np.sin(np.clip(ramp, 0.0, 1.0) * np.pi / 2)
            out += gain * sum(np.sin(2 * np.pi * k * f0_hz * t) / k for k in (1, 2, 3, 4))
    return AudioBuffer.from_array((0.05 * out).astype(np.float32), sample_rate_hz)


@pytest.mark.parametrize("tempo_bpm", [75.0, 110.0, 136.0])
def test_note_changes_without_attacks_carry_the_beat(tempo_bpm: float) -> None:
    # Measured: the estimator before the pitch-change novelty read 160.9, 55.0 and 68.0 bpm
    # here (2 of 10 such clips right, 75-136 bpm, two seeds); now all 10 within 0.2 %.
    bpm = estimate_tempo(legato_chords(tempo_bpm)).tempo_bpm
    assert bpm == pytest.approx(tempo_bpm, rel=0.02)
