"""The evaluation corpus generators of ``bench/eval_analysis.py``: music21-corpus pieces (real
music nobody here wrote), MIDI files that ship inside packages, and our own sung mixes."""

from __future__ import annotations

import numpy as np
import pytest

from tunesmith.music.analyze import evalset
from tunesmith.music.theory.keys import Key

music21 = pytest.importorskip("music21")


def test_corpus_pieces_are_seeded_and_in_range() -> None:
    a = evalset.corpus_pieces(3, seed=7, tempo_range_bpm=(70.0, 140.0), max_duration_s=12.0)
    b = evalset.corpus_pieces(3, seed=7, tempo_range_bpm=(70.0, 140.0), max_duration_s=12.0)
    c = evalset.corpus_pieces(3, seed=8, tempo_range_bpm=(70.0, 140.0), max_duration_s=12.0)
    assert a == b and a != c
    assert len({p.source for p in a}) == 3
    for piece in a:
        assert piece.source.startswith("bach/bwv")
        assert 70.0 <= piece.tempo_bpm <= 140.0 and -5 <= piece.transpose_st <= 6
        assert piece.program in evalset.CORPUS_PROGRAMS
        # The reference key is music21's analysis of the score, moved by the transposition.
        analysed = music21.corpus.parse(piece.source).analyze("key")
        assert piece.key.tonic_pc == (analysed.tonic.pitchClass + piece.transpose_st) % 12
        assert piece.key.mode == analysed.mode


def test_corpus_notes_follow_tempo_and_transposition() -> None:
    base = evalset.CorpusPiece("bach/bwv66.6", 60.0, 0, Key(6, "minor"), 0, max_duration_s=20.0)
    fast = evalset.CorpusPiece("bach/bwv66.6", 120.0, 3, Key(9, "minor"), 0, max_duration_s=20.0)
    slow_notes = evalset.corpus_notes(base, part=0)
    fast_notes = evalset.corpus_notes(fast, part=0)
    # At 60 BPM one quarter lasts 1 s; at 120 BPM half that, and every pitch is 3 semitones up.
    assert slow_notes[1][1] == pytest.approx(2 * fast_notes[1][1])
    assert [p + 3 for p, _, _ in slow_notes[:5]] == [p for p, _, _ in fast_notes[:5]]
    assert all(end <= 20.0 for _, _, end in slow_notes)
    soprano = evalset.corpus_notes(base, part=0)
    chorale = evalset.corpus_notes(base)
    assert len(chorale) > 2.5 * len(soprano)


def test_rendered_corpus_piece_sounds_its_notes() -> None:
    piece = evalset.CorpusPiece("bach/bwv66.6", 100.0, 0, Key(6, "minor"), 0, max_duration_s=8.0)
    audio = evalset.render_corpus_piece(piece)
    assert 8.0 <= audio.duration_s <= 9.5
    assert float(np.max(np.abs(audio.samples))) == pytest.approx(0.9, abs=1e-3)
    # The chroma of the render peaks on pitch classes of the key of F# minor.
    import librosa

    chroma = librosa.feature.chroma_stft(y=audio.mono(), sr=audio.sample_rate_hz).mean(axis=1)
    assert int(np.argmax(chroma)) in set(Key(6, "minor").scale_pcs)


def test_package_midi_files_are_found() -> None:
    files = evalset.package_midi_files()
    assert files, "music21 ships MIDI test files"
    assert all(p.suffix in (".mid", ".midi") and p.is_file() for p in files)


def test_sung_mix_has_exact_stems_and_timeline() -> None:
    tags, seed, lyrics = evalset.SUNG_CASES[0]
    song = evalset.sung_mix(tags, seed, lyrics, duration_s=10.0)
    total = np.sum([s.samples for s in song.stems.values()], axis=0)
    assert float(np.max(np.abs(total - song.mix.samples))) < 1e-5
    assert float(np.max(np.abs(song.mix.samples))) == pytest.approx(0.9, abs=1e-4)
    assert "vocals" in song.stems and float(np.max(np.abs(song.stems["vocals"].samples))) > 0.01
    sung_words = song.lyrics.split()
    assert sung_words == [w for w, _, _ in song.words]
    assert all(w in lyrics.split() for w in sung_words)
    starts = [s for _, s, _ in song.words]
    assert starts == sorted(starts) and 0 <= starts[0] < song.mix.duration_s
