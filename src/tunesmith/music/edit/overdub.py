"""Overdubs: add a vocal to an accompaniment, or an accompaniment to a vocal, inside a window.

- :func:`add_vocals` keeps every accompaniment note (a lead instrument rests where the new voice
  sings, as the composer does) and composes a vocal line for ``lyrics`` over the source's chords
  and tempo inside the window; vocals outside the window are kept.
- :func:`add_instrumental` keeps the vocal line (every note and syllable) and writes an
  accompaniment in the ``tags`` style (default: the source's) inside the window, over the
  source's chords, or over chords harmonised from the melody when the source has none (an
  a-cappella upload); instruments outside the window are kept.

The window is ``[start_s, end_s)`` widened to whole bars; the whole song by default.
"""

from __future__ import annotations

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.edit.common import (
    EPS,
    check_seed,
    check_source,
    copy_track,
    snap_window,
    source_style,
)
from tunesmith.music.edit.window import new_accompaniment, sing_in_window
from tunesmith.music.score import Score

__all__ = ["add_instrumental", "add_vocals", "overdub_window"]


def overdub_window(source: Score, start_s: float | None, end_s: float | None) -> tuple[int, int]:
    """The window in bars for ``overpainting_start_s``/``_end_s`` (``None``: the song's edge)."""
    start = 0.0 if start_s is None else float(start_s)
    end = source.duration_s if end_s is None else float(end_s)
    if start < 0:
        raise InvalidParameter("overpainting_start_s should be at least 0.", field="overpainting_start_s")
    if end <= start or end > source.duration_s + 1e-6:
        raise InvalidParameter(
            "overpainting_end_s should be after the start and within the clip's duration.",
            field="overpainting_end_s",
        )
    return snap_window(source, start, end)


def add_vocals(
    source: Score,
    *,
    lyrics: str,
    seed: int,
    start_s: float | None = None,
    end_s: float | None = None,
    vocal_gender: str | None = None,
) -> Score:
    """``source`` with a new vocal line for ``lyrics`` in the window (see the module docstring)."""
    check_seed(seed)
    check_source(source)
    if not isinstance(lyrics, str) or not lyrics.strip():
        raise InvalidParameter("prompt is required for add_vocals.", field="prompt")
    start_bar, end_bar = overdub_window(source, start_s, end_s)
    rng = np.random.default_rng([seed, 0xAD])
    out = sing_in_window(source, start_bar, end_bar, lyrics, rng, vocal_gender=vocal_gender)
    s0, s1 = source.bar_start_beat(start_bar), source.bar_start_beat(end_bar)
    sung = [v for v in out.vocals if not v.backing and s0 - EPS <= v.start_beat < s1]
    tracks = []
    for track in source.tracks:
        if track.role == "lead" and sung:
            # the lead instrument rests under the voice, in the bars the voice sings
            bars = {int(v.start_beat // source.beats_per_bar) for v in sung}
            kept = [n for n in track.notes if int(n.start_beat // source.beats_per_bar) not in bars]
            tracks.append(copy_track(track, kept))
        else:
            tracks.append(copy_track(track))
    out.tracks = [t for t in tracks if t.notes]
    out.seed = seed
    return out


def add_instrumental(
    source: Score,
    *,
    seed: int,
    tags: str | None = None,
    negative_tags: str = "",
    start_s: float | None = None,
    end_s: float | None = None,
) -> Score:
    """``source``'s vocal line with a new accompaniment in the window (see the module docstring)."""
    check_seed(seed)
    check_source(source)
    start_bar, end_bar = overdub_window(source, start_s, end_s)
    style = source_style(source, tags, negative_tags)
    rng = np.random.default_rng([seed, 0x1A])
    out = new_accompaniment(source, start_bar, end_bar, style, rng)
    if tags is not None and tags.strip():
        out.tags, out.genre = tags, style.genre.key
    out.seed = seed
    return out
