"""Re-writing a window of bars: a new vocal line for given lyrics, a new accompaniment, and the
lyrics text and indices stitched back together.

Used by replace-section (new lyrics, new arrangement in the window), add_vocals (new vocal line,
source accompaniment kept) and add_instrumental (source vocal kept, new accompaniment).
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose.melody import fit_vocal_line
from tunesmith.music.edit.arrange import arrange
from tunesmith.music.edit.common import EPS, clip_notes, copy_track, kept_lyrics, notes_outside
from tunesmith.music.lyrics.sections import LyricLine, LyricSection, ParsedLyrics, parse_lyrics, sung_text
from tunesmith.music.score import Chord, Score, Section, TempoChange, VocalNote
from tunesmith.music.style.model import Style
from tunesmith.music.theory.chords import chord_symbol

__all__ = ["harmonize", "lyrics_in_window", "new_accompaniment", "sing_in_window"]


def _word_starts(vocals: list[VocalNote]) -> dict[tuple[int, int], tuple[float, str]]:
    """(line, word) → (first onset in beats, the word) of every lead-vocal word."""
    starts: dict[tuple[int, int], tuple[float, str]] = {}
    for v in vocals:
        if v.backing:
            continue
        key = (v.line_index, v.word_index)
        if key not in starts or v.start_beat < starts[key][0]:
            starts[key] = (v.start_beat, v.word)
    return starts


def lyrics_in_window(score: Score, start_bar: int, end_bar: int) -> str:
    """The words the lead sings in the window, as one section (``""`` if none): each lyric line
    with a word starting in the window, whole when all of its words start there, else only those
    words (the others are heard outside the window and kept there)."""
    s0, s1 = score.bar_start_beat(start_bar), score.bar_start_beat(end_bar)
    starts = _word_starts(score.vocals)
    lines = parse_lyrics(score.lyrics).lines
    kept: list[LyricLine] = []
    for index in sorted({line for line, _ in starts}):
        words = sorted((t, w) for (line, _), (t, w) in starts.items() if line == index)
        inside = [w for t, w in words if s0 - EPS <= t < s1 - EPS]
        if not inside:
            continue
        if len(inside) == len(words) and index < len(lines):
            kept.append(lines[index])
        else:
            kept.extend(parse_lyrics(" ".join(inside)).lines)
    if not kept:
        return ""
    section = score.section_at_beat(s0)
    label = section.label if section else "Verse"
    return sung_text(ParsedLyrics(sections=[LyricSection(kind="verse", label=label, lines=kept)]))


def _window_skeleton(score: Score, start_bar: int, end_bar: int, gender: str) -> Score:
    """A Score of just the window's bars (beat 0 = the window start), one section, its chords."""
    s0, s1 = score.bar_start_beat(start_bar), score.bar_start_beat(end_bar)
    first = score.section_at_beat(s0)
    sub = copy.copy(score)
    sub.sections = [
        Section(
            kind=first.kind if first else "verse",
            label=first.label if first else "Verse",
            start_bar=0,
            bars=end_bar - start_bar,
            energy=first.energy if first else 0.5,
        )
    ]
    sub.chords = [
        replace(c, start_beat=round(c.start_beat - s0, 6))
        for c in score.chords
        if s0 - EPS <= c.start_beat < s1
    ]
    sub.tempo_map = [TempoChange(0.0, score.tempo_bpm)]
    sub.tracks, sub.vocals = [], []
    sub.vocal_gender = gender  # type: ignore[assignment]
    return sub


def harmonize(score: Score, start_bar: int, end_bar: int) -> list[Chord]:
    """One diatonic triad per bar of the window, chosen to cover the most vocal (then lead) note
    time in that bar; for sources without chords (an a-cappella upload)."""
    key = score.key
    scale = key.scale_pcs
    triads = []
    for degree in range(7):
        root, third, fifth = scale[degree], scale[(degree + 2) % 7], scale[(degree + 4) % 7]
        quality = {(4, 7): "maj", (3, 7): "min", (3, 6): "dim", (4, 8): "aug"}.get(
            ((third - root) % 12, (fifth - root) % 12), "maj"
        )
        triads.append((root, quality, {root, third, fifth}))
    melody = [(v.pitch, v.start_beat, v.end_beat) for v in score.vocals if not v.backing]
    melody += [(n.pitch, n.start_beat, n.end_beat) for t in score.tracks if t.role == "lead" for n in t.notes]
    bar_beats = score.beats_per_bar
    chords: list[Chord] = []
    for bar in range(start_bar, end_bar):
        b0, b1 = bar * bar_beats, (bar + 1) * bar_beats
        weight = np.zeros(12)
        for pitch, s, e in melody:
            overlap = min(e, b1) - max(s, b0)
            if overlap > 0:
                weight[pitch % 12] += overlap * (1.5 if abs(s - b0) < 1e-6 else 1.0)
        scores = [
            sum(weight[pc] for pc in pcs) + (0.01 if i == 0 else 0.0) for i, (_, _, pcs) in enumerate(triads)
        ]
        root, quality, _ = triads[int(np.argmax(scores))]
        chords.append(
            Chord(
                start_beat=b0,
                length_beats=bar_beats,
                root_pc=root,
                quality=quality,
                symbol=chord_symbol(root, quality),
            )
        )
    return chords


def sing_in_window(
    score: Score,
    start_bar: int,
    end_bar: int,
    lyrics: str,
    rng: np.random.Generator,
    *,
    vocal_gender: str | None = None,
) -> Score:
    """``score`` with the vocal line of bars ``[start_bar, end_bar)`` replaced by a new line for
    ``lyrics`` (all its lines sung in the window, over the window's chords). Vocals before the window
    are kept (cut at its start), vocals after it kept; ``lyrics``, line and word indices are
    renumbered in order. Empty ``lyrics`` leaves the window unsung."""
    gender = vocal_gender or score.vocal_gender or "f"
    if gender not in ("f", "m"):
        raise InvalidParameter("vocal_gender should be 'f' or 'm'.", field="vocal_gender")
    s0, s1 = score.bar_start_beat(start_bar), score.bar_start_beat(end_bar)
    # Outside the window the source's performance is kept note by note (its audio is kept there):
    # notes before the window are cut at its start, notes from its end on are kept whole, even
    # when their line began inside the window.
    before = [
        v if v.end_beat <= s0 else replace(v, length_beats=s0 - v.start_beat)
        for v in score.vocals
        if v.start_beat < s0 - 0.05
    ]
    after = [v for v in score.vocals if v.start_beat >= s1 - EPS]
    parsed = parse_lyrics(lyrics)
    lines: list[LyricLine] = [line for section in parsed.sections for line in section.lines]
    new_notes: list[VocalNote] = []
    new_text = ""
    if lines:
        sub = _window_skeleton(score, start_bar, end_bar, gender)
        if not sub.chords:
            sub.chords = harmonize(sub, 0, end_bar - start_bar)
        label = sub.sections[0].label
        window_lyrics = ParsedLyrics(
            sections=[LyricSection(kind=sub.sections[0].kind, label=label, lines=lines)]
        )
        fitted = fit_vocal_line(sub, window_lyrics, rng=rng)
        new_notes = [
            replace(v, start_beat=round(v.start_beat + s0, 6)) for v in fitted if v.start_beat < s1 - s0
        ]
        new_text = sung_text(window_lyrics)
    text_before, before = kept_lyrics(score, before) if before else ("", [])
    text_after, after = kept_lyrics(score, after) if after else ("", [])
    n_before = len(parse_lyrics(text_before).lines)
    n_new = len(lines) if new_notes else 0
    words_before = max((v.word_index for v in before), default=-1) + 1
    words_new = max((v.word_index for v in new_notes), default=-1) + 1
    first_after = min((v.word_index for v in after), default=0)
    new_notes = [
        replace(v, line_index=v.line_index + n_before, word_index=v.word_index + words_before)
        for v in new_notes
    ]
    after = [
        replace(
            v,
            line_index=v.line_index + n_before + n_new,
            word_index=v.word_index - first_after + words_before + words_new,
        )
        for v in after
    ]
    out = copy.copy(score)
    out.vocals = sorted(before + new_notes + after, key=lambda v: (v.start_beat, v.backing, -v.pitch))
    out.lyrics = "\n\n".join(t for t in (text_before, new_text if new_notes else "", text_after) if t)
    out.vocal_gender = gender if out.vocals else None  # type: ignore[assignment]
    return out


def new_accompaniment(
    score: Score,
    start_bar: int,
    end_bar: int,
    style: Style,
    rng: np.random.Generator,
    *,
    keep_lead: bool = False,
) -> Score:
    """``score`` with every instrument's notes in bars ``[start_bar, end_bar)`` replaced by a new
    arrangement of ``style`` over the same chords (harmonised from the melody where the source has
    none). Notes outside the window are kept (those before it cut at its start). Tracks the style
    adds take the style's settings; source tracks keep theirs. ``keep_lead`` keeps the source's lead
    melodies inside the window too."""
    s0, s1 = score.bar_start_beat(start_bar), score.bar_start_beat(end_bar)
    skeleton = copy.copy(score)
    if not any(s0 - EPS <= c.start_beat < s1 for c in score.chords):
        outside = [c for c in score.chords if not s0 - EPS <= c.start_beat < s1]
        skeleton.chords = sorted(outside + harmonize(score, start_bar, end_bar), key=lambda c: c.start_beat)
    sung = {
        i
        for i, section in enumerate(score.sections)
        if any(
            not v.backing
            and score.bar_start_beat(section.start_bar) - EPS
            <= v.start_beat
            < score.bar_start_beat(section.end_bar)
            for v in score.vocals
        )
    }
    fresh = {t.name: t for t in arrange(skeleton, style, rng, sung=sung, with_lead=not keep_lead)}
    tracks = []
    for track in score.tracks:
        keep_inside = keep_lead and track.role == "lead"
        notes = list(track.notes) if keep_inside else notes_outside(track.notes, s0, s1)
        if track.name in fresh:
            notes += clip_notes(fresh.pop(track.name).notes, s0, s1)
        tracks.append(copy_track(track, sorted(notes, key=lambda n: (n.start_beat, n.pitch))))
    for track in fresh.values():
        tracks.append(copy_track(track, clip_notes(track.notes, s0, s1)))
    out = copy.copy(skeleton)
    out.tracks = [t for t in tracks if t.notes]
    return out
