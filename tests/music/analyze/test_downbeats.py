"""Downbeat position on our own rendered songs, whose Scores give the true bar starts.

Measured (this change, 27 rendered 18-s songs of 18 genres, tags/seeds as in the report): the
downbeat phase was right for 7/27 songs before (the old accent picked beat 4 on most pop/rock
songs: chords pushed to the "and" of 4 and the kick on 4&) and 17/27 after (beat-synchronous
chord and bass-chroma change). The remaining misses are beat-level errors (the tracker on the
off-beat of reggae/bossa skanks, or tracking eighths), not bar-phase errors.
"""

from __future__ import annotations

import numpy as np
import pytest

from tunesmith.music.analyze.meter import estimate_meter

from .songs import render_case

CASES = (
    ("rock", 1),
    ("pop", 2),
    ("funk", 4),
    ("house", 3),
    ("country", 7),
    ("disco", 8),
    ("trap", 1),
    ("waltz", 4),
)


def _downbeat_hit_rate(tags: str, seed: int) -> float:
    song = render_case(tags, seed, 14.0)
    est = estimate_meter(song.master)
    score = song.score
    if est.meter != score.meter or est.downbeats_s.size == 0:
        return 0.0
    truth = np.array([score.seconds_at(b * score.beats_per_bar) for b in range(score.total_bars + 2)])
    return float(np.mean([np.min(np.abs(truth - t)) < 0.07 for t in est.downbeats_s]))


@pytest.mark.slow
def test_downbeat_phase_is_right_on_most_rendered_songs() -> None:
    rates = {f"{tags} {seed}": _downbeat_hit_rate(tags, seed) for tags, seed in CASES}
    correct = [name for name, rate in rates.items() if rate >= 0.5]
    # Measured: before this change 2 of these 8 had the right phase (trap, waltz); now all 8 do.
    assert len(correct) >= 6, rates
