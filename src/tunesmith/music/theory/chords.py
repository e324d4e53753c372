"""Chords: qualities, roman numerals relative to a key, chord symbols and chord tones.

Qualities are the names :class:`~tunesmith.music.score.Chord` documents (``maj, min, dim, aug,
sus2, sus4, 7, maj7, min7, m7b5, dim7, 6, min6, 9, maj9, min9, add9, 5``).

Roman numerals (:func:`parse_roman`) read the way the style data writes them:

- the numeral's case gives the triad (``IV`` major, ``vi`` minor); ``°``/``o``/``dim`` makes it
  diminished, ``+``/``aug`` augmented, ``ø`` half-diminished;
- without an accidental the root is that degree of the key's **mode** (``VI`` in A minor is F);
  with ``b``/``#`` the root is the **major** scale degree flattened or sharpened (``bVII`` in C
  major or C minor is Bb, ``bVI`` is Ab) — the usual spelling of borrowed chords;
- suffixes ``7`` (dominant on upper case, minor seventh on lower case), ``maj7``, ``9``,
  ``maj9``, ``add9``, ``6``, ``sus2``, ``sus4``/``sus``, ``7sus4``, ``5``, ``°7``, ``ø7``/``m7b5``;
- ``/3``, ``/5``, ``/7``, ``/b7`` (a chord tone or interval in the bass: inversions and slash
  chords) and ``/V``, ``/vi`` … (secondary chords: ``V7/V`` is the dominant of the dominant).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tunesmith.errors import InvalidParameter
from tunesmith.music.theory.keys import MODE_INTERVALS, Key, note_name, pitch_class

QUALITY_INTERVALS: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7),
    "min": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "min7": (0, 3, 7, 10),
    "m7b5": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9),
    "6": (0, 4, 7, 9),
    "min6": (0, 3, 7, 9),
    "9": (0, 4, 7, 10, 14),
    "maj9": (0, 4, 7, 11, 14),
    "min9": (0, 3, 7, 10, 14),
    "add9": (0, 4, 7, 14),
    "5": (0, 7),
}
"""Semitones above the root of every chord quality, root first."""

QUALITY_SUFFIX: dict[str, str] = {
    "maj": "",
    "min": "m",
    "dim": "dim",
    "aug": "aug",
    "sus2": "sus2",
    "sus4": "sus4",
    "7": "7",
    "maj7": "maj7",
    "min7": "m7",
    "m7b5": "m7b5",
    "dim7": "dim7",
    "6": "6",
    "min6": "m6",
    "9": "9",
    "maj9": "maj9",
    "min9": "m9",
    "add9": "add9",
    "5": "5",
}
"""How each quality is written after the root in a chord symbol."""

_MAJOR = MODE_INTERVALS["major"]
_NUMERALS = ("VII", "III", "VI", "IV", "II", "V", "I")
_DEGREE = {"I": 0, "II": 1, "III": 2, "IV": 3, "V": 4, "VI": 5, "VII": 6}
_ROMAN_RE = re.compile(
    r"^(?P<acc>[b#♭♯]?)(?P<num>VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)"
    r"(?P<mod>°|o|dim|\+|aug|ø)?(?P<ext>maj9|maj7|M7|m7b5|7sus4|sus2|sus4|sus|add9|dim7|13|11|9|7|6|5)?$"
)
_SYMBOL_RE = re.compile(
    r"^(?P<root>[A-G][#b♯♭]?)(?P<q>maj9|maj7|M7|Δ7?|m7b5|ø7?|min7|min9|min6|min|m9|m7|m6|m|dim7|°7|dim|°|"
    r"aug|\+|sus2|sus4|sus|7sus4|add9|9|7|6|5)?(?:/(?P<bass>[A-G][#b♯♭]?))?$"
)
_SYMBOL_QUALITY = {
    None: "maj",
    "maj9": "maj9",
    "maj7": "maj7",
    "M7": "maj7",
    "Δ": "maj7",
    "Δ7": "maj7",
    "m7b5": "m7b5",
    "ø": "m7b5",
    "ø7": "m7b5",
    "min7": "min7",
    "min9": "min9",
    "min6": "min6",
    "min": "min",
    "m9": "min9",
    "m7": "min7",
    "m6": "min6",
    "m": "min",
    "dim7": "dim7",
    "°7": "dim7",
    "dim": "dim",
    "°": "dim",
    "aug": "aug",
    "+": "aug",
    "sus2": "sus2",
    "sus4": "sus4",
    "sus": "sus4",
    "7sus4": "sus4",
    "add9": "add9",
    "9": "9",
    "7": "7",
    "6": "6",
    "5": "5",
}


@dataclass(frozen=True)
class ChordSpec:
    """A chord without a time: root pitch class, quality, optional bass pitch class, numeral."""

    root_pc: int
    quality: str
    bass_pc: int | None = None
    numeral: str = ""

    @property
    def pcs(self) -> tuple[int, ...]:
        """The chord's pitch classes, root first (ninths reduced to pitch classes)."""
        return chord_pcs(self.root_pc, self.quality)

    def symbol(self, *, flats: bool = False) -> str:
        return chord_symbol(self.root_pc, self.quality, self.bass_pc, flats=flats)


def chord_pcs(root_pc: int, quality: str) -> tuple[int, ...]:
    """Pitch classes of a chord, root first. Raises InvalidParameter for an unknown quality."""
    if quality not in QUALITY_INTERVALS:
        raise InvalidParameter(f"Unknown chord quality '{quality}'.", field="chord")
    return tuple((root_pc + i) % 12 for i in QUALITY_INTERVALS[quality])


def chord_tones(root_pc: int, quality: str, *, octave_root: int = 48) -> tuple[int, ...]:
    """MIDI pitches of a chord in root position from the first ``root_pc`` at or above ``octave_root``."""
    root = octave_root + (root_pc - octave_root) % 12
    return tuple(root + i for i in QUALITY_INTERVALS[quality])


def chord_symbol(root_pc: int, quality: str, bass_pc: int | None = None, *, flats: bool = False) -> str:
    """The printable name: ``(9, "min7")`` → ``"Am7"``, ``(0, "maj", 4)`` → ``"C/E"``."""
    if quality not in QUALITY_SUFFIX:
        raise InvalidParameter(f"Unknown chord quality '{quality}'.", field="chord")
    text = note_name(root_pc, flats=flats) + QUALITY_SUFFIX[quality]
    if bass_pc is not None and bass_pc % 12 != root_pc % 12:
        text += "/" + note_name(bass_pc, flats=flats)
    return text


def parse_chord_symbol(symbol: str) -> ChordSpec:
    """Parse ``"Am7"``, ``"C/E"``, ``"F#m7b5"``, ``"Bbmaj7"``, ``"Gsus4"``, ``"D9"`` into a ChordSpec.

    Raises InvalidParameter (field ``chord``) for anything else.
    """
    match = _SYMBOL_RE.match(symbol.strip())
    if not match:
        raise InvalidParameter(f"Unknown chord symbol '{symbol}'.", field="chord")
    root = pitch_class(match.group("root").replace("♯", "#").replace("♭", "b"))
    quality = _SYMBOL_QUALITY[match.group("q")]
    bass = match.group("bass")
    bass_pc = pitch_class(bass.replace("♯", "#").replace("♭", "b")) if bass else None
    return ChordSpec(root, quality, bass_pc if bass_pc != root else None)


def _quality(upper: bool, mod: str | None, ext: str | None) -> str:
    if mod in ("°", "o", "dim"):
        return "dim7" if ext == "7" or ext == "dim7" else "dim"
    if mod == "ø":
        return "m7b5"
    if mod in ("+", "aug"):
        return "aug"
    if ext is None:
        return "maj" if upper else "min"
    if ext in ("7", "13", "11"):
        return "7" if upper else "min7"
    if ext in ("maj7", "M7"):
        return "maj7"
    if ext == "9":
        return "9" if upper else "min9"
    if ext == "maj9":
        return "maj9"
    if ext == "6":
        return "6" if upper else "min6"
    if ext in ("sus", "sus4", "7sus4"):
        return "sus4"
    if ext == "dim7":
        return "dim7"
    if ext == "m7b5":
        return "m7b5"
    return ext  # sus2, add9, 5


def _degree_root(key: Key, accidental: str, numeral: str) -> int:
    degree = _DEGREE[numeral.upper()]
    if accidental in ("b", "♭"):
        return (key.tonic_pc + _MAJOR[degree] - 1) % 12
    if accidental in ("#", "♯"):
        return (key.tonic_pc + _MAJOR[degree] + 1) % 12
    return key.degree_pc(degree)


_BASS_INTERVAL = {"1": 0, "2": 2, "9": 2, "4": 5, "11": 5, "6": 9, "13": 9}


def _slash_bass(root_pc: int, quality: str, text: str) -> int:
    """The bass pitch class of a ``/3``-style slash: the chord's own 3rd/5th/7th, or an interval."""
    match = re.match(r"^([b#]?)(\d{1,2})$", text)
    if not match:
        raise InvalidParameter(f"Unknown slash bass '/{text}' in progression.", field="progression")
    accidental, number = match.group(1), match.group(2)
    intervals = QUALITY_INTERVALS[quality]
    if number == "3":
        base = intervals[1] if len(intervals) > 2 and intervals[1] in (3, 4) else 4
    elif number == "5":
        base = next((i for i in intervals if i in (6, 7, 8)), 7)
    elif number == "7":
        base = next((i for i in intervals if i in (9, 10, 11)), 10 if quality != "maj" else 11)
    elif number in _BASS_INTERVAL:
        base = _BASS_INTERVAL[number]
    else:
        raise InvalidParameter(f"Unknown slash bass '/{text}' in progression.", field="progression")
    offset = -1 if accidental == "b" else 1 if accidental == "#" else 0
    if accidental:
        base = {"3": 4, "5": 7, "7": 11}.get(number, base)
    return (root_pc + base + offset) % 12


def parse_roman(numeral: str, key: Key) -> ChordSpec:
    """The chord a roman numeral names in ``key`` (see the module docstring for the notation).

    ``parse_roman("vi", Key(0, "major"))`` → A minor; ``parse_roman("bVII", Key(0, "major"))`` →
    Bb major; ``parse_roman("V7/V", Key(0, "major"))`` → D7; ``parse_roman("I/3", …)`` → C/E.
    Raises InvalidParameter (field ``progression``) for text that is not a numeral.
    """
    text = numeral.strip()
    main, _, slash = text.partition("/")
    match = _ROMAN_RE.match(main)
    if not match:
        raise InvalidParameter(f"Unknown roman numeral '{numeral}' in progression.", field="progression")
    if slash and _ROMAN_RE.match(slash):
        # Secondary chord: the chord built on the target's root, read in the target's key.
        target = parse_roman(slash, key)
        target_mode = "minor" if target.quality in ("min", "min7", "min9", "min6", "dim", "m7b5") else "major"
        inner = parse_roman(main, Key(target.root_pc, target_mode))
        # A secondary dominant is major whatever the target's mode.
        quality = inner.quality
        if match.group("num") == "V" and quality in ("min", "min7"):
            quality = "maj" if quality == "min" else "7"
        return ChordSpec(inner.root_pc, quality, None, text)
    upper = match.group("num").isupper()
    quality = _quality(upper, match.group("mod"), match.group("ext"))
    root = _degree_root(key, match.group("acc"), match.group("num"))
    bass = _slash_bass(root, quality, slash) if slash else None
    return ChordSpec(root, quality, bass if bass != root else None, text)


def dominant_of(key: Key) -> ChordSpec:
    """The cadential dominant of ``key``: V7 (raised leading tone even in minor modes)."""
    return ChordSpec((key.tonic_pc + 7) % 12, "7", None, "V7")


def tonic_of(key: Key) -> ChordSpec:
    """The tonic triad of ``key`` (minor for minor-third modes)."""
    return ChordSpec(key.tonic_pc, "min" if key.is_minor else "maj", None, "i" if key.is_minor else "I")


__all__ = [
    "QUALITY_INTERVALS",
    "QUALITY_SUFFIX",
    "ChordSpec",
    "chord_pcs",
    "chord_symbol",
    "chord_tones",
    "dominant_of",
    "parse_chord_symbol",
    "parse_roman",
    "tonic_of",
]
