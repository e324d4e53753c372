"""Filling line templates: pronouns by point of view, verb agreement, word slots.

A template (``data/templates.toml``) is text with ``{slot}`` markers. :func:`fill` replaces every
marker from a :class:`Field` (the song's word pools) and a random generator; the end slot is given
by the caller, because the rhyme scheme decides it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from tunesmith.music.lyrics.write.lexicon import Lexicon, Theme, Verb, templates

__all__ = ["POINTS_OF_VIEW", "Field", "agree", "end_slot", "fill", "pronouns"]

SLOT_RE = re.compile(r"\{([^{}]+)\}")
_DIRECTION_RE = re.compile(r"\{V(?:b|ing|ed|s)\} (?:into|through|down|all the way|out on|out in)\b")

POINTS_OF_VIEW = ("i", "we", "she", "he")

_PRONOUNS: dict[str, dict[str, str]] = {
    "i": {"S": "I", "O": "me", "P": "my", "Sm": "I'm", "Sw": "I was", "Sll": "I'll", "Sd": "I'd"},
    "we": {"S": "we", "O": "us", "P": "our", "Sm": "we're", "Sw": "we were", "Sll": "we'll", "Sd": "we'd"},
    "she": {
        "S": "she",
        "O": "her",
        "P": "her",
        "Sm": "she's",
        "Sw": "she was",
        "Sll": "she'll",
        "Sd": "she'd",
    },
    "he": {"S": "he", "O": "him", "P": "his", "Sm": "he's", "Sw": "he was", "Sll": "he'll", "Sd": "he'd"},
}


def pronouns(pov: str) -> dict[str, str]:
    """The pronoun forms of a point of view (``"i"``, ``"we"``, ``"she"``, ``"he"``)."""
    return _PRONOUNS.get(pov, _PRONOUNS["i"])


def agree(base: str, pov: str) -> str:
    """A present-tense verb agreeing with the subject of ``pov`` ("feel" → "feels" for she/he)."""
    if pov in ("she", "he"):
        return Verb(base=base, ing="", past="").third
    return base


def end_slot(template: str) -> str:
    """The end slot's category of a template: ``"scene"`` … ``"tverb"``, ``"tail"`` or ``"title"``."""
    names: list[str] = SLOT_RE.findall(template)
    for name in reversed(names):
        if name.startswith("END:"):
            return name[4:]
        if name == "TAIL":
            return "tail"
        if name == "T":
            return "title"
    return ""


@dataclass(frozen=True)
class Field:
    """The song's semantic field: a primary theme, optional secondary theme, and general words.

    Inner slots draw from the primary theme with probability ``theme_weight``, else from the
    secondary theme (when there is one) or the general lexicon.
    """

    primary: Theme
    secondary: Theme | None
    general: Lexicon
    theme_weight: float = 0.7

    def sources(self) -> list[Lexicon]:
        """The lexicons in order primary, secondary (if any), general."""
        out: list[Lexicon] = [self.primary]
        if self.secondary is not None:
            out.append(self.secondary)
        out.append(self.general)
        return out

    def theme_words(self) -> frozenset[str]:
        """Every content word of the primary (and secondary) theme's field, lower case."""
        words: set[str] = set()
        themes: list[Theme] = [self.primary] + ([self.secondary] if self.secondary else [])
        for theme in themes:
            for slot in ("scene", "place", "plural", "adj", "feel", "images"):
                for phrase in theme.words(slot):
                    words.update(w for w in phrase.lower().split() if len(w) > 3)
            for verb in (*theme.verbs, *theme.tverbs):
                words.update((verb.base, verb.ing, verb.past))
            for title in theme.titles:
                words.update(w for w in title.text.lower().split() if len(w) > 3)
        return frozenset(words)

    def pick_source(self, rng: np.random.Generator) -> Lexicon:
        """A lexicon to draw one slot from (weighted toward the primary theme)."""
        r = float(rng.random())
        if r < self.theme_weight:
            return self.primary
        if self.secondary is not None and r < self.theme_weight + (1 - self.theme_weight) / 2:
            return self.secondary
        return self.general


def _choice(rng: np.random.Generator, items: tuple[str, ...] | list[str], avoid: set[str]) -> str:
    pool = [i for i in items if i not in avoid] or list(items)
    return str(pool[int(rng.integers(len(pool)))])


def _verb_choice(
    rng: np.random.Generator, items: tuple[Verb, ...], song_used: set[str] | None, exclude: frozenset[str]
) -> Verb:
    allowed = [v for v in items if v.base not in exclude] or list(items)
    fresh = [v for v in allowed if song_used is None or v.base not in song_used] or allowed
    verb = fresh[int(rng.integers(len(fresh)))]
    if song_used is not None:
        song_used.add(verb.base)
    return verb


def fill(
    template: str,
    *,
    field: Field,
    pov: str,
    rng: np.random.Generator,
    end: str = "",
    title: str = "",
    song_used: set[str] | None = None,
) -> str:
    """Fill every slot of ``template``; ``end`` fills its end slot, ``title`` fills ``{T}``.

    The same verb fills every person-verb slot of a line (and likewise for thing verbs), and
    no word pool gives the same word twice in one line; words in ``song_used`` (words earlier
    lines used) are avoided while others are left, and the words chosen are added to it.
    The first letter is capitalised.
    """
    forms = pronouns(pov)
    used: set[str] = {end}
    person: Verb | None = None
    thing: Verb | None = None
    static = templates().static_verbs if _DIRECTION_RE.search(template) else frozenset()

    def replace(match: re.Match[str]) -> str:
        nonlocal person, thing
        name = match.group(1)
        if name in forms:
            return forms[name]
        if name.startswith("END:") or name == "TAIL":
            return end
        if name == "T":
            return title
        if name.startswith("~"):
            return agree(name[1:], pov)
        if name in ("Vb", "Ving", "Ved", "Vs"):
            if person is None:
                person = _verb_choice(rng, field.pick_source(rng).verbs, song_used, static)
            return {"Vb": person.base, "Ving": person.ing, "Ved": person.past, "Vs": agree(person.base, pov)}[
                name
            ]
        if name in ("TVb", "TVing"):
            if thing is None:
                thing = _verb_choice(rng, field.pick_source(rng).tverbs, song_used, frozenset())
            return thing.base if name == "TVb" else thing.ing
        slot = "images" if name == "img" else name
        items = field.pick_source(rng).words(slot)
        fresh = [i for i in items if i not in used and (song_used is None or i not in song_used)]
        word = _choice(rng, fresh, set()) if fresh else _choice(rng, items, used)
        used.add(word)
        if song_used is not None:
            song_used.add(word)
        return word

    text = SLOT_RE.sub(replace, template)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:1].upper() + text[1:]
