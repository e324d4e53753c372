"""Pitched parts: comping patterns, the lead/hook melody, counter lines and fx.

Comping (every pattern of :data:`tunesmith.music.style.model.COMP_PATTERNS`) plays voice-led
voicings (:func:`tunesmith.music.theory.voicing.voice_lead`) of the chord track inside each part's
register. A pattern is a one-bar figure of (offset, length, selector, velocity scale) read
against the chord sounding at each onset; selectors pick voices: ``all``, ``top`` (all but the
lowest), ``low``/``low5`` (root/fifth below the voicing), ``shell`` (3rd and 7th), ``down``/``up``
(strums), ``power`` (root-fifth-octave), ``arpN`` (the N-th note of an arpeggio).

The lead melody is motif-based: one one-bar motif (rhythm + scale-step contour) per section kind,
stated, answered (inverted), sequenced (moved up a step) and closed with a cadence in each
four-bar phrase; notes on strong beats are chord tones; steps are preferred over leaps.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose.humanize import Jitter
from tunesmith.music.score import Chord, Note, Section, Track
from tunesmith.music.style.model import InstrumentPart
from tunesmith.music.theory.chords import QUALITY_INTERVALS, chord_pcs
from tunesmith.music.theory.keys import Key
from tunesmith.music.theory.meter import strong_beats
from tunesmith.music.theory.voicing import voice_lead

Figure = tuple[tuple[float, float, str, float], ...]

_E = tuple(range(8))
COMP_FIGURES: dict[str, Figure] = {
    "block_quarters": tuple((float(b), 0.9, "all", 1.0 if b % 2 == 0 else 0.85) for b in range(4)),
    "block_eighths": tuple((i * 0.5, 0.42, "all", 1.0 if i % 2 == 0 else 0.78) for i in _E),
    "offbeat_skank": tuple((b + 0.5, 0.25, "top", 0.95) for b in range(4)),
    "strum_folk": (
        (0.0, 0.95, "down", 1.0),
        (1.0, 0.48, "down", 0.9),
        (1.5, 0.48, "up", 0.7),
        (2.5, 0.48, "up", 0.75),
        (3.0, 0.48, "down", 0.9),
        (3.5, 0.48, "up", 0.7),
    ),
    "power_chords": tuple((i * 0.5, 0.4, "power", 1.0 if i % 2 == 0 else 0.82) for i in _E),
    "arpeggio_up": tuple((i * 0.5, 0.5, f"arp{i}", 0.85 if i % 2 else 0.95) for i in _E),
    "arpeggio_updown": tuple((i * 0.5, 0.5, f"bounce{i}", 0.85 if i % 2 else 0.95) for i in _E),
    "broken_ballad": (
        (0.0, 4.0, "low", 1.0),
        (0.5, 3.5, "arp0", 0.75),
        (1.0, 3.0, "arp1", 0.8),
        (1.5, 2.5, "arp2", 0.75),
        (2.0, 2.0, "low5", 0.85),
        (2.5, 1.5, "arp1", 0.75),
        (3.0, 1.0, "arp2", 0.8),
        (3.5, 0.5, "arp3", 0.72),
    ),
    "stabs": (
        (0.5, 0.25, "all", 1.0),
        (1.75, 0.2, "all", 0.85),
        (2.5, 0.25, "all", 1.0),
        (3.5, 0.25, "all", 0.9),
    ),
    "funk_chops": (
        (0.0, 0.15, "top", 1.0),
        (0.75, 0.12, "top", 0.8),
        (1.5, 0.15, "top", 0.9),
        (2.25, 0.12, "top", 0.75),
        (2.5, 0.15, "top", 0.9),
        (3.25, 0.12, "top", 0.8),
        (3.75, 0.12, "top", 0.7),
    ),
    "bossa_comp": (
        (0.0, 0.9, "low", 0.9),
        (0.0, 0.45, "top", 0.85),
        (1.5, 0.45, "top", 0.8),
        (2.0, 0.9, "low5", 0.85),
        (2.5, 0.45, "top", 0.8),
        (3.5, 0.45, "top", 0.8),
    ),
    "jazz_comp": ((0.0, 1.4, "shell", 0.9), (1.5, 0.45, "shell", 0.8)),
    "waltz_oompah": (
        (0.0, 0.9, "low", 1.0),
        (1.0, 0.8, "top", 0.8),
        (2.0, 0.9, "low5", 0.95),
        (3.0, 0.8, "top", 0.8),
    ),
    "tremolo": tuple((i * 0.25, 0.22, "all", 0.72) for i in range(16)),
    "pulse_eighths": tuple((i * 0.5, 0.48, "top", 0.95 if i % 2 == 0 else 0.8) for i in _E),
    "chiptune_arp": tuple((i * 0.25, 0.22, f"arp{i}", 0.85) for i in range(16)),
    "gospel_stride": (
        (0.0, 0.9, "low", 1.0),
        (1.0, 0.8, "top", 0.85),
        (2.0, 0.9, "low5", 0.95),
        (3.0, 0.45, "top", 0.85),
        (3.5, 0.45, "approach", 0.75),
    ),
}
"""One-bar (4/4) figures of every pattern but ``sustain`` (which holds each chord)."""

_WALTZ_3 = ((0.0, 0.9, "low", 1.0), (1.0, 0.8, "top", 0.8), (2.0, 0.8, "top", 0.8))


def figure_for(pattern: str, bar_beats: float) -> Figure:
    """The figure of ``pattern`` for a bar of ``bar_beats`` (waltz oom-pah in 3/4 is oom-pah-pah)."""
    if pattern == "waltz_oompah" and abs(bar_beats - 3.0) < 1e-9:
        return _WALTZ_3
    if pattern not in COMP_FIGURES:
        raise InvalidParameter(f"Unknown comp pattern '{pattern}'.", field="comp")
    return COMP_FIGURES[pattern]


def _chord_index(starts: list[float], beat: float, count: int) -> int:
    return max(0, min(count - 1, bisect_left(starts, beat + 1e-9) - 1))


def voicings_for(chords: list[Chord], register: tuple[int, int], *, voices: int) -> list[tuple[int, ...]]:
    """Voice-led voicings of every chord in ``register`` (one per chord, in order)."""
    out: list[tuple[int, ...]] = []
    previous: tuple[int, ...] | None = None
    for chord in chords:
        previous = voice_lead(previous, chord_pcs(chord.root_pc, chord.quality), register, voices=voices)
        out.append(previous)
    return out


def _select(
    sel: str, voicing: tuple[int, ...], chord: Chord, nxt: tuple[int, ...], register: tuple[int, int]
) -> list[tuple[int, float]]:
    """(pitch, onset delay in beats) of the voices a selector picks."""
    v = list(voicing)
    if sel == "all":
        return [(p, 0.0) for p in v]
    if sel == "top":
        return [(p, 0.0) for p in (v[1:] if len(v) >= 3 else v)]
    if sel in ("low", "low5"):
        pc = chord.bass_pc if chord.bass_pc is not None else chord.root_pc
        if sel == "low5":
            pc = (chord.root_pc + 7) % 12
        pitch = v[0] - ((v[0] - pc) % 12 or 12)
        while pitch < register[0] - 12:
            pitch += 12
        return [(pitch, 0.0)]
    if sel == "shell":
        intervals = QUALITY_INTERVALS.get(chord.quality, (0, 4, 7))
        guide = {(chord.root_pc + i) % 12 for i in intervals[1:2] + intervals[3:4]}
        chosen = [p for p in v if p % 12 in guide] or v[-2:]
        return [(p, 0.0) for p in chosen]
    if sel == "down":
        return [(p, 0.012 * i) for i, p in enumerate(v)]
    if sel == "up":
        return [(p, 0.012 * i) for i, p in enumerate(reversed(v[1:] if len(v) >= 3 else v))]
    if sel == "power":
        root = register[0] + (chord.root_pc - register[0]) % 12
        return [(root, 0.0), (root + 7, 0.0), (root + 12, 0.0)]
    if sel == "approach":
        return [(p - 1, 0.0) for p in (nxt[1:] if len(nxt) >= 3 else nxt)] if nxt != voicing else []
    if sel.startswith("arp"):
        i = int(sel[3:])
        seq = v + [p + 12 for p in v] if len(v) < 4 else v
        return [(seq[i % len(seq)], 0.0)]
    if sel.startswith("bounce"):
        i = int(sel[6:])
        seq = v + v[-2:0:-1]
        return [(seq[i % len(seq)], 0.0)]
    raise InvalidParameter(f"Unknown voice selector '{sel}'.", field="comp")


def comp_part(
    pattern: str,
    sections: list[Section],
    active: list[bool],
    chords: list[Chord],
    voicings: list[tuple[int, ...]],
    bar_beats: float,
    *,
    register: tuple[int, int],
    rng: np.random.Generator,
    base_velocity: float = 88.0,
) -> list[Note]:
    """The notes of a comping part playing ``pattern`` in the ``active`` sections."""
    if pattern != "sustain":
        figure_for(pattern, bar_beats)
    starts = [c.start_beat for c in chords]
    notes: list[Note] = []
    jitter = Jitter(rng)

    def add(pitch: int, start: float, length: float, energy: float, scale: float) -> None:
        vel = base_velocity * (0.7 + 0.35 * energy) * scale + jitter(3.0)
        pitch = min(127, max(0, pitch))
        notes.append(Note(pitch, start, max(0.05, length), int(min(127, max(1, vel)))))

    for section, on in zip(sections, active, strict=True):
        if not on:
            continue
        s0, s1 = section.start_bar * bar_beats, section.end_bar * bar_beats
        energy = section.energy
        if pattern == "sustain" or energy < 0.2:
            for ci, chord in enumerate(chords):
                if chord.end_beat <= s0 + 1e-9 or chord.start_beat >= s1 - 1e-9:
                    continue
                t0, t1 = max(s0, chord.start_beat), min(s1, chord.end_beat)
                for p in voicings[ci]:
                    add(p, t0, (t1 - t0) * 0.98, energy, 0.85)
            continue
        figure = figure_for(pattern, bar_beats)
        for bar in range(section.start_bar, section.end_bar):
            b0 = bar * bar_beats
            for offset, length, sel, scale in figure:
                if offset >= bar_beats - 1e-9:
                    continue
                t = b0 + offset
                ci = _chord_index(starts, t, len(chords))
                chord = chords[ci]
                nxt = voicings[min(len(voicings) - 1, ci + 1)]
                stop = min(b0 + bar_beats, t + length, chord.end_beat if sel != "approach" else t + length)
                for pitch, delay in _select(sel, voicings[ci], chord, nxt, register):
                    add(pitch, t + delay, stop - t - delay, energy, scale)
    return notes


# ---- melody ---------------------------------------------------------------------------------

_RHYTHMS: dict[float, tuple[tuple[tuple[float, float], ...], ...]] = {
    4.0: (
        ((0.0, 1.0), (1.0, 0.5), (1.5, 0.5), (2.0, 1.5), (3.5, 0.5)),
        ((0.0, 0.5), (0.5, 0.5), (1.0, 1.0), (2.0, 0.5), (2.5, 0.5), (3.0, 1.0)),
        ((0.0, 1.5), (1.5, 0.5), (2.0, 1.0), (3.0, 1.0)),
        ((0.0, 0.75), (0.75, 0.75), (1.5, 0.5), (2.0, 2.0)),
        ((0.0, 1.0), (1.0, 1.0), (2.0, 0.5), (2.5, 0.5), (3.0, 0.5), (3.5, 0.5)),
        ((0.0, 0.5), (0.5, 1.0), (1.5, 0.5), (2.0, 1.0), (3.0, 0.5), (3.5, 0.5)),
    ),
    3.0: (
        ((0.0, 1.0), (1.0, 0.5), (1.5, 0.5), (2.0, 1.0)),
        ((0.0, 1.5), (1.5, 0.5), (2.0, 1.0)),
        ((0.0, 0.5), (0.5, 0.5), (1.0, 1.0), (2.0, 1.0)),
        ((0.0, 1.0), (1.0, 0.5), (1.5, 1.0), (2.5, 0.5)),
    ),
}


def _rhythms(bar_beats: float) -> tuple[tuple[tuple[float, float], ...], ...]:
    if bar_beats in _RHYTHMS:
        return _RHYTHMS[bar_beats]
    whole = int(bar_beats)
    quarters = tuple((float(i), 1.0) for i in range(whole))
    rest = bar_beats - whole
    if rest > 1e-9:
        quarters = (*quarters, (float(whole), rest))
    eighths = tuple((i * 0.5, 0.5) for i in range(int(bar_beats / 0.5)))
    return quarters, eighths


@dataclass(frozen=True)
class Motif:
    """One bar of melody: onsets/lengths in beats within the bar and scale-step moves per note."""

    rhythm: tuple[tuple[float, float], ...]
    steps: tuple[int, ...]


def make_motif(bar_beats: float, rng: np.random.Generator, *, busy: bool = False) -> Motif:
    """A random motif: a rhythm template (busier for solos) and a mostly stepwise contour."""
    options = _rhythms(bar_beats)
    if busy:
        dense = [r for r in options if len(r) >= 5] or list(options)
        rhythm = dense[int(rng.integers(len(dense)))]
    else:
        rhythm = options[int(rng.integers(len(options)))]
    moves = np.array([-2, -1, 0, 1, 2, 3, -3])
    weights = np.array([0.14, 0.28, 0.08, 0.28, 0.12, 0.05, 0.05])
    steps = [0] + [int(x) for x in rng.choice(moves, size=len(rhythm) - 1, p=weights)]
    return Motif(rhythm, tuple(steps))


def _nearest_chord_tone(pitch: int, pcs: set[int], register: tuple[int, int]) -> int:
    for delta in (0, -1, 1, -2, 2, -3, 3, -4, 4, -5, 5, -6, 6):
        p = pitch + delta
        if p % 12 in pcs and register[0] <= p <= register[1]:
            return p
    return pitch


class _Scale:
    def __init__(self, key: Key, register: tuple[int, int]) -> None:
        self.key = key
        self.base = register[0] + (key.tonic_pc - register[0]) % 12 - 12
        self.register = register

    def pitch(self, degree: int) -> int:
        return self.base + 12 * (degree // 7) + self.key.intervals[degree % 7]

    def degree(self, pitch: int) -> int:
        """The scale degree (counted from ``base``) whose pitch is nearest ``pitch``."""
        octave = (pitch - self.base) // 12
        best, best_d = 0, 10**9
        for d in range(7 * octave - 1, 7 * octave + 8):
            dist = abs(self.pitch(d) - pitch)
            if dist < best_d:
                best, best_d = d, dist
        return best


def melody_part(
    sections: list[Section],
    active: list[bool],
    chords: list[Chord],
    key: Key,
    meter: tuple[int, int],
    *,
    register: tuple[int, int],
    rng: np.random.Generator,
    motifs: dict[str, Motif] | None = None,
) -> list[Note]:
    """A motif-based lead melody over the ``active`` sections (see the module docstring).

    ``motifs`` caches one motif per section kind (pass the same dict to repeat a hook across
    parts); notes on strong beats are chord tones of the chord sounding there.
    """
    bar_beats = meter[0] * 4.0 / meter[1]
    strong = strong_beats(meter)
    motifs = {} if motifs is None else motifs
    starts = [c.start_beat for c in chords]
    scale = _Scale(key, register)
    centre = (register[0] + register[1]) // 2
    notes: list[Note] = []
    jitter = Jitter(rng)
    for section, on in zip(sections, active, strict=True):
        if not on:
            continue
        if section.kind not in motifs:
            motifs[section.kind] = make_motif(bar_beats, rng, busy=section.kind in ("solo", "drop"))
        motif = motifs[section.kind]
        first_chord = chords[_chord_index(starts, section.start_bar * bar_beats, len(chords))]
        degree = scale.degree(
            _nearest_chord_tone(centre, set(chord_pcs(first_chord.root_pc, first_chord.quality)), register)
        )
        for j in range(section.bars):
            bar = section.start_bar + j
            b0 = bar * bar_beats
            pos = j % 4 if section.bars >= 4 else (j % 2) * 3
            last_of_section = j == section.bars - 1
            rhythm = list(motif.rhythm)
            steps = list(motif.steps)
            if pos == 1:
                steps = [-s for s in steps]  # answer: the motif inverted
            elif pos == 2:
                steps = [1, *steps[1:]]  # sequence: restated a step higher
            elif pos == 3 or last_of_section:
                # Cadence: the motif's opening, then a long note to the end of the bar.
                keep = [r for r in rhythm if r[0] < bar_beats / 2 - 1e-9][:2] or rhythm[:1]
                tail_start = keep[-1][0] + keep[-1][1]
                rhythm = (
                    [*keep, (tail_start, bar_beats - tail_start)] if tail_start < bar_beats - 0.24 else keep
                )
                steps = steps[: len(rhythm)]
                while len(steps) < len(rhythm):
                    steps.append(-1)
            for (offset, length), step in zip(rhythm, steps, strict=False):
                t = b0 + offset
                degree += step
                pitch = scale.pitch(degree)
                if pitch > register[1]:
                    degree -= 7 if step >= 0 else 2
                    pitch = scale.pitch(degree)
                elif pitch < register[0]:
                    degree += 7 if step <= 0 else 2
                    pitch = scale.pitch(degree)
                chord = chords[_chord_index(starts, t, len(chords))]
                on_strong = any(abs(offset - s) < 1e-9 for s in strong)
                final_note = last_of_section and offset + length >= bar_beats - 1e-9
                if on_strong or final_note or length >= 1.5:
                    pcs = set(chord_pcs(chord.root_pc, chord.quality))
                    if final_note and section.kind in ("chorus", "outro", "drop"):
                        pcs = {chord.root_pc}
                    pitch = _nearest_chord_tone(pitch, pcs, register)
                    degree = scale.degree(pitch)
                pitch = min(register[1], max(register[0], pitch))
                accent = 1.0 if on_strong else 0.86
                vel = (78 + 30 * section.energy) * accent + jitter(3.0)
                gate = 0.92 if length <= 1.0 else 0.96
                notes.append(Note(pitch, t, length * gate, int(min(127, max(1, vel)))))
    return notes


def counter_part(
    sections: list[Section],
    active: list[bool],
    chords: list[Chord],
    bar_beats: float,
    *,
    register: tuple[int, int],
    rng: np.random.Generator,
) -> list[Note]:
    """A counter line of guide tones: for each chord the 3rd or 7th nearest the previous note,
    held for the chord (soft, below a lead)."""
    notes: list[Note] = []
    jitter = Jitter(rng)
    previous = (register[0] + register[1]) // 2
    for section, on in zip(sections, active, strict=True):
        if not on:
            continue
        s0, s1 = section.start_bar * bar_beats, section.end_bar * bar_beats
        for chord in chords:
            if chord.start_beat < s0 - 1e-9 or chord.start_beat >= s1 - 1e-9:
                continue
            intervals = QUALITY_INTERVALS.get(chord.quality, (0, 4, 7))
            picked = intervals[1:2] + intervals[3:4]
            guides = {(chord.root_pc + i) % 12 for i in (picked or intervals[:1])}
            pitch = _nearest_chord_tone(previous, guides, register)
            vel = int(min(127, max(1, 62 + 30 * section.energy + jitter(3.0))))
            length = min(chord.end_beat, s1) - chord.start_beat
            notes.append(Note(pitch, chord.start_beat, length * 0.97, vel))
            previous = pitch
    return notes


__all__ = [
    "COMP_FIGURES",
    "Motif",
    "comp_part",
    "counter_part",
    "figure_for",
    "make_motif",
    "melody_part",
    "voicings_for",
]


def part_register(part: InstrumentPart, register_shift: int) -> tuple[int, int]:
    """The MIDI (low, high) range a part plays in: its own register moved by the style's
    ``register_shift`` semitones (bass and drum parts never move), kept within A0–C8 and at
    least an octave wide."""
    if part.role in ("bass", "drums", "percussion"):
        return part.register
    low = max(21, part.register[0] + register_shift)
    high = min(108, part.register[1] + register_shift)
    return (low, low + 12) if high - low < 12 else (low, high)


def empty_track(part: InstrumentPart, name: str) -> Track:
    """A Track with the part's sound and mix settings and no notes yet."""
    return Track(
        name=name,
        role=part.role,
        group=part.group,
        program=part.program,
        gain_db=part.gain_db,
        pan=part.pan,
        reverb_send=part.reverb_send,
        effects=tuple(part.effects),
    )
