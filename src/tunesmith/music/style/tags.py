"""Free-text tags → :class:`~tunesmith.music.style.model.Style`.

:func:`resolve_style` reads what people write in a style box ("dreamy lo-fi hip hop, rhodes,
female vocals, 80 bpm in D minor") against the knowledge base and returns the Style the composer
follows. It is deterministic (no seed): the same text always gives the same Style.

What it understands, case-insensitively, separated by commas or spaces:

- genres and their aliases, multi-word ones included ("drum and bass", "lo-fi hip hop", "r&b");
  the longest known phrase wins. Several genres blend: the first is primary (its grooves,
  progressions and mix), the others add instruments and pull the tempo range and modes;
- moods ("sad", "dreamy", "epic" …): mode weights, tempo within the genre's range, register,
  energy, brightness and reverb;
- instruments ("piano", "808", "violin" …) are added; "solo piano", "piano only", "just
  acoustic guitar" keep only the named instruments, with no drums;
- tempo: "120 bpm", "bpm 90", "tempo: 100" set ``tempo_bpm``; "slow", "fast", "uptempo",
  "downtempo", "mid-tempo" move the tempo range;
- key: "in D minor", "key of Bb", "F# major" set ``key_name`` (an unknown key name such as
  "H minor" raises InvalidParameter on ``tags``); "minor"/"major" alone pick the mode family;
- meter: "3/4", "6/8", "12/8", "4/4", or a genre in another meter ("waltz");
- voice: "female vocals", "male voice", "woman singer" set ``vocal_gender``;
- "no drums" / "without piano" inside tags act like negative tags.

``negative_tags`` removes what it names: instruments (never used), stem groups ("drums",
"bass", "vocals", "guitar", "strings", "brass", "synth" …), genres and moods. Unknown words are
tolerated and listed in ``Style.unknown``. Empty tags give pop.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass, field
from typing import cast

from tunesmith.errors import InvalidParameter
from tunesmith.music.score import STEM_GROUPS, MixSettings
from tunesmith.music.style.loader import (
    METERS,
    InstrumentEntry,
    KnowledgeBase,
    Phrase,
    knowledge_base,
    mode_family,
    phrases,
    tokenize,
)
from tunesmith.music.style.model import BassStyle, Genre, Groove, InstrumentPart, Mood, Style
from tunesmith.music.theory.keys import parse_key

MAX_TAGS_CHARS = 1000
"""Longest accepted ``tags`` / ``negative_tags`` text, in characters."""
MAX_PARTS = 10
"""Most instrument parts an arrangement gets from blending (named instruments may add more)."""
DEFAULT_GENRE = "pop"

GROUP_WORDS: dict[str, tuple[str, ...]] = {
    "drums": ("drums",),
    "drum": ("drums",),
    "drum kit": ("drums",),
    "beat": ("drums",),
    "beats": ("drums",),
    "percussion": ("percussion",),
    "perc": ("percussion",),
    "bass": ("bass",),
    "basses": ("bass",),
    "bassline": ("bass",),
    "low end": ("bass",),
    "vocals": ("vocals", "backing_vocals"),
    "vocal": ("vocals", "backing_vocals"),
    "voice": ("vocals", "backing_vocals"),
    "voices": ("vocals", "backing_vocals"),
    "singing": ("vocals", "backing_vocals"),
    "singer": ("vocals", "backing_vocals"),
    "lyrics": ("vocals", "backing_vocals"),
    "backing vocals": ("backing_vocals",),
    "guitar": ("guitar",),
    "guitars": ("guitar",),
    "strings": ("strings",),
    "brass": ("brass",),
    "horns": ("brass",),
    "woodwinds": ("woodwinds",),
    "woodwind": ("woodwinds",),
    "winds": ("woodwinds",),
    "synth": ("synth",),
    "synths": ("synth",),
    "synthesizer": ("synth",),
    "synthesizers": ("synth",),
    "keys": ("keyboard",),
    "keyboards": ("keyboard",),
    "fx": ("fx",),
    "sfx": ("fx",),
    "effects": ("fx",),
}
"""Negative-tag words that exclude whole stem groups."""

_MODES = r"harmonic minor|major|minor|maj|min|dorian|phrygian|lydian|mixolydian|locrian|aeolian|ionian"
_NOTE = r"([a-z])\s*(#|b(?![a-z])|\s*sharp|\s*flat)?"
_KEY_OF_RE = re.compile(rf"\bkey\s*(?:of|:|=)?\s*{_NOTE}\s*(m\b|{_MODES})?(?![\w#])")
_IN_KEY_RE = re.compile(rf"\bin\s+{_NOTE}\s*(m\b|{_MODES})?(?![\w#])")
_NAMED_KEY_RE = re.compile(rf"(?<![\w#]){_NOTE}\s+({_MODES})\b")
_BPM_AFTER_RE = re.compile(r"(?<![\w.])([0-9]{1,5}(?:\.[0-9]+)?)\s*(?:bpm|beats per minute|beats a minute)\b")
_BPM_BEFORE_RE = re.compile(r"\b(?:bpm|tempo)\s*(?:[:=]|of|at)?\s*([0-9]{1,5}(?:\.[0-9]+)?)(?![\w.])")
_METER_RE = re.compile(r"(?<![\w/])([0-9]{1,2})\s*/\s*([0-9]{1,2})(?![\w/])")
_CHUNK_RE = re.compile(r"[,;|\n\r\t.!?()\[\]{}\"<>:]+")
_STRONG_SOLO = ("only", "just", "alone", "pure", "unaccompanied", "lone")


@dataclass
class _Parsed:
    """What one tag text says, before it is resolved against a genre."""

    genres: list[str] = field(default_factory=list)
    moods: list[str] = field(default_factory=list)
    instruments: list[str] = field(default_factory=list)
    solo: list[str] = field(default_factory=list)
    weak_solo: list[str] = field(default_factory=list)
    tempo_words: list[str] = field(default_factory=list)
    voice: str | None = None
    mode_family: str | None = None
    swing: bool = False
    negated: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    tempo_bpm: float | None = None
    key_name: str | None = None
    meter: tuple[int, int] | None = None
    recognised: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


def _check_text(text: object, name: str) -> str:
    if not isinstance(text, str):
        raise InvalidParameter(f"{name} should be a string.", field=name)
    if len(text) > MAX_TAGS_CHARS:
        raise InvalidParameter(f"{name} should be less than {MAX_TAGS_CHARS} characters.", field=name)
    return text


def _key_name(letter: str, accidental: str | None, mode: str | None, spoken: str) -> str:
    if letter not in "abcdefg":
        raise InvalidParameter(
            f"Unknown key '{spoken.strip()}' in tags. Use a name like 'A minor' or 'Bb major'.", field="tags"
        )
    acc = (accidental or "").strip().replace("sharp", "#").replace("flat", "b")
    mode_text = {"m": "minor", "maj": "major", "min": "minor"}.get(mode or "major", mode or "major")
    try:
        return parse_key(f"{letter.upper()}{acc} {mode_text}").name
    except InvalidParameter as exc:
        raise InvalidParameter(f"{exc.message.replace(' in key', '')} (in tags)", field="tags") from None


def _extract(text: str, parsed: _Parsed) -> str:
    """Pull tempo numbers, keys and meters out of ``text``; returns the rest."""

    def bpm(match: re.Match[str]) -> str:
        value = float(match.group(1))
        if not 30.0 <= value <= 300.0:
            raise InvalidParameter(
                f"The tempo in tags ({match.group(0).strip()}) should be between 30 and 300 bpm.",
                field="tags",
            )
        if parsed.tempo_bpm is None:
            parsed.tempo_bpm = value
        parsed.recognised.append(match.group(0).strip())
        return ","

    text = _BPM_AFTER_RE.sub(bpm, text)
    text = _BPM_BEFORE_RE.sub(bpm, text)

    def key(match: re.Match[str], *, article_guard: bool) -> str:
        letter, accidental, mode = match.group(1), match.group(2), match.group(3)
        if article_guard and mode is None and (letter == "a" or letter not in "abcdefg"):
            return match.group(0)  # "in a dream", "in x": ordinary words
        name = _key_name(letter, accidental, mode, match.group(0))
        if parsed.key_name is None:
            parsed.key_name = name
        parsed.recognised.append(match.group(0).strip())
        return ","

    text = _KEY_OF_RE.sub(lambda m: key(m, article_guard=False), text)
    text = _IN_KEY_RE.sub(lambda m: key(m, article_guard=True), text)
    text = _NAMED_KEY_RE.sub(lambda m: key(m, article_guard=False), text)

    def meter(match: re.Match[str]) -> str:
        value = (int(match.group(1)), int(match.group(2)))
        if value in METERS:
            if parsed.meter is None:
                parsed.meter = value
            parsed.recognised.append(f"{value[0]}/{value[1]}")
        else:
            parsed.unknown.append(f"{value[0]}/{value[1]}")
        return ","

    return _METER_RE.sub(meter, text)


def _match(tokens: list[str], table: dict[str, Phrase], max_len: int) -> list[tuple[str, Phrase | None]]:
    """Greedy longest-phrase matching; a trailing plural ``s`` is forgiven."""
    items: list[tuple[str, Phrase | None]] = []
    i = 0
    while i < len(tokens):
        found: tuple[int, str, Phrase] | None = None
        for length in range(min(max_len, len(tokens) - i), 0, -1):
            words = tokens[i : i + length]
            phrase = " ".join(words)
            meaning = table.get(phrase)
            if meaning is None and len(words[-1]) > 3 and words[-1].endswith("s"):
                meaning = table.get(" ".join([*words[:-1], words[-1][:-1]]))
            if meaning is not None:
                found = (length, phrase, meaning)
                break
        if found is None:
            items.append((tokens[i], None))
            i += 1
        else:
            items.append((found[1], found[2]))
            i += found[0]
    return items


def _parse(text: str, kb: KnowledgeBase, *, negative: bool) -> _Parsed:
    parsed = _Parsed()
    text = unicodedata.normalize("NFKC", text).lower().replace("♯", "#").replace("♭", "b")
    if not negative:
        text = _extract(text, parsed)
    table, max_len = phrases()
    for chunk in _CHUNK_RE.split(text):
        items = _match(tokenize(chunk), table, max_len)
        negate = negative
        pending_solo: str | None = None
        previous_instrument: str | None = None
        for phrase, meaning in items:
            if meaning is None:
                if phrase.replace(".", "").isdigit() or phrase == "/":
                    continue
                if negate and phrase in GROUP_WORDS:
                    parsed.groups.extend(GROUP_WORDS[phrase])
                    parsed.recognised.append(phrase)
                    negate = negative
                    continue
                parsed.unknown.append(phrase)
                continue
            kind, key = meaning.kind, meaning.key
            if kind == "stop":
                continue
            if kind == "negation":
                negate = True
                continue
            if kind == "solo":
                if previous_instrument is not None:
                    (parsed.solo if key in _STRONG_SOLO else parsed.weak_solo).append(previous_instrument)
                    previous_instrument = None
                else:
                    pending_solo = key
                continue
            parsed.recognised.append(phrase)
            if negate:
                if phrase in GROUP_WORDS:
                    parsed.groups.extend(GROUP_WORDS[phrase])
                elif kind in ("genre", "mood", "instrument"):
                    parsed.negated.append(f"{kind}:{key}")
                negate = negative
                continue
            previous_instrument = None
            if kind == "genre":
                parsed.genres.append(key)
            elif kind == "mood":
                parsed.moods.append(key)
            elif kind == "instrument":
                parsed.instruments.append(key)
                if pending_solo is not None:
                    parsed.solo.append(key)
                else:
                    previous_instrument = key
            elif kind == "tempo":
                parsed.tempo_words.append(key)
            elif kind == "voice":
                if key in ("f", "m") and parsed.voice is None:
                    parsed.voice = key
            elif kind == "mode":
                parsed.mode_family = key
            elif kind == "swing":
                parsed.swing = True
            pending_solo = None
    return parsed


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _unique_name(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    index = 2
    while f"{name}_{index}" in taken:
        index += 1
    return f"{name}_{index}"


def _bar_beats(meter: tuple[int, int]) -> float:
    return meter[0] * 4.0 / meter[1]


def _fit_meter(
    genre: Genre, meter: tuple[int, int], parts: list[InstrumentPart]
) -> tuple[Genre, list[InstrumentPart]]:
    """Make grooves, bass style, comping and harmonic rhythm fit ``meter``."""

    def groove_for(groove: str) -> str:
        if groove == "none":
            return groove
        if meter == (3, 4):
            return "waltz"
        if meter in ((6, 8), (12, 8)):
            return "six_eight"
        return "ballad" if groove in ("waltz", "six_eight") else groove

    grooves = {kind: groove_for(g) for kind, g in genre.grooves.items()}
    bass = genre.bass
    if meter != (4, 4) and bass not in ("none", "pedal_long", "root_whole"):
        bass = "waltz"
    elif meter == (4, 4) and bass == "waltz":
        bass = "root_fifth"
    fitted = []
    for part in parts:
        if meter == (3, 4) and part.role == "chords" and part.comp in ("block_quarters", "strum_folk"):
            part = dataclasses.replace(part, comp="waltz_oompah")
        elif meter != (3, 4) and part.comp == "waltz_oompah":
            part = dataclasses.replace(part, comp="block_quarters")
        fitted.append(part)
    bars_per_chord = max(1.0, round(genre.harmonic_rhythm_beats / _bar_beats(genre.meter)))
    return dataclasses.replace(
        genre,
        meter=meter,
        grooves=cast(dict[str, Groove], grooves),
        bass=bass,
        harmonic_rhythm_beats=bars_per_chord * _bar_beats(meter),
    ), fitted


def _named_matches(part: InstrumentPart, entry: InstrumentEntry) -> bool:
    if part.role in ("drums", "percussion"):
        return (
            any(p.role == part.role for p in entry.parts)
            and entry.prefer_group is None
            and entry.drum_kit is None
        )
    programs = {p.program for p in (*entry.parts, *entry.solo_parts)}
    names = {p.name for p in (*entry.parts, *entry.solo_parts)}
    return part.name in names or part.program in programs or any(w in part.aliases for w in entry.words)


def _solo_parts(entry: InstrumentEntry) -> tuple[InstrumentPart, ...]:
    if entry.solo_parts:
        return entry.solo_parts
    parts = list(entry.parts)
    first = parts[0]
    if first.role in ("chords", "pad", "arp", "counter"):
        low, high = first.register
        parts.append(
            dataclasses.replace(
                first, name=f"{first.name}_melody", role="lead", register=(max(low, 55), max(high, 84))
            )
        )
    return tuple(parts)


def resolve_style(tags: str, negative_tags: str = "") -> Style:
    """Resolve free-text ``tags`` (minus ``negative_tags``) into the :class:`Style` to compose.

    Deterministic. Raises :class:`InvalidParameter` (field ``tags`` or ``negative_tags``) for
    text over 1000 characters, a tempo outside 30-300 bpm or an unknown key name; every other
    word it does not know is listed in ``Style.unknown``.
    """
    tags = _check_text(tags, "tags")
    negative_tags = _check_text(negative_tags, "negative_tags")
    kb = knowledge_base()
    pos = _parse(tags, kb, negative=False)
    neg = _parse(negative_tags, kb, negative=True)
    negated = set(pos.negated) | set(neg.negated)
    excluded_groups = set(pos.groups) | set(neg.groups)
    banned_instruments = [
        kb.instruments[k.split(":", 1)[1]]
        for k in _unique([*pos.negated, *neg.negated])
        if k.startswith("instrument:")
    ]

    # --- genres and blend ---------------------------------------------------------------------
    genre_keys = [g for g in _unique(pos.genres) if f"genre:{g}" not in negated]
    named = [i for i in _unique(pos.instruments) if f"instrument:{i}" not in negated]
    solo_keys = [i for i in _unique(pos.solo) if i in named]
    if not genre_keys:
        solo_keys += [i for i in _unique(pos.weak_solo) if i in named and i not in solo_keys]
    solo = bool(solo_keys)
    if not genre_keys:
        fallback = next(
            (kb.instruments[i].solo_genre for i in solo_keys if kb.instruments[i].solo_genre), None
        )
        candidates = [c for c in (fallback, DEFAULT_GENRE, *kb.genres) if c is not None]
        genre_keys = [next(c for c in candidates if f"genre:{c}" not in negated)]
    blend_genres = [kb.genres[k] for k in genre_keys[:4]]
    raw_weights = [1.0 / (i + 1) for i in range(len(blend_genres))]
    weights = [w / sum(raw_weights) for w in raw_weights]
    primary = blend_genres[0]
    blend = tuple((g.key, round(w, 3)) for g, w in zip(blend_genres, weights, strict=True))

    # --- moods --------------------------------------------------------------------------------
    mood_list: tuple[Mood, ...] = tuple(kb.moods[m] for m in _unique(pos.moods) if f"mood:{m}" not in negated)

    # --- tempo range --------------------------------------------------------------------------
    low = sum(w * g.tempo_bpm[0] for g, w in zip(blend_genres, weights, strict=True))
    high = sum(w * g.tempo_bpm[1] for g, w in zip(blend_genres, weights, strict=True))
    p_low, p_high = primary.tempo_bpm
    low, high = max(low, p_low * 0.85), min(high, p_high * 1.15)
    low, high = min(low, high), max(low, high)
    scale = 1.0
    for mood in mood_list:
        scale *= mood.tempo_scale
    if scale != 1.0:  # a mood moves the tempo within the genre's range
        low, high = min(max(low * scale, p_low), p_high), min(max(high * scale, p_low), p_high)
        if high - low < 4.0:
            mid = (low + high) / 2
            low, high = max(p_low, mid - 2.0), min(p_high, mid + 2.0)
    for word_key in _unique(pos.tempo_words):
        word = next(t for t in kb.words.tempo if t.key == word_key)
        if word.middle:
            third = (high - low) / 3
            low, high = low + third, high - third
        low, high = low * word.scale, high * word.scale
    low, high = max(30.0, min(low, 300.0)), max(30.0, min(high, 300.0))
    tempo_range = (round(low, 1), round(max(low, high), 1))

    # --- modes --------------------------------------------------------------------------------
    mode_weights: dict[str, float] = {}
    for g, w in zip(blend_genres, weights, strict=True):
        total = sum(g.modes.values())
        for mode, value in g.modes.items():
            mode_weights[mode] = mode_weights.get(mode, 0.0) + w * value / total
    for mood in mood_list:
        for mode, factor in mood.mode_weights.items():
            mode_weights[mode] = mode_weights.get(mode, 0.15) * factor
    if pos.key_name is not None:
        tonal = parse_key(pos.key_name)
        family = mode_family(tonal.mode)
        mode_weights = {tonal.mode: 1.0}
    else:
        family_totals = {"major": 0.0, "minor": 0.0}
        for mode, value in mode_weights.items():
            family_totals[mode_family(mode)] += value
        home = mode_family(max(primary.modes, key=lambda m: primary.modes[m]))
        family = pos.mode_family or (
            home
            if family_totals["major"] == family_totals["minor"]
            else max(family_totals, key=lambda f: family_totals[f])
        )
        mode_weights = {m: v for m, v in mode_weights.items() if mode_family(m) == family and v > 0}
        if not mode_weights:
            mode_weights = {family: 1.0}
    total = sum(mode_weights.values())
    mode_weights = {
        m: round(v / total, 4) for m, v in sorted(mode_weights.items(), key=lambda kv: (-kv[1], kv[0]))
    }

    # --- arrangement --------------------------------------------------------------------------
    grooves: dict[str, str] = dict(primary.grooves)
    bass_style: str = primary.bass
    drum_kit = primary.drum_kit
    parts: list[InstrumentPart]
    if solo:
        parts = []
        for key in solo_keys:
            parts.extend(_solo_parts(kb.instruments[key]))
        has_drums = any(p.role == "drums" for p in parts)
        if not has_drums:
            grooves = dict.fromkeys(grooves, "none")
        elif all(g == "none" for g in grooves.values()):
            groove = next((g for g in (kb.instruments[k].groove for k in solo_keys) if g), "pop_basic")
            grooves = dict.fromkeys(grooves, groove)
        if not any(p.role == "bass" for p in parts):
            bass_style = "none"
        used = {p.group for p in parts}
        excluded_groups |= {g for g in STEM_GROUPS if g not in used and g not in ("vocals", "backing_vocals")}
    else:
        parts = list(primary.instruments)
        for g in blend_genres[1:]:
            added = 0
            for part in g.instruments:
                if added >= 2 or len(parts) >= MAX_PARTS:
                    break
                if part.role in ("drums", "percussion", "bass") or part.program in {p.program for p in parts}:
                    continue
                if part.role == "lead" and any(p.role == "lead" for p in parts):
                    part = dataclasses.replace(part, role="counter")
                parts.append(dataclasses.replace(part, name=_unique_name(part.name, {p.name for p in parts})))
                added += 1
        for key in named:
            entry = kb.instruments[key]
            if entry.drum_kit is not None:
                drum_kit = entry.drum_kit
            if entry.bass_style is not None:
                bass_style = entry.bass_style
            if entry.prefer_group is not None and any(p.group == entry.prefer_group for p in parts):
                continue
            for part in entry.parts:
                same = [
                    i
                    for i, p in enumerate(parts)
                    if p.program == part.program
                    and p.role == part.role
                    and p.role not in ("drums", "percussion")
                ]
                if same:
                    parts[same[0]] = dataclasses.replace(parts[same[0]], enter_energy=0.0)
                    continue
                if part.role == "lead":
                    parts = [
                        dataclasses.replace(p, role="counter")
                        if p.role == "lead" and p.group != part.group
                        else p
                        for p in parts
                    ]
                    parts = [p for p in parts if not (p.role == "lead" and p.group == part.group)]
                if part.role == "bass":
                    parts = [p for p in parts if p.role != "bass"]
                if part.role in ("drums", "percussion") and all(g == "none" for g in grooves.values()):
                    grooves = dict.fromkeys(grooves, entry.groove or "pop_basic")
                if part.role == "drums":
                    parts = [p for p in parts if p.role != "drums"]
                parts.append(dataclasses.replace(part, name=_unique_name(part.name, {p.name for p in parts})))
    parts = [dataclasses.replace(p, program=drum_kit) if p.role == "drums" else p for p in parts]

    # --- negatives ------------------------------------------------------------------------------
    parts = [
        p
        for p in parts
        if p.group not in excluded_groups
        and not any(_named_matches(p, entry) for entry in banned_instruments)
    ]
    if not any(p.role in ("drums", "percussion") for p in parts):
        grooves = dict.fromkeys(grooves, "none")
    if not any(p.role == "bass" for p in parts):
        bass_style = "none"
    if not any(p.role not in ("drums", "percussion", "fx") for p in parts):
        for key in (
            "piano",
            "pad",
            "acoustic_guitar",
            "strings",
            "synth",
            "electric_piano",
            "harp",
            "marimba",
            "flute",
            "choir",
        ):
            entry = kb.instruments[key]
            candidate = entry.parts[0]
            if candidate.group in excluded_groups or any(
                _named_matches(candidate, b) for b in banned_instruments
            ):
                continue
            parts.append(
                dataclasses.replace(candidate, name=_unique_name(candidate.name, {p.name for p in parts}))
            )
            break

    # --- meter ----------------------------------------------------------------------------------
    # An explicit meter wins; else a blended genre in another meter than 4/4 ("pop, waltz") sets it.
    meter = pos.meter or next((g.meter for g in blend_genres if g.meter != (4, 4)), None)
    genre = dataclasses.replace(
        primary,
        tempo_bpm=tempo_range,
        modes=dict(mode_weights),
        progressions=primary.progressions_by_family.get(family, primary.progressions),
        grooves=cast(dict[str, Groove], grooves),
        bass=cast(BassStyle, bass_style),
        drum_kit=drum_kit,
        instruments=tuple(parts),
        swing=max(primary.swing, kb.words.swing_amount if pos.swing else 0.0),
    )
    genre, fitted = _fit_meter(genre, meter or primary.meter, list(genre.instruments))
    genre = dataclasses.replace(genre, instruments=tuple(fitted))

    # --- mix and mood shifts ------------------------------------------------------------------
    energy_shift = max(-0.3, min(0.3, sum(m.energy_shift for m in mood_list)))
    register_shift = max(-12, min(12, sum(m.register_shift for m in mood_list)))
    mix: MixSettings = dataclasses.replace(
        primary.mix,
        brightness_db=round(primary.mix.brightness_db + sum(m.brightness_db for m in mood_list), 3),
        reverb_wet=round(
            min(1.0, max(0.0, primary.mix.reverb_wet + sum(m.reverb_shift for m in mood_list))), 3
        ),
    )
    return Style(
        genre=genre,
        blend=blend,
        moods=mood_list,
        instruments=genre.instruments,
        tempo_range_bpm=tempo_range,
        mode_weights=mode_weights,
        energy_shift=round(energy_shift, 3),
        register_shift=register_shift,
        mix=mix,
        swing=genre.swing,
        tempo_bpm=pos.tempo_bpm,
        key_name=pos.key_name,
        meter=meter,
        vocal_gender=pos.voice,  # type: ignore[arg-type]
        solo=solo,
        groups_excluded=frozenset(excluded_groups),
        recognised=tuple(_unique(pos.recognised)),
        unknown=tuple(_unique(pos.unknown)),
    )


def known_tags() -> list[str]:
    """Every genre, mood and instrument word the parser knows, sorted (for tag suggestions)."""
    kb = knowledge_base()
    words: set[str] = set()
    for genre in kb.genres.values():
        words.update((genre.name.lower(), *genre.aliases))
    for mood in kb.moods.values():
        words.update((mood.key.replace("_", " "), *mood.aliases))
    for entry in kb.instruments.values():
        words.update(entry.words)
    return sorted(w for w in words if w.strip())
