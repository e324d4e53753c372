from __future__ import annotations

import itertools

import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.theory.meter import (
    bar_seconds,
    beats_per_bar,
    is_compound,
    strong_beats,
    swing_position,
    tempo_for,
    validate_meter,
)


@pytest.mark.parametrize(
    ("meter", "beats"),
    [((4, 4), 4.0), ((3, 4), 3.0), ((6, 8), 3.0), ((12, 8), 6.0), ((7, 8), 3.5), ((2, 2), 4.0)],
)
def test_beats_per_bar(meter: tuple[int, int], beats: float) -> None:
    assert beats_per_bar(meter) == beats


def test_strong_beats_and_compound_meters() -> None:
    assert strong_beats((4, 4)) == (0.0, 2.0)
    assert strong_beats((3, 4)) == (0.0,)
    assert strong_beats((6, 8)) == (0.0, 1.5)
    assert is_compound((6, 8)) and is_compound((12, 8)) and not is_compound((3, 4))


def test_tempo_helpers_are_inverse() -> None:
    assert bar_seconds(120.0, (4, 4)) == pytest.approx(2.0)
    tempo = tempo_for(90, 178.0, (4, 4))
    assert 90 * bar_seconds(tempo, (4, 4)) == pytest.approx(178.0)


def test_swing_moves_offbeats_to_the_triplet_position() -> None:
    assert swing_position(1.0, 1.0) == 1.0
    assert swing_position(1.5, 1.0) == pytest.approx(1 + 2 / 3)
    assert swing_position(1.5, 0.5) == pytest.approx(1.5 + 1 / 12)
    assert swing_position(1.5, 0.0) == 1.5
    # Sixteenth swing.
    assert swing_position(0.25, 1.0, unit_beats=0.25) == pytest.approx(1 / 3)
    # Monotonic: order is kept.
    grid = [i * 0.125 for i in range(64)]
    swung = [swing_position(b, 0.7) for b in grid]
    assert all(b > a for a, b in itertools.pairwise(swung))


@pytest.mark.parametrize("meter", [(4, 3), (0, 4), (17, 4)])
def test_bad_meter_names_the_field(meter: tuple[int, int]) -> None:
    with pytest.raises(InvalidParameter) as info:
        validate_meter(meter)
    assert info.value.field == "meter"
