"""Parse the contract's lyrics format into sections and lines.

The format::

    [Verse]
    City lights are calling me
    (calling me)                 <- a line wholly in parentheses: backing vocals
    I keep running (oh yeah)     <- a parenthesised part of a line: an ad-lib

    [Chorus 2]
    ...

- Section tags are ``[Intro] [Verse] [Verse 2] [Pre-Chorus] [Chorus] [Post-Chorus] [Bridge]
  [Hook] [Break] [Instrumental] [Guitar Solo] [Outro] [End] [Fade Out]`` in any case, optionally
  numbered. Unknown tags are tolerated and become verses (their text is kept as the label).
- ``[Hook]`` is a chorus, ``[Break]`` a breakdown, ``[Guitar Solo]`` (any ``… solo``) a solo,
  ``[End]``/``[Fade Out]`` an outro.
- Lines before any tag form a verse. Blank lines only separate; they never make empty lines.
- Tags of instrumental kinds (intro, instrumental, solo, breakdown, outro) may still carry lines;
  when they carry none, the section has no lines (the composer plays it instrumentally).
- A sung section tag with no lines under it (e.g. ``[Chorus]`` followed by another tag) is kept
  with no lines.

Parsing never fails on text: anything that is not a tag is a lyric line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tunesmith.music.score import SectionKind

__all__ = ["LyricLine", "LyricSection", "ParsedLyrics", "parse_lyrics", "section_kind_for_tag", "sung_text"]


@dataclass(frozen=True)
class LyricLine:
    """One lyric line.

    ``text`` is the lead text with ad-libs removed (for a backing line: the backing text without
    its parentheses). ``backing`` is True when the whole line was in parentheses. ``adlibs`` are
    the parenthesised parts of a lead line, in order, without their parentheses.
    """

    text: str
    backing: bool = False
    adlibs: tuple[str, ...] = ()


@dataclass(frozen=True)
class LyricSection:
    """A tagged block of lyrics. ``label`` is the display name, e.g. ``"Verse 2"``."""

    kind: SectionKind
    label: str
    lines: list[LyricLine] = field(default_factory=list)

    @property
    def lead_lines(self) -> list[LyricLine]:
        """The lines the lead voice sings (not wholly backing)."""
        return [line for line in self.lines if not line.backing]


@dataclass(frozen=True)
class ParsedLyrics:
    """The sections of a lyric, in order."""

    sections: list[LyricSection] = field(default_factory=list)

    @property
    def lines(self) -> list[LyricLine]:
        """Every line of every section, in order."""
        return [line for section in self.sections for line in section.lines]


_TAG_RE = re.compile(r"^\s*\[([^\[\]]*)\]\s*$")
_PAREN_RE = re.compile(r"\(([^()]*)\)")
_SPACE_RE = re.compile(r"\s+")

# Normalised tag name (lower case, letters and spaces only) → (kind, display name).
_TAGS: dict[str, tuple[SectionKind, str]] = {
    "intro": ("intro", "Intro"),
    "verse": ("verse", "Verse"),
    "pre chorus": ("pre_chorus", "Pre-Chorus"),
    "prechorus": ("pre_chorus", "Pre-Chorus"),
    "chorus": ("chorus", "Chorus"),
    "post chorus": ("post_chorus", "Post-Chorus"),
    "postchorus": ("post_chorus", "Post-Chorus"),
    "bridge": ("bridge", "Bridge"),
    "hook": ("chorus", "Hook"),
    "refrain": ("chorus", "Refrain"),
    "break": ("breakdown", "Break"),
    "breakdown": ("breakdown", "Breakdown"),
    "drop": ("drop", "Drop"),
    "instrumental": ("instrumental", "Instrumental"),
    "interlude": ("instrumental", "Interlude"),
    "solo": ("solo", "Solo"),
    "outro": ("outro", "Outro"),
    "end": ("outro", "End"),
    "fade out": ("outro", "Fade Out"),
    "fadeout": ("outro", "Fade Out"),
}


def section_kind_for_tag(tag: str) -> tuple[SectionKind, str]:
    """The section kind and display label of a tag's inner text (``"verse 2"`` → verse, "Verse 2").

    Unknown tags give ``("verse", <the tag as written>)``; an empty tag gives ``("verse", "Verse")``.
    """
    raw = _SPACE_RE.sub(" ", tag).strip()
    norm = _SPACE_RE.sub(" ", re.sub(r"[^a-z0-9 ]+", " ", raw.lower().replace("-", " "))).strip()
    number = ""
    match = re.match(r"^(.*?)\s*(\d+)$", norm)
    if match:
        norm, number = match.group(1).strip(), match.group(2)
    if norm in _TAGS:
        kind, label = _TAGS[norm]
        return kind, f"{label} {number}" if number else label
    words = norm.split(" ")
    if "solo" in words:
        return "solo", raw
    if words[0] in _TAGS and words[0] not in ("end", "drop"):
        return _TAGS[words[0]][0], raw
    return "verse", raw or "Verse"


def _clean(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def _parse_line(raw: str) -> LyricLine | None:
    text = _clean(raw)
    if not text:
        return None
    # Wholly parenthesised: "(ooh, ooh)" → backing line.
    if text.startswith("(") and text.endswith(")") and _PAREN_RE.sub("", text).strip() == "":
        inner = _clean(" ".join(_PAREN_RE.findall(text)))
        return LyricLine(text=inner, backing=True) if inner else None
    adlibs = tuple(a for a in (_clean(m) for m in _PAREN_RE.findall(text)) if a)
    lead = _clean(_PAREN_RE.sub(" ", text))
    # Unbalanced parentheses are just punctuation.
    lead = _clean(lead.replace("(", " ").replace(")", " "))
    if not lead:
        return LyricLine(text=" ".join(adlibs), backing=True) if adlibs else None
    return LyricLine(text=lead, backing=False, adlibs=adlibs)


def parse_lyrics(text: str) -> ParsedLyrics:
    """Parse a lyrics text in the contract's format (see the module docstring).

    Never raises on any string; returns no sections for empty or whitespace-only text.
    """
    sections: list[LyricSection] = []
    current: LyricSection | None = None
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        tag = _TAG_RE.match(raw)
        if tag:
            kind, label = section_kind_for_tag(tag.group(1))
            current = LyricSection(kind=kind, label=label, lines=[])
            sections.append(current)
            continue
        line = _parse_line(raw)
        if line is None:
            continue
        if current is None:
            current = LyricSection(kind="verse", label="Verse", lines=[])
            sections.append(current)
        current.lines.append(line)
    return ParsedLyrics(sections=sections)


def sung_text(parsed: ParsedLyrics) -> str:
    """The lyrics as sung, with section tags: what ``Score.lyrics`` holds.

    One ``[Label]`` line per section, then its lines (backing lines in parentheses, ad-libs
    appended in parentheses), a blank line between sections. Sections with no lines keep their tag.
    """
    blocks: list[str] = []
    for section in parsed.sections:
        out = [f"[{section.label}]"]
        for line in section.lines:
            if line.backing:
                out.append(f"({line.text})")
            else:
                out.append(" ".join([line.text, *(f"({a})" for a in line.adlibs)]))
        blocks.append("\n".join(out))
    return "\n\n".join(blocks)
