from __future__ import annotations

import itertools

import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.theory.chords import chord_pcs, chord_tones, parse_roman
from tunesmith.music.theory.keys import Key
from tunesmith.music.theory.voicing import voice_lead, voice_movement

KEY = Key(0, "major")
PROGRESSION = ["I", "vi", "IV", "V7", "ii7", "V", "iii", "vi", "IV", "I/3", "ii", "V7", "I"]


def _voicings(register: tuple[int, int]) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = []
    previous: tuple[int, ...] | None = None
    for numeral in PROGRESSION:
        chord = parse_roman(numeral, KEY)
        previous = voice_lead(previous, chord.pcs, register, voices=4)
        out.append(previous)
    return out


@pytest.mark.parametrize("register", [(48, 72), (52, 79), (40, 64)])
def test_voicings_stay_in_register_and_hold_the_chord(register: tuple[int, int]) -> None:
    for numeral, voicing in zip(PROGRESSION, _voicings(register), strict=True):
        chord = parse_roman(numeral, KEY)
        assert all(register[0] <= p <= register[1] for p in voicing)
        assert {p % 12 for p in voicing} <= set(chord.pcs)
        # Third (and seventh where there is one) always sound.
        pcs = chord_pcs(chord.root_pc, chord.quality)
        assert pcs[1] in {p % 12 for p in voicing}
        assert list(voicing) == sorted(voicing)


def test_voice_leading_moves_little() -> None:
    led = _voicings((48, 72))
    moves = [voice_movement(a, b) for a, b in itertools.pairwise(led)]
    # Root-position block chords jump around much more than voice-led ones.
    blocks = []
    for numeral in PROGRESSION:
        chord = parse_roman(numeral, KEY)
        tones = list(chord_tones(chord.root_pc, chord.quality, octave_root=48))
        while len(tones) < 4:
            tones.append(tones[0] + 12)
        blocks.append(tuple(sorted(tones[:4])))
    block_moves = [voice_movement(a, b) for a, b in itertools.pairwise(blocks)]
    assert sum(moves) / len(moves) < 2.5
    assert sum(moves) / len(moves) < 0.6 * sum(block_moves) / len(block_moves)


def test_first_voicing_sits_near_the_register_centre() -> None:
    voicing = voice_lead(None, (0, 4, 7), (48, 72), voices=4)
    centre = sum(voicing) / 4
    assert 54 <= centre <= 66
    assert voicing[-1] - voicing[0] <= 19


def test_bad_register_names_the_field() -> None:
    with pytest.raises(InvalidParameter) as info:
        voice_lead(None, (0, 4, 7), (60, 62))
    assert info.value.field == "register"
