"""Re-arranging a form: the accompaniment of a Style over a Score's sections and chords.

The composer (:func:`tunesmith.music.compose.compose`) invents form, harmony and parts together;
edits keep the form and harmony of a source and only need the parts. :func:`arrange` plays the
same building blocks the composer uses (``drum_parts``, ``bass_line``, ``comp_part``,
``melody_part``, ``counter_part``) over given sections and chords, with the same rules: a part
plays the sections whose energy reaches its ``enter_energy``, a lead instrument rests where the
voice sings, and no section is left without harmony.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tunesmith.music.compose.bass import bass_line
from tunesmith.music.compose.grooves import drum_parts
from tunesmith.music.compose.parts import (
    Motif,
    comp_part,
    counter_part,
    empty_track,
    melody_part,
    part_register,
    voicings_for,
)
from tunesmith.music.score import Note, Score, Section, Track
from tunesmith.music.style.model import InstrumentPart, Style
from tunesmith.music.theory.meter import swing_position

_GROOVE_ALIAS = {
    "post_chorus": "chorus",
    "drop": "chorus",
    "pre_chorus": "verse",
    "solo": "chorus",
    "instrumental": "verse",
    "breakdown": "bridge",
    "intro": "verse",
    "outro": "verse",
}
_VOICES = {"chords": 4, "pad": 4, "arp": 3}
_BASE_VELOCITY = {"chords": 86.0, "pad": 70.0, "arp": 78.0}
_PITCHED = ("chords", "pad", "arp", "bass", "lead", "counter")

COMP_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "sustain": ("block_quarters", "broken_ballad", "pulse_eighths"),
    "block_quarters": ("block_eighths", "sustain", "broken_ballad"),
    "block_eighths": ("block_quarters", "pulse_eighths", "strum_folk"),
    "offbeat_skank": ("stabs", "block_quarters"),
    "strum_folk": ("block_eighths", "arpeggio_updown", "block_quarters"),
    "power_chords": ("block_eighths", "pulse_eighths"),
    "arpeggio_up": ("arpeggio_updown", "broken_ballad"),
    "arpeggio_updown": ("arpeggio_up", "broken_ballad"),
    "broken_ballad": ("arpeggio_up", "sustain", "block_quarters"),
    "stabs": ("offbeat_skank", "funk_chops", "pulse_eighths"),
    "funk_chops": ("stabs", "block_eighths"),
    "bossa_comp": ("jazz_comp", "broken_ballad"),
    "jazz_comp": ("bossa_comp", "block_quarters"),
    "waltz_oompah": ("arpeggio_up", "sustain"),
    "tremolo": ("sustain", "block_eighths"),
    "pulse_eighths": ("block_eighths", "stabs", "arpeggio_up"),
    "chiptune_arp": ("arpeggio_updown", "pulse_eighths"),
    "gospel_stride": ("block_quarters", "broken_ballad"),
}
"""Related comping patterns, for variations (remaster) that change figures but not the feel."""


@dataclass(frozen=True)
class Variant:
    """Optional departures from a style's own parts (used by remaster's variations).

    ``comp`` maps a part name to the comping pattern it plays instead; ``bass`` replaces the bass
    style; ``drum_energy_shift`` moves the energy the drum grooves read (another groove tier).
    """

    comp: dict[str, str] = field(default_factory=dict)
    bass: str | None = None
    drum_energy_shift: float = 0.0


def unique_names(parts: list[InstrumentPart]) -> list[str]:
    """Track names for ``parts``, unique (``piano``, ``piano_2`` …), as the composer names them."""
    seen: dict[str, int] = {}
    out = []
    for part in parts:
        seen[part.name] = seen.get(part.name, 0) + 1
        out.append(part.name if seen[part.name] == 1 else f"{part.name}_{seen[part.name]}")
    return out


def _groove_for(style: Style, kind: str) -> str:
    grooves = style.genre.grooves
    return (
        grooves.get(kind) or grooves.get(_GROOVE_ALIAS.get(kind, "verse")) or grooves.get("default") or "none"
    )


def arrange(
    skeleton: Score,
    style: Style,
    rng: np.random.Generator,
    *,
    sung: set[int] | None = None,
    variant: Variant | None = None,
    with_lead: bool = True,
) -> list[Track]:
    """The accompaniment of ``style`` over ``skeleton``'s sections, chords, key and meter.

    ``sung``: indices of sections where the voice sings (the lead instrument rests there, except
    in instrumental section kinds). ``with_lead=False`` leaves out lead melodies (callers that
    keep a source's lead line). Deterministic in ``rng``. Notes are in beats, swung by the
    style's swing, and end by the skeleton's last bar line plus one beat.
    """
    variant = variant or Variant()
    sung = sung or set()
    sections = skeleton.sections
    chords = skeleton.chords
    meter = skeleton.meter
    bar_beats = skeleton.beats_per_bar
    genre = style.genre
    parts = [p for p in style.instruments if p.group not in style.groups_excluded]
    if not with_lead:
        parts = [p for p in parts if p.role != "lead"]
    names = unique_names(parts)
    section_grooves = [_groove_for(style, s.kind) for s in sections]
    has_kit = any(p.role == "drums" for p in parts)
    has_perc = any(p.role == "percussion" for p in parts)
    drum_sections = sections
    if variant.drum_energy_shift:
        drum_sections = [
            Section(
                s.kind,
                s.label,
                s.start_bar,
                s.bars,
                float(np.clip(s.energy + variant.drum_energy_shift, 0, 1)),
            )
            for s in sections
        ]
    drums = drum_parts(
        drum_sections, section_grooves, meter, fill=genre.fill, rng=rng, percussion_track=has_perc
    )
    instrumental_kinds = ("intro", "instrumental", "solo", "breakdown", "outro", "drop")

    def active_for(part: InstrumentPart) -> list[bool]:
        flags = [s.energy + 1e-9 >= part.enter_energy for s in sections]
        if part.role == "lead" and sung:
            flags = [
                f and (i not in sung or s.kind in instrumental_kinds)
                for i, (f, s) in enumerate(zip(flags, sections, strict=True))
            ]
        if not any(flags) and part.role != "lead":
            top = max(s.energy for s in sections)
            flags = [s.energy >= top - 1e-9 for s in sections]
        return flags

    actives = [active_for(p) for p in parts]
    harmonic = [i for i, p in enumerate(parts) if p.role in ("chords", "pad", "arp")] or [
        i for i, p in enumerate(parts) if p.role in _PITCHED
    ]
    if harmonic:
        fallback = min(harmonic, key=lambda i: (parts[i].enter_energy, i))
        for si in range(len(sections)):
            if not any(actives[i][si] for i in harmonic):
                actives[fallback][si] = True

    motifs: dict[str, Motif] = {}
    tracks: list[Track] = []
    for i, part in enumerate(parts):
        register = part_register(part, style.register_shift)
        track = empty_track(part, names[i])
        active = actives[i]
        if part.role == "drums":
            if not has_kit or all(g == "none" for g in section_grooves):
                continue
            track.program, track.is_drum, track.group = genre.drum_kit, True, "drums"
            track.notes = list(drums.kit)
        elif part.role == "percussion":
            track.is_drum, track.group = True, "percussion"
            track.notes = list(drums.percussion)
        elif part.role == "bass":
            track.notes = bass_line(
                variant.bass or genre.bass,
                sections,
                active,
                chords,
                bar_beats,
                drums.kicks,
                register=register,
                rng=rng,
            )
        elif part.role in ("chords", "pad", "arp"):
            voicings = voicings_for(chords, register, voices=_VOICES[part.role])
            pattern = variant.comp.get(names[i], part.comp)
            if part.role == "arp" and pattern == "sustain":
                pattern = "arpeggio_up"
            track.notes = comp_part(
                pattern,
                sections,
                active,
                chords,
                voicings,
                bar_beats,
                register=register,
                rng=rng,
                base_velocity=_BASE_VELOCITY[part.role],
            )
        elif part.role == "lead":
            track.notes = melody_part(
                sections, active, chords, skeleton.key, meter, register=register, rng=rng, motifs=motifs
            )
        elif part.role == "counter":
            track.notes = counter_part(sections, active, chords, bar_beats, register=register, rng=rng)
        else:
            continue
        track.notes = tidy(track.notes, style.swing, genre.swing_unit_beats, skeleton.total_beats + 1.0)
        if track.notes:
            tracks.append(track)
    return tracks


def tidy(notes: list[Note], swing: float, unit_beats: float, end_beat: float) -> list[Note]:
    """Swing, clip to ``end_beat``, drop duplicates (same onset and pitch: the loudest stays), sort."""
    best: dict[tuple[float, int], tuple[float, int]] = {}
    for note in notes:
        start, end = note.start_beat, note.end_beat
        if swing > 0:
            start = swing_position(start, swing, unit_beats=unit_beats)
            end = swing_position(end, swing, unit_beats=unit_beats)
        end = min(end, end_beat)
        if start >= end_beat - 1e-6 or end - start < 0.02:
            continue
        key = (round(start, 6), note.pitch)
        previous = best.get(key)
        if previous is None or previous[1] < note.velocity:
            best[key] = (round(end - key[0], 6), note.velocity)
    return [Note(p, s, length, v) for (s, p), (length, v) in sorted(best.items())]
