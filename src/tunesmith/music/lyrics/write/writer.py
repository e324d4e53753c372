"""Write song lyrics from a description: form, rhyme scheme, meter, hook and imagery.

The method (no language model ships offline, see ``research/audio-stack.md`` §2.7):

1. **Form** from the duration: about two bars per line at the song's tempo, so a 60 s song is a
   verse and a chorus, a 3-minute song verse / pre-chorus / chorus ×2, bridge, chorus, outro.
2. **Rhyme scheme** per section (verse ABAB, AABB or XAXA; pre-chorus AA; chorus H A A H where
   H are hook lines carrying the title; bridge AABB; outro AA).
3. For every rhyme group, a **rhyme class** (CMUdict rhyming part) with enough unused end words
   in the song's semantic field (the description's theme, a secondary theme, general song words).
4. Each line is the best of many **template fillings**: templates end in a slot of the end word's
   kind ("…through the {night}", "…wanna {fly}"), inner slots draw imagery from the theme; a
   candidate is scored by its syllable count against the section's target (CMUdict), its fit to
   a strong-weak meter, and the theme words it carries. No line repeats outside the chorus, and no
   end word is used twice.

Everything random draws from one ``numpy.random.Generator`` seeded by the request's seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.lyrics.describe import Description, read_description
from tunesmith.music.lyrics.write.grammar import Field, end_slot, fill, pronouns
from tunesmith.music.lyrics.write.lexicon import Lexicon, Theme, Title, general_lexicon, templates, themes
from tunesmith.music.lyrics.write.prosody import line_syllables, line_words, meter_fit, rhyme_keys

__all__ = [
    "DEFAULT_DURATION_S",
    "WrittenLyrics",
    "WrittenSection",
    "plan_form",
    "write_lyric_pair",
    "write_lyrics",
]

DEFAULT_DURATION_S = 150.0
"""Song length assumed when none is requested (the composer's default is 2–4 minutes)."""

_BARS_PER_LINE = 2.0
_SUNG_FRACTION = 0.8  # the rest is intro, fills, turnarounds and instrumental breaks

_LABELS = {
    "verse": "Verse",
    "pre_chorus": "Pre-Chorus",
    "chorus": "Chorus",
    "bridge": "Bridge",
    "outro": "Outro",
}

# Target syllables per line by section kind (each line sung over about two bars).
_TARGETS = {"verse": 8, "pre_chorus": 7, "chorus": 7, "bridge": 8, "outro": 7}
SYLLABLE_TOLERANCE = 2
"""Every written line is within the section's target ± this many syllables."""

_CANDIDATES_PER_LINE = 28
_END_CATEGORIES = ("scene", "place", "plural", "feel", "verb", "tverb", "tail")


@dataclass(frozen=True)
class WrittenSection:
    """One section as written.

    ``scheme`` has one letter per line: equal letters (A, B …) must rhyme, ``X`` is free and
    ``H`` is a hook line carrying the title. ``target_syllables`` is the per-line target.
    """

    kind: str
    label: str
    lines: tuple[str, ...]
    scheme: str
    target_syllables: int


@dataclass(frozen=True)
class WrittenLyrics:
    """Lyrics with a title and style tags.

    ``lyrics_text`` is in the contract's lyrics format (``[Verse]``, ``[Chorus]`` … tags, a blank
    line between sections); ``tags`` are style words the composer recognises; ``sections`` is the
    same text, structured; ``theme`` is the theme key the imagery came from.
    """

    title: str
    lyrics_text: str
    tags: str
    sections: tuple[WrittenSection, ...]
    theme: str
    point_of_view: str


def plan_form(duration_s: float, tempo_bpm: float, beats_per_bar: int = 4) -> list[tuple[str, int]]:
    """The sections (kind, number of lines) that fill ``duration_s`` at about 2 bars per line.

    ``duration_s`` in seconds, ``tempo_bpm`` in quarter notes per minute.

    Always contains a chorus; the largest standard form whose sung lines fit is chosen.
    """
    # Slow songs sing a line in less than two bars (half-time phrasing): 3.2 … 5.5 s per line.
    seconds_per_line = min(5.5, max(3.2, _BARS_PER_LINE * beats_per_bar * 60.0 / max(tempo_bpm, 30.0)))
    budget = duration_s * _SUNG_FRACTION / seconds_per_line
    v, p, c, b, o = "verse", "pre_chorus", "chorus", "bridge", "outro"
    forms: list[list[tuple[str, int]]] = [
        [(c, 4)],
        [(v, 4), (c, 4)],
        [(v, 4), (c, 4), (v, 4), (c, 4)],
        [(v, 4), (p, 2), (c, 4), (v, 4), (p, 2), (c, 4)],
        [(v, 4), (p, 2), (c, 4), (v, 4), (p, 2), (c, 4), (b, 4), (c, 4)],
        [(v, 4), (p, 2), (c, 4), (v, 4), (p, 2), (c, 4), (b, 4), (c, 4), (o, 2)],
        [(v, 8), (p, 2), (c, 4), (v, 8), (p, 2), (c, 4), (b, 4), (c, 4), (o, 2)],
        [(v, 8), (p, 2), (c, 4), (v, 8), (p, 2), (c, 4), (b, 4), (c, 4), (c, 4), (o, 2)],
        [(v, 8), (p, 2), (c, 4), (v, 8), (p, 2), (c, 4), (b, 4), (v, 4), (p, 2), (c, 4), (c, 4), (o, 2)],
    ]
    chosen = forms[0]
    for form in forms:
        if sum(n for _, n in form) <= budget:
            chosen = form
    return chosen


def _scheme(kind: str, n_lines: int, rng: np.random.Generator) -> str:
    if kind == "chorus":
        return "HAAH" if n_lines == 4 else "H" + "A" * max(0, n_lines - 2) + "H"
    if kind in ("pre_chorus", "outro") or n_lines == 2:
        return "AA"
    quatrains = ["ABAB", "AABB", "XAXA"]
    out = ""
    for q in range(max(1, n_lines // 4)):
        pattern = quatrains[int(rng.integers(len(quatrains)))]
        # Letters of a later quatrain are new rhymes: shift A/B to C/D …
        out += "".join(ch if ch == "X" else chr(ord(ch) + 2 * q) for ch in pattern)
    return out[:n_lines]


@dataclass(frozen=True)
class _EndWord:
    text: str  # the end slot's filling (a word or phrase; tails already have pronouns filled)
    category: str
    theme_rank: int  # 0 primary theme, 1 secondary, 2 general

    @property
    def last(self) -> str:
        return line_words(self.text)[-1]


class _Writer:
    def __init__(self, field: Field, pov: str, rng: np.random.Generator, tempo_bpm: float, rap: bool) -> None:
        self.field = field
        self.pov = pov
        self.rng = rng
        self.rap = rap
        self.tempo_bpm = tempo_bpm
        self.theme_words = field.theme_words()
        self.used_lines: set[str] = set()
        self.used_ends: set[str] = set()
        self.used_templates: set[str] = set()
        self.used_words: set[str] = set()
        self.ends = self._end_words()
        self.classes = self._rhyme_classes()
        self.templates = templates()

    # -- end words and rhyme classes --------------------------------------------------------
    def _end_words(self) -> list[_EndWord]:
        out: list[_EndWord] = []
        seen: set[tuple[str, str]] = set()
        sources: list[tuple[Lexicon, int]] = [(self.field.primary, 0)]
        if self.field.secondary is not None:
            sources.append((self.field.secondary, 1))
        sources.append((self.field.general, 2))
        for lexicon, rank in sources:
            entries: list[tuple[str, str]] = []
            for cat in ("scene", "place", "plural", "feel"):
                entries += [(w, cat) for w in lexicon.words(cat)]
            entries += [(v.base, "verb") for v in lexicon.verbs]
            entries += [(v.base, "tverb") for v in lexicon.tverbs]
            for text, cat in entries:
                if (text, cat) not in seen:
                    seen.add((text, cat))
                    out.append(_EndWord(text, cat, rank))
        p = pronouns(self.pov)["P"]
        for tail in self.templates_tails():
            text = tail.replace("{P}", p)
            out.append(_EndWord(text, "tail", 2))
        return out

    @staticmethod
    def templates_tails() -> tuple[str, ...]:
        return templates().tails

    def _rhyme_classes(self) -> dict[str, list[_EndWord]]:
        classes: dict[str, list[_EndWord]] = {}
        for end in self.ends:
            for key in rhyme_keys(end.last):
                classes.setdefault(key, []).append(end)
        return classes

    def _available(self, words: list[_EndWord], section_cats: set[str]) -> list[_EndWord]:
        return [w for w in words if w.last not in self.used_ends and w.category in section_cats]

    def _pick_class(self, n: int, section_cats: set[str], avoid: set[str]) -> list[_EndWord] | None:
        keys = sorted(self.classes)
        weights = []
        options = []
        for key in keys:
            if key in avoid:
                continue
            words = self._available(self.classes[key], section_cats)
            distinct = {w.last for w in words}
            if len(distinct) < n:
                continue
            themed = len({w.last for w in words if w.theme_rank < 2})
            options.append(words)
            weights.append(1.0 + 3.0 * themed + 0.3 * len(distinct))
        if not options:
            return None
        probs = np.asarray(weights) / float(np.sum(weights))
        return options[int(self.rng.choice(len(options), p=probs))]

    # -- lines -------------------------------------------------------------------------------
    def _section_templates(self, kind: str) -> list[str]:
        own = list(self.templates.by_section.get(kind, ()))
        if kind in ("bridge", "outro", "pre_chorus"):
            # Short sections borrow verse templates too, for enough variety.
            own += [t for t in self.templates.by_section["verse"] if t not in own]
        return own

    def _pick_template(self, kind: str, cands: list[str]) -> str:
        """A template among ``cands``: the section's own ones first, unused ones first."""
        own = set(self.templates.by_section.get(kind, ()))
        weights = np.asarray(
            [(3.0 if t in own else 1.0) * (0.15 if t in self.used_templates else 1.0) for t in cands]
        )
        return cands[int(self.rng.choice(len(cands), p=weights / weights.sum()))]

    def _theme_hits(self, text: str) -> int:
        return sum(1 for w in set(line_words(text)) if w in self.theme_words)

    def _score(self, text: str, target: int, need_theme: bool = False) -> float | None:
        syllables = line_syllables(text)
        if abs(syllables - target) > SYLLABLE_TOLERANCE:
            return None
        words = line_words(text)
        content = [w for w in words if len(w) > 3]
        if len(content) != len(set(content)):
            return None  # "golden … golden": a slot repeated a word
        if text.lower() in self.used_lines:
            return None
        hits = self._theme_hits(text)
        return (
            (-4.0 if need_theme and hits == 0 else 0.0)
            + -1.2 * abs(syllables - target)
            + 1.5 * meter_fit(text)
            + 0.8 * min(hits, 3)
            + 0.6 * float(self.rng.random())
        )

    def _line(
        self,
        kind: str,
        target: int,
        ends: list[_EndWord] | None,
        exclude_last: set[str],
        need_theme: bool = False,
    ) -> tuple[str, str]:
        """Best line of ``kind`` ending in one of ``ends`` (any end word when None)."""
        tpls = self._section_templates(kind)
        by_cat: dict[str, list[str]] = {}
        for t in tpls:
            by_cat.setdefault(end_slot(t), []).append(t)
        pool = ends if ends is not None else self._available(self.ends, set(by_cat))
        pool = [e for e in pool if e.last not in exclude_last and e.category in by_cat]
        best: tuple[float, str, str, str, set[str]] | None = None
        closest: tuple[int, str, str, str, set[str]] | None = None  # when no line fits the band
        for attempt in range(4 * _CANDIDATES_PER_LINE):
            if not pool or (attempt >= _CANDIDATES_PER_LINE and best is not None):
                break
            # Prefer theme words as end words.
            ranks = np.asarray(
                [3.0 if e.theme_rank == 0 else 2.0 if e.theme_rank == 1 else 1.0 for e in pool]
            )
            end = pool[int(self.rng.choice(len(pool), p=ranks / ranks.sum()))]
            template = self._pick_template(kind, by_cat[end.category])
            if end.category == "tail" and "with" in template and end.text.startswith("with"):
                continue
            trial_words = set(self.used_words)
            text = fill(
                template, field=self.field, pov=self.pov, rng=self.rng, end=end.text, song_used=trial_words
            )
            score = self._score(text, target, need_theme)
            miss = abs(line_syllables(text) - target) + (50 if text.lower() in self.used_lines else 0)
            if closest is None or miss < closest[0]:
                closest = (miss, text, end.last, template, trial_words)
            if score is not None and template in self.used_templates:
                score -= 2.5
            if score is not None and (best is None or score > best[0]):
                best = (score, text, end.last, template, trial_words)
        if best is None and closest is not None and closest[0] < 50:
            # Keep the rhyme, give up a syllable or two of the band.
            best = (0.0, closest[1], closest[2], closest[3], closest[4])
        if best is None:
            # Widen: any template of the section with any unused end word.
            return self._fallback_line(kind, target)
        self.used_templates.add(best[3])
        self.used_words.update(best[4])
        return best[1], best[2]

    def _fallback_line(self, kind: str, target: int) -> tuple[str, str]:
        tpls = self._section_templates(kind)
        best: tuple[float, str, str] | None = None
        for _ in range(200):
            template = tpls[int(self.rng.integers(len(tpls)))]
            cat = end_slot(template)
            pool = [e for e in self.ends if e.category == cat and e.last not in self.used_ends] or [
                e for e in self.ends if e.category == cat
            ]
            end = pool[int(self.rng.integers(len(pool)))]
            text = fill(template, field=self.field, pov=self.pov, rng=self.rng, end=end.text)
            syllables = line_syllables(text)
            score = -abs(syllables - target) + float(self.rng.random()) * 0.1
            if text.lower() in self.used_lines:
                score -= 100
            if best is None or score > best[0]:
                best = (score, text, end.last)
        assert best is not None
        return best[1], best[2]

    def _hook(self, title: Title, target: int, avoid: str) -> str:
        best: tuple[float, str] | None = None
        hooks = list(self.templates.hooks)
        order = self.rng.permutation(len(hooks))
        for i in order:
            text = fill(hooks[int(i)], field=self.field, pov=self.pov, rng=self.rng, title=title.in_line)
            if text == avoid:
                continue
            score = (
                -abs(line_syllables(text) - target) + 0.5 * meter_fit(text) + 0.3 * float(self.rng.random())
            )
            if best is None or score > best[0]:
                best = (score, text)
        assert best is not None
        return best[1]

    def section(self, kind: str, n_lines: int, title: Title) -> WrittenSection:
        target = _TARGETS[kind] + (2 if self.rap and kind in ("verse", "bridge") else 0)
        scheme = _scheme(kind, n_lines, self.rng)
        lines: list[str] = [""] * n_lines
        tpl_cats = {end_slot(t) for t in self._section_templates(kind)}
        if "H" in scheme:
            first = self._hook(title, target, avoid="")
            last = self._hook(title, target, avoid=first)
            for i, ch in enumerate(scheme):
                if ch == "H":
                    lines[i] = first if i == scheme.index("H") else last
        used_keys: set[str] = set()
        for letter in sorted(set(scheme) - {"H", "X"}):
            positions = [i for i, ch in enumerate(scheme) if ch == letter]
            words = self._pick_class(len(positions), tpl_cats, used_keys)
            chosen_last: set[str] = set()
            for i in positions:
                need = not any(self._theme_hits(ln) for ln in lines if ln)
                text, last = self._line(kind, target, words, chosen_last, need)
                if words is not None:
                    used_keys.update(rhyme_keys(last))
                chosen_last.add(last)
                self.used_ends.add(last)
                self.used_lines.add(text.lower())
                lines[i] = text
        for i, ch in enumerate(scheme):
            if ch == "X":
                need = not any(self._theme_hits(ln) for ln in lines if ln)
                text, last = self._line(kind, target, None, set(), need)
                self.used_ends.add(last)
                self.used_lines.add(text.lower())
                lines[i] = text
        return WrittenSection(
            kind=kind, label=_LABELS[kind], lines=tuple(lines), scheme=scheme, target_syllables=target
        )


def _title_for(desc: Description, theme: Theme, rng: np.random.Generator, avoid: set[str]) -> Title:
    if desc.title_given:
        return Title(text=desc.title.lower(), determiner="")
    options = [t for t in theme.titles if t.display not in avoid] or list(theme.titles)
    return options[int(rng.integers(len(options)))]


def _estimate_tempo(desc: Description) -> tuple[float, int]:
    """A tempo and beats per bar to size the form with (the composer picks the real ones)."""
    if desc.tempo_bpm is not None:
        return desc.tempo_bpm, desc.beats_per_bar
    low, high = desc.tempo_range_bpm
    return (low + high) / 2.0, desc.beats_per_bar


def _write(
    desc: Description, *, duration_s: float | None, rng: np.random.Generator, avoid_titles: set[str]
) -> WrittenLyrics:
    if duration_s is not None and not (0 < duration_s <= 3600):
        raise InvalidParameter("The 'duration' field should be between 10 and 360.", field="duration")
    all_themes = themes()
    theme = all_themes[desc.theme]
    secondary = all_themes[desc.secondary_theme] if desc.secondary_theme else None
    field = Field(primary=theme, secondary=secondary, general=general_lexicon())
    tempo_bpm, beats = _estimate_tempo(desc)
    form = plan_form(duration_s if duration_s is not None else DEFAULT_DURATION_S, tempo_bpm, beats)
    rap = any(g in ("hip hop", "trap", "boom bap", "drill") or "rap" in g.split() for g in desc.genres)
    writer = _Writer(field, desc.point_of_view, rng, tempo_bpm, rap)
    title = _title_for(desc, theme, rng, avoid_titles)
    sections: list[WrittenSection] = []
    written: dict[str, WrittenSection] = {}
    verse_no = 0
    for kind, n in form:
        if kind == "chorus" and "chorus" in written:
            sections.append(written["chorus"])  # the chorus repeats word for word
            continue
        sec = writer.section(kind, n, title)
        if kind == "verse":
            verse_no += 1
            if verse_no > 1:
                sec = WrittenSection(
                    sec.kind, f"Verse {verse_no}", sec.lines, sec.scheme, sec.target_syllables
                )
        if kind == "chorus":
            written[kind] = sec
        sections.append(sec)
    text = "\n\n".join(f"[{s.label}]\n" + "\n".join(s.lines) for s in sections)
    return WrittenLyrics(
        title=title.display if not desc.title_given else desc.title,
        lyrics_text=text,
        tags=desc.tags,
        sections=tuple(sections),
        theme=theme.key,
        point_of_view=desc.point_of_view,
    )


def _description(brief: str | Description, vocal_gender: str | None) -> Description:
    desc = brief if isinstance(brief, Description) else read_description(brief)
    if vocal_gender is not None:
        if vocal_gender not in ("f", "m"):
            raise InvalidParameter(
                "The 'vocal_gender' field is invalid. The value should be 'f' or 'm'.", field="vocal_gender"
            )
        desc = desc.with_vocal_gender(vocal_gender)
    return desc


def write_lyrics(
    brief: str | Description,
    *,
    duration_s: float | None = None,
    seed: int = 0,
    vocal_gender: str | None = None,
) -> WrittenLyrics:
    """Write a titled, tagged lyric for a description (≤ 400 characters) or a read Description.

    ``duration_s`` sizes the form (default :data:`DEFAULT_DURATION_S`); ``seed`` makes it
    deterministic (same inputs and seed → the same lyrics); ``vocal_gender`` (``"f"``/``"m"``)
    overrides the voice in the returned tags. Raises InvalidParameter for an empty or over-long
    description or a bad ``vocal_gender``.
    """
    desc = _description(brief, vocal_gender)
    rng = np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, 0x1F1C5]))
    return _write(desc, duration_s=duration_s, rng=rng, avoid_titles=set())


def write_lyric_pair(
    prompt: str | Description, seed: int = 0, *, duration_s: float | None = None
) -> tuple[WrittenLyrics, WrittenLyrics]:
    """Two different lyrics (different titles and lines) for one description, as ``sonic/lyrics`` returns.

    Deterministic by ``seed``.
    """
    desc = _description(prompt, None)
    first = _write(
        desc,
        duration_s=duration_s,
        rng=np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, 1])),
        avoid_titles=set(),
    )
    second = _write(
        desc,
        duration_s=duration_s,
        rng=np.random.default_rng(np.random.SeedSequence([seed & 0xFFFFFFFF, 2])),
        avoid_titles={first.title},
    )
    return first, second
