"""The form: which sections, how many bars each, their energy, and the tempo that makes the song
last exactly the requested duration.

- :func:`form_from_lyrics`: one section per lyric section (``[Verse]``, ``[Chorus 2]`` …), sung
  sections get two bars per lead line (at least four), plus intro/outro/instrumental bars so the
  form has exactly the bar count asked for (sections at the end are dropped, and lines cut, when
  the lyrics are longer than the duration allows).
- :func:`form_from_bars`: intro, verse, pre-chorus, chorus, verse, chorus, bridge/breakdown/solo,
  chorus, outro, shrunk or grown to exactly the bar count asked for (down to one bar).
- :func:`fit_bars_and_tempo`: the bar count, tempo and ring-out (the final chord left to ring)
  so that ``bars × bar length + ring-out == duration_s`` exactly, with the tempo close to the
  style's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.lyrics.sections import LyricLine, LyricSection, ParsedLyrics
from tunesmith.music.score import Section, SectionKind

DEFAULT_ENERGY: dict[str, float] = {
    "intro": 0.3,
    "verse": 0.5,
    "pre_chorus": 0.62,
    "chorus": 0.85,
    "post_chorus": 0.8,
    "bridge": 0.55,
    "breakdown": 0.3,
    "drop": 0.95,
    "solo": 0.75,
    "instrumental": 0.65,
    "outro": 0.4,
}
"""Energy of each section kind when the genre does not say (0 sparse … 1 full)."""

LABELS: dict[str, str] = {
    "intro": "Intro",
    "verse": "Verse",
    "pre_chorus": "Pre-Chorus",
    "chorus": "Chorus",
    "post_chorus": "Post-Chorus",
    "bridge": "Bridge",
    "breakdown": "Breakdown",
    "drop": "Drop",
    "solo": "Solo",
    "instrumental": "Instrumental",
    "outro": "Outro",
}
INSTRUMENTAL_KINDS = frozenset({"intro", "instrumental", "solo", "breakdown", "outro", "drop"})
RING_OUT_S = (1.0, 3.0)
"""Allowed ring-out after the last bar (the final chord left to ring), seconds."""


@dataclass(frozen=True)
class PlannedSection:
    """A section before it is placed: kind, label, bars, and the lyric section it sings (if any)."""

    kind: SectionKind
    label: str
    bars: int
    lyric: LyricSection | None = None


@dataclass(frozen=True)
class TempoFit:
    """``bars`` bars at ``tempo_bpm`` plus ``ring_out_s`` seconds last exactly the duration."""

    bars: int
    tempo_bpm: float
    ring_out_s: float


def fit_bars_and_tempo(
    duration_s: float,
    tempo_bpm: float,
    beats_per_bar: float,
    *,
    tolerance: float = 0.03,
    fixed_bars: int | None = None,
) -> TempoFit:
    """Choose bars, a tempo within ``tempo_bpm × (1 ± tolerance)`` and a ring-out in 1–3 s.

    Prefers bar counts that are multiples of 4 (then of 2), the tempo closest to ``tempo_bpm``
    and a ring-out near 2 s. When no combination fits (very short songs at slow tempos), the
    tolerance widens step by step. ``fixed_bars`` forces the bar count (only tempo and ring-out
    move then). ``bars × beats_per_bar × 60 / tempo + ring_out == duration_s`` exactly.
    """
    if duration_s <= 0 or tempo_bpm <= 0 or beats_per_bar <= 0:
        raise InvalidParameter("duration_s and tempo_bpm must be positive.", field="duration")
    ring_lo, ring_hi = RING_OUT_S if duration_s >= 15 else (0.5, 2.5)
    best: tuple[float, TempoFit] | None = None
    for widen in (1.0, 2.0, 4.0, 8.0, 16.0):
        tol = tolerance * widen
        lo_t, hi_t = tempo_bpm * (1 - tol), tempo_bpm * (1 + tol)
        ideal = (duration_s - 2.0) * tempo_bpm / 60.0 / beats_per_bar
        candidates = [fixed_bars] if fixed_bars else range(max(1, int(ideal) - 6), int(ideal) + 8)
        for bars in candidates:
            beats = bars * beats_per_bar
            # Tempo range reachable with the ring-out inside its limits.
            t_min = beats * 60.0 / (duration_s - ring_lo)
            t_max = beats * 60.0 / (duration_s - ring_hi) if duration_s > ring_hi else float("inf")
            low, high = max(lo_t, t_min), min(hi_t, t_max)
            if low > high:
                continue
            preferred = beats * 60.0 / (duration_s - 2.0) if duration_s > 2.0 else tempo_bpm
            tempo = min(high, max(low, preferred))
            ring = duration_s - beats * 60.0 / tempo
            cost = 20.0 * abs(tempo / tempo_bpm - 1.0) + 0.02 * abs(ring - 2.0)
            cost += 0.0 if bars % 4 == 0 else 0.08 if bars % 2 == 0 else 0.25
            if best is None or cost < best[0]:
                best = (cost, TempoFit(bars, tempo, ring))
        if best is not None:
            return best[1]
    raise InvalidParameter("duration cannot be met at this tempo.", field="duration")


def _label(kind: str, counts: dict[str, int]) -> str:
    counts[kind] = counts.get(kind, 0) + 1
    return LABELS[kind] if counts[kind] == 1 else f"{LABELS[kind]} {counts[kind]}"


_TEMPLATES: tuple[tuple[tuple[str, int], ...], ...] = (
    (("chorus", 1),),
    (("verse", 2), ("chorus", 2)),
    (("intro", 2), ("chorus", 4), ("outro", 2)),
    (("intro", 2), ("verse", 4), ("chorus", 4), ("outro", 2)),
    (("intro", 4), ("verse", 8), ("chorus", 8), ("outro", 4)),
    (("intro", 4), ("verse", 8), ("pre_chorus", 4), ("chorus", 8), ("outro", 4)),
    (("intro", 4), ("verse", 8), ("chorus", 8), ("verse", 8), ("chorus", 8), ("outro", 4)),
    (
        ("intro", 4),
        ("verse", 8),
        ("pre_chorus", 4),
        ("chorus", 8),
        ("verse", 8),
        ("pre_chorus", 4),
        ("chorus", 8),
        ("outro", 4),
    ),
    (
        ("intro", 4),
        ("verse", 8),
        ("pre_chorus", 4),
        ("chorus", 8),
        ("verse", 8),
        ("pre_chorus", 4),
        ("chorus", 8),
        ("bridge", 8),
        ("chorus", 8),
        ("outro", 4),
    ),
)
_GROW_ORDER = ("chorus", "verse", "bridge", "intro", "outro", "pre_chorus")
_CAPS = {"chorus": 16, "verse": 16, "bridge": 16, "intro": 8, "outro": 8, "pre_chorus": 8}


def form_from_bars(
    bars: int,
    rng: np.random.Generator,
    *,
    middle_kinds: tuple[str, ...] = ("bridge",),
    use_drop: bool = False,
) -> list[PlannedSection]:
    """A pop-song form with exactly ``bars`` bars (≥ 1).

    The largest template that fits is grown 4 bars at a time (choruses first, then verses,
    bridge, intro, outro), long songs get an extra instrumental/solo before the last chorus and a
    longer outro; the remainder (< 4 bars) goes to the intro and outro. The bridge slot becomes
    one of ``middle_kinds`` (rng); with ``use_drop`` choruses are drops (EDM forms).
    """
    if bars < 1:
        raise InvalidParameter("A form needs at least one bar.", field="duration")
    template = [t for t in _TEMPLATES if sum(b for _, b in t) <= bars][-1]
    kinds = [k for k, _ in template]
    sizes = [b for _, b in template]
    middle = str(rng.choice(list(middle_kinds))) if middle_kinds else "bridge"
    kinds = [middle if k == "bridge" else k for k in kinds]
    extra = bars - sum(sizes)
    inserted = 0
    while extra >= 4:
        grown = False
        for want in _GROW_ORDER:
            for i, kind in enumerate(kinds):
                cap = _CAPS.get(kind if kind in _CAPS else "bridge", 16)
                if (
                    (kind == want or (want == "bridge" and kind == middle))
                    and sizes[i] + 4 <= cap
                    and extra >= 4
                ):
                    sizes[i] += 4
                    extra -= 4
                    grown = True
            if extra < 4:
                break
        if not grown:
            # Every section is full: add an instrumental break (or a solo) before the last chorus.
            last_chorus = max(i for i, k in enumerate(kinds) if k == "chorus")
            kinds.insert(last_chorus, "solo" if inserted % 2 == 0 else "instrumental")
            size = min(8, extra - extra % 4)
            sizes.insert(last_chorus, size)
            extra -= size
            inserted += 1
    # Remainder: odd bars to the outro first (a held ending), then the intro.
    if extra:
        ends = [i for i, k in enumerate(kinds) if k in ("outro", "intro")]
        target = ends[-1] if ends else len(kinds) - 1
        sizes[target] += extra
    if use_drop:
        kinds = ["drop" if k == "chorus" else k for k in kinds]
    counts: dict[str, int] = {}
    return [PlannedSection(k, _label(k, counts), s) for k, s in zip(kinds, sizes, strict=True)]  # type: ignore[arg-type]


def _sung_bars(section: LyricSection) -> int:
    lead = len(section.lead_lines)
    if lead:
        return max(4, 2 * lead)
    return {"intro": 4, "outro": 4, "breakdown": 4, "solo": 8, "instrumental": 8}.get(section.kind, 4)


def lyric_form_bars(lyrics: ParsedLyrics) -> int:
    """Bars the lyrics need with a 4-bar intro and outro added where the lyrics have none."""
    total = sum(_sung_bars(s) for s in lyrics.sections)
    if not lyrics.sections or lyrics.sections[0].kind != "intro":
        total += 4
    if not lyrics.sections or lyrics.sections[-1].kind != "outro":
        total += 4
    return total


def form_from_lyrics(lyrics: ParsedLyrics, bars: int) -> list[PlannedSection]:
    """The form of a sung song with exactly ``bars`` bars, following the lyrics' sections.

    Sections keep their tags' kinds and labels; sung sections get ``max(4, 2 × lead lines)`` bars.
    An intro and an outro are added when missing. Extra bars lengthen the intro and outro (to 8)
    and then add instrumental sections before the outro; missing bars drop the last sections and
    finally cut lines of the first sung section (its lyric is cut to match).
    """
    if bars < 1:
        raise InvalidParameter("A form needs at least one bar.", field="duration")
    planned = [PlannedSection(s.kind, s.label, _sung_bars(s), s) for s in lyrics.sections]
    if not planned or planned[0].kind != "intro":
        planned.insert(0, PlannedSection("intro", "Intro", 4))
    if planned[-1].kind != "outro":
        planned.append(PlannedSection("outro", "Outro", 4))

    def total() -> int:
        return sum(p.bars for p in planned)

    def sung(p: PlannedSection) -> bool:
        return p.lyric is not None and bool(p.lyric.lead_lines)

    # Too long: 1) drop sung sections from the end while even 1-bar bookends would not fit,
    # 2) drop instrumental sections in the middle, 3) shrink intro/outro, 4) drop them and cut
    # lines of the one sung section left.
    while total() > bars:
        sung_idx = [i for i, p in enumerate(planned) if sung(p)]
        minimal = sum(p.bars if sung(p) else 1 for p in planned)
        if minimal <= bars or len(sung_idx) < 2:
            break
        del planned[sung_idx[-1]]
        while len(planned) > 1 and not sung(planned[-2]) and planned[-2].kind != "intro":
            del planned[-2]  # an instrumental left dangling before the outro
    middle = [i for i, p in enumerate(planned) if 0 < i < len(planned) - 1 and not sung(p)]
    while total() > bars and middle:
        del planned[middle.pop()]
    while total() > bars:
        ends = [i for i in (0, len(planned) - 1) if not sung(planned[i]) and planned[i].bars > 1]
        if not ends:
            break
        i = max(ends, key=lambda j: planned[j].bars)
        planned[i] = replace(planned[i], bars=planned[i].bars - 1)
    if total() > bars:
        planned = [p for p in planned if sung(p)][:1] or planned[:1]
        p = planned[0]
        if p.lyric is not None and p.bars > bars:
            lines_kept = max(1, bars // 2)
            kept: list[LyricLine] = []
            lead_seen = 0
            for line in p.lyric.lines:
                if not line.backing:
                    lead_seen += 1
                    if lead_seen > lines_kept:
                        break
                kept.append(line)
            planned[0] = replace(p, lyric=LyricSection(p.lyric.kind, p.lyric.label, kept))
        planned[0] = replace(planned[0], bars=bars)
    extra = bars - total()
    # Too short: lengthen intro/outro up to 8 bars, then add instrumentals before the outro.
    for i in (0, len(planned) - 1):
        p = planned[i]
        if extra > 0 and p.kind in ("intro", "outro") and p.bars < 8:
            add = min(extra, 8 - p.bars)
            planned[i] = replace(p, bars=p.bars + add)
            extra -= add
    counts: dict[str, int] = {}
    for p in planned:
        counts[p.kind] = counts.get(p.kind, 0) + 1
    while extra > 0:
        size = min(8, extra) if extra >= 12 or extra <= 8 else extra - 4
        kind: SectionKind = (
            "instrumental" if counts.get("instrumental", 0) <= counts.get("solo", 0) else "solo"
        )
        counts[kind] = counts.get(kind, 0) + 1
        label = LABELS[kind] if counts[kind] == 1 else f"{LABELS[kind]} {counts[kind]}"
        planned.insert(len(planned) - 1, PlannedSection(kind, label, size))
        extra -= size
    return planned


def place_sections(
    planned: list[PlannedSection], energy: dict[str, float], *, energy_shift: float = 0.0
) -> list[Section]:
    """Score sections with start bars and an energy arc.

    Energy per kind comes from ``energy`` (the genre's), else :data:`DEFAULT_ENERGY`; repeated
    choruses/drops rise (the final one is the biggest), a breakdown dips, and ``energy_shift``
    (the moods') is added; energies are clamped to 0.05–1.
    """
    chorus_like = [i for i, p in enumerate(planned) if p.kind in ("chorus", "drop")]
    sections: list[Section] = []
    bar = 0
    for i, p in enumerate(planned):
        value = energy.get(p.kind, DEFAULT_ENERGY.get(p.kind, 0.5))
        if i in chorus_like:
            order = chorus_like.index(i)
            value += 0.04 * order
            if order == len(chorus_like) - 1 and len(chorus_like) > 1:
                value += 0.06
        if p.kind == "verse" and i > 2:
            value += 0.05  # second verses carry on from the chorus a little fuller
        value = min(1.0, max(0.05, value + energy_shift))
        sections.append(Section(p.kind, p.label, bar, p.bars, round(value, 3)))
        bar += p.bars
    return sections


__all__ = [
    "DEFAULT_ENERGY",
    "INSTRUMENTAL_KINDS",
    "RING_OUT_S",
    "PlannedSection",
    "TempoFit",
    "fit_bars_and_tempo",
    "form_from_bars",
    "form_from_lyrics",
    "lyric_form_bars",
    "place_sections",
]
