"""New words to an existing vocal line: the same melody, rhythm and form, re-fitted line by line.

Used by cover with replacement lyrics (API.md §4.1 "unless ``prompt`` replaces them").

- The new lyrics' lead lines are assigned to the source's sung lines in order: line *i* to line
  *i* while there are enough source lines (source lines left over stay unsung), else several new
  lines share one source line's slot (``floor(i × n_source / n_new)``), so every new word is sung.
- For each source line, :func:`~tunesmith.music.compose.melody.fit_vocal_line` fits the assigned
  words (syllables, phonemes, melismas) over the bars and chords of that line's slot.
- When the new line has as many notes as the source line, each note takes the source note's onset,
  length and pitch: the melody and rhythm are the source's exactly. Otherwise the fitted rhythm is
  mapped linearly onto the source line's span (first onset to last end) and the pitches follow the
  source line's contour, resampled to the new number of notes.
- The source's backing vocals (their words are the old lyrics) are dropped; backing lines of the
  new lyrics are not sung.

Deterministic in the ``rng`` passed in.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from tunesmith.music.compose.melody import fit_vocal_line
from tunesmith.music.edit.common import EPS
from tunesmith.music.edit.window import _window_skeleton, sing_in_window
from tunesmith.music.lyrics.sections import LyricLine, LyricSection, ParsedLyrics, parse_lyrics, sung_text
from tunesmith.music.score import Score, VocalNote

__all__ = ["refit_lyrics"]


def _source_lines(score: Score) -> list[list[VocalNote]]:
    """The source's sung lead lines, each its notes in time order, lines in time order."""
    lines: dict[int, list[VocalNote]] = {}
    for v in score.vocals:
        if not v.backing:
            lines.setdefault(v.line_index, []).append(v)
    ordered = [sorted(notes, key=lambda v: v.start_beat) for notes in lines.values()]
    return sorted(ordered, key=lambda notes: notes[0].start_beat)


def _assign(n_new: int, n_source: int) -> list[list[int]]:
    """For each source line, the indices of the new lines it carries."""
    groups: list[list[int]] = [[] for _ in range(n_source)]
    for i in range(n_new):
        groups[i if n_new <= n_source else i * n_source // n_new].append(i)
    return groups


def refit_lyrics(score: Score, lyrics: str, rng: np.random.Generator) -> Score:
    """``score`` singing ``lyrics`` on its own vocal line (see the module docstring): vocals and
    ``lyrics`` replaced, everything else kept. A score with no sung line gets a new line over the
    whole song (``sing_in_window``). Empty ``lyrics`` leaves the score unchanged."""
    parsed = parse_lyrics(lyrics)
    sections = [
        LyricSection(kind=s.kind, label=s.label, lines=[line for line in s.lines if not line.backing])
        for s in parsed.sections
    ]
    sections = [s for s in sections if s.lines]
    new_lines: list[tuple[LyricSection, LyricLine]] = [(s, line) for s in sections for line in s.lines]
    if not new_lines:
        return score
    source_lines = _source_lines(score)
    if not source_lines:
        return sing_in_window(score, 0, score.total_bars, sung_text(ParsedLyrics(sections=sections)), rng)
    bpb = score.beats_per_bar
    gender = score.vocal_gender or "f"
    vocals: list[VocalNote] = []
    word_offset = 0
    for src, carried in zip(source_lines, _assign(len(new_lines), len(source_lines)), strict=True):
        if not carried:
            continue
        s0, s1 = src[0].start_beat, max(v.end_beat for v in src)
        bar0 = max(0, math.floor(s0 / bpb + EPS))
        bar1 = min(score.total_bars, max(bar0 + 1, math.ceil(s1 / bpb - EPS)))
        sub = _window_skeleton(score, bar0, bar1, gender)
        first_section = new_lines[carried[0]][0]
        sub_lyrics = ParsedLyrics(
            sections=[
                LyricSection(
                    kind=first_section.kind,
                    label=first_section.label,
                    lines=[new_lines[i][1] for i in carried],
                )
            ]
        )
        fitted = sorted(
            (v for v in fit_vocal_line(sub, sub_lyrics, rng=rng) if not v.backing), key=lambda v: v.start_beat
        )
        if not fitted:
            continue
        placed: list[VocalNote] = []
        if len(fitted) == len(src):
            for new, old in zip(fitted, src, strict=True):
                placed.append(
                    replace(new, start_beat=old.start_beat, length_beats=old.length_beats, pitch=old.pitch)
                )
        else:
            f0 = fitted[0].start_beat
            f1 = max(v.end_beat for v in fitted)
            scale = (s1 - s0) / max(f1 - f0, 1e-6)
            n, m = len(fitted), len(src)
            for k, new in enumerate(fitted):
                j = round(k * (m - 1) / (n - 1)) if n > 1 else 0
                start = s0 + (new.start_beat - f0) * scale
                placed.append(
                    replace(
                        new,
                        start_beat=round(start, 6),
                        length_beats=round(max(0.05, new.length_beats * scale), 6),
                        pitch=src[j].pitch,
                    )
                )
        for k in range(len(placed) - 1):  # lead notes never overlap (rounding of the fitted times)
            gap = placed[k + 1].start_beat - placed[k].start_beat
            if placed[k].length_beats > gap:
                placed[k] = replace(placed[k], length_beats=round(max(0.01, gap), 6))
        words = max(v.word_index for v in placed) + 1
        vocals += [
            replace(v, line_index=carried[v.line_index], word_index=v.word_index + word_offset)
            for v in placed
        ]
        word_offset += words
    out = replace(score, vocals=sorted(vocals, key=lambda v: (v.start_beat, -v.pitch)))
    out.lyrics = sung_text(ParsedLyrics(sections=sections))
    return out
