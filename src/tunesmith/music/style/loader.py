"""Load and validate the style knowledge base (``style/data/*.toml``).

The data files are read once per process (:func:`knowledge_base` is cached) and every value is
checked against the schema in :mod:`tunesmith.music.style.model` and its closed vocabularies; a
mistake in a data file raises :class:`StyleDataError` naming the file, the table and the field.

Layout of ``data/``:

- ``genres/*.toml``: one table per genre (see the commented ``genres/pop.toml``); a genre may
  ``extends`` another and override fields; instrument parts may ``use`` an entry of
  ``instruments.toml`` and override its fields.
- ``progressions.toml``: named progression families with ``major`` and ``minor`` tables.
- ``moods.toml``: mood words and how they shift a genre.
- ``instruments.toml``: the instrument words of tags and the part each becomes.
- ``tags.toml``: tempo, voice, mode, swing, negation, solo and stop words.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field, fields
from importlib import resources
from typing import Any, cast

from tunesmith.music.score import SECTION_KINDS, STEM_GROUPS, MixSettings
from tunesmith.music.style.model import (
    BASS_STYLES,
    COMP_PATTERNS,
    GROOVES,
    Genre,
    InstrumentPart,
    Mood,
)
from tunesmith.music.theory.keys import MODE_INTERVALS, Key

ROLES: tuple[str, ...] = ("drums", "percussion", "bass", "chords", "pad", "lead", "arp", "counter", "fx")
DRUM_KITS: dict[int, str] = {
    0: "Standard",
    8: "Room",
    16: "Power",
    24: "Electronic",
    25: "TR-808",
    32: "Jazz",
    40: "Brush",
    48: "Orchestra",
}
"""Bank-128 drum-kit presets of General MIDI SoundFonts (FluidR3_GM) that genres may name."""
FILLS: tuple[str, ...] = ("toms", "snare_roll", "build", "none")
METERS: tuple[tuple[int, int], ...] = ((4, 4), (3, 4), (6, 8), (12, 8))
"""The meters the composer's grooves implement."""
MODE_FAMILIES: tuple[str, ...] = ("major", "minor")
NUMERAL_RE = re.compile(
    r"^[b#]?(VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)(°|o|dim|\+|aug|ø)?"
    r"(maj9|maj7|M7|m7b5|7sus4|sus2|sus4|sus|add9|dim7|13|11|9|7|6|5)?"
    r"(/([b#]?\d{1,2}|[b#]?(VII|VI|V|IV|III|II|I|vii|vi|v|iv|iii|ii|i)))?$"
)
"""The roman-numeral notation of progressions (read by ``theory.chords.parse_roman``)."""

_PART_KEYS = {f.name for f in fields(InstrumentPart)}
_GENRE_KEYS = {
    "name",
    "family",
    "aliases",
    "description",
    "extends",
    "tempo_bpm",
    "meter",
    "swing",
    "swing_unit_beats",
    "modes",
    "progressions",
    "harmonic_rhythm_beats",
    "grooves",
    "fill",
    "drum_kit",
    "bass",
    "instruments",
    "energy",
    "mix",
    "default_vocal_gender",
}
_MIX_KEYS = {f.name for f in fields(MixSettings)}
_MOOD_KEYS = {
    "aliases",
    "mode_weights",
    "tempo_scale",
    "register_shift",
    "energy_shift",
    "brightness_db",
    "reverb_shift",
}
_ENTRY_KEYS = {
    "aliases",
    "part",
    "solo_parts",
    "solo_genre",
    "prefer_group",
    "drum_kit",
    "bass_style",
    "groove",
}

Progressions = dict[str, tuple[tuple[str, ...], ...]]


class StyleDataError(ValueError):
    """A data file of the knowledge base breaks the schema; the message names file and field."""


@dataclass(frozen=True)
class InstrumentEntry:
    """One word family of ``instruments.toml``: what naming an instrument in tags adds.

    ``parts`` are added to the arrangement; ``solo_parts`` replace the whole arrangement when
    the tags ask for this instrument alone; ``prefer_group``: when the arrangement already has a
    part in that stem group, naming the instrument adds nothing. ``drum_kit``, ``bass_style``
    and ``groove`` (all optional) change the genre when the instrument is named.
    """

    key: str
    words: tuple[str, ...]
    parts: tuple[InstrumentPart, ...]
    solo_parts: tuple[InstrumentPart, ...] = ()
    solo_genre: str | None = None
    prefer_group: str | None = None
    drum_kit: int | None = None
    bass_style: str | None = None
    groove: str | None = None


@dataclass(frozen=True)
class TempoWord:
    """A tempo word: ``scale`` multiplies the tempo range; ``middle`` keeps its middle third."""

    key: str
    words: tuple[str, ...]
    scale: float
    middle: bool = False


@dataclass(frozen=True)
class TagWords:
    """The non-style words of ``tags.toml``."""

    tempo: tuple[TempoWord, ...]
    voice: dict[str, tuple[str, ...]]
    mode: dict[str, tuple[str, ...]]
    swing_words: tuple[str, ...]
    swing_amount: float
    negation: tuple[str, ...]
    solo_before: tuple[str, ...]
    solo_after: tuple[str, ...]
    stop: tuple[str, ...]


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything in ``style/data``, validated. ``genres`` keep file order."""

    genres: dict[str, Genre]
    moods: dict[str, Mood]
    instruments: dict[str, InstrumentEntry]
    words: TagWords
    progression_families: dict[str, dict[str, Progressions]] = field(default_factory=dict)


_TOKEN_RE = re.compile(r"[\w&#+']+|/")


def tokenize(text: str) -> list[str]:
    """Split tag text into word tokens: lower case, ``-``/``_`` as spaces, ``/`` its own token."""
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'").replace("-", " ").replace("_", " ")
    return _TOKEN_RE.findall(text)


def normalize_phrase(text: str) -> str:
    """The canonical form of a tag phrase: its tokens joined by single spaces."""
    return " ".join(tokenize(text))


# --- small typed readers -----------------------------------------------------------------


def _where(source: str, table: str, key: str) -> str:
    return f"{source}: [{table}] {key}"


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise StyleDataError(f"{where}: expected a string, got {value!r}")
    return value


def _num(value: Any, where: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise StyleDataError(f"{where}: expected a number, got {value!r}")
    if not lo <= float(value) <= hi:
        raise StyleDataError(f"{where}: {value!r} is outside {lo:g}..{hi:g}")
    return float(value)


def _int(value: Any, where: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise StyleDataError(f"{where}: expected an integer, got {value!r}")
    if not lo <= value <= hi:
        raise StyleDataError(f"{where}: {value!r} is outside {lo}..{hi}")
    return value


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise StyleDataError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(cast(list[str], value))


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise StyleDataError(f"{where}: expected a table, got {value!r}")
    return cast(dict[str, Any], value)


def _choice(value: Any, where: str, allowed: tuple[str, ...], what: str) -> str:
    text = _str(value, where)
    if text not in allowed:
        raise StyleDataError(f"{where}: unknown {what} {text!r}; known: {', '.join(allowed)}")
    return text


def _pair(value: Any, where: str, lo: float, hi: float) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise StyleDataError(f"{where}: expected [low, high], got {value!r}")
    low, high = _num(value[0], where, lo, hi), _num(value[1], where, lo, hi)
    if low > high:
        raise StyleDataError(f"{where}: low {low:g} is above high {high:g}")
    return low, high


def _unknown_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise StyleDataError(
            f"{where}: unknown field(s) {', '.join(extra)}; known: {', '.join(sorted(allowed))}"
        )


# --- parts ---------------------------------------------------------------------------------


def parse_part(raw: dict[str, Any], where: str, *, aliases: tuple[str, ...] = ()) -> InstrumentPart:
    """Validate one instrument part table into an :class:`InstrumentPart`."""
    _unknown_keys(raw, _PART_KEYS, where)
    for required in ("name", "role", "group", "program"):
        if required not in raw:
            raise StyleDataError(f"{where}: missing field {required!r}")
    role = _choice(raw["role"], f"{where} role", ROLES, "role")
    program = _int(raw["program"], f"{where} program", 0, 127)
    if role in ("drums", "percussion") and program not in DRUM_KITS:
        raise StyleDataError(f"{where} program: {program} is not a drum kit; known: {sorted(DRUM_KITS)}")
    register = _pair(raw.get("register", [48, 72]), f"{where} register", 0, 127)
    effects = _strs(raw.get("effects", []), f"{where} effects")
    return InstrumentPart(
        name=_str(raw["name"], f"{where} name"),
        role=role,  # type: ignore[arg-type]
        group=_choice(raw["group"], f"{where} group", STEM_GROUPS, "stem group"),  # type: ignore[arg-type]
        program=program,
        comp=_choice(raw.get("comp", "sustain"), f"{where} comp", COMP_PATTERNS, "comp pattern"),  # type: ignore[arg-type]
        register=(int(register[0]), int(register[1])),
        enter_energy=_num(raw.get("enter_energy", 0.0), f"{where} enter_energy", 0.0, 1.0),
        gain_db=_num(raw.get("gain_db", 0.0), f"{where} gain_db", -24.0, 12.0),
        pan=_num(raw.get("pan", 0.0), f"{where} pan", -1.0, 1.0),
        reverb_send=_num(raw.get("reverb_send", 0.2), f"{where} reverb_send", 0.0, 1.0),
        effects=effects,
        aliases=tuple(_strs(raw["aliases"], f"{where} aliases")) if "aliases" in raw else aliases,
    )


def _part_table(part: InstrumentPart) -> dict[str, Any]:
    return {
        "name": part.name,
        "role": part.role,
        "group": part.group,
        "program": part.program,
        "comp": part.comp,
        "register": list(part.register),
        "enter_energy": part.enter_energy,
        "gain_db": part.gain_db,
        "pan": part.pan,
        "reverb_send": part.reverb_send,
        "effects": list(part.effects),
        "aliases": list(part.aliases),
    }


def parse_instruments(data: dict[str, Any], source: str = "instruments.toml") -> dict[str, InstrumentEntry]:
    """Validate ``instruments.toml`` (already parsed) into entries keyed by instrument key."""
    entries: dict[str, InstrumentEntry] = {}
    for key, raw_entry in data.items():
        raw = _table(raw_entry, _where(source, key, ""))
        _unknown_keys(raw, _ENTRY_KEYS, _where(source, key, ""))
        words = (
            key.replace("_", " "),
            *(a.lower() for a in _strs(raw.get("aliases", []), _where(source, key, "aliases"))),
        )
        if "part" not in raw:
            raise StyleDataError(f"{_where(source, key, 'part')}: missing field 'part'")
        part = parse_part(
            _table(raw["part"], _where(source, key, "part")), _where(source, key, "part"), aliases=words
        )
        solo_raw = raw.get("solo_parts", [])
        if not isinstance(solo_raw, list):
            raise StyleDataError(f"{_where(source, key, 'solo_parts')}: expected a list of parts")
        solo = tuple(
            parse_part(
                _table(p, _where(source, key, "solo_parts")), _where(source, key, "solo_parts"), aliases=words
            )
            for p in solo_raw
        )
        prefer = raw.get("prefer_group")
        entries[key] = InstrumentEntry(
            key=key,
            words=words,
            parts=(part,),
            solo_parts=solo,
            solo_genre=_str(raw["solo_genre"], _where(source, key, "solo_genre"))
            if "solo_genre" in raw
            else None,
            prefer_group=None
            if prefer is None
            else _choice(prefer, _where(source, key, "prefer_group"), STEM_GROUPS, "stem group"),
            drum_kit=None
            if "drum_kit" not in raw
            else _kit(raw["drum_kit"], _where(source, key, "drum_kit")),
            bass_style=None
            if "bass_style" not in raw
            else _choice(raw["bass_style"], _where(source, key, "bass_style"), BASS_STYLES, "bass style"),
            groove=None
            if "groove" not in raw
            else _choice(raw["groove"], _where(source, key, "groove"), GROOVES, "groove"),
        )
    return entries


def _kit(value: Any, where: str) -> int:
    kit = _int(value, where, 0, 127)
    if kit not in DRUM_KITS:
        raise StyleDataError(f"{where}: {kit} is not a drum kit; known: {sorted(DRUM_KITS)}")
    return kit


# --- progressions ----------------------------------------------------------------------------


def _parse_progressions(raw: dict[str, Any], where: str) -> Progressions:
    out: dict[str, tuple[tuple[str, ...], ...]] = {}
    for kind, loops in raw.items():
        if kind != "default" and kind not in SECTION_KINDS:
            raise StyleDataError(
                f"{where}.{kind}: unknown section kind; known: default, {', '.join(SECTION_KINDS)}"
            )
        if not isinstance(loops, list) or not loops:
            raise StyleDataError(f"{where}.{kind}: expected a non-empty list of chord loops")
        parsed: list[tuple[str, ...]] = []
        for loop in loops:
            chords = _strs(loop, f"{where}.{kind}")
            if not chords:
                raise StyleDataError(f"{where}.{kind}: empty chord loop")
            for numeral in chords:
                if not NUMERAL_RE.match(numeral):
                    raise StyleDataError(
                        f"{where}.{kind}: {numeral!r} is not a roman numeral (e.g. 'vi', 'bVII', 'V7/V')"
                    )
            parsed.append(chords)
        out[kind] = tuple(parsed)
    if "default" not in out:
        raise StyleDataError(f"{where}: missing the 'default' list")
    return out


def parse_progression_families(
    data: dict[str, Any], source: str = "progressions.toml"
) -> dict[str, dict[str, Progressions]]:
    """Validate ``progressions.toml``: every family needs a ``major`` and a ``minor`` table."""
    families: dict[str, dict[str, Progressions]] = {}
    for name, raw in data.items():
        table = _table(raw, f"{source}: [{name}]")
        _unknown_keys(table, set(MODE_FAMILIES), f"{source}: [{name}]")
        families[name] = {}
        for family in MODE_FAMILIES:
            if family not in table:
                raise StyleDataError(f"{source}: [{name}] is missing the [{name}.{family}] table")
            families[name][family] = _parse_progressions(
                _table(table[family], f"{source}: [{name}.{family}]"), f"{source}: [{name}.{family}]"
            )
    return families


# --- genres ----------------------------------------------------------------------------------


def mode_family(mode: str) -> str:
    """``"minor"`` for modes with a minor third (minor, dorian, phrygian, …), else ``"major"``."""
    return "minor" if Key(0, mode).is_minor else "major"


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if (
            key in ("grooves", "energy", "mix")
            and isinstance(value, dict)
            and isinstance(base.get(key), dict)
        ):
            merged[key] = {**base[key], **value}
        else:
            merged[key] = value
    return merged


def _resolve_extends(
    raw_genres: dict[str, tuple[str, dict[str, Any]]],
) -> dict[str, tuple[str, dict[str, Any]]]:
    resolved: dict[str, tuple[str, dict[str, Any]]] = {}

    def resolve(key: str, chain: tuple[str, ...]) -> dict[str, Any]:
        if key in resolved:
            return resolved[key][1]
        source, table = raw_genres[key]
        parent = table.get("extends")
        if parent is None:
            result = table
        else:
            parent_key = _str(parent, _where(source, key, "extends"))
            if parent_key not in raw_genres:
                raise StyleDataError(f"{_where(source, key, 'extends')}: unknown genre {parent_key!r}")
            if parent_key in chain:
                raise StyleDataError(
                    f"{_where(source, key, 'extends')}: circular extends {' -> '.join((*chain, key))}"
                )
            base = {
                k: v for k, v in resolve(parent_key, (*chain, key)).items() if k not in ("aliases", "extends")
            }
            result = _merge(base, {k: v for k, v in table.items() if k != "extends"})
        resolved[key] = (source, result)
        return result

    for key in raw_genres:
        resolve(key, ())
    return resolved


def parse_genre(
    key: str,
    raw: dict[str, Any],
    *,
    instruments: dict[str, InstrumentEntry],
    progression_families: dict[str, dict[str, Progressions]],
    source: str = "genres",
) -> Genre:
    """Validate one genre table (with ``extends`` already applied) into a :class:`Genre`."""
    w = functools.partial(_where, source, key)
    _unknown_keys(raw, _GENRE_KEYS, w(""))
    for required in ("name", "tempo_bpm", "meter", "modes", "progressions", "grooves", "bass", "instruments"):
        if required not in raw:
            raise StyleDataError(f"{w(required)}: missing field {required!r}")
    tempo = _pair(raw["tempo_bpm"], w("tempo_bpm"), 30.0, 300.0)
    meter_raw = raw["meter"]
    if not isinstance(meter_raw, list) or len(meter_raw) != 2 or tuple(meter_raw) not in METERS:
        raise StyleDataError(f"{w('meter')}: {meter_raw!r} is not one of {[list(m) for m in METERS]}")
    meter = (int(meter_raw[0]), int(meter_raw[1]))
    modes: dict[str, float] = {}
    for mode, weight in _table(raw["modes"], w("modes")).items():
        if mode not in MODE_INTERVALS:
            raise StyleDataError(f"{w('modes')}: unknown mode {mode!r}; known: {', '.join(MODE_INTERVALS)}")
        modes[mode] = _num(weight, w(f"modes.{mode}"), 0.0, 10.0)
    if not modes or max(modes.values()) <= 0:
        raise StyleDataError(f"{w('modes')}: needs at least one mode with a positive weight")
    prog_raw = raw["progressions"]
    if isinstance(prog_raw, str):
        if prog_raw not in progression_families:
            raise StyleDataError(
                f"{w('progressions')}: unknown progression family {prog_raw!r}; "
                f"known: {', '.join(progression_families)}"
            )
        by_family = progression_families[prog_raw]
    else:
        by_family = parse_progression_families({key: prog_raw}, source)[key]
    home_mode = max(modes, key=lambda m: modes[m])
    grooves_raw = _table(raw["grooves"], w("grooves"))
    if "default" not in grooves_raw:
        raise StyleDataError(f"{w('grooves')}: missing the 'default' groove")
    grooves: dict[str, str] = {}
    for kind, groove in grooves_raw.items():
        if kind != "default" and kind not in SECTION_KINDS:
            raise StyleDataError(f"{w('grooves')}: unknown section kind {kind!r}")
        grooves[kind] = _choice(groove, w(f"grooves.{kind}"), GROOVES, "groove")
    drum_kit = _kit(raw.get("drum_kit", 0), w("drum_kit"))
    energy_raw = _table(raw.get("energy", {}), w("energy"))
    energy: dict[str, float] = {}
    for kind, value in energy_raw.items():
        if kind not in SECTION_KINDS:
            raise StyleDataError(f"{w('energy')}: unknown section kind {kind!r}")
        energy[kind] = _num(value, w(f"energy.{kind}"), 0.0, 1.0)
    mix_raw = _table(raw.get("mix", {}), w("mix"))
    _unknown_keys(mix_raw, _MIX_KEYS, w("mix"))
    mix_limits = {
        "brightness_db": (-12.0, 12.0),
        "low_end_db": (-12.0, 12.0),
        "width": (0.0, 1.5),
        "delay_beats": (0.0, 4.0),
    }
    mix = MixSettings(
        **{k: _num(v, w(f"mix.{k}"), *mix_limits.get(k, (0.0, 1.0))) for k, v in mix_raw.items()}
    )
    parts = _parse_genre_parts(raw["instruments"], w("instruments"), instruments, drum_kit)
    gender = _choice(
        raw.get("default_vocal_gender", "f"), w("default_vocal_gender"), ("f", "m"), "vocal gender"
    )
    aliases = tuple(a.lower() for a in _strs(raw.get("aliases", []), w("aliases")))
    return Genre(
        key=key,
        name=_str(raw["name"], w("name")),
        family=_str(raw.get("family", key), w("family")),
        tempo_bpm=tempo,
        meter=meter,
        modes=modes,
        progressions=by_family[mode_family(home_mode)],
        grooves=grooves,  # type: ignore[arg-type]
        bass=_choice(raw["bass"], w("bass"), BASS_STYLES, "bass style"),  # type: ignore[arg-type]
        instruments=parts,
        aliases=aliases,
        swing=_num(raw.get("swing", 0.0), w("swing"), 0.0, 1.0),
        swing_unit_beats=_num(raw.get("swing_unit_beats", 0.5), w("swing_unit_beats"), 0.25, 1.0),
        harmonic_rhythm_beats=_num(
            raw.get("harmonic_rhythm_beats", 4.0), w("harmonic_rhythm_beats"), 0.5, 16.0
        ),
        fill=_choice(raw.get("fill", "toms"), w("fill"), FILLS, "fill"),
        drum_kit=drum_kit,
        energy=energy,
        mix=mix,
        default_vocal_gender=gender,  # type: ignore[arg-type]
        description=_str(raw.get("description", ""), w("description")),
        progressions_by_family=dict(by_family),
    )


def _parse_genre_parts(
    raw_parts: Any, where: str, instruments: dict[str, InstrumentEntry], drum_kit: int
) -> tuple[InstrumentPart, ...]:
    if not isinstance(raw_parts, list) or not raw_parts:
        raise StyleDataError(f"{where}: expected a non-empty list of parts")
    parts: list[InstrumentPart] = []
    for index, raw_part in enumerate(raw_parts):
        at = f"{where}[{index}]"
        table = dict(_table(raw_part, at))
        use = table.pop("use", None)
        if use is not None:
            use_key = _str(use, f"{at} use")
            if use_key not in instruments:
                raise StyleDataError(
                    f"{at} use: unknown instrument {use_key!r}; known: {', '.join(instruments)}"
                )
            base = _part_table(instruments[use_key].parts[0])
            if base["role"] in ("drums", "percussion") and "program" not in table:
                base["program"] = drum_kit
            table = {**base, **table}
        part = parse_part(table, at)
        if any(p.name == part.name for p in parts):
            raise StyleDataError(f"{at}: duplicate part name {part.name!r}")
        parts.append(part)
    return tuple(parts)


def parse_mood(key: str, raw: dict[str, Any], source: str = "moods.toml") -> Mood:
    """Validate one mood table into a :class:`Mood`."""
    w = functools.partial(_where, source, key)
    _unknown_keys(raw, _MOOD_KEYS, w(""))
    weights: dict[str, float] = {}
    for mode, value in _table(raw.get("mode_weights", {}), w("mode_weights")).items():
        if mode not in MODE_INTERVALS:
            raise StyleDataError(
                f"{w('mode_weights')}: unknown mode {mode!r}; known: {', '.join(MODE_INTERVALS)}"
            )
        weights[mode] = _num(value, w(f"mode_weights.{mode}"), 0.0, 10.0)
    return Mood(
        key=key,
        name=key.replace("_", " ").title(),
        aliases=tuple(a.lower() for a in _strs(raw.get("aliases", []), w("aliases"))),
        mode_weights=weights,
        tempo_scale=_num(raw.get("tempo_scale", 1.0), w("tempo_scale"), 0.6, 1.4),
        register_shift=_int(raw.get("register_shift", 0), w("register_shift"), -12, 12),
        energy_shift=_num(raw.get("energy_shift", 0.0), w("energy_shift"), -0.3, 0.3),
        brightness_db=_num(raw.get("brightness_db", 0.0), w("brightness_db"), -6.0, 6.0),
        reverb_shift=_num(raw.get("reverb_shift", 0.0), w("reverb_shift"), -0.5, 0.5),
    )


def parse_tag_words(data: dict[str, Any], source: str = "tags.toml") -> TagWords:
    """Validate ``tags.toml``."""
    tempo: list[TempoWord] = []
    for key, raw in _table(data.get("tempo", {}), f"{source}: [tempo]").items():
        table = _table(raw, _where(source, f"tempo.{key}", ""))
        _unknown_keys(table, {"aliases", "scale", "middle"}, _where(source, f"tempo.{key}", ""))
        words = (
            normalize_phrase(key),
            *(normalize_phrase(a) for a in _strs(table.get("aliases", []), _where(source, key, "aliases"))),
        )
        middle = table.get("middle", False)
        if not isinstance(middle, bool):
            raise StyleDataError(f"{_where(source, f'tempo.{key}', 'middle')}: expected true or false")
        tempo.append(
            TempoWord(
                key, words, _num(table.get("scale", 1.0), _where(source, key, "scale"), 0.5, 1.5), middle
            )
        )
    voice = _table(data.get("voice", {}), f"{source}: [voice]")
    _unknown_keys(voice, {"f", "m", "any"}, f"{source}: [voice]")
    mode = _table(data.get("mode", {}), f"{source}: [mode]")
    _unknown_keys(mode, set(MODE_FAMILIES), f"{source}: [mode]")
    swing = _table(data.get("swing", {}), f"{source}: [swing]")
    word_table = _table(data.get("words", {}), f"{source}: [words]")
    _unknown_keys(word_table, {"negation", "solo_before", "solo_after", "stop"}, f"{source}: [words]")

    def phrases(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        return tuple(normalize_phrase(p) for p in _strs(table.get(key, []), _where(source, where, key)))

    return TagWords(
        tempo=tuple(tempo),
        voice={k: phrases(voice, k, "voice") for k in ("f", "m", "any")},
        mode={k: phrases(mode, k, "mode") for k in MODE_FAMILIES},
        swing_words=phrases(swing, "words", "swing"),
        swing_amount=_num(swing.get("amount", 0.6), _where(source, "swing", "amount"), 0.0, 1.0),
        negation=phrases(word_table, "negation", "words"),
        solo_before=phrases(word_table, "solo_before", "words"),
        solo_after=phrases(word_table, "solo_after", "words"),
        stop=tuple(w for w in phrases(word_table, "stop", "words") if w),
    )


# --- loading ---------------------------------------------------------------------------------


def _read(path: Any, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise StyleDataError(f"{name}: not valid TOML: {exc}") from exc


def build_knowledge_base(files: dict[str, dict[str, Any]]) -> KnowledgeBase:
    """Validate parsed data files into a :class:`KnowledgeBase`.

    ``files`` maps a file name relative to ``data/`` (``"instruments.toml"``,
    ``"genres/pop.toml"`` …) to its parsed TOML. Raises :class:`StyleDataError` on any mistake,
    including a tag phrase that names two different things.
    """
    instruments = parse_instruments(files.get("instruments.toml", {}))
    families = parse_progression_families(files.get("progressions.toml", {}))
    moods = {
        key: parse_mood(key, _table(raw, f"moods.toml: [{key}]"))
        for key, raw in files.get("moods.toml", {}).items()
    }
    words = parse_tag_words(files.get("tags.toml", {}))
    raw_genres: dict[str, tuple[str, dict[str, Any]]] = {}
    for name in sorted(n for n in files if n.startswith("genres/")):
        for key, raw in files[name].items():
            if key in raw_genres:
                raise StyleDataError(f"{name}: genre {key!r} is also defined in {raw_genres[key][0]}")
            raw_genres[key] = (name, _table(raw, f"{name}: [{key}]"))
    genres = {
        key: parse_genre(key, table, instruments=instruments, progression_families=families, source=source)
        for key, (source, table) in _resolve_extends(raw_genres).items()
    }
    for entry in instruments.values():
        if entry.solo_genre is not None and entry.solo_genre not in genres:
            raise StyleDataError(
                f"instruments.toml: [{entry.key}] solo_genre: unknown genre {entry.solo_genre!r}"
            )
    kb = KnowledgeBase(
        genres=genres, moods=moods, instruments=instruments, words=words, progression_families=families
    )
    phrase_table(kb)  # raises on clashing phrases
    return kb


@functools.cache
def knowledge_base() -> KnowledgeBase:
    """The packaged knowledge base, read and validated once per process."""
    root = resources.files("tunesmith.music.style").joinpath("data")
    files: dict[str, dict[str, Any]] = {}
    for name in ("instruments.toml", "progressions.toml", "moods.toml", "tags.toml"):
        files[name] = _read(root.joinpath(name), name)
    genre_dir = root.joinpath("genres")
    for entry in sorted(genre_dir.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            files[f"genres/{entry.name}"] = _read(entry, f"genres/{entry.name}")
    return build_knowledge_base(files)


@dataclass(frozen=True)
class Phrase:
    """What a tag phrase means: ``kind`` is genre, mood, instrument, tempo, voice, mode, swing,
    negation, solo_before, solo_after or stop; ``key`` says which one."""

    kind: str
    key: str


def phrase_table(kb: KnowledgeBase) -> dict[str, Phrase]:
    """Every phrase the tag parser knows, normalized, mapped to its meaning.

    Raises :class:`StyleDataError` when one phrase would mean two things (two genres, a genre
    and a mood …); the solo/negation markers may double as other kinds only where listed here.
    """
    table: dict[str, Phrase] = {}

    def add(phrase: str, meaning: Phrase, source: str) -> None:
        phrase = normalize_phrase(phrase)
        if not phrase:
            return
        old = table.get(phrase)
        if old is not None and old != meaning:
            raise StyleDataError(
                f"{source}: tag phrase {phrase!r} means both {old.kind} {old.key!r} "
                f"and {meaning.kind} {meaning.key!r}"
            )
        table[phrase] = meaning

    for key, genre in kb.genres.items():
        for phrase in (key, genre.name, *genre.aliases):
            add(phrase, Phrase("genre", key), f"genre {key}")
    for key, mood in kb.moods.items():
        for phrase in (key, *mood.aliases):
            add(phrase, Phrase("mood", key), f"mood {key}")
    for key, entry in kb.instruments.items():
        for phrase in entry.words:
            add(phrase, Phrase("instrument", key), f"instrument {key}")
    for tempo in kb.words.tempo:
        for phrase in tempo.words:
            add(phrase, Phrase("tempo", tempo.key), f"tempo {tempo.key}")
    for gender, phrases in kb.words.voice.items():
        for phrase in phrases:
            add(phrase, Phrase("voice", gender), f"voice {gender}")
    for family, phrases in kb.words.mode.items():
        for phrase in phrases:
            add(phrase, Phrase("mode", family), f"mode {family}")
    for phrase in kb.words.swing_words:
        add(phrase, Phrase("swing", "swing"), "swing words")
    for phrase in kb.words.negation:
        add(phrase, Phrase("negation", "no"), "negation words")
    for phrase in kb.words.stop:
        add(phrase, Phrase("stop", "stop"), "stop words")
    # "solo"/"only"/"just" are markers that combine with an instrument; they may not name anything else.
    for phrase in {*kb.words.solo_before, *kb.words.solo_after}:
        norm = normalize_phrase(phrase)
        if norm in table:
            raise StyleDataError(f"solo words: {norm!r} already means {table[norm].kind} {table[norm].key!r}")
        table[norm] = Phrase("solo", norm)
    return table


@functools.cache
def phrases() -> tuple[dict[str, Phrase], int]:
    """The packaged knowledge base's :func:`phrase_table` and its longest phrase in words."""
    table = phrase_table(knowledge_base())
    return table, max(len(p.split()) for p in table)


def genres() -> dict[str, Genre]:
    """Every genre of the knowledge base, keyed by genre key."""
    return knowledge_base().genres


def moods() -> dict[str, Mood]:
    """Every mood of the knowledge base, keyed by mood key."""
    return knowledge_base().moods


def instruments() -> dict[str, InstrumentEntry]:
    """Every instrument entry of the knowledge base, keyed by instrument key."""
    return knowledge_base().instruments


def get_genre(key: str) -> Genre:
    """The genre with this key; raises ``KeyError`` naming the known keys otherwise."""
    try:
        return genres()[key]
    except KeyError:
        raise KeyError(f"unknown genre {key!r}; known: {', '.join(genres())}") from None
