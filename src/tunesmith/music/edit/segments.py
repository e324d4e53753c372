"""Arrange a composed song into named segments of exact lengths (nuro bgm v2.0 ``segments``).

:func:`arrange_segments` takes a composed Score (one tempo, a full form: intro, verses, choruses,
a middle section, outro) and builds a new Score whose sections are exactly the requested
segments, in order, each lasting exactly its requested seconds:

- every segment is a whole number of bars; its tempo is chosen so those bars last exactly the
  segment (a tempo change at each segment start). One base tempo near the composed tempo is
  chosen for the whole song so that the per-segment tempos stray from it as little as possible
  (typically a few percent for segments of 8 s or more);
- a segment's bars are copied, bar by bar (cycling when the segment is longer), from a composed
  section of the matching kind (``chorus`` from a chorus, ``inst`` from an instrumental, solo,
  breakdown or bridge …), so the arrangement density, grooves and harmony of each segment are
  those of its kind; repeated kinds take successive occurrences (verse 1, then verse 2);
- notes and chords are cut at the segment's end, so nothing from one segment sounds into the
  next; the last segment ends with the composed song's final bar (the held tonic) and a short
  ring-out inside the segment, so the song ends where the last segment does.

Segment times: segment *i* starts at the sum of the durations before it (seconds), exactly.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import replace

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose.form import DEFAULT_ENERGY, LABELS
from tunesmith.music.edit.common import EPS, check_source
from tunesmith.music.score import Chord, Note, Score, Section, SectionKind, TempoChange, Track

__all__ = ["SEGMENT_KINDS", "arrange_segments", "segment_bars"]

SEGMENT_KINDS: dict[str, tuple[SectionKind, ...]] = {
    "intro": ("intro", "breakdown", "verse"),
    "verse": ("verse", "pre_chorus", "bridge"),
    "chorus": ("chorus", "drop", "post_chorus"),
    "bridge": ("bridge", "breakdown", "solo", "instrumental", "pre_chorus"),
    "inst": ("instrumental", "solo", "breakdown", "bridge", "drop", "chorus"),
    "outro": ("outro", "intro", "breakdown"),
}
"""Segment name → the composed section kinds it copies, in order of preference."""

_KIND_OF: dict[str, SectionKind] = {
    "intro": "intro",
    "verse": "verse",
    "chorus": "chorus",
    "bridge": "bridge",
    "inst": "instrumental",
    "outro": "outro",
}
_TEMPO_SEARCH = 0.08
"""The base tempo is searched within ± this share of the composed tempo."""


def _ring_out_s(last_s: float) -> float:
    """Ring-out inside the last segment: 1.5 s when it lasts ≥ 6 s, shrinking for shorter ones."""
    return 0.0 if last_s < 3.0 else min(1.5, 0.25 * last_s)


def segment_bars(
    durations_s: Sequence[float], tempo_bpm: float, beats_per_bar: float
) -> tuple[float, list[int], list[float]]:
    """Base tempo, bars per segment and each segment's exact tempo (BPM) for ``durations_s``.

    The base tempo is searched in 0.25 BPM steps within ±8 % of ``tempo_bpm``, minimising the
    largest relative departure of a segment's tempo from it (ties: the tempo nearest
    ``tempo_bpm``). The last segment's bars fill its duration minus its ring-out.
    """
    if not durations_s or any(d <= 0 for d in durations_s):
        raise InvalidParameter("Every segment needs a positive duration.", field="segments")
    spans = list(durations_s)
    spans[-1] = spans[-1] - _ring_out_s(spans[-1])
    best: tuple[float, float, float, list[int]] | None = None
    steps = round(tempo_bpm * _TEMPO_SEARCH / 0.25)
    for step in range(-steps, steps + 1):
        base = tempo_bpm + 0.25 * step
        bars = [max(1, round(span * base / (60.0 * beats_per_bar))) for span in spans]
        tempos = [b * beats_per_bar * 60.0 / span for b, span in zip(bars, spans, strict=True)]
        cost = max(abs(t / base - 1.0) for t in tempos)
        key = (round(cost, 9), abs(base - tempo_bpm))
        if best is None or key < (best[0], best[1]):
            best = (key[0], key[1], base, bars)
    assert best is not None
    base, bars = best[2], best[3]
    tempos = [b * beats_per_bar * 60.0 / span for b, span in zip(bars, spans, strict=True)]
    return base, bars, tempos


def _pick_section(score: Score, name: str, used: dict[str, int]) -> Section:
    """The composed section a segment named ``name`` copies (successive occurrences by turn)."""
    for kind in SEGMENT_KINDS[name]:
        found = [s for s in score.sections if s.kind == kind]
        if found:
            index = used.get(name, 0)
            used[name] = index + 1
            return found[index % len(found)]
    energy = DEFAULT_ENERGY[_KIND_OF[name]]
    return min(score.sections, key=lambda s: (abs(s.energy - energy), s.start_bar))


def _bar_notes(
    notes: list[Note], src_beat: float, bar_beats: float, dst_beat: float, end: float
) -> list[Note]:
    """Notes starting in the bar at ``src_beat``, moved to ``dst_beat`` and cut at ``end`` (beats)."""
    out: list[Note] = []
    for note in notes:
        if src_beat - EPS <= note.start_beat < src_beat + bar_beats - EPS:
            start = round(note.start_beat - src_beat + dst_beat, 6)
            length = min(note.length_beats, end - start)
            if length > 0.02:
                out.append(replace(note, start_beat=start, length_beats=round(length, 6)))
    return out


def _bar_chords(
    chords: list[Chord], src_beat: float, bar_beats: float, dst_beat: float, end: float
) -> list[Chord]:
    out: list[Chord] = []
    for chord in chords:
        # a chord sounding at the bar's start (even if it began earlier) is the bar's first chord
        starts_in = src_beat - EPS <= chord.start_beat < src_beat + bar_beats - EPS
        holds = chord.start_beat < src_beat - EPS < src_beat < chord.end_beat - EPS
        if not (starts_in or holds):
            continue
        begin = max(chord.start_beat, src_beat)
        start = round(begin - src_beat + dst_beat, 6)
        length = min(chord.end_beat - begin, src_beat + bar_beats - begin, end - start)
        if length > 0.02:
            out.append(replace(chord, start_beat=start, length_beats=round(length, 6)))
    return out


def arrange_segments(score: Score, segments: Sequence[tuple[str, float]]) -> Score:
    """``score``'s material arranged into ``segments`` (``(name, duration_s)`` in order; names
    ``intro``, ``verse``, ``chorus``, ``bridge``, ``inst``, ``outro``); see the module docstring.

    The result lasts exactly the sum of the durations (seconds); its section *i* starts at the
    sum of the first *i* durations (to float precision) and holds segment *i*'s kind. Key, meter,
    tracks (programs, mix) and style are the source's; vocals are dropped (an instrumental).
    Raises InvalidParameter(field="segments") for unknown names or non-positive durations.
    """
    check_source(score, field="segments")
    if not segments:
        raise InvalidParameter("The 'segments' field should contain at least 1 item.", field="segments")
    for name, _ in segments:
        if name not in SEGMENT_KINDS:
            raise InvalidParameter(f"Unknown segment name {name!r}.", field="segments")
    bar_beats = score.beats_per_bar
    durations = [float(d) for _, d in segments]
    _, bars, tempos = segment_bars(durations, score.tempo_map[0].tempo_bpm, bar_beats)
    used: dict[str, int] = {}
    sources = [_pick_section(score, name, used) for name, _ in segments]
    final_bar = score.total_bars - 1
    tracks = [copy.copy(t) for t in score.tracks]
    for track in tracks:
        track.notes = []
    chords: list[Chord] = []
    sections: list[Section] = []
    tempo_map: list[TempoChange] = []
    counts: dict[str, int] = {}
    start_bar = 0
    last = len(segments) - 1
    for i, ((name, _), source, count) in enumerate(zip(segments, sources, bars, strict=True)):
        kind = _KIND_OF[name]
        counts[kind] = counts.get(kind, 0) + 1
        label = LABELS[kind] + (f" {counts[kind]}" if kind in ("verse", "chorus") else "")
        sections.append(
            Section(kind=kind, label=label, start_bar=start_bar, bars=count, energy=source.energy)
        )
        seg_start = start_bar * bar_beats
        seg_end = (start_bar + count) * bar_beats
        if not tempo_map or abs(tempo_map[-1].tempo_bpm - tempos[i]) > 1e-9:
            tempo_map.append(TempoChange(round(seg_start, 6), round(tempos[i], 6)))
        for j in range(count):
            src_bar = source.start_bar + (j % source.bars)
            cut = seg_end
            if i == last and j == count - 1:
                src_bar, cut = final_bar, math.inf  # the held final chord rings out
            src_beat = score.bar_start_beat(src_bar)
            dst_beat = seg_start + j * bar_beats
            for target, model in zip(tracks, score.tracks, strict=True):
                target.notes += _bar_notes(model.notes, src_beat, bar_beats, dst_beat, cut)
            chords += _bar_chords(score.chords, src_beat, bar_beats, dst_beat, seg_end)
        start_bar += count
    out = copy.copy(score)
    out.sections = sections
    out.chords = chords
    out.tempo_map = tempo_map
    out.vocals, out.lyrics, out.vocal_gender = [], "", None
    out.duration_s = round(sum(durations), 6)
    limit = out.beat_at(max(0.0, out.duration_s - 0.1))
    kept: list[Track] = []
    for track in tracks:
        notes = []
        for note in track.notes:
            if note.start_beat < limit - 0.05:
                length = min(note.length_beats, limit - note.start_beat)
                notes.append(note if length == note.length_beats else replace(note, length_beats=length))
        track.notes = sorted(notes, key=lambda n: (n.start_beat, n.pitch))
        if track.notes:
            kept.append(track)
    out.tracks = kept
    return out
