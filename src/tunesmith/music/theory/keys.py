"""Pitch classes, note names, modes and keys.

A key is a tonic pitch class (0 = C … 11 = B) and a mode name. Key names read like the contract's
``"A minor"``, ``"Bb major"``, ``"D dorian"``: the tonic is spelled as in the key signature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tunesmith.errors import InvalidParameter

MODE_INTERVALS: dict[str, tuple[int, ...]] = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "locrian": (0, 1, 3, 5, 6, 8, 10),
    "harmonic minor": (0, 2, 3, 5, 7, 8, 11),
}
"""Semitone offsets of each scale degree above the tonic, for every mode tunesmith writes in."""

MODE_ALIASES = {"ionian": "major", "aeolian": "minor", "maj": "major", "min": "minor", "m": "minor"}

_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
# Semitones from a mode's tonic down to its relative major's tonic.
_MODE_TO_MAJOR = {
    "major": 0,
    "minor": 3,
    "dorian": -2,
    "phrygian": -4,
    "lydian": -5,
    "mixolydian": -7,
    "locrian": 1,
    "harmonic minor": 3,
}
# Major keys (by tonic pc) whose signatures use flats.
_FLAT_MAJORS = {5, 10, 3, 8, 1}  # F, Bb, Eb, Ab, Db  (Gb/F# spelled F#)

_NOTE_RE = re.compile(r"^\s*([A-Ga-g])\s*([#b♯♭]|sharp|flat)?\s*$")


def pitch_class(name: str) -> int:
    """Pitch class of a note name such as ``"C"``, ``"F#"``, ``"Bb"``, ``"e flat"``.

    Raises :class:`InvalidParameter` (field ``key``) for anything else.
    """
    match = _NOTE_RE.match(name.replace("-", " ").replace(" ", "") if len(name) > 3 else name)
    if not match:
        raise InvalidParameter(f"Unknown note name '{name}' in key.", field="key")
    letter, accidental = match.group(1).upper(), match.group(2) or ""
    offset = 1 if accidental in ("#", "♯", "sharp") else -1 if accidental in ("b", "♭", "flat") else 0
    return (_LETTER_PC[letter] + offset) % 12


def note_name(pc: int, *, flats: bool = False) -> str:
    """The name of pitch class ``pc`` spelled with sharps, or flats when ``flats``."""
    return (_FLAT_NAMES if flats else _SHARP_NAMES)[pc % 12]


def midi_note_name(pitch: int) -> str:
    """Scientific name of a MIDI note: 60 → ``"C4"``, 69 → ``"A4"``."""
    return f"{_SHARP_NAMES[pitch % 12]}{pitch // 12 - 1}"


@dataclass(frozen=True)
class Key:
    """A tonic pitch class (0–11) and a mode from :data:`MODE_INTERVALS`."""

    tonic_pc: int
    mode: str

    def __post_init__(self) -> None:
        if self.mode not in MODE_INTERVALS:
            raise InvalidParameter(f"Unknown mode '{self.mode}' in key.", field="key")
        if not 0 <= self.tonic_pc <= 11:
            raise InvalidParameter("Key tonic must be a pitch class 0-11.", field="key")

    @property
    def intervals(self) -> tuple[int, ...]:
        return MODE_INTERVALS[self.mode]

    @property
    def scale_pcs(self) -> tuple[int, ...]:
        """The pitch classes of the scale, tonic first."""
        return tuple((self.tonic_pc + i) % 12 for i in self.intervals)

    @property
    def is_minor(self) -> bool:
        """True for modes with a minor third (minor, dorian, phrygian, locrian, harmonic minor)."""
        return self.intervals[2] == 3

    @property
    def name(self) -> str:
        """The contract's spelling, e.g. ``"A minor"``, ``"Bb major"``, ``"F# dorian"``."""
        major_pc = (self.tonic_pc + _MODE_TO_MAJOR[self.mode]) % 12
        return f"{note_name(self.tonic_pc, flats=major_pc in _FLAT_MAJORS)} {self.mode}"

    def relative(self) -> Key:
        """The relative major of a minor key, or the relative minor of a major key (else self)."""
        if self.mode == "major":
            return Key((self.tonic_pc + 9) % 12, "minor")
        if self.mode in ("minor", "harmonic minor"):
            return Key((self.tonic_pc + 3) % 12, "major")
        return self

    def degree_pc(self, degree: int) -> int:
        """Pitch class of scale degree ``degree`` (0-based; wraps across octaves)."""
        return (self.tonic_pc + self.intervals[degree % 7]) % 12


def parse_key(text: str) -> Key:
    """Parse ``"A minor"``, ``"Bb major"``, ``"F#m"``, ``"D dorian"``, ``"c"`` (major) into a Key.

    Raises :class:`InvalidParameter` naming the ``key`` field when the text is not a key.
    """
    cleaned = text.strip().replace("♯", "#").replace("♭", "b")
    match = re.match(r"^([A-Ga-g])\s*(#|b|sharp|flat)?\s*(.*)$", cleaned, flags=re.IGNORECASE)
    if not match:
        raise InvalidParameter(f"Unknown key '{text}'. Use a name like 'A minor' or 'Bb major'.", field="key")
    tonic = pitch_class(
        match.group(1) + (match.group(2) or "").lower().replace("sharp", "#").replace("flat", "b")
    )
    rest = match.group(3).strip().lower()
    if rest == "m":
        mode = "minor"
    else:
        rest = rest.removesuffix(" key").strip()
        mode = MODE_ALIASES.get(rest, rest) if rest else "major"
    if mode not in MODE_INTERVALS:
        raise InvalidParameter(f"Unknown key '{text}'. Use a name like 'A minor' or 'Bb major'.", field="key")
    return Key(tonic, mode)
