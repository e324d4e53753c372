"""Key estimation on Bach chorales from the music21 corpus, rendered through the GM SoundFont.

The four renders below are ones the raw-profile estimate (before the harmonic profiles and the
bass term of :mod:`tunesmith.music.analyze.key`) all read in the dominant key (the tonic's
twelfth, the third harmonic, is the dominant's root): F minor as C minor, B minor as F# minor,
F major as C major. Reference: music21's key analysis of the score, moved by the transposition.
"""

from __future__ import annotations

import numpy as np
import pytest

from tunesmith.music.analyze import evalset
from tunesmith.music.analyze.key import estimate_key, harmonic_profile, key_matches
from tunesmith.music.theory.keys import Key

music21 = pytest.importorskip("music21")

# (corpus source, tempo BPM, transposition in semitones, GM program): harp, piano, e-piano, strings.
CHORALES = (
    ("bach/bwv351", 100.0, -2, 46),
    ("bach/bwv251", 113.0, -2, 0),
    ("bach/bwv4.8", 80.0, -3, 4),
    ("bach/bwv418", 73.0, -4, 48),
)


def _piece(source: str, tempo_bpm: float, transpose_st: int, program: int) -> evalset.CorpusPiece:
    analysed = music21.corpus.parse(source).analyze("key")
    mode = "minor" if str(analysed.mode) == "minor" else "major"
    key = Key((int(analysed.tonic.pitchClass) + transpose_st) % 12, mode)
    return evalset.CorpusPiece(source, tempo_bpm, transpose_st, key, program, max_duration_s=20.0)


@pytest.fixture(scope="module")
def matches() -> list[tuple[str, str, str]]:
    out = []
    for source, tempo_bpm, transpose_st, program in CHORALES:
        piece = _piece(source, tempo_bpm, transpose_st, program)
        est = estimate_key(evalset.render_corpus_piece(piece))
        out.append((piece.name, est.name, key_matches(est, piece.key)))
    return out


def test_chorales_are_not_read_in_their_dominant(matches: list[tuple[str, str, str]]) -> None:
    # Measured: 4/4 exact (the raw profiles: 0/4, all four a fifth up).
    assert sum(1 for _, _, m in matches if m == "exact") >= 3, matches
    assert all(m in ("exact", "relative") for _, _, m in matches), matches


def test_harmonic_profile_adds_octaves_twelfth_and_seventeenth() -> None:
    tonic = np.eye(12)[0]
    assert np.allclose(harmonic_profile(tonic, harmonics=1), tonic)
    spread = harmonic_profile(tonic, harmonics=5, decay=0.5)
    # h = 1, 2, 4 on the tonic; h = 3 (the twelfth) on the fifth; h = 5 on the major third.
    assert spread[0] == pytest.approx(1 + 0.5 + 0.125)
    assert spread[7] == pytest.approx(0.25)
    assert spread[4] == pytest.approx(0.0625)
    assert np.count_nonzero(spread) == 3
