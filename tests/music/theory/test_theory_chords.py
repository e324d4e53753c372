from __future__ import annotations

import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.theory.chords import (
    QUALITY_INTERVALS,
    chord_pcs,
    chord_symbol,
    chord_tones,
    parse_chord_symbol,
    parse_roman,
)
from tunesmith.music.theory.keys import Key

C = Key(0, "major")
A_MINOR = Key(9, "minor")


@pytest.mark.parametrize(
    ("numeral", "key", "symbol"),
    [
        ("I", C, "C"),
        ("vi", C, "Am"),
        ("IV", C, "F"),
        ("V7", C, "G7"),
        ("ii7", C, "Dm7"),
        ("Imaj7", C, "Cmaj7"),
        ("vii°", C, "Bdim"),
        ("viiø7", C, "Bm7b5"),
        ("Vsus4", C, "Gsus4"),
        ("Iadd9", C, "Cadd9"),
        ("bVII", C, "A#"),
        ("bVI", C, "G#"),
        ("I/3", C, "C/E"),
        ("V/5", C, "G/D"),
        ("V7/V", C, "D7"),
        ("V7/vi", C, "E7"),
        ("i", A_MINOR, "Am"),
        ("VI", A_MINOR, "F"),
        ("III", A_MINOR, "C"),
        ("VII", A_MINOR, "G"),
        ("bVII", A_MINOR, "G"),
        ("iv", A_MINOR, "Dm"),
        ("V", A_MINOR, "E"),
    ],
)
def test_roman_numerals(numeral: str, key: Key, symbol: str) -> None:
    spec = parse_roman(numeral, key)
    assert spec.symbol() == symbol
    assert spec.numeral == numeral


def test_flat_spelling_of_borrowed_chords() -> None:
    assert parse_roman("bVII", C).symbol(flats=True) == "Bb"


@pytest.mark.parametrize("bad", ["", "X", "IIII", "I/x", "V/%"])
def test_bad_numerals_name_the_field(bad: str) -> None:
    with pytest.raises(InvalidParameter) as info:
        parse_roman(bad, C)
    assert info.value.field == "progression"


@pytest.mark.parametrize(
    ("symbol", "root", "quality", "bass"),
    [
        ("Am7", 9, "min7", None),
        ("C/E", 0, "maj", 4),
        ("F#m7b5", 6, "m7b5", None),
        ("Bbmaj7", 10, "maj7", None),
        ("Gsus4", 7, "sus4", None),
        ("D9", 2, "9", None),
        ("Ebm", 3, "min", None),
        ("E5", 4, "5", None),
    ],
)
def test_chord_symbols_parse_and_print(symbol: str, root: int, quality: str, bass: int | None) -> None:
    spec = parse_chord_symbol(symbol)
    assert (spec.root_pc, spec.quality, spec.bass_pc) == (root, quality, bass)
    printed = chord_symbol(root, quality, bass, flats="b" in symbol)
    assert parse_chord_symbol(printed) == spec


def test_every_quality_round_trips_through_its_symbol() -> None:
    for quality in QUALITY_INTERVALS:
        spec = parse_chord_symbol(chord_symbol(2, quality))
        assert (spec.root_pc, spec.quality) == (2, quality)


def test_chord_tones_and_pitch_classes() -> None:
    assert chord_pcs(9, "min7") == (9, 0, 4, 7)
    assert chord_pcs(0, "maj9") == (0, 4, 7, 11, 2)
    assert chord_tones(7, "7", octave_root=48) == (55, 59, 62, 65)


def test_unknown_symbol_names_the_field() -> None:
    with pytest.raises(InvalidParameter) as info:
        parse_chord_symbol("H7")
    assert info.value.field == "chord"
