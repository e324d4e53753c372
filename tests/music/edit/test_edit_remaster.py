"""remaster: same song, arrangement varied by an ordered, measured amount, new mix.

Measured on the pop source (score_distance = share of accompaniment notes that differ), seeds 0–4:
subtle 0.05–0.29, normal 0.34–0.61, high 0.79–0.83; always subtle < normal < high.
"""

from __future__ import annotations

import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.edit import remaster, score_distance
from tunesmith.music.score import Score

pytestmark = pytest.mark.slow

LEVELS = ("subtle", "normal", "high")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_variation_amounts_are_ordered(source: Score, seed: int) -> None:
    distances = [score_distance(source, remaster(source, variation=v, seed=seed)) for v in LEVELS]
    print(f"seed {seed}: " + ", ".join(f"{v} {d:.3f}" for v, d in zip(LEVELS, distances, strict=True)))
    assert 0.0 < distances[0] < distances[1] < distances[2] <= 1.0
    assert distances[2] > 0.5


def test_remaster_keeps_the_song(source: Score) -> None:
    for level in LEVELS:
        out = remaster(source, variation=level, seed=9)
        assert out.vocals == source.vocals
        assert out.lyrics == source.lyrics
        assert out.chords == source.chords
        assert out.sections == source.sections
        assert out.tempo_map == source.tempo_map
        assert (out.key, out.meter, out.duration_s) == (source.key, source.meter, source.duration_s)
        assert [t.notes for t in out.tracks if t.role == "lead"] == [
            t.notes for t in source.tracks if t.role == "lead"
        ]
        assert out.mix != source.mix
        assert {t.name for t in out.tracks} <= {t.name for t in source.tracks}


def test_score_distance_is_a_distance_of_arrangements(source: Score) -> None:
    other = remaster(source, variation="normal", seed=2)
    assert score_distance(source, source) == 0.0
    assert score_distance(source, other) == pytest.approx(score_distance(other, source))
    empty = remaster(source, variation="high", seed=2)
    empty.tracks = []
    assert score_distance(source, empty) == 1.0


def test_remaster_is_deterministic_and_validates(source: Score) -> None:
    assert (
        remaster(source, variation="normal", seed=5).to_json()
        == remaster(source, variation="normal", seed=5).to_json()
    )
    with pytest.raises(InvalidParameter) as err:
        remaster(source, variation="wild", seed=1)
    assert err.value.field == "variation_category"
