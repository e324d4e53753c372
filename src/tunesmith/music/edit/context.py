"""Condition a continuation on the end of its source (studio ``config.context_length``).

:func:`with_context` takes an extension composed by :func:`~tunesmith.music.edit.extend.extend`
(its beat 0 is the join) and makes it continue what the source's last ``context_s`` seconds
play: the extension's harmony becomes the source's chord progression of those bars (whole bars,
repeated bar by bar for as long as the extension lasts), the accompaniment is re-arranged over it
(:func:`~tunesmith.music.edit.window.new_accompaniment`) and the vocal line, if any, is sung anew
over it with the same words (:func:`~tunesmith.music.edit.window.sing_in_window`). A short context
makes the continuation loop the source's last bars; a long one walks through more of its form.
"""

from __future__ import annotations

import copy
import math
from dataclasses import replace

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.edit.common import EPS, check_seed, check_source, source_style
from tunesmith.music.edit.window import new_accompaniment, sing_in_window
from tunesmith.music.score import Chord, Score

__all__ = ["context_bars", "with_context"]


def context_bars(source: Score, context_s: float, *, at: str = "end") -> tuple[int, int]:
    """The source's bars ``[first, end)`` that its last (``at="end"``) or first (``at="start"``)
    ``context_s`` seconds cover, at least one whole bar."""
    check_source(source)
    if not context_s > 0:
        raise InvalidParameter("context_length should be between 1 and 60.", field="config.context_length")
    if at == "start":
        stop = math.ceil(source.beat_at(min(context_s, source.duration_s)) / source.beats_per_bar - EPS)
        return 0, max(1, min(source.total_bars, stop))
    end = source.total_bars
    start_beat = source.beat_at(max(0.0, source.seconds_at(source.bar_start_beat(end)) - context_s))
    first = max(0, min(end - 1, math.floor(start_beat / source.beats_per_bar + EPS)))
    return first, end


def _chords_of_bars(source: Score, first: int, end: int) -> list[Chord]:
    b0, b1 = source.bar_start_beat(first), source.bar_start_beat(end)
    out = []
    for chord in source.chords:
        if chord.end_beat <= b0 + EPS or chord.start_beat >= b1 - EPS:
            continue
        start = max(chord.start_beat, b0)
        out.append(
            replace(
                chord, start_beat=round(start - b0, 6), length_beats=round(min(chord.end_beat, b1) - start, 6)
            )
        )
    return out


def with_context(
    extension: Score,
    source: Score,
    context_s: float,
    *,
    seed: int,
    tags: str | None = None,
    at: str = "end",
) -> Score:
    """``extension`` re-harmonised with the source's last ``context_s`` seconds (see the module
    docstring); deterministic in ``seed``. Tempo, key, meter, sections, words and length are the
    extension's. A source without chords leaves the extension as it is.

    ``at="start"`` is for a lead-in that *precedes* the source: the context is the source's first
    ``context_s`` seconds, and the progression is repeated so that it ends with the lead-in's last
    bar, leading into the source's own opening."""
    check_seed(seed)
    check_source(extension)
    first, end = context_bars(source, context_s, at=at)
    period = _chords_of_bars(source, first, end)
    if not period:
        return extension
    period_beats = (end - first) * source.beats_per_bar
    total_beats = extension.bar_start_beat(extension.total_bars)
    chords: list[Chord] = []
    offset = 0.0
    if at == "start":  # the last repetition ends on the lead-in's last bar line
        offset = -((-total_beats) % period_beats) if total_beats % period_beats > EPS else 0.0
    while offset < total_beats - EPS:
        for chord in period:
            start = chord.start_beat + offset
            if start >= total_beats - EPS:
                break
            if start + chord.length_beats <= EPS:
                continue
            if start < 0:
                chord = replace(chord, length_beats=chord.length_beats + start)
                start = 0.0
            length = round(min(chord.length_beats, total_beats - start), 6)
            chords.append(replace(chord, start_beat=round(start, 6), length_beats=length))
        offset += period_beats
    rng = np.random.default_rng([seed, 0xC0])
    out = copy.copy(extension)
    out.chords = chords
    style = source_style(source, tags)
    out = new_accompaniment(out, 0, out.total_bars, style, rng)
    if extension.vocals and extension.lyrics.strip():
        out = sing_in_window(
            out, 0, out.total_bars, extension.lyrics, rng, vocal_gender=extension.vocal_gender
        )
    return out
