"""Fitting aligned lyric lines onto the voice of a mix.

Every view the recogniser of :mod:`tunesmith.music.analyze.align` hears makes one mistake
together: in an instrumental stretch (a fill before a chorus) the accompaniment matches the next
line's words as well as anything, so a line's first words land there, or its last words stretch
into the bars after it, or a whole line lands seconds away. Words cannot start where no voice
sings. Given where a separated vocal holds the voice (a boolean per frame), this module moves
whole lines, in order, onto the voice's phrases (:func:`fit_lines_to_phrases`, a dynamic
programme), then each line's start and end onto the voice nearby (:func:`fit_lines_to_voice`),
and finally keeps the words inside the audio, in order and never overlapping (:func:`in_order`).
Pure arithmetic on times: no audio, no recogniser. Measurements are in the docstring of
:mod:`~tunesmith.music.analyze.align`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tunesmith.music.analyze.word_alignment import WordAlignment

__all__ = [
    "MIN_VOICE_SHIFT_S",
    "VOICE_REACH_S",
    "fit_lines_to_phrases",
    "fit_lines_to_voice",
    "in_order",
    "line_bounds",
]

FloatArray = npt.NDArray[np.float64]

VOICE_REACH_S = 3.0
"""How far (s) from a lyric line's aligned start (end) voice is looked for when the line starts
(ends) where no voice sings."""

MIN_VOICE_SHIFT_S = 1.0
"""Smallest move (s) of a line's start or end onto voice; shorter unvoiced stretches are left
alone (unvoiced consonants, breaths, and quiet onsets the voice detection misses: with 0.5 s a
piano ballad's second line moved 0.9 s late, 0.06 → 0.25 s mean error, while the lines pulled
into a fill are 1.5–3 s off)."""


def _line_map(
    words: Sequence[WordAlignment], voiced: npt.NDArray[np.bool_], hop_s: float
) -> tuple[list[float], list[float]]:
    """Knots (old times, new times; s) of a piecewise-linear, increasing map of one lyric line's
    aligned span ``[a, b]`` onto voice (identity ``[a, b] → [a, b]`` when nothing moves).

    Start: when the first voiced frame in ``[a, min(a + VOICE_REACH_S, b)]`` comes at least
    :data:`MIN_VOICE_SHIFT_S` after ``a``, ``a`` moves there, and the words before the first word
    that already starts in or after that voice are spread over the gap to it. End: likewise, when
    the last voiced frame in ``[max(b − VOICE_REACH_S, new start), b]`` ends at least
    :data:`MIN_VOICE_SHIFT_S` before ``b``, ``b`` moves there, and the words after the last word
    that already ends before it are packed in between."""
    a, b = words[0].start_s, words[-1].end_s
    xs, ys = [a, b], [a, b]
    times = np.arange(voiced.size) * hop_s
    onsets = np.flatnonzero(voiced & (times >= a) & (times <= min(a + VOICE_REACH_S, b)))
    if onsets.size and times[onsets[0]] - a >= MIN_VOICE_SHIFT_S:
        new_a = float(times[onsets[0]])
        anchor = next((w.start_s for w in words if w.start_s >= new_a), b)
        xs, ys = ([a, anchor, b], [new_a, anchor, b]) if anchor < b else ([a, b], [new_a, b])
    offsets = np.flatnonzero(voiced & (times <= b) & (times >= max(b - VOICE_REACH_S, ys[0])))
    if offsets.size and b - (times[offsets[-1]] + hop_s) >= MIN_VOICE_SHIFT_S:
        new_b = float(times[offsets[-1]] + hop_s)
        last = next((w.end_s for w in reversed(words) if w.end_s <= new_b), None)
        limit = last if last is not None else b
        knots = sorted(
            {x for x in xs if x < limit} | ({last} if last is not None and last > xs[0] else set())
        )
        xs, ys = [*knots, b], [float(np.interp(x, xs, ys)) for x in knots] + [new_b]
    return xs, ys


def fit_lines_to_voice(
    words: Sequence[WordAlignment], voiced: npt.NDArray[np.bool_], hop_s: float
) -> list[WordAlignment]:
    """``words`` with each lyric line that starts or ends where no voice sings moved onto the
    voice nearby (see :func:`_line_map`), keeping word order and the line's other words; words
    never leave their line's aligned span, so lines stay in order. ``voiced`` is per frame of
    ``hop_s`` seconds (:func:`~tunesmith.music.analyze.align._voice_presence`)."""
    out = list(words)
    start = 0
    for i, word in enumerate(words):
        if not (word.word.endswith("\n") or i + 1 == len(words)):
            continue
        line = words[start : i + 1]
        first = start
        start = i + 1
        if line[-1].end_s <= line[0].start_s or voiced.size == 0:
            continue
        xs, ys = _line_map(line, voiced, hop_s)
        if (xs, ys) == ([line[0].start_s, line[-1].end_s], [line[0].start_s, line[-1].end_s]):
            continue
        if np.any(np.diff(ys) < 0):
            continue
        for k, w in enumerate(line):
            new_start = float(np.interp(w.start_s, xs, ys))
            new_end = max(new_start, float(np.interp(w.end_s, xs, ys)))
            out[first + k] = WordAlignment(w.word, new_start, new_end, w.p_align, w.success)
    return out


# ----- lines onto the voice's phrases -----------------------------------------------------------

PHRASE_GAP_S = 0.5
"""Voiced runs closer than this (s) belong to one phrase (see :func:`fit_lines_to_phrases`)."""

LINE_PRIOR_PER_S = 0.3
"""Cost per second a line's start or end moves away from where the recogniser put it ..."""

LINE_PRIOR_CAP_S = 1.0
"""... counted up to this many seconds (a recogniser that is wrong is often wrong by seconds)."""

UNSUNG_VOICE_PER_S = 1.0
"""Cost per second of voice in phrases no lyric line touches ..."""

UNSUNG_VOICE_ALLOWANCE_S = 1.0
"""... beyond this much between two lines (ad-libs, backing voices, what the separation leaks)."""

LINE_EDGE_PER_S = 1.0
"""Cost per second a line starts before the next voice (ends after the last voice) ..."""

LINE_EDGE_TOLERANCE_S = 0.2
"""... beyond this (unvoiced consonants)."""

LINE_GAP_PER_S = 1.0
"""Cost per second of each unvoiced gap inside a line ..."""

LINE_GAP_ALLOWANCE_S = 1.0
"""... beyond this (rests inside a line)."""

LINE_REST_S = 0.3
"""Unvoiced time (s) wanted around the boundary between two lines (singers breathe between
lines; a boundary inside a voiced run splits a sung line) ..."""

LINE_REST_PER_S = 2.0
"""... and the cost per second it falls short."""

LINE_PACE_COST = 1.0
"""Cost per unit of ``|ln(line duration / expected duration)|`` ..."""

LINE_PACE_SLACK = 0.7
"""... beyond this (a line may take about half to twice its expected time); the expected duration
is the line's syllables times the median seconds per syllable of the recogniser's lines."""


@dataclass(frozen=True)
class _Voice:
    """Voiced runs (s) of the voice detection
    (:func:`~tunesmith.music.analyze.align._voice_presence`), grouped into phrases (runs closer
    than :data:`PHRASE_GAP_S`)."""

    onsets_s: FloatArray
    offsets_s: FloatArray
    phrase_onsets_s: FloatArray
    phrase_offsets_s: FloatArray
    phrase_voice_cum_s: FloatArray  # voiced seconds in phrases before phrase k (length phrases+1)

    @staticmethod
    def of(voiced: npt.NDArray[np.bool_], hop_s: float) -> _Voice:
        edges = np.flatnonzero(np.diff(np.concatenate([[0], voiced.astype(np.int8), [0]])))
        onsets, offsets = edges[0::2] * hop_s, edges[1::2] * hop_s
        starts_phrase = np.concatenate([[True], onsets[1:] - offsets[:-1] >= PHRASE_GAP_S])
        phrase = np.cumsum(starts_phrase) - 1
        n = int(phrase[-1]) + 1 if phrase.size else 0
        voice = np.bincount(phrase, weights=offsets - onsets, minlength=n) if n else np.zeros(0)
        return _Voice(
            onsets.astype(np.float64),
            offsets.astype(np.float64),
            onsets[starts_phrase].astype(np.float64),
            offsets[np.concatenate([starts_phrase[1:], [True]])].astype(np.float64) if n else np.zeros(0),
            np.concatenate([[0.0], np.cumsum(voice)]),
        )

    def lead_s(self, t: FloatArray) -> FloatArray:
        """Seconds from each time to the next voice (0 inside voice)."""
        k = np.searchsorted(self.offsets_s, t, side="right")
        k_safe = np.minimum(k, self.onsets_s.size - 1)
        nxt = np.where(k < self.onsets_s.size, self.onsets_s[k_safe], np.inf)
        out: FloatArray = np.maximum(0.0, nxt - t)
        return out

    def trail_s(self, t: FloatArray) -> FloatArray:
        """Seconds from the last voice to each time (0 inside voice)."""
        k = np.searchsorted(self.onsets_s, t, side="left") - 1
        prev = np.where(k >= 0, self.offsets_s[np.maximum(k, 0)], -np.inf)
        out: FloatArray = np.maximum(0.0, t - prev)
        return out

    def inner_gaps_s(self, t: FloatArray) -> FloatArray:
        """``G[a, b]``: the summed excess over :data:`LINE_GAP_ALLOWANCE_S` of the gaps between
        voiced runs lying wholly inside ``[t[a], t[b]]``."""
        gaps = np.maximum(0.0, self.onsets_s[1:] - self.offsets_s[:-1] - LINE_GAP_ALLOWANCE_S)
        cum = np.concatenate([[0.0], np.cumsum(gaps)])  # gap j lies between runs j and j + 1
        first = np.minimum(np.searchsorted(self.offsets_s, t, side="left"), gaps.size)  # gaps after t
        stop = np.clip(np.searchsorted(self.onsets_s, t, side="right") - 1, 0, gaps.size)  # gaps ending by t
        out: FloatArray = np.maximum(0.0, cum[stop][None, :] - cum[first][:, None])
        return out

    def voiced_before_s(self, t: FloatArray) -> FloatArray:
        """Voiced seconds before each time."""
        runs = (self.offsets_s - self.onsets_s)[None, :]
        out: FloatArray = np.sum(np.clip(t[:, None] - self.onsets_s[None, :], 0.0, runs), axis=1)
        return out

    def rest_s(self, t: FloatArray) -> FloatArray:
        """``R[e, s]``: unvoiced seconds in ``[t[e] − tol, t[s] + tol]`` (``tol`` =
        :data:`LINE_EDGE_TOLERANCE_S`), where ``t[s] ≥ t[e]``."""
        tol = LINE_EDGE_TOLERANCE_S
        before, after = self.voiced_before_s(t - tol), self.voiced_before_s(t + tol)
        out: FloatArray = (t[None, :] - t[:, None] + 2 * tol) - (after[None, :] - before[:, None])
        return out

    def unsung_s(self, t: FloatArray) -> FloatArray:
        """``U[e, s]``: voiced seconds after time ``t[e]`` and before ``t[s]`` that no line sings:
        the phrases that touch neither (their voice lies more than :data:`PHRASE_GAP_S` from
        both), plus the rest of the phrase touching ``t[e]`` (:meth:`tail_s`)."""
        after = np.searchsorted(self.phrase_onsets_s, t + PHRASE_GAP_S, side="right")
        before = np.searchsorted(self.phrase_offsets_s, t - PHRASE_GAP_S, side="left")
        cum = self.phrase_voice_cum_s
        out: FloatArray = np.where(
            before[None, :] > after[:, None],
            cum[before][None, :] - cum[after][:, None],
            0.0,
        )
        return out + self.tail_s(t, t)

    def tail_s(self, t: FloatArray, until_s: FloatArray) -> FloatArray:
        """``T[e, s]``: voiced seconds of the phrase touching ``t[e]`` (within
        :data:`PHRASE_GAP_S`) that lie after ``t[e]`` and before ``until_s[s]`` (each beyond
        :data:`LINE_EDGE_TOLERANCE_S`); 0 where no phrase touches ``t[e]``. A line that ends
        inside a phrase leaves the rest of it unsung: in a song of the 2026-11-26 case the
        recogniser squeezed a chorus line into the guitar fill before it, and the fit moved its
        start onto the fill but kept its end, 1.7 s of the line's own voice after it counted
        nowhere (the line came back 1.2 s early)."""
        tol = LINE_EDGE_TOLERANCE_S
        j = np.minimum(
            np.searchsorted(self.phrase_offsets_s, t - PHRASE_GAP_S, side="left"),
            self.phrase_offsets_s.size - 1,
        )
        onset_s, offset_s = self.phrase_onsets_s[j], self.phrase_offsets_s[j]
        touches = (onset_s <= t + PHRASE_GAP_S) & (offset_s >= t - PHRASE_GAP_S)
        phrase_end_s = np.where(touches, offset_s, t)
        stop_s = np.minimum(until_s[None, :] - tol, phrase_end_s[:, None])
        voiced_by_stop = self.voiced_before_s(stop_s.ravel()).reshape(stop_s.shape)
        out: FloatArray = np.maximum(0.0, voiced_by_stop - self.voiced_before_s(t + tol)[:, None])
        return out


def line_bounds(words: Sequence[WordAlignment]) -> list[tuple[int, int]]:
    """``(first, stop)`` word indices of each lyric line (a line ends with a ``"\\n"`` word)."""
    out: list[tuple[int, int]] = []
    start = 0
    for i, word in enumerate(words):
        if word.word.endswith("\n") or i + 1 == len(words):
            out.append((start, i + 1))
            start = i + 1
    return out


def _unsung_cost(unsung_s: FloatArray) -> FloatArray:
    out: FloatArray = UNSUNG_VOICE_PER_S * np.maximum(0.0, unsung_s - UNSUNG_VOICE_ALLOWANCE_S)
    return out


def _phrase_spans(
    starts_s: FloatArray,
    ends_s: FloatArray,
    placed: npt.NDArray[np.bool_],
    syllables: FloatArray,
    voice: _Voice,
) -> list[tuple[float, float]]:
    """The least-cost ordered spans ``(start_s, end_s)`` of the lines (dynamic programming over the
    candidate times: voiced-run edges and the recogniser's line edges). A line's cost: its move
    from the recogniser's span (unplaced lines: none), its pace, starting or ending away from
    voice, unvoiced gaps inside it; between lines: too little rest around their boundary; between
    lines, before the first and after the last: the voice no line touches (see the constants
    above :class:`_Voice`)."""
    times = np.unique(np.concatenate([voice.onsets_s, voice.offsets_s, starts_s[placed], ends_s[placed]]))
    k = times.size
    pace = (ends_s - starts_s)[placed] / syllables[placed]
    s_per_syllable = float(np.median(pace)) if pace.size else 0.3
    between = _unsung_cost(voice.unsung_s(times)) + LINE_REST_PER_S * np.maximum(
        0.0, LINE_REST_S - voice.rest_s(times)
    )  # [end index, next start index]
    cum = voice.phrase_voice_cum_s
    before_first = _unsung_cost(
        cum[np.searchsorted(voice.phrase_offsets_s, times - PHRASE_GAP_S, side="left")]
    )
    after = np.searchsorted(voice.phrase_onsets_s, times + PHRASE_GAP_S, side="right")
    after_last = _unsung_cost(
        cum[-1] - cum[np.minimum(after, cum.size - 1)] + voice.tail_s(times, np.array([np.inf]))[:, 0]
    )
    edge = LINE_EDGE_PER_S * (
        np.maximum(0.0, voice.lead_s(times) - LINE_EDGE_TOLERANCE_S)[:, None]
        + np.maximum(0.0, voice.trail_s(times) - LINE_EDGE_TOLERANCE_S)[None, :]
    )
    shape = edge + LINE_GAP_PER_S * voice.inner_gaps_s(times)  # [start index, end index]
    length = np.maximum(times[None, :] - times[:, None], 1e-3)
    later = np.triu(np.ones((k, k), dtype=bool), 1)  # end after start
    not_earlier = np.triu(np.ones((k, k), dtype=bool))  # next start at or after end
    best = before_first
    choices: list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]] = []
    for i in range(starts_s.size):
        cost = shape + LINE_PACE_COST * np.maximum(
            0.0, np.abs(np.log(length / (syllables[i] * s_per_syllable))) - LINE_PACE_SLACK
        )
        if placed[i]:
            cost = cost + LINE_PRIOR_PER_S * (
                np.minimum(np.abs(times - starts_s[i]), LINE_PRIOR_CAP_S)[:, None]
                + np.minimum(np.abs(times - ends_s[i]), LINE_PRIOR_CAP_S)[None, :]
            )
        total = np.where(later, best[:, None] + cost, np.inf)  # [start, end]
        start_of = np.argmin(total, axis=0)
        line_best = total[start_of, np.arange(k)]  # best cost of lines ≤ i ending at each time
        if i + 1 < starts_s.size:
            nxt = np.where(not_earlier, line_best[:, None] + between, np.inf)  # [end, next start]
            end_of = np.argmin(nxt, axis=0)
            best = nxt[end_of, np.arange(k)]
        else:
            end_of = np.arange(k)
            best = line_best + after_last
        choices.append((start_of, end_of))
    spans: list[tuple[float, float]] = []
    end = int(np.argmin(best))
    for i in range(starts_s.size - 1, -1, -1):
        start_of, _ = choices[i]
        start = int(start_of[end])
        spans.append((float(times[start]), float(times[end])))
        if i:
            end = int(choices[i - 1][1][start])
    return spans[::-1]


def fit_lines_to_phrases(
    words: Sequence[WordAlignment], syllables: Sequence[int], voiced: npt.NDArray[np.bool_], hop_s: float
) -> list[WordAlignment]:
    """``words`` with whole lyric lines moved onto the voice's phrases, in order (see
    :func:`_phrase_spans`): a line's start or end moves when it differs by at least
    :data:`MIN_VOICE_SHIFT_S` from the recogniser's, its words keeping their places in it
    (stretched linearly); the words of a line the recogniser did not place, or squeezed into less
    than a quarter of its new span, are laid out by syllables. ``syllables`` per word; ``voiced``
    per frame of ``hop_s`` seconds (:func:`~tunesmith.music.analyze.align._voice_presence`)."""
    voice = _Voice.of(voiced, hop_s)
    bounds = line_bounds(words)
    if voice.onsets_s.size == 0 or not bounds:
        return list(words)
    starts = np.array([words[a].start_s for a, _ in bounds])
    ends = np.array([words[b - 1].end_s for _, b in bounds])
    placed = np.array([any(w.success for w in words[a:b]) for a, b in bounds]) & (ends > starts)
    per_line = np.array([max(1, sum(syllables[a:b])) for a, b in bounds], dtype=np.float64)
    out = list(words)
    spans = _phrase_spans(starts, ends, placed, per_line, voice)
    for (a, b), (new_start, new_end), old_start, old_end, ok in zip(
        bounds, spans, starts, ends, placed, strict=True
    ):
        if not ok or old_end - old_start < 0.25 * (new_end - new_start):
            weights = np.array([max(1, s) for s in syllables[a:b]], dtype=np.float64)
            edges = (
                new_start
                + (new_end - new_start) * np.concatenate([[0.0], np.cumsum(weights)]) / weights.sum()
            )
            for k in range(a, b):
                w = words[k]
                out[k] = WordAlignment(
                    w.word, float(edges[k - a]), float(edges[k - a + 1]), w.p_align, w.success
                )
            continue
        lo = new_start if abs(new_start - old_start) >= MIN_VOICE_SHIFT_S else old_start
        hi = new_end if abs(new_end - old_end) >= MIN_VOICE_SHIFT_S else old_end
        if (lo, hi) == (old_start, old_end) or hi <= lo:
            continue
        for k in range(a, b):
            w = words[k]
            start_s = float(np.interp(w.start_s, [old_start, old_end], [lo, hi]))
            end_s = max(start_s, float(np.interp(w.end_s, [old_start, old_end], [lo, hi])))
            out[k] = WordAlignment(w.word, start_s, end_s, w.p_align, w.success)
    return out


def in_order(words: Sequence[WordAlignment], duration_s: float) -> list[WordAlignment]:
    """``words`` inside ``[0, duration_s]``, starts never decreasing, each word ending by the next
    one's start."""
    out: list[WordAlignment] = []
    previous = 0.0
    for i, w in enumerate(words):
        start_s = min(duration_s, max(previous, w.start_s))
        limit = duration_s if i + 1 == len(words) else max(start_s, min(duration_s, words[i + 1].start_s))
        end_s = min(max(start_s, w.end_s), limit)
        out.append(WordAlignment(w.word, start_s, end_s, w.p_align, w.success))
        previous = start_s
    return out
