"""Bass lines in every style of :data:`tunesmith.music.style.model.BASS_STYLES`.

A style is a one-bar figure of (offset in beats, length in beats, tone, velocity scale) read
against the chord sounding at each note (tones: ``R`` root or slash bass, ``5`` fifth, ``8``
octave, ``3`` third, ``7`` seventh, ``N`` the next chord's root, ``A`` a chromatic approach to
it), or a rule (``root_whole``, ``pedal_long``, ``walking``, ``waltz``, and the kick-following
``sub_808``, ``boom_bap``, ``rock_pedal``). All pitches lie in E1–G3 (MIDI 28–55).
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose.humanize import Jitter
from tunesmith.music.score import Chord, Note, Section
from tunesmith.music.theory.chords import QUALITY_INTERVALS

BASS_LOW, BASS_HIGH = 28, 55
"""The bass register: E1 … G3."""

Figure = tuple[tuple[float, float, str, float], ...]

FIGURES: dict[str, Figure] = {
    "root_eighths": tuple((i * 0.5, 0.45, "R", 1.0 if i % 2 == 0 else 0.85) for i in range(8)),
    "root_fifth": ((0.0, 0.95, "R", 1.0), (2.0, 0.95, "5", 0.9)),
    "octave_eighths": tuple(
        (i * 0.5, 0.4, "R" if i % 2 == 0 else "8", 1.0 if i % 2 == 0 else 0.9) for i in range(8)
    ),
    "funk_syncopated": (
        (0.0, 0.45, "R", 1.0),
        (0.75, 0.2, "R", 0.45),
        (1.5, 0.25, "8", 0.9),
        (1.75, 0.2, "7", 0.7),
        (2.5, 0.4, "R", 0.95),
        (3.0, 0.2, "R", 0.45),
        (3.25, 0.2, "5", 0.8),
        (3.5, 0.4, "8", 0.9),
    ),
    "reggae": (
        (0.5, 0.45, "R", 0.9),
        (1.0, 0.9, "R", 0.95),
        (2.5, 0.45, "5", 0.85),
        (3.0, 0.45, "3", 0.8),
        (3.5, 0.45, "5", 0.75),
    ),
    "tumbao": ((1.5, 1.45, "5", 0.95), (3.0, 0.95, "N", 1.0)),
    "arpeggiated": (
        (0.0, 0.45, "R", 1.0),
        (0.5, 0.45, "5", 0.8),
        (1.0, 0.45, "8", 0.85),
        (1.5, 0.45, "5", 0.8),
        (2.0, 0.45, "R", 0.95),
        (2.5, 0.45, "5", 0.8),
        (3.0, 0.45, "8", 0.85),
        (3.5, 0.45, "3", 0.8),
    ),
    "bossa": ((0.0, 1.4, "R", 1.0), (1.5, 0.45, "5", 0.8), (2.0, 1.4, "5", 0.9), (3.5, 0.45, "R", 0.8)),
    "reese": ((0.0, 2.9, "R", 1.0), (3.0, 0.9, "R", 0.8)),
    "pop_syncopated": (
        (0.0, 1.4, "R", 1.0),
        (1.5, 1.0, "R", 0.85),
        (3.0, 0.45, "5", 0.8),
        (3.5, 0.45, "N", 0.9),
    ),
}
RULES = ("root_whole", "pedal_long", "walking", "waltz", "sub_808", "boom_bap", "rock_pedal")
"""Styles built by rule rather than a figure (``none`` plays nothing)."""


def fold(pitch: int) -> int:
    """Move ``pitch`` by octaves into the bass register."""
    while pitch > BASS_HIGH:
        pitch -= 12
    while pitch < BASS_LOW:
        pitch += 12
    return pitch


def _root(chord: Chord, low: int) -> int:
    pc = chord.bass_pc if chord.bass_pc is not None else chord.root_pc
    return low + (pc - low) % 12


def _tone(tone: str, chord: Chord, nxt: Chord, low: int) -> int:
    root = low + (chord.root_pc - low) % 12
    intervals = QUALITY_INTERVALS.get(chord.quality, (0, 4, 7))
    if tone == "R":
        return _root(chord, low)
    if tone == "5":
        return fold(root + next((i for i in intervals if i in (6, 7, 8)), 7))
    if tone == "8":
        return fold(root + 12)
    if tone == "3":
        return fold(root + (intervals[1] if len(intervals) > 2 else 4))
    if tone == "7":
        return fold(root + next((i for i in intervals if i in (9, 10, 11)), 10))
    if tone == "N":
        return _root(nxt, low)
    if tone == "A":
        return fold(_root(nxt, low) - 1)
    raise InvalidParameter(f"Unknown bass tone '{tone}'.", field="bass")


def _chord_index(chords: list[Chord], starts: list[float], beat: float) -> int:
    i = bisect_left(starts, beat + 1e-9) - 1
    return max(0, min(len(chords) - 1, i))


def bass_line(
    style: str,
    sections: list[Section],
    active: list[bool],
    chords: list[Chord],
    bar_beats: float,
    kicks: list[float],
    *,
    register: tuple[int, int],
    rng: np.random.Generator,
) -> list[Note]:
    """The bass notes of the sections marked ``active``, in ``style`` (see the module docstring).

    ``kicks`` are the kick onsets in beats (the kick-following styles lock to them; without
    drums they fall back to a root figure). Velocities follow each section's energy, humanised
    by ``rng``. Raises InvalidParameter for an unknown style.
    """
    if style not in FIGURES and style not in RULES and style != "none":
        raise InvalidParameter(f"Unknown bass style '{style}'.", field="bass")
    if style == "none" or not chords:
        return []
    low = min(36, max(BASS_LOW, register[0]))
    starts = [c.start_beat for c in chords]
    notes: list[Note] = []
    jitter = Jitter(rng)

    def add(pitch: int, start: float, length: float, energy: float, scale: float) -> None:
        vel = 100 * (0.72 + 0.3 * energy) * scale + jitter(3.0)
        notes.append(Note(fold(pitch), start, max(0.1, length), int(min(127, max(1, vel)))))

    for section, on in zip(sections, active, strict=True):
        if not on:
            continue
        start, end = section.start_bar * bar_beats, section.end_bar * bar_beats
        energy = section.energy
        if style in ("root_whole", "pedal_long") or (energy < 0.3 and style not in ("walking", "waltz")):
            span = 2 * bar_beats if style == "pedal_long" else 0.0
            t = start
            while t < end - 1e-9:
                ci = _chord_index(chords, starts, t)
                chord = chords[ci]
                stop = min(end, t + span) if span else min(end, chord.end_beat)
                add(_root(chord, low), t, (stop - t) * 0.97, energy, 0.95)
                t = stop
            continue
        for bar in range(section.start_bar, section.end_bar):
            b0 = bar * bar_beats
            bar_kicks = [k - b0 for k in kicks if b0 - 1e-9 <= k < b0 + bar_beats - 1e-9]
            if style in ("sub_808", "boom_bap", "rock_pedal") and bar_kicks:
                if style == "rock_pedal":
                    for i in range(round(bar_beats / 0.5)):
                        t = i * 0.5
                        chord = chords[_chord_index(chords, starts, b0 + t)]
                        accent = 1.0 if any(abs(k - t) < 0.05 for k in bar_kicks) else 0.78
                        add(_root(chord, low), b0 + t, 0.45, energy, accent)
                    continue
                for j, k in enumerate(bar_kicks):
                    next_kick = bar_kicks[j + 1] if j + 1 < len(bar_kicks) else bar_beats
                    chord = chords[_chord_index(chords, starts, b0 + k)]
                    if style == "sub_808":
                        length = (next_kick - k) * 0.95
                        pitch = _root(chord, low)
                        if j == len(bar_kicks) - 1 and j > 0 and rng.random() < 0.25:
                            pitch += 12  # an octave jump on the last hit of the bar
                    else:
                        length = min(0.9, (next_kick - k) * 0.8)
                        pitch = _root(chord, low)
                    add(pitch, b0 + k, length, energy, 1.0)
                continue
            if style == "walking":
                beats = max(1, round(bar_beats))
                for i in range(beats):
                    t = b0 + i
                    ci = _chord_index(chords, starts, t)
                    chord = chords[ci]
                    nxt = chords[min(len(chords) - 1, ci + 1)]
                    if i == 0 or abs(chord.start_beat - t) < 1e-9:
                        pitch = _root(chord, low)
                    elif i == beats - 1 or abs(chord.end_beat - (t + 1)) < 1e-9:
                        target = _root(nxt, low)
                        pitch = fold(target + (1 if rng.random() < 0.5 else -1))
                    else:
                        pitch = _tone(str(rng.choice(["3", "5", "8", "5"])), chord, nxt, low)
                    add(pitch, t, 0.92, energy, 0.95 if i % 2 == 0 else 0.85)
                continue
            if style == "waltz" or (style in ("sub_808", "boom_bap", "rock_pedal") and not bar_kicks):
                chord = chords[_chord_index(chords, starts, b0)]
                nxt = chords[min(len(chords) - 1, _chord_index(chords, starts, b0) + 1)]
                tone = "R" if style != "waltz" or (bar - section.start_bar) % 2 == 0 else "5"
                add(
                    _tone(tone, chord, nxt, low),
                    b0,
                    min(bar_beats, 1.0 if style == "waltz" else 1.9) * 0.95,
                    energy,
                    1.0,
                )
                if style != "waltz" and bar_beats >= 3:
                    add(_tone("5", chord, nxt, low), b0 + 2, 0.9, energy, 0.85)
                continue
            figure = FIGURES[style]
            for offset, length, tone, scale in figure:
                if offset >= bar_beats - 1e-9:
                    continue
                t = b0 + offset
                ci = _chord_index(chords, starts, t)
                chord = chords[ci]
                nxt = chords[min(len(chords) - 1, ci + 1)]
                stop = min(b0 + bar_beats, t + length)
                add(_tone(tone, chord, nxt, low), t, stop - t, energy, scale)
    return notes


__all__ = ["BASS_HIGH", "BASS_LOW", "FIGURES", "RULES", "bass_line", "fold"]
