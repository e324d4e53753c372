"""Read a free-text song description: style words, voice, era, tempo feel and the theme.

``read_description("an upbeat summer pop song about road trips")`` finds

- the **style** words the style knowledge base knows (genres, moods, instruments, tempo and
  voice words; longest phrase first, "no drums" / "without piano" skipped) and turns them into a
  ``tags`` string made only of phrases the composer's tag parser recognises;
- the **theme**: the semantic field the lyrics draw from (``lyrics/write/data/themes.toml``:
  road trip, love, heartbreak, summer, city night, ocean, rain, home, freedom, dreams, friendship,
  winter, space, party, nostalgia, rebellion, hope, nature, loneliness), chosen by trigger words in
  English and a few other languages, and by emoji; a second theme when the text names one;
- the **point of view** (I / we / she / he), the **setting**, the **topic words**, an era
  ("80s") and a **title** (a quoted or "called …" title wins; otherwise one of the theme's).

Everything is offline heuristics over curated vocabularies (no WordNet, no embeddings); the same
text always gives the same Description.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zlib
from dataclasses import dataclass, replace

from tunesmith.errors import InvalidParameter
from tunesmith.music.style.loader import knowledge_base, phrase_table

__all__ = ["MAX_DESCRIPTION_CHARS", "Description", "read_description"]

MAX_DESCRIPTION_CHARS = 400
"""The contract's limit for ``gpt_description_prompt`` (API.md §4.1)."""

_DEFAULT_THEME = "dreams"
_DEFAULT_TEMPO_RANGE_BPM = (90.0, 120.0)

# A theme when the text names none, from the first mood found.
_MOOD_THEMES = {
    "sad": "heartbreak",
    "melancholic": "loneliness",
    "happy": "summer",
    "romantic": "love",
    "energetic": "party",
    "dark": "city_night",
    "dreamy": "dreams",
    "calm": "nature",
    "chill": "rain",
    "nostalgic": "nostalgia",
    "epic": "hope",
    "inspirational": "hope",
    "uplifting": "hope",
    "hopeful": "hope",
    "aggressive": "rebellion",
    "angry": "rebellion",
    "peaceful": "nature",
}
_PLACE_THEMES = ("city_night", "ocean", "summer", "nature", "space", "home", "road_trip", "winter")

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "with",
        "without",
        "of",
        "on",
        "in",
        "at",
        "to",
        "for",
        "from",
        "by",
        "about",
        "into",
        "over",
        "under",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "my",
        "our",
        "your",
        "his",
        "her",
        "their",
        "me",
        "us",
        "you",
        "i",
        "we",
        "she",
        "he",
        "they",
        "them",
        "song",
        "songs",
        "track",
        "tune",
        "music",
        "some",
        "very",
        "really",
        "kind",
        "sort",
        "like",
        "make",
        "made",
        "want",
        "write",
        "please",
        "style",
        "sound",
        "sounding",
        "feel",
        "feeling",
        "vibe",
        "vibes",
        "type",
        "genre",
        "mood",
        "lyrics",
        "lyric",
        "one",
        "two",
        "just",
        "so",
        "as",
    ]
)
_NEGATION = frozenset({"no", "without", "minus", "non", "not", "zero"})

_ERA_RE = re.compile(r"(?:\b(?:19|20)?'?([0-9]0)'?s\b)|\b(fifties|sixties|seventies|eighties|nineties)\b")
_ERA_WORDS = {"fifties": "50s", "sixties": "60s", "seventies": "70s", "eighties": "80s", "nineties": "90s"}
_BPM_RE = re.compile(r"\b(\d{2,3})\s*bpm\b")
_TITLE_RES = (
    re.compile(r"""(?:called|titled|named|title[d]?:?)\s+["“'‘]([^"”'’]{1,60})["”'’]""", re.IGNORECASE),
    re.compile(r"""["“]([^"”]{2,60})["”]"""),
    re.compile(r"""(?:called|titled|named)\s+([A-Za-z][\w' ]{1,40}?)(?:[,.;!?]|$)""", re.IGNORECASE),
)


@dataclass(frozen=True)
class Description:
    """What a description asks for.

    - ``genres``, ``moods``, ``instruments``: knowledge-base phrases found in the text, in order.
    - ``tempo_feel``: ``"slow"``, ``"medium"`` or ``"fast"``; ``tempo_bpm`` when the text says
      "120 bpm"; ``tempo_range_bpm`` the primary genre's range (BPM) to size a song's form with;
      ``beats_per_bar`` from the genre's meter.
    - ``vocal_gender``: ``"f"``, ``"m"`` or None (the engine's choice).
    - ``era``: e.g. ``"80s"`` or None.
    - ``theme`` / ``secondary_theme``: theme keys of the lyric writer; ``topic_words`` the words
      that selected them; ``setting``: where the song happens; ``point_of_view``: ``"i"``,
      ``"we"``, ``"she"`` or ``"he"``.
    - ``tags``: comma-separated style phrases the composer's tag parser recognises.
    - ``title``: a title; ``title_given`` is True when the text named it.
    """

    text: str
    genres: tuple[str, ...]
    moods: tuple[str, ...]
    instruments: tuple[str, ...]
    tempo_feel: str
    tempo_bpm: float | None
    tempo_range_bpm: tuple[float, float]
    beats_per_bar: int
    vocal_gender: str | None
    era: str | None
    theme: str
    secondary_theme: str | None
    topic_words: tuple[str, ...]
    setting: str
    point_of_view: str
    tags: str
    title: str
    title_given: bool = False

    def with_vocal_gender(self, vocal_gender: str) -> Description:
        """This description with the voice set to ``"f"`` or ``"m"`` (tags updated)."""
        phrases = [p for p in self.tags.split(", ") if p and p not in ("female vocals", "male vocals")]
        phrases.append("female vocals" if vocal_gender == "f" else "male vocals")
        return replace(self, vocal_gender=vocal_gender, tags=", ".join(phrases))


# -- the style knowledge base's vocabulary ---------------------------------------------------------


@dataclass(frozen=True)
class _Vocabulary:
    genres: dict[str, str]  # phrase → genre key
    moods: dict[str, str]  # phrase → mood key
    instruments: dict[str, str]  # phrase → instrument key
    tempo: dict[str, str]  # phrase → tempo key (slow, fast, …)
    voice: dict[str, str]  # phrase → "f" / "m"
    genre_tempo: dict[str, tuple[float, float]]
    genre_meter: dict[str, int]
    longest: int


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("-", " ").replace("_", " ")
    return re.sub(r"\s+", " ", re.sub(r"[^\w' ]+", " ", text)).strip()


@functools.cache
def _vocabulary() -> _Vocabulary:
    """The tag phrases of the style knowledge base, by kind (see ``style.loader.phrase_table``)."""
    kb = knowledge_base()
    cats: dict[str, dict[str, str]] = {"genre": {}, "mood": {}, "instrument": {}, "tempo": {}, "voice": {}}
    for phrase, meaning in phrase_table(kb).items():
        if meaning.kind in cats:
            cats[meaning.kind][_norm(phrase)] = meaning.key
    tempo_ranges = {k: (float(g.tempo_bpm[0]), float(g.tempo_bpm[1])) for k, g in kb.genres.items()}
    meters = {k: g.meter[0] if g.meter[1] == 4 else max(2, g.meter[0] // 3) for k, g in kb.genres.items()}
    longest = max((len(p.split()) for c in cats.values() for p in c), default=1)
    return _Vocabulary(
        cats["genre"],
        cats["mood"],
        cats["instrument"],
        cats["tempo"],
        cats["voice"],
        tempo_ranges,
        meters,
        longest,
    )


# -- themes -----------------------------------------------------------------------------------


def _theme_scores(norm_text: str, raw_text: str) -> list[tuple[float, int, str, list[str]]]:
    """Themes whose trigger words occur in the text, best first: by score; on a tie, a theme named
    after "about" (the topic) first, then the one named earliest — "a song about the ocean at
    night" is about the ocean, "a summer song about road trips" about road trips — then data order."""
    from tunesmith.music.lyrics.write.lexicon import themes

    padded = f" {norm_text} "
    topic_at = padded.find(" about ")
    scored: list[tuple[float, bool, int, int, str, list[str]]] = []
    for order, (key, theme) in enumerate(themes().items()):
        score = 0.0
        hits: list[str] = []
        first_at = len(padded) + len(raw_text)
        for trigger in theme.triggers:
            t = _norm(trigger)
            if t and f" {t} " in padded:
                score += 1.0 + 0.5 * (len(t.split()) - 1)
                hits.append(t)
                first_at = min(first_at, padded.index(f" {t} "))
            elif t and len(t) > 4 and f" {t}s " in padded:  # plural: "dreams", "road trips"
                score += 1.0
                hits.append(t)
                first_at = min(first_at, padded.index(f" {t}s "))
        for e in theme.emoji:
            if e in raw_text:
                score += 1.0
                hits.append(e)
                first_at = min(first_at, len(padded) + raw_text.index(e))
        if score > 0:
            in_topic = 0 <= topic_at < first_at
            scored.append((score, in_topic, -first_at, -order, key, hits))
    scored.sort(reverse=True)
    return [(score, neg_order, key, hits) for score, _, _, neg_order, key, hits in scored]


def _point_of_view(tokens: list[str], default: str) -> str:
    counts = {
        "we": sum(t in ("we", "our", "us", "we're") for t in tokens),
        "i": sum(t in ("i", "my", "me", "i'm", "myself") for t in tokens),
        "she": sum(t in ("she", "she's") for t in tokens),
        "he": sum(t in ("he", "he's") for t in tokens),
    }
    best = max(counts, key=lambda k: (counts[k], k == default))
    return best if counts[best] > 0 else default


def _title(raw: str) -> str | None:
    for pattern in _TITLE_RES:
        match = pattern.search(raw)
        if match:
            title = re.sub(r"\s+", " ", match.group(1)).strip(" .,!?")
            if any(ch.isalpha() for ch in title):
                return title[:80]
    return None


def read_description(
    text: str, *, field: str = "gpt_description_prompt", max_chars: int = MAX_DESCRIPTION_CHARS
) -> Description:
    """Read a free-text song description (≤ ``max_chars`` characters).

    Raises InvalidParameter naming ``field`` when the text is missing or blank ("The '<field>'
    field is required.") or too long ("The '<field>' character length should be less than
    <max_chars>."). Text with no recognisable words (emoji, symbols, another language) still
    gives a Description, with default theme and tags.
    """
    if not isinstance(text, str):
        raise InvalidParameter(f"The '{field}' field should be a string.", field=field)
    if len(text) > max_chars:
        raise InvalidParameter(
            f"The '{field}' character length should be less than {max_chars}.", field=field
        )
    if not text.strip():
        raise InvalidParameter(f"The '{field}' field is required.", field=field)
    vocab = _vocabulary()
    norm = _norm(text)
    tokens = norm.split()

    genres: list[str] = []
    genre_keys: list[str] = []
    moods: list[str] = []
    mood_keys: list[str] = []
    instruments: list[str] = []
    tempo_words: list[str] = []
    voices: list[str] = []
    consumed: set[int] = set()
    i = 0
    while i < len(tokens):
        matched = 0
        for n in range(min(vocab.longest, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i : i + n])
            if n == 1 and phrase in _STOP:
                break
            negated = i > 0 and tokens[i - 1] in _NEGATION
            if phrase in vocab.genres:
                if not negated and vocab.genres[phrase] not in genre_keys:
                    genres.append(phrase)
                    genre_keys.append(vocab.genres[phrase])
            elif phrase in vocab.moods:
                if not negated and vocab.moods[phrase] not in mood_keys:
                    moods.append(phrase)
                    mood_keys.append(vocab.moods[phrase])
            elif phrase in vocab.instruments:
                if not negated and phrase not in instruments:
                    instruments.append(phrase)
            elif phrase in vocab.tempo:
                tempo_words.append(phrase)
            elif phrase in vocab.voice:
                voices.append(vocab.voice[phrase])
            else:
                continue
            matched = n
            consumed.update(range(i, i + n))
            break
        i += matched or 1

    # Theme.
    from tunesmith.music.lyrics.write.lexicon import themes

    all_themes = themes()
    scored = _theme_scores(norm, text)
    if scored:
        theme = scored[0][2]
        secondary = scored[1][2] if len(scored) > 1 else None
        topic = [h for _, _, _, hits in scored[:2] for h in hits]
    else:
        theme = next((_MOOD_THEMES[m] for m in mood_keys if m in _MOOD_THEMES), _DEFAULT_THEME)
        secondary = None
        topic = []
    extra = [
        t for j, t in enumerate(tokens) if j not in consumed and t not in _STOP and len(t) > 2 and t.isalpha()
    ]
    for word in extra:
        if word not in topic:
            topic.append(word)
    primary = all_themes[theme]
    setting = primary.setting
    if secondary in _PLACE_THEMES and theme not in _PLACE_THEMES:
        setting = all_themes[secondary].setting

    # Tempo.
    bpm_match = _BPM_RE.search(norm)
    tempo_bpm = float(bpm_match.group(1)) if bpm_match and 40 <= int(bpm_match.group(1)) <= 240 else None
    tempo_keys = [vocab.tempo[w] for w in tempo_words]
    if any(k in ("slow", "downtempo") for k in tempo_keys):
        tempo_feel = "slow"
    elif any(k in ("fast", "uptempo") for k in tempo_keys) or "energetic" in mood_keys:
        tempo_feel = "fast"
    elif any(m in ("sad", "calm", "chill", "melancholic", "dreamy") for m in mood_keys):
        tempo_feel = "slow"
    else:
        tempo_feel = "medium"

    # Tags: named style words, else the theme's defaults; only knowledge-base phrases.
    tag_phrases: list[str] = genres[:2]
    if not genre_keys:
        for phrase in (p.strip() for p in primary.tags.split(",")):
            key = vocab.genres.get(_norm(phrase))
            if key and not genre_keys:
                tag_phrases.append(_norm(phrase))
                genre_keys.append(key)
    tag_phrases += moods[:2]
    if not mood_keys:
        for phrase in (p.strip() for p in primary.tags.split(",")):
            key = vocab.moods.get(_norm(phrase))
            if key:
                tag_phrases.append(_norm(phrase))
                mood_keys.append(key)
    tag_phrases += instruments[:3]
    tag_phrases += tempo_words[:1]
    vocal_gender = voices[0] if voices else None
    if vocal_gender is not None:
        tag_phrases.append("female vocals" if vocal_gender == "f" else "male vocals")
    era = None
    era_match = _ERA_RE.search(text.lower())
    if era_match:
        era = f"{era_match.group(1)}s" if era_match.group(1) else _ERA_WORDS[era_match.group(2)]
    if tempo_bpm is not None:
        tag_phrases.append(f"{int(tempo_bpm)} bpm")
    seen: set[str] = set()
    tags = ", ".join(p for p in tag_phrases if not (p in seen or seen.add(p)))  # type: ignore[func-returns-value]

    low, high = (
        vocab.genre_tempo.get(genre_keys[0], _DEFAULT_TEMPO_RANGE_BPM)
        if genre_keys
        else _DEFAULT_TEMPO_RANGE_BPM
    )
    if tempo_feel == "slow":
        low, high = low * 0.85, high * 0.9
    elif tempo_feel == "fast":
        low, high = low * 1.05, high * 1.1
    beats = vocab.genre_meter.get(genre_keys[0], 4) if genre_keys else 4

    given = _title(text)
    if given is None:
        titles = primary.titles
        title = titles[zlib.crc32(norm.encode("utf-8")) % len(titles)].display
    else:
        title = given
    return Description(
        text=text,
        genres=tuple(genres),
        moods=tuple(moods),
        instruments=tuple(instruments),
        tempo_feel=tempo_feel,
        tempo_bpm=tempo_bpm,
        tempo_range_bpm=(round(low, 1), round(high, 1)),
        beats_per_bar=beats,
        vocal_gender=vocal_gender,
        era=era,
        theme=theme,
        secondary_theme=secondary if secondary != theme else None,
        topic_words=tuple(topic[:8]),
        setting=setting,
        point_of_view=_point_of_view(tokens, primary.pov),
        tags=tags,
        title=title,
        title_given=given is not None,
    )
