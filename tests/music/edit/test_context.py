"""with_context: a continuation carries on the chord progression of the source's last seconds."""

from __future__ import annotations

import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose import compose
from tunesmith.music.edit.context import context_bars, with_context
from tunesmith.music.edit.extend import extend
from tunesmith.music.score import Score
from tunesmith.music.spec import make_spec
from tunesmith.music.style.tags import resolve_style

LYRICS = "[Verse]\nStars they shine above me\nLight the road ahead\n[Chorus]\nHold on hold on\nWe are going"


def bar_chords(score: Score, first: int, end: int) -> list[str]:
    """The chord sounding at each bar line of ``[first, end)``."""
    out = []
    for bar in range(first, end):
        beat = score.bar_start_beat(bar)
        out.append(next(c.symbol for c in score.chords if c.start_beat - 1e-6 <= beat < c.end_beat - 1e-6))
    return out


def test_context_length_sets_the_progression_the_continuation_carries_on() -> None:
    spec = make_spec(tags="pop, piano", seed=3, lyrics=LYRICS, duration_s=24, quality="draft")
    source = compose(spec, resolve_style(spec.tags))
    new = extend(
        source,
        continue_at_s=source.duration_s,
        seed=5,
        lyrics="[Verse]\nNew words for the road",
        duration_s=12,
    )
    results = {}
    for context_s in (2.0, 10.0):
        first, end = context_bars(source, context_s)
        assert end == source.total_bars and end - first >= 1
        assert (
            source.seconds_at(source.bar_start_beat(end)) - source.seconds_at(source.bar_start_beat(first))
            >= min(context_s, source.seconds_at(source.bar_start_beat(end))) - 1e-6
        )
        out = with_context(new, source, context_s, seed=5)
        period = bar_chords(source, first, end)
        bars = out.total_bars
        # bar by bar, the continuation plays the context's progression, repeated
        assert bar_chords(out, 0, bars) == [period[i % len(period)] for i in range(bars)]
        # same length, tempo, key and words; the accompaniment is re-arranged, the vocal re-sung
        assert out.duration_s == new.duration_s and out.key == new.key and out.tempo_map == new.tempo_map
        assert [v.syllable for v in out.vocals if not v.backing] and "New words for the road" in out.lyrics
        results[context_s] = bar_chords(out, 0, bars)
    assert results[2.0] != results[10.0]
    with pytest.raises(InvalidParameter):
        context_bars(source, 0.0)


def test_a_lead_in_ends_on_the_progression_of_the_sources_opening() -> None:
    from tunesmith.music.edit.precede import precede

    spec = make_spec(tags="pop, piano", seed=4, lyrics=LYRICS, duration_s=20, quality="draft")
    source = compose(spec, resolve_style(spec.tags))
    lead = precede(source, duration_s=12.0, seed=2, lyrics=None, tags=None, instrumental=True)
    first, end = context_bars(source, 5.0, at="start")
    assert first == 0 and end >= 1
    period = bar_chords(source, first, end)
    out = with_context(lead, source, 5.0, seed=2, at="start")
    bars = out.total_bars
    # counted back from the lead-in's end, bar by bar, the source's opening progression
    assert bar_chords(out, 0, bars) == [period[(i - bars) % len(period)] for i in range(bars)]
    assert out.duration_s == lead.duration_s and out.tempo_map == lead.tempo_map
