"""The lyric writer's data: the general lexicon, the themes (semantic fields) and the templates.

All of it lives in ``data/*.toml`` (read once, cached); see the comments at the top of each file
for the meaning of every field.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources

__all__ = [
    "Lexicon",
    "Templates",
    "Theme",
    "Title",
    "Verb",
    "general_lexicon",
    "templates",
    "themes",
]

SLOT_CATEGORIES = ("scene", "place", "plural", "adj", "feel", "verbs", "tverbs", "images")
"""The word pools of a lexicon or theme."""

_ES_ENDINGS = ("s", "sh", "ch", "x", "z", "o")


@dataclass(frozen=True)
class Verb:
    """An intransitive verb with its forms."""

    base: str
    ing: str
    past: str

    @property
    def third(self) -> str:
        """Third-person singular present ("go" → "goes", "cry" → "cries")."""
        b = self.base
        if b == "have":
            return "has"
        if b.endswith("y") and len(b) > 1 and b[-2] not in "aeiou":
            return b[:-1] + "ies"
        if b.endswith(_ES_ENDINGS):
            return b + "es"
        return b + "s"


def _verb(text: str) -> Verb:
    base, ing, past = (part.strip() for part in text.split("/"))
    return Verb(base=base, ing=ing, past=past)


@dataclass(frozen=True)
class Title:
    """A title with the determiner used before it inside a line ("the" + "open road")."""

    text: str
    determiner: str = ""

    @property
    def in_line(self) -> str:
        """The title as sung inside a line, e.g. ``"the open road"``."""
        return f"{self.determiner} {self.text}".strip()

    @property
    def display(self) -> str:
        """The title as shown: each word capitalised, e.g. ``"Open Road"``."""
        return " ".join(w[:1].upper() + w[1:] for w in self.text.split())


@dataclass(frozen=True)
class Lexicon:
    """Word pools by slot (see ``data/lexicon.toml``)."""

    scene: tuple[str, ...]
    place: tuple[str, ...]
    plural: tuple[str, ...]
    adj: tuple[str, ...]
    feel: tuple[str, ...]
    verbs: tuple[Verb, ...]
    tverbs: tuple[Verb, ...]
    images: tuple[str, ...]

    def words(self, slot: str) -> tuple[str, ...]:
        """The pool of a noun/adjective/image slot by name."""
        value = getattr(self, slot)
        assert isinstance(value, tuple)
        return tuple(str(v) for v in value)


@dataclass(frozen=True)
class Theme(Lexicon):
    """A theme's semantic field plus how to recognise it and what it defaults to."""

    key: str = ""
    name: str = ""
    triggers: tuple[str, ...] = ()
    emoji: tuple[str, ...] = ()
    pov: str = "i"
    tags: str = ""
    setting: str = ""
    titles: tuple[Title, ...] = ()


@dataclass(frozen=True)
class Templates:
    """Line templates by section kind, plus the hook (title) lines."""

    by_section: dict[str, tuple[str, ...]]
    hooks: tuple[str, ...]
    tails: tuple[str, ...]
    static_verbs: frozenset[str] = frozenset()
    """Person verbs that take no direction ("stay", not "stayed into the night")."""


def _load(name: str) -> dict[str, object]:
    text = resources.files("tunesmith.music.lyrics.write").joinpath("data", name).read_text("utf-8")
    return tomllib.loads(text)


def _strs(raw: dict[str, object], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    assert isinstance(value, list)
    return tuple(str(v) for v in value)


def _pools(raw: dict[str, object]) -> dict[str, tuple[str, ...] | tuple[Verb, ...]]:
    pools: dict[str, tuple[str, ...] | tuple[Verb, ...]] = {}
    for slot in SLOT_CATEGORIES:
        values = _strs(raw, slot)
        pools[slot] = tuple(_verb(v) for v in values) if slot in ("verbs", "tverbs") else values
    return pools


def _lexicon_args(raw: dict[str, object]) -> dict[str, tuple[str, ...] | tuple[Verb, ...]]:
    return _pools(raw)


@functools.cache
def general_lexicon() -> Lexicon:
    """The theme-independent song words (``data/lexicon.toml``)."""
    raw = _load("lexicon.toml")
    return Lexicon(**_lexicon_args(raw))  # type: ignore[arg-type]


@functools.cache
def themes() -> dict[str, Theme]:
    """Every theme by key, in file order (``data/themes.toml``)."""
    out: dict[str, Theme] = {}
    for key, raw in _load("themes.toml").items():
        assert isinstance(raw, dict)
        titles = []
        for entry in _strs(raw, "titles"):
            det, _, text = entry.rpartition("|")
            titles.append(Title(text=text.strip(), determiner=det.strip()))
        out[key] = Theme(
            **_lexicon_args(raw),  # type: ignore[arg-type]
            key=key,
            name=str(raw.get("name", key)),
            triggers=_strs(raw, "triggers"),
            emoji=_strs(raw, "emoji"),
            pov=str(raw.get("pov", "i")),
            tags=str(raw.get("tags", "")),
            setting=str(raw.get("setting", "")),
            titles=tuple(titles),
        )
    return out


@functools.cache
def templates() -> Templates:
    """The line templates (``data/templates.toml``) and the lexicon's tails."""
    raw = _load("templates.toml")
    sections = {k: _strs(raw, k) for k in ("verse", "pre_chorus", "chorus", "bridge", "outro")}
    return Templates(
        by_section=sections, hooks=_strs(raw, "hooks"), tails=_strs(_load("lexicon.toml"), "tails")
    )
