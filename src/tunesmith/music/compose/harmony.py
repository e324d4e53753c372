"""Harmony: the chord track of a form, from the genre's progressions, with cadences.

Each section kind picks one progression (rng) from the genre's candidates for that kind (else
its ``"default"`` ones, else a built-in loop for the mode), so repeated sections repeat their
harmony. Chords last the genre's harmonic rhythm. Section ends get a cadence in the genre's
manner before choruses/drops, and the song ends on the tonic, held for the whole last bar.
"""

from __future__ import annotations

import re

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.score import Chord, Section
from tunesmith.music.style.model import Genre
from tunesmith.music.theory.chords import ChordSpec, chord_symbol, parse_roman
from tunesmith.music.theory.keys import Key

FALLBACK_PROGRESSIONS: dict[bool, tuple[tuple[str, ...], ...]] = {
    False: (("I", "V", "vi", "IV"), ("I", "vi", "IV", "V"), ("vi", "IV", "I", "V")),
    True: (("i", "VI", "III", "VII"), ("i", "iv", "VI", "V"), ("i", "VII", "VI", "VII")),
}
"""Loops used when a genre names none for a section (by ``key.is_minor``)."""

_FLAT_TONICS_MAJOR = {5, 10, 3, 8, 1}

CadenceStyle = str
"""``authentic`` (V7 → I), ``plagal`` (IV → I), ``modal`` (bVII → I), ``loop`` (no cadence
inside the song; the ending still lands on the tonic)."""


def cadence_style(genre: Genre) -> CadenceStyle:
    """The genre's way of closing phrases, from its family and key words."""
    words = f"{genre.family} {genre.key}".lower()
    if any(w in words for w in ("gospel", "soul", "hymn")):
        return "plagal"
    if any(w in words for w in ("rock", "metal", "punk", "grunge", "celtic", "folk")):
        return "modal"
    if any(
        w in words
        for w in (
            "house",
            "techno",
            "edm",
            "trance",
            "ambient",
            "lofi",
            "lo-fi",
            "trap",
            "drill",
            "dubstep",
            "drum",
            "dnb",
            "synthwave",
            "electronic",
            "hip",
        )
    ):
        return "loop"
    return "authentic"


def uses_flats(key: Key) -> bool:
    """Whether chord symbols in ``key`` are spelled with flats (as its key signature is)."""
    offsets = {
        "major": 0,
        "minor": 3,
        "dorian": -2,
        "phrygian": -4,
        "lydian": -5,
        "mixolydian": -7,
        "locrian": 1,
        "harmonic minor": 3,
    }
    return (key.tonic_pc + offsets[key.mode]) % 12 in _FLAT_TONICS_MAJOR


def split_progression(progression: tuple[str, ...] | list[str] | str) -> list[str]:
    """Numerals of a progression given as a tuple of numerals or as one ``"I-V-vi-IV"`` string."""
    items = [progression] if isinstance(progression, str) else list(progression)
    out: list[str] = []
    for item in items:
        out.extend(t for t in re.split(r"[\s,\-–|]+", item) if t)
    return out


def chord_length_beats(genre_beats: float, bar_beats: float) -> float:
    """Harmonic rhythm in beats for a bar of ``bar_beats``: the genre's value, in whole bars for
    values of a bar or more, else the largest divisor of the bar not above it."""
    if genre_beats <= 0:
        raise InvalidParameter("harmonic_rhythm_beats must be positive.", field="harmonic_rhythm_beats")
    if abs(bar_beats - 4.0) < 1e-9 and genre_beats in (1.0, 2.0, 4.0, 8.0, 16.0):
        return genre_beats
    if genre_beats >= bar_beats * 0.75:
        return max(1, round(genre_beats / 4.0)) * bar_beats
    for candidate in (bar_beats / 2, bar_beats / 3, bar_beats / 4):
        if candidate <= genre_beats + 1e-9 and candidate >= 1.0:
            return candidate
    return bar_beats


def _cadence_chord(style: CadenceStyle, key: Key) -> ChordSpec:
    if style == "plagal":
        return parse_roman("iv" if key.is_minor else "IV", key)
    if style == "modal":
        return parse_roman("bVII", key)
    if key.mode in ("dorian", "phrygian", "mixolydian", "lydian", "locrian"):
        return parse_roman("bVII" if key.mode != "lydian" else "V", key)
    return ChordSpec((key.tonic_pc + 7) % 12, "7", None, "V7")


def _tonic(key: Key) -> ChordSpec:
    return ChordSpec(key.tonic_pc, "min" if key.is_minor else "maj", None, "i" if key.is_minor else "I")


def progression_for(genre: Genre, kind: str, key: Key, rng: np.random.Generator) -> list[ChordSpec]:
    """One progression for section ``kind`` (parsed in ``key``), chosen with ``rng``.

    The candidates come from the genre's table for the key's mode family
    (``progressions_by_family["minor"/"major"]``) when it has one, else ``genre.progressions``.
    """
    table = genre.progressions_by_family.get("minor" if key.is_minor else "major") or genre.progressions
    candidates = table.get(kind) or table.get("default")
    if not candidates:
        alias = {
            "pre_chorus": "verse",
            "post_chorus": "chorus",
            "drop": "chorus",
            "solo": "verse",
            "instrumental": "verse",
            "breakdown": "bridge",
            "intro": "verse",
            "outro": "chorus",
        }
        candidates = table.get(alias.get(kind, "verse")) or FALLBACK_PROGRESSIONS[key.is_minor]
    choice = candidates[int(rng.integers(len(candidates)))]
    numerals = split_progression(choice)
    if not numerals:
        raise InvalidParameter(f"Empty progression for '{kind}' in genre '{genre.key}'.", field="progression")
    return [parse_roman(n, key) for n in numerals]


def build_chords(
    sections: list[Section],
    genre: Genre,
    key: Key,
    bar_beats: float,
    rng: np.random.Generator,
) -> list[Chord]:
    """The chord track of the whole form (contiguous, no gaps), with cadences and a tonic ending."""
    flats = uses_flats(key)
    length = chord_length_beats(genre.harmonic_rhythm_beats, bar_beats)
    cadence = cadence_style(genre)
    by_kind: dict[str, list[ChordSpec]] = {}
    chords: list[Chord] = []
    for index, section in enumerate(sections):
        if section.kind not in by_kind:
            by_kind[section.kind] = progression_for(genre, section.kind, key, rng)
        loop = by_kind[section.kind]
        start = section.start_bar * bar_beats
        end = section.end_bar * bar_beats
        slots: list[tuple[float, float]] = []
        t = start
        while t < end - 1e-9:
            slots.append((t, min(length, end - t)))
            t += length
        specs = [loop[i % len(loop)] for i in range(len(slots))]
        following = sections[index + 1] if index + 1 < len(sections) else None
        is_last = following is None
        if is_last:
            # The ending: the last bar is the tonic, the bar before it the cadence chord.
            last_bar_start = end - bar_beats
            slots = [(s, min(ln, last_bar_start - s)) for s, ln in slots if s < last_bar_start - 1e-9]
            specs = specs[: len(slots)]
            if slots:
                specs[-1] = _cadence_chord("authentic" if cadence == "loop" else cadence, key)
            slots.append((last_bar_start, bar_beats))
            specs.append(_tonic(key))
        elif following is not None and (
            following.kind in ("chorus", "drop")
            and section.kind not in ("chorus", "drop")
            and cadence != "loop"
        ):
            specs[-1] = _cadence_chord(cadence, key)
        for (s, ln), spec in zip(slots, specs, strict=True):
            if ln <= 1e-9:
                continue
            chords.append(
                Chord(
                    start_beat=round(s, 6),
                    length_beats=round(ln, 6),
                    root_pc=spec.root_pc,
                    quality=spec.quality,
                    symbol=chord_symbol(spec.root_pc, spec.quality, spec.bass_pc, flats=flats),
                    bass_pc=spec.bass_pc,
                    numeral=spec.numeral,
                )
            )
    return chords


def chord_at(chords: list[Chord], beat: float) -> Chord:
    """The chord sounding at ``beat`` (the first/last chord outside the track's range)."""
    lo, hi = 0, len(chords) - 1
    if beat < chords[0].start_beat:
        return chords[0]
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if chords[mid].start_beat <= beat + 1e-9:
            lo = mid
        else:
            hi = mid - 1
    return chords[lo]


__all__ = [
    "FALLBACK_PROGRESSIONS",
    "build_chords",
    "cadence_style",
    "chord_at",
    "chord_length_beats",
    "progression_for",
    "split_progression",
    "uses_flats",
]
