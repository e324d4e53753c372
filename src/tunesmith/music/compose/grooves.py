"""Drum grooves: step patterns read from ``data/grooves.toml``, fills, crashes and the ending.

Every groove in :data:`tunesmith.music.style.model.GROOVES` (``"none"`` excepted) is a table of
step strings in the data file; this module turns them into drum-kit and percussion notes for a
whole form. Times are in beats (quarter notes) from the song start; pitches are GM drum keys.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose.humanize import Jitter
from tunesmith.music.score import Note, Section
from tunesmith.music.theory.meter import beats_per_bar

DRUM_KEYS: dict[str, int] = {
    "kick": 36,
    "kick2": 35,
    "rim": 37,
    "snare": 38,
    "clap": 39,
    "snare2": 40,
    "floor": 41,
    "hat": 42,
    "floor_hi": 43,
    "pedal": 44,
    "tom_low": 45,
    "open": 46,
    "tom_mid": 47,
    "tom_hi": 50,
    "crash": 49,
    "china": 52,
    "ride": 51,
    "bell": 53,
    "tambourine": 54,
    "splash": 55,
    "cowbell": 56,
    "crash2": 57,
    "bongo_hi": 60,
    "bongo_low": 61,
    "conga_mute": 62,
    "conga_hi": 63,
    "conga_low": 64,
    "timbale_hi": 65,
    "timbale_low": 66,
    "agogo": 67,
    "cabasa": 69,
    "shaker": 70,
    "guiro": 73,
    "clave": 75,
    "woodblock": 76,
    "triangle": 81,
}
"""Step-line names of the data file → General MIDI drum keys."""

PERCUSSION_LINES = frozenset(
    {
        "tambourine",
        "cowbell",
        "bongo_hi",
        "bongo_low",
        "conga_mute",
        "conga_hi",
        "conga_low",
        "timbale_hi",
        "timbale_low",
        "agogo",
        "cabasa",
        "shaker",
        "guiro",
        "clave",
        "woodblock",
        "triangle",
    }
)
"""Lines that belong to a percussion part (group ``percussion``) rather than the kit."""

STEP_VELOCITY = {"X": 118, "x": 96, "o": 58}
LIFT_ENERGY = 0.75
SPARSE_ENERGY = 0.35

Pattern = dict[str, tuple[tuple[float, str], ...]]
"""Line name → (offset in beats within the bar, step character) events."""


@dataclass(frozen=True)
class GrooveData:
    """One groove of the data file: its meter and main/lift/sparse step lines."""

    name: str
    meter: tuple[int, int]
    main: dict[str, str]
    lift: dict[str, str] = field(default_factory=dict)
    sparse: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=1)
def load_grooves() -> dict[str, GrooveData]:
    """Every groove of ``data/grooves.toml`` by name (validated: known sounds, step characters)."""
    text = resources.files("tunesmith.music.compose").joinpath("data/grooves.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    out: dict[str, GrooveData] = {}
    for name, table in raw.items():
        numerator, denominator = (int(x) for x in str(table["meter"]).split("/"))
        parts: dict[str, dict[str, str]] = {"main": {}, "lift": {}, "sparse": {}}
        for key, value in table.items():
            if key == "meter":
                continue
            if isinstance(value, dict):
                parts[key] = {str(k): str(v) for k, v in value.items()}
            else:
                parts["main"][key] = str(value)
        for lines in parts.values():
            for sound, steps in lines.items():
                if sound not in DRUM_KEYS or any(c not in "Xxo." for c in steps):
                    raise InvalidParameter(f"Groove '{name}' has a bad line '{sound}'.", field="groove")
        out[name] = GrooveData(name, (numerator, denominator), parts["main"], parts["lift"], parts["sparse"])
    return out


def _events(steps: str, bar_beats: float) -> tuple[tuple[float, str], ...]:
    if not steps:
        return ()
    step = bar_beats / len(steps)
    return tuple((i * step, c) for i, c in enumerate(steps) if c != ".")


def _fit_to_bar(
    events: tuple[tuple[float, str], ...], source_beats: float, bar_beats: float
) -> tuple[tuple[float, str], ...]:
    """Repeat or cut a bar's events written for ``source_beats`` so they fill ``bar_beats``."""
    if math.isclose(source_beats, bar_beats):
        return events
    out: list[tuple[float, str]] = []
    start = 0.0
    while start < bar_beats - 1e-9:
        out.extend((start + t, c) for t, c in events if start + t < bar_beats - 1e-9)
        start += source_beats
    return tuple(out)


@lru_cache(maxsize=512)
def groove_pattern(name: str, meter: tuple[int, int], tier: str = "main") -> Pattern:
    """The events of one bar of groove ``name`` in ``meter`` at energy ``tier``.

    ``tier`` is ``"main"``, ``"lift"`` (high energy) or ``"sparse"`` (low energy). A bar of a
    meter the groove is not written in borrows the waltz (3/4, 9/8) or six_eight (6/8, 12/8)
    groove, or repeats/cuts this one. Raises InvalidParameter for an unknown groove.
    """
    grooves = load_grooves()
    if name not in grooves:
        raise InvalidParameter(f"Unknown groove '{name}'.", field="groove")
    groove = grooves[name]
    bar_beats = beats_per_bar(meter)
    if groove.meter != meter and beats_per_bar(groove.meter) != bar_beats:
        if meter in ((3, 4), (9, 8)) and name != "waltz":
            return groove_pattern("waltz", meter, tier)
        if meter in ((6, 8), (12, 8)) and name != "six_eight":
            return groove_pattern("six_eight", meter, tier)
    lines = dict(groove.main)
    if tier == "lift":
        lines.update(groove.lift)
    elif tier == "sparse":
        lines.update(groove.sparse)
    source_beats = beats_per_bar(groove.meter)
    pattern: Pattern = {}
    for sound, steps in lines.items():
        events = _fit_to_bar(_events(steps, source_beats), source_beats, bar_beats)
        if events:
            pattern[sound] = events
    return pattern


def tier_for(energy: float) -> str:
    """The groove tier for a section energy: sparse below 0.35, lift from 0.75, else main."""
    if energy < SPARSE_ENERGY:
        return "sparse"
    if energy >= LIFT_ENERGY:
        return "lift"
    return "main"


@dataclass
class DrumResult:
    """The notes of the kit and percussion tracks, and every kick onset (beats) for the bass."""

    kit: list[Note] = field(default_factory=list)
    percussion: list[Note] = field(default_factory=list)
    kicks: list[float] = field(default_factory=list)


_DEFAULT_PERCUSSION = "x.o.x.o.x.o.x.o."


def _vel(base: int, energy: float, jit: Jitter, *, spread: float = 5.0) -> int:
    value = base * (0.78 + 0.28 * energy) + jit(spread)
    return int(min(127, max(1, round(value))))


def _fill(
    style: str, start: float, length: float, energy: float, rng: np.random.Generator, jit: Jitter
) -> list[Note]:
    """A fill over ``[start, start + length)`` beats in sixteenths."""
    notes: list[Note] = []
    steps = max(1, round(length / 0.25))
    if style == "snare_roll" or style == "build":
        for i in range(steps):
            vel = 60 + 60 * (i + 1) / steps
            notes.append(Note(DRUM_KEYS["snare"], start + i * 0.25, 0.2, _vel(int(vel), energy, jit)))
        return notes
    toms = ("tom_hi", "tom_hi", "tom_mid", "tom_mid", "tom_low", "tom_low", "floor", "floor")
    for i in range(steps):
        if i % 4 == 3 and rng.random() < 0.3:
            continue  # breathe: leave a gap now and then
        sound = toms[min(len(toms) - 1, i * len(toms) // steps)]
        notes.append(Note(DRUM_KEYS[sound], start + i * 0.25, 0.22, _vel(100, energy, jit)))
    notes.append(Note(DRUM_KEYS["kick"], start, 0.25, _vel(100, energy, jit)))
    return notes


def drum_parts(
    sections: list[Section],
    grooves: list[str],
    meter: tuple[int, int],
    *,
    fill: str,
    rng: np.random.Generator,
    percussion_track: bool,
) -> DrumResult:
    """Drum-kit and percussion notes for the whole form.

    ``grooves[i]`` is the groove of ``sections[i]`` (``"none"``: silence there). Each bar plays the
    groove at the tier its section's energy selects, with humanised velocities (from ``rng``);
    the last bar of a section before another one ends in a fill of style ``fill`` (``"toms"``,
    ``"snare_roll"``, ``"build"``: a two-bar snare build before choruses and drops, ``"none"``);
    a crash and kick mark the downbeat of every section with energy ≥ 0.45; the song's final bar
    is a single crash with kick (the ending). Percussion lines go to ``percussion`` when
    ``percussion_track``, else to the kit.
    """
    out = DrumResult()
    jit = Jitter(rng)
    bar_beats = beats_per_bar(meter)
    total_bars = sections[-1].end_bar if sections else 0
    for index, (section, groove) in enumerate(zip(sections, grooves, strict=True)):
        if groove == "none":
            continue
        energy = section.energy
        pattern = groove_pattern(groove, meter, tier_for(energy))
        has_perc_lines = any(s in PERCUSSION_LINES for s in pattern)
        following = sections[index + 1] if index + 1 < len(sections) else None
        build = fill == "build" and following is not None and following.kind in ("chorus", "drop")
        for bar in range(section.start_bar, section.end_bar):
            bar_start = bar * bar_beats
            if bar == total_bars - 1 and bar > 0:
                # The ending: one crash with the kick on the final downbeat, then the ring-out.
                out.kit.append(Note(DRUM_KEYS["crash"], bar_start, bar_beats, _vel(120, 1.0, jit)))
                out.kit.append(Note(DRUM_KEYS["kick"], bar_start, 1.0, _vel(118, 1.0, jit)))
                out.kicks.append(bar_start)
                break
            last_bar = bar == section.end_bar - 1 and following is not None
            fill_from = bar_beats
            if last_bar and fill != "none" and section.bars >= 2:
                fill_len = 2.0 if energy >= 0.7 else 1.0
                fill_from = max(0.0, bar_beats - min(fill_len, bar_beats))
            if build and bar >= section.end_bar - 2 and section.bars >= 4:
                # Snare build: 8ths in the first bar, 16ths in the last, rising in velocity.
                first = bar == section.end_bar - 2
                step = 0.5 if first else 0.25
                count = round(bar_beats / step)
                for i in range(count):
                    rise = (i + (0 if first else count)) / (2 * count)
                    out.kit.append(
                        Note(
                            DRUM_KEYS["snare"],
                            bar_start + i * step,
                            step * 0.8,
                            _vel(int(60 + 60 * rise), energy, jit),
                        )
                    )
                out.kit.append(Note(DRUM_KEYS["kick"], bar_start, 0.25, _vel(100, energy, jit)))
                out.kicks.append(bar_start)
                continue
            for sound, events in pattern.items():
                to_perc = percussion_track and sound in PERCUSSION_LINES
                for offset, char in events:
                    if offset >= fill_from - 1e-9 and sound not in PERCUSSION_LINES:
                        continue
                    note = Note(
                        DRUM_KEYS[sound], bar_start + offset, 0.2, _vel(STEP_VELOCITY[char], energy, jit)
                    )
                    (out.percussion if to_perc else out.kit).append(note)
                    if sound in ("kick", "kick2"):
                        out.kicks.append(bar_start + offset)
            if percussion_track and not has_perc_lines and energy >= SPARSE_ENERGY:
                events = _fit_to_bar(_events(_DEFAULT_PERCUSSION, 4.0), 4.0, bar_beats)
                for offset, char in events:
                    out.percussion.append(
                        Note(
                            DRUM_KEYS["shaker"],
                            bar_start + offset,
                            0.2,
                            _vel(STEP_VELOCITY[char] - 10, energy, jit),
                        )
                    )
            if fill_from < bar_beats:
                out.kit.extend(_fill(fill, bar_start + fill_from, bar_beats - fill_from, energy, rng, jit))
                out.kicks.append(bar_start + fill_from)
        if section.energy >= 0.45 and section.start_bar < total_bars - 1:
            downbeat = section.start_bar * bar_beats
            out.kit.append(Note(DRUM_KEYS["crash"], downbeat, 2.0, _vel(112, energy, jit)))
            if downbeat not in out.kicks:
                out.kit.append(Note(DRUM_KEYS["kick"], downbeat, 0.25, _vel(110, energy, jit)))
                out.kicks.append(downbeat)
    out.kicks = sorted(set(out.kicks))
    return out


__all__ = [
    "DRUM_KEYS",
    "PERCUSSION_LINES",
    "DrumResult",
    "GrooveData",
    "drum_parts",
    "groove_pattern",
    "load_grooves",
    "tier_for",
]
