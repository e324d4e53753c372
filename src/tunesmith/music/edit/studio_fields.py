"""The studio family's shaping fields (API.md §7) as operations on a composed Score.

- :func:`song_excerpt` — ``song_section_start`` / ``_end``: the clip is the part
  ``[start, end]`` of a notional whole song, so near 0 it opens like an intro and near 1 it ends
  like an outro. The whole song is composed ``duration / (end − start)`` seconds long (at most
  360 s) and the clip is cut from it at bar lines; ``(0, 1)`` is the song itself.
- :func:`place_lyrics` — ``lyrics_placement_start`` / ``_end``: vocals sound only within
  ``[start, end]`` of the clip (shares of its duration); lyric lines that would sound outside it
  are not sung (the clip's lyrics are those sung).
- :func:`clarify` — ``clarity_strength``: a sparser, cleaner arrangement around the voice. Above
  the default 0.25 the optional layers (pads, counter-melodies, arpeggios, fx, second comping
  parts) are dropped in proportion, and the accompaniment is turned down by
  ``CLARITY_DB_PER_UNIT`` dB per unit above 0.25 (turned up below it), so the voice sits further
  in front of the mix.
- :func:`set_words` — ``lyrics_strength``: syllabic (1) or free (0) word setting. Above the
  default 0.5 each sung syllable starts nearer the eighth-note grid (on the grid at 1); below it
  syllables are placed freely behind the beat, delayed by up to ``FREE_DELAY_BEATS`` beats at 0
  (seeded). Notes keep their ends, so the line never overlaps itself.
"""

from __future__ import annotations

import copy
import math
from dataclasses import replace

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.edit.common import (
    EPS,
    check_seed,
    check_source,
    clip_notes,
    kept_lyrics,
    retime,
    shift_notes,
)
from tunesmith.music.score import Score, TempoChange, Track, VocalNote

__all__ = [
    "CLARITY_DB_PER_UNIT",
    "FREE_DELAY_BEATS",
    "clarify",
    "notional_duration_s",
    "place_lyrics",
    "set_words",
    "song_excerpt",
]

CLARITY_DEFAULT = 0.25
CLARITY_DB_PER_UNIT = 8.0
"""Accompaniment level change per unit of clarity away from the default (dB; −6 dB at 1)."""
LYRICS_DEFAULT = 0.5
FREE_DELAY_BEATS = 0.5
"""Largest delay of a syllable behind its written place at ``lyrics_strength`` 0 (beats)."""
GRID_BEATS = 0.5
"""The syllabic grid: eighth notes (beats)."""
_MIN_NOTE_BEATS = 0.125
_ESSENTIAL_ROLES = ("drums", "percussion", "bass")
_MAX_NOTIONAL_S = 360.0


def _check_share(name: str, start: float, end: float) -> None:
    if not 0.0 <= start < end <= 1.0:
        raise InvalidParameter(
            f"The '{name}_end' field should be greater than '{name}_start'.", field=f"{name}_end"
        )


def notional_duration_s(duration_s: float, start: float, end: float) -> float:
    """Length of the whole song a ``[start, end]`` clip of ``duration_s`` seconds is cut from
    (seconds, at most 360)."""
    _check_share("song_section", start, end)
    return min(_MAX_NOTIONAL_S, max(duration_s, duration_s / (end - start)))


def song_excerpt(whole: Score, start: float, end: float, duration_s: float) -> Score:
    """``duration_s`` seconds of ``whole`` from the bar line nearest ``start`` × its length (the
    clip's share of the song ends there, or at the song's end when ``end`` is 1). Notes, chords,
    sections, vocals and tempo changes are shifted to the clip's time; vocals starting before the
    cut are dropped with their lines. Raises InvalidParameter for ``start ≥ end``."""
    check_source(whole)
    _check_share("song_section", start, end)
    bar_s = whole.seconds_at(whole.bar_start_beat(1))
    last_start_s = max(0.0, whole.duration_s - duration_s)
    want_s = last_start_s if end >= 1.0 - EPS else min(last_start_s, start * whole.duration_s)
    first_bar = int(min(math.floor(last_start_s / bar_s + EPS), round(want_s / bar_s)))
    first_bar = max(0, min(first_bar, whole.total_bars - 1))
    if first_bar == 0:
        return retime(whole, list(whole.tempo_map), duration_s)
    beat0 = whole.bar_start_beat(first_bar)
    out = copy.copy(whole)
    tracks: list[Track] = []
    for track in whole.tracks:
        kept = copy.copy(track)
        kept.notes = shift_notes(clip_notes(track.notes, beat0, math.inf), -beat0)
        tracks.append(kept)
    out.tracks = [t for t in tracks if t.notes]
    out.chords = [
        replace(c, start_beat=round(max(c.start_beat, beat0) - beat0, 6),
                length_beats=round(c.end_beat - max(c.start_beat, beat0), 6))
        for c in whole.chords
        if c.end_beat > beat0 + EPS
    ]  # fmt: skip
    out.sections = [
        replace(s, start_bar=max(s.start_bar, first_bar) - first_bar,
                bars=s.end_bar - max(s.start_bar, first_bar))
        for s in whole.sections
        if s.end_bar > first_bar
    ]  # fmt: skip
    tempo0 = whole.tempo_map[0].tempo_bpm
    for change in whole.tempo_map:
        if change.beat <= beat0 + EPS:
            tempo0 = change.tempo_bpm
    out.tempo_map = [TempoChange(0.0, tempo0)] + [
        TempoChange(round(c.beat - beat0, 6), c.tempo_bpm) for c in whole.tempo_map if c.beat > beat0 + EPS
    ]
    vocals = [
        replace(v, start_beat=round(v.start_beat - beat0, 6))
        for v in whole.vocals
        if v.start_beat >= beat0 - EPS
    ]
    dropped_lines = {v.line_index for v in whole.vocals if v.start_beat < beat0 - EPS}
    vocals = [v for v in vocals if v.line_index not in dropped_lines]
    out.lyrics, out.vocals = kept_lyrics(whole, vocals) if vocals else ("", [])
    out.duration_s = round(whole.duration_s - whole.seconds_at(beat0), 6)
    return retime(out, out.tempo_map, duration_s)


def place_lyrics(score: Score, start: float, end: float) -> Score:
    """``score`` with only the lyric lines sung wholly within ``[start, end]`` × its duration."""
    check_source(score)
    _check_share("lyrics_placement", start, end)
    if start <= 0.0 and end >= 1.0:
        return score
    lo_s, hi_s = start * score.duration_s, end * score.duration_s
    outside = {
        v.line_index
        for v in score.vocals
        if score.seconds_at(v.start_beat) < lo_s - EPS or score.seconds_at(v.end_beat) > hi_s + EPS
    }
    vocals = [v for v in score.vocals if v.line_index not in outside]
    out = copy.copy(score)
    out.lyrics, out.vocals = kept_lyrics(score, vocals) if vocals else ("", [])
    if not out.vocals:
        out.vocal_gender = None
    return out


def clarify(score: Score, clarity: float) -> Score:
    """``score`` made sparser and cleaner by ``clarity`` (0..1; 0.25 leaves the layers as they are).

    Optional tracks (every role but drums, percussion and bass, except the first comping or pad
    track, which carries the harmony) are dropped, the last first, ``round(share × count)`` of
    them for ``share = (clarity − 0.25) / 0.75``; every accompaniment track's ``gain_db`` moves by
    ``−CLARITY_DB_PER_UNIT × (clarity − 0.25)``.
    """
    check_source(score)
    if not 0.0 <= clarity <= 1.0:
        raise InvalidParameter("clarity_strength should be between 0 and 1.", field="clarity_strength")
    share = max(0.0, (clarity - CLARITY_DEFAULT) / (1.0 - CLARITY_DEFAULT))
    harmony = next((i for i, t in enumerate(score.tracks) if t.role in ("chords", "pad")), None)
    optional = [i for i, t in enumerate(score.tracks) if t.role not in _ESSENTIAL_ROLES and i != harmony]
    drop = set(optional[len(optional) - round(share * len(optional)) :]) if optional else set()
    gain = -CLARITY_DB_PER_UNIT * (clarity - CLARITY_DEFAULT)
    tracks = []
    for i, track in enumerate(score.tracks):
        if i in drop:
            continue
        kept = copy.copy(track)
        kept.gain_db = round(track.gain_db + gain, 4)
        tracks.append(kept)
    out = copy.copy(score)
    out.tracks = tracks
    return out


def set_words(score: Score, lyrics_strength: float, *, seed: int) -> Score:
    """``score``'s vocal line set more syllabically (toward 1) or more freely (toward 0); see the
    module docstring. Deterministic in ``seed``; 0.5 leaves the line as composed."""
    check_source(score)
    check_seed(seed)
    if not 0.0 <= lyrics_strength <= 1.0:
        raise InvalidParameter("lyrics_strength should be between 0 and 1.", field="lyrics_strength")
    if not score.vocals or abs(lyrics_strength - LYRICS_DEFAULT) < 1e-9:
        return score
    rng = np.random.default_rng([seed, 0x57])
    pull = max(0.0, (lyrics_strength - LYRICS_DEFAULT) / (1.0 - LYRICS_DEFAULT))
    free = max(0.0, (LYRICS_DEFAULT - lyrics_strength) / LYRICS_DEFAULT)
    out_vocals: list[VocalNote] = list(score.vocals)
    for backing in (False, True):  # the lead and the backing part each keep their own order
        part = [i for i, v in enumerate(score.vocals) if v.backing == backing]
        order = sorted(part, key=lambda i: score.vocals[i].start_beat)
        previous_end = -math.inf
        for i in order:
            v = score.vocals[i]
            end = v.end_beat
            if pull > 0:
                # the nearest grid point, or the first one after the previous syllable; a syllable
                # pushed past its own end is held an eighth, so what follows stays on the grid too
                # (speech-rate lines are dense in sixteenths)
                grid = round(v.start_beat / GRID_BEATS) * GRID_BEATS
                if grid < previous_end - EPS:
                    grid = math.ceil(previous_end / GRID_BEATS - EPS) * GRID_BEATS
                if end - grid < _MIN_NOTE_BEATS - EPS:
                    end = grid + GRID_BEATS
                start = v.start_beat + pull * (grid - v.start_beat)
            else:
                start = v.start_beat + free * FREE_DELAY_BEATS * float(rng.uniform(0.3, 1.0))
            start = max(start, previous_end)
            if end - start < _MIN_NOTE_BEATS:
                start = v.start_beat if v.start_beat >= previous_end else start
            if end - start >= _MIN_NOTE_BEATS - EPS:
                out_vocals[i] = replace(v, start_beat=round(start, 6), length_beats=round(end - start, 6))
            previous_end = out_vocals[i].end_beat
    out = copy.copy(score)
    out.vocals = out_vocals
    return out


def grid_deviation_beats(score: Score) -> float:
    """Mean distance of the lead vocal's syllable onsets from the eighth-note grid (beats)."""
    lead = [v for v in score.vocals if not v.backing]
    if not lead:
        return 0.0
    return float(np.mean([abs(v.start_beat - round(v.start_beat / GRID_BEATS) * GRID_BEATS) for v in lead]))
