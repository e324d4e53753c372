"""Shared pieces of the edit operations: bar snapping, cutting and shifting Scores, the source's style.

Every function here is pure: it returns new objects and never mutates its arguments. Times named
``*_s`` are seconds from the start of the song, ``*_beat`` quarter-note beats, ``*_bar`` bar indices.
"""

from __future__ import annotations

import copy
import math
from dataclasses import replace

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose.harmony import uses_flats
from tunesmith.music.lyrics.sections import LyricSection, ParsedLyrics, parse_lyrics, sung_text
from tunesmith.music.score import Chord, Note, Score, Section, TempoChange, Track, VocalNote
from tunesmith.music.style.model import Style
from tunesmith.music.style.tags import resolve_style
from tunesmith.music.theory.chords import chord_symbol
from tunesmith.music.theory.keys import Key

MAX_SEED = 4_294_967_295
EPS = 1e-6


def check_seed(seed: int) -> int:
    """The seed as an int, or InvalidParameter(field="seed")."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InvalidParameter(f"seed should be between 0 and {MAX_SEED}.", field="seed")
    return seed


def check_source(source: Score, field: str = "continue_clip_id") -> None:
    """A source must have a form and a tempo to be edited."""
    if not source.sections or not source.tempo_map or source.total_bars <= 0:
        raise InvalidParameter("The source clip has no musical form to edit.", field=field)


def source_style(score: Score, tags: str | None = None, negative_tags: str = "") -> Style:
    """The style to continue or re-arrange ``score`` in: ``tags`` if given, else the source's own
    tags (falling back to its genre); the meter is always the source's."""
    text = tags if tags is not None and tags.strip() else (score.tags.strip() or score.genre)
    style = resolve_style(text, negative_tags)
    return replace(style, meter=score.meter)


def bar_at_s(score: Score, seconds: float) -> float:
    """The (fractional) bar position of ``seconds``."""
    return score.beat_at(seconds) / score.beats_per_bar


def bar_start_s(score: Score, bar: int) -> float:
    """Start of ``bar`` in seconds."""
    return score.seconds_at(score.bar_start_beat(bar))


def snap_window(score: Score, start_s: float, end_s: float) -> tuple[int, int]:
    """``[start_s, end_s)`` widened to whole bars inside the form: (first bar, end bar)."""
    start_bar = max(0, math.floor(bar_at_s(score, start_s) + EPS))
    end_bar = min(score.total_bars, math.ceil(bar_at_s(score, end_s) - EPS))
    if end_bar <= start_bar:
        end_bar = min(score.total_bars, start_bar + 1)
        start_bar = max(0, end_bar - 1)
    return start_bar, end_bar


def clip_notes(notes: list[Note], start_beat: float, end_beat: float) -> list[Note]:
    """Notes that start in ``[start_beat, end_beat)``, shortened so they end by ``end_beat``."""
    out: list[Note] = []
    for note in notes:
        if start_beat - EPS <= note.start_beat < end_beat - EPS:
            length = min(note.length_beats, end_beat - note.start_beat)
            if length > 0.02:
                out.append(note if length == note.length_beats else replace(note, length_beats=length))
    return out


def notes_outside(notes: list[Note], start_beat: float, end_beat: float) -> list[Note]:
    """Notes that start outside ``[start_beat, end_beat)``; those before it end by ``start_beat``."""
    out: list[Note] = []
    for note in notes:
        if note.start_beat >= end_beat - EPS:
            out.append(note)
        elif note.start_beat < start_beat - EPS:
            length = min(note.length_beats, start_beat - note.start_beat)
            if length > 0.02:
                out.append(note if length == note.length_beats else replace(note, length_beats=length))
    return out


def shift_notes(notes: list[Note], delta_beats: float) -> list[Note]:
    return [replace(n, start_beat=round(n.start_beat + delta_beats, 6)) for n in notes]


def transpose_chords(chords: list[Chord], semitones: int, key: Key) -> list[Chord]:
    """Chords moved by ``semitones``, symbols respelled for ``key``."""
    if semitones % 12 == 0:
        return list(chords)
    flats = uses_flats(key)
    out = []
    for chord in chords:
        root = (chord.root_pc + semitones) % 12
        bass = None if chord.bass_pc is None else (chord.bass_pc + semitones) % 12
        out.append(
            replace(
                chord, root_pc=root, bass_pc=bass, symbol=chord_symbol(root, chord.quality, bass, flats=flats)
            )
        )
    return out


def kept_lyrics(score: Score, vocals: list[VocalNote]) -> tuple[str, list[VocalNote]]:
    """``score.lyrics`` reduced to the lines that still have notes in ``vocals`` (section tags kept
    for sections with at least one such line), and ``vocals`` with ``line_index`` renumbered to
    index the lines of that text."""
    parsed = parse_lyrics(score.lyrics)
    lines_left = {v.line_index for v in vocals}
    sections: list[LyricSection] = []
    mapping: dict[int, int] = {}
    index = 0
    for section in parsed.sections:
        kept = []
        for line in section.lines:
            if index in lines_left:
                mapping[index] = len(mapping)
                kept.append(line)
            index += 1
        if kept:
            sections.append(LyricSection(kind=section.kind, label=section.label, lines=kept))
    renumbered = [replace(v, line_index=mapping.get(v.line_index, v.line_index)) for v in vocals]
    return sung_text(ParsedLyrics(sections=sections)), renumbered


def truncate(score: Score, end_bar: int, *, ring_out_s: float = 0.0) -> Score:
    """The Score's first ``end_bar`` bars: sections, chords, notes and vocals cut at that bar line;
    ``duration_s`` is the bar line's time plus ``ring_out_s``."""
    if not 0 < end_bar <= score.total_bars:
        raise InvalidParameter("The cut point is outside the song.", field="continue_at")
    end_beat = score.bar_start_beat(end_bar)
    sections = [
        s if s.end_bar <= end_bar else replace(s, bars=end_bar - s.start_bar)
        for s in score.sections
        if s.start_bar < end_bar
    ]
    chords = [
        c if c.end_beat <= end_beat + EPS else replace(c, length_beats=round(end_beat - c.start_beat, 6))
        for c in score.chords
        if c.start_beat < end_beat - EPS
    ]
    tracks = []
    for track in score.tracks:
        kept = copy.copy(track)
        kept.notes = clip_notes(track.notes, -1e9, end_beat)
        tracks.append(kept)
    vocals = [
        v if v.end_beat <= end_beat else replace(v, length_beats=end_beat - v.start_beat)
        for v in score.vocals
        if v.start_beat < end_beat - 0.05
    ]
    out = copy.copy(score)
    out.sections = sections
    out.chords = chords
    out.tracks = [t for t in tracks if t.notes]
    out.tempo_map = [t for t in score.tempo_map if t.beat < end_beat - EPS] or score.tempo_map[:1]
    out.lyrics, out.vocals = kept_lyrics(score, vocals) if vocals else ("", [])
    out.duration_s = round(score.seconds_at(end_beat) + ring_out_s, 6)
    return out


def retime(score: Score, tempo_map: list[TempoChange], duration_s: float) -> Score:
    """The same notes (in beats) under a new tempo map, lasting ``duration_s``; notes and vocals that
    would sound past ``duration_s − 0.1 s`` are shortened or dropped."""
    out = copy.copy(score)
    out.tempo_map = list(tempo_map)
    out.duration_s = round(float(duration_s), 6)
    limit = out.beat_at(max(0.0, out.duration_s - 0.1))
    tracks = []
    for track in score.tracks:
        kept = copy.copy(track)
        kept.notes = clip_notes(track.notes, -1e9, limit)
        if kept.notes:
            tracks.append(kept)
    out.tracks = tracks
    out.vocals = [
        v if v.end_beat <= limit else replace(v, length_beats=limit - v.start_beat)
        for v in score.vocals
        if v.start_beat < limit - 0.1
    ]
    bar_beats = out.beats_per_bar
    last_bar = max(1, math.floor(limit / bar_beats + EPS))
    if out.total_bars > last_bar:
        out.sections = [
            s if s.end_bar <= last_bar else replace(s, bars=last_bar - s.start_bar)
            for s in score.sections
            if s.start_bar < last_bar
        ]
        out.chords = [c for c in score.chords if c.start_beat < last_bar * bar_beats - EPS]
    return out


def tempo_at_bar(score: Score, bar: int) -> float:
    """The tempo in effect at the start of ``bar`` (BPM)."""
    beat = score.bar_start_beat(bar)
    current = score.tempo_map[0].tempo_bpm
    for change in score.tempo_map:
        if change.beat <= beat + EPS:
            current = change.tempo_bpm
    return current


def sung_sections(score: Score) -> set[int]:
    """Indices of the sections in which the lead voice sings."""
    out: set[int] = set()
    for i, section in enumerate(score.sections):
        s0, s1 = score.bar_start_beat(section.start_bar), score.bar_start_beat(section.end_bar)
        if any(not v.backing and s0 - EPS <= v.start_beat < s1 for v in score.vocals):
            out.add(i)
    return out


def copy_track(track: Track, notes: list[Note] | None = None) -> Track:
    out = copy.copy(track)
    out.notes = list(track.notes if notes is None else notes)
    return out


def section_beats(score: Score, section: Section) -> tuple[float, float]:
    return score.bar_start_beat(section.start_bar), score.bar_start_beat(section.end_bar)
