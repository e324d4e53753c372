"""Tag upsampling: "pop, happy" → a full production description the composer honours.

``upsample_tags("pop, happy")`` keeps the request's genres and one coherent set of moods, then
adds, from the style knowledge base (``style/data``), one phrase each for

- the **mode** ("major key" / "minor key": the genre's mode weights times the moods'),
- the **tempo feel** (a tempo word from the moods' tempo scale, and the tempo in BPM),
- the **instrumentation** (up to three of the genre's own parts, named by instrument words),
- the **drum pattern** ("live drums", "drum machine", "brushes" …, "swing feel" for swung genres),
- the **vocal style** ("female vocals" / "male vocals", the genre's default voice),
- the **production sound**: a second mood that agrees with the first.

Every added phrase is a tag phrase of the knowledge base (so the tag parser turns it into a real
effect). Contradictory moods ("happy, sad") keep the first and drop the ones pulling the mode the
other way. The result is deterministic for the same tags and seed.
"""

from __future__ import annotations

import re

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.style.loader import KnowledgeBase, Phrase, knowledge_base, normalize_phrase, phrase_table
from tunesmith.music.style.model import Genre, Mood

__all__ = ["MAX_TAGS_CHARS", "upsample_tags"]

MAX_TAGS_CHARS = 1000
"""The contract's limit for ``tags`` of ``sonic/upsample-tags`` (API.md §4.12)."""

_DEFAULT_GENRE = "pop"
_MAX_PHRASE_WORDS = 4
_MINOR_MODES = ("minor", "dorian", "phrygian", "harmonic minor", "locrian")


def _phrases(tags: str, table: dict[str, Phrase]) -> list[tuple[str, Phrase | None]]:
    """Split tags into known phrases (longest match first) and unknown words."""
    out: list[tuple[str, Phrase | None]] = []
    for part in re.split(r"[,;\n|]+", tags):
        words = normalize_phrase(part).split()
        i = 0
        while i < len(words):
            for n in range(min(_MAX_PHRASE_WORDS, len(words) - i), 0, -1):
                phrase = " ".join(words[i : i + n])
                if phrase in table:
                    out.append((phrase, table[phrase]))
                    i += n
                    break
            else:
                out.append((words[i], None))
                i += 1
    return out


def _minor_pull(weights: dict[str, float]) -> float:
    """> 0 when a mood's mode weights favour minor-family modes, < 0 for major-family ones."""
    minor = max((weights.get(m, 1.0) for m in _MINOR_MODES), default=1.0)
    major = max((weights.get(m, 1.0) for m in ("major", "lydian", "mixolydian")), default=1.0)
    return float(np.log(minor) - np.log(major))


def _coherent_moods(moods: list[Mood]) -> list[Mood]:
    """The first mood plus those that pull the mode the same way (or not at all)."""
    kept: list[Mood] = []
    for mood in moods:
        pull = _minor_pull(mood.mode_weights)
        if kept:
            ref = _minor_pull(kept[0].mode_weights)
            if ref * pull < -0.5:  # opposite directions: happy vs sad
                continue
            if kept[0].energy_shift * mood.energy_shift < -0.01 and abs(mood.energy_shift) > 0.12:
                continue  # energetic vs peaceful
        kept.append(mood)
    return kept


def _mode_word(genre: Genre, moods: list[Mood], kb: KnowledgeBase) -> str:
    weights = dict(genre.modes)
    for mood in moods:
        for mode, factor in mood.mode_weights.items():
            weights[mode] = weights.get(mode, 0.0) * factor
    minor = sum(w for m, w in weights.items() if m in _MINOR_MODES)
    major = sum(w for m, w in weights.items() if m not in _MINOR_MODES)
    family = "minor" if minor > major else "major"
    words = kb.words.mode.get(family, ())
    return next((w for w in words if " " in w), words[0] if words else family)


def _tempo_words(genre: Genre, moods: list[Mood], kb: KnowledgeBase) -> list[str]:
    scale = float(np.prod([m.tempo_scale for m in moods])) if moods else 1.0
    key = "uptempo" if scale >= 1.05 else "downtempo" if scale <= 0.9 else "mid_tempo"
    word = next((t.words[0] for t in kb.words.tempo if t.key == key), None)
    low, high = genre.tempo_bpm
    bpm = round(min(high, max(low, (low + high) / 2.0 * scale)))
    return ([word] if word else []) + [f"{bpm} bpm"]


def _instrument_words(
    genre: Genre, kb: KnowledgeBase, rng: np.random.Generator, named: set[str]
) -> list[str]:
    """Up to three words naming instruments of the genre's own arrangement (not drums or bass)."""
    by_name: dict[str, str] = {}
    by_program: dict[int, str] = {}
    for key, entry in kb.instruments.items():
        word = entry.words[0] if entry.words else key.replace("_", " ")
        for part in entry.parts:
            by_name.setdefault(part.name, word)
            if part.role not in ("drums", "percussion"):
                by_program.setdefault(part.program, word)
    words: list[str] = []
    for part in genre.instruments:
        if part.role in ("drums", "percussion", "bass"):
            continue
        found = by_name.get(part.name) or by_program.get(part.program)
        if found and found not in words and found not in named:
            words.append(found)
    if len(words) > 3:
        keep = sorted(int(i) for i in rng.choice(len(words), size=3, replace=False))
        words = [words[i] for i in keep]
    return words


def _drum_words(genre: Genre, kb: KnowledgeBase) -> list[str]:
    if not any(p.role == "drums" for p in genre.instruments):
        return []
    entries = kb.instruments
    if genre.drum_kit in (24, 25) and "drum_machine" in entries:
        words = ["drum machine"]
    elif genre.drum_kit == 40 and "brushes" in {w for e in entries.values() for w in e.words}:
        words = ["brushes"]
    else:
        words = (
            ["live drums"]
            if "live drums" in entries.get("drums", entries[next(iter(entries))]).words
            else ["drums"]
        )
    if genre.swing >= 0.3 and kb.words.swing_words:
        words.append("swing feel" if "swing feel" in kb.words.swing_words else kb.words.swing_words[0])
    return words


def _companion_mood(
    genre: Genre, moods: list[Mood], kb: KnowledgeBase, rng: np.random.Generator
) -> str | None:
    """A mood agreeing with the request's (same mode pull and energy sign), for the production sound."""
    if moods:
        ref_pull, ref_energy = _minor_pull(moods[0].mode_weights), moods[0].energy_shift
    else:
        minor = sum(w for m, w in genre.modes.items() if m in _MINOR_MODES)
        major = sum(w for m, w in genre.modes.items() if m not in _MINOR_MODES)
        ref_pull, ref_energy = (0.5 if minor > major else -0.5), 0.0
    have = {m.key for m in moods}
    options = [
        m
        for m in kb.moods.values()
        if m.key not in have
        and _minor_pull(m.mode_weights) * ref_pull > 0
        and (m.energy_shift * ref_energy >= 0 or abs(m.energy_shift) < 0.06)
    ]
    if not options:
        return None
    # The three closest in (mode pull, energy), then one of them by the seed.
    options.sort(
        key=lambda m: (
            abs(_minor_pull(m.mode_weights) - ref_pull) + 4 * abs(m.energy_shift - ref_energy),
            m.key,
        )
    )
    near = options[:3]
    return near[int(rng.integers(len(near)))].key


def upsample_tags(tags: str, *, seed: int = 0) -> str:
    """Expand a short tags string into a comma-separated production description.

    The request's genres (all of them) and its coherent moods come first, then mode, tempo feel
    and BPM, instruments, drum pattern, vocal style and a production mood — every one a tag phrase
    of the knowledge base. Without a recognised genre, pop is assumed and named. Deterministic
    for the same ``tags`` and ``seed``. Raises InvalidParameter for blank or over-long tags
    (over :data:`MAX_TAGS_CHARS` characters).
    """
    if not isinstance(tags, str) or not tags.strip():
        raise InvalidParameter("The 'tags' field is required.", field="tags")
    if len(tags) > MAX_TAGS_CHARS:
        raise InvalidParameter(
            f"The tags character length should be less than {MAX_TAGS_CHARS}.", field="tags"
        )
    kb = knowledge_base()
    table = phrase_table(kb)
    rng = np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, 0x7A65]))
    parsed = _phrases(tags, table)

    out: list[str] = []
    genre_keys: list[str] = []
    moods: list[Mood] = []
    named_instruments: set[str] = set()
    has = {"tempo": False, "voice": False, "mode": False, "swing": False}
    for phrase, meaning in parsed:
        if meaning is None or meaning.kind in ("stop",):
            continue
        if meaning.kind == "genre" and meaning.key not in genre_keys:
            genre_keys.append(meaning.key)
            out.append(phrase)
        elif meaning.kind == "mood":
            moods.append(kb.moods[meaning.key])
        elif meaning.kind == "instrument":
            named_instruments.add(phrase)
            out.append(phrase)
        elif meaning.kind in has:
            has[meaning.kind] = True
            out.append(phrase)
    coherent = _coherent_moods(moods)
    keep_moods = {m.key for m in coherent}
    mood_phrases = [p for p, m in parsed if m is not None and m.kind == "mood" and m.key in keep_moods]
    seen_moods: set[str] = set()
    for phrase in mood_phrases:
        key = table[phrase].key
        if key not in seen_moods:
            seen_moods.add(key)
            out.append(phrase)
    if not genre_keys:
        genre_keys.append(_DEFAULT_GENRE)
        out.insert(0, kb.genres[_DEFAULT_GENRE].name.lower())
    genre = kb.genres[genre_keys[0]]

    added: list[str] = []
    if not has["mode"]:
        added.append(_mode_word(genre, coherent, kb))
    if not has["tempo"]:
        added += _tempo_words(genre, coherent, kb)
    added += _instrument_words(genre, kb, rng, named_instruments)
    drums = _drum_words(genre, kb)
    if has["swing"]:
        drums = [d for d in drums if d not in kb.words.swing_words]
    added += drums
    if not has["voice"]:
        gender = genre.default_vocal_gender
        added.append("female vocals" if gender == "f" else "male vocals")
    companion = _companion_mood(genre, coherent, kb, rng)
    if companion is not None:
        added.append(companion)
    result: list[str] = []
    for phrase in [*out, *added]:
        if phrase not in result:
            result.append(phrase)
    return ", ".join(result)
