"""The vocal melody: lyrics fitted onto the Score's bar grid, chords and key.

:func:`fit_vocal_line` is called by the composer once the form (from the lyrics), chords and key
are known. The contract with the composer:

- each sung lyric section maps, in order, onto the next Score section with the same label (else
  the same kind, else the next section); its bars are split equally among its lines (line ``i`` of
  ``n`` gets bars ``[i·B/n, (i+1)·B/n)``);
- ``score.vocal_gender`` ("f"/"m", default "f") picks the range: female A3–E5 (centre C4–C5), male
  A2–E4 (centre C3–C4).

What the fitter does, per line:

- **rhythm** — lines of more than 5 syllables go at speech rate (:func:`_fit_speech_rhythm`): a
  dynamic programme on a sixteenth grid gives each syllable about its estimated spoken length,
  primary-stressed syllables on beats (strong ones preferred), at most 30 % of them off the beat
  (one-syllable function words are unstressed, see :mod:`~tunesmith.music.lyrics.phonemes`, and
  go anywhere); where a word waits for its beat a short rest follows it, and the line's last
  note is held a little longer than spoken, then the line rests (at least half a beat to
  breathe). Notes start on vowels (the singer sings onset consonants just before the note), so
  each gap aims at the spoken time from one vowel to the next, and a note ends a little before a
  next syllable that starts with consonants, leaving them room (:func:`_room_for_onsets`).
  Shorter lines use an eighth-note grid (:func:`_fit_rhythm`):
  note lengths close to an even share of the line, the last syllable held. Held-out syllables
  cost the singer its words (PocketSphinx on ``bench/bench_singer.py``), hence speech rate;
- **melismas** — when a line has few syllables, long stressed notes split into two notes (the
  second with syllable ``""``);
- **pitch** — a phrase arc per line inside a section tessitura (verses low and narrow, almost
  spoken; pre-choruses climbing; choruses higher and wider; bridges in between). Notes on strong
  beats take the chord tone (``score.chords``) nearest the arc; other notes move by scale steps
  towards it, so steps dominate and leaps stay rare. Chorus lines repeat: a line whose text was
  already sung in a chorus reuses that melody exactly, and the n-th line of every chorus shares its
  rhythm and contour; the **hook**: a chorus line holding the song's title (``score.title``, its
  words in order) peaks on the title, higher than the other lines;
- **backing vocals** (``backing=True``) — in choruses a harmony a third (or sixth) below the lead,
  taken from the chord where it can; wholly parenthesised lines are sung by the backing voice in
  their slot; ad-libs are echoed by the backing voice in the second half of their line's slot;
  in :data:`PAD_GENRES`, sustained "ooh"/"aah" pads (one chord tone per chord) fill the verses
  after the first, bridges and pre-choruses.

Every note carries ``word_index`` (one counter over all sung words, lead and backing lines in
order; harmonies share the lead word's index), ``line_index`` (the index of the line in
``lyrics.lines``), the syllable text on the first note of each syllable and ``""`` on melisma
continuations, and the syllable's ARPAbet phonemes.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from tunesmith.errors import InvalidParameter
from tunesmith.music.lyrics.phonemes import FUNCTION_WORDS, SyllabifiedWord, syllabify_words
from tunesmith.music.lyrics.sections import LyricLine, LyricSection, ParsedLyrics
from tunesmith.music.lyrics.words import words_of_line
from tunesmith.music.score import Chord, Score, Section, SectionKind, VocalNote
from tunesmith.music.theory.chords import QUALITY_INTERVALS

__all__ = ["PAD_GENRES", "VOICE_RANGES", "fit_vocal_line", "lead_sheet_score"]

VOICE_RANGES: dict[str, tuple[int, int]] = {"f": (57, 76), "m": (45, 64)}
"""Lowest and highest MIDI pitch sung by each voice (female A3–E5, male A2–E4)."""

# Tessitura per section kind: (centre offset above the range bottom in semitones, arc height).
_TESSITURA: dict[SectionKind, tuple[float, float]] = {
    "verse": (6.0, 3.0),
    "pre_chorus": (8.0, 5.0),
    "chorus": (11.0, 6.0),
    "post_chorus": (10.0, 4.0),
    "bridge": (9.0, 5.0),
    "intro": (7.0, 3.0),
    "outro": (7.0, 3.0),
    "breakdown": (7.0, 3.0),
    "drop": (10.0, 5.0),
    "solo": (8.0, 4.0),
    "instrumental": (8.0, 4.0),
}
_MIN_NOTE_BEATS = 0.125


@dataclass(frozen=True)
class _Syl:
    text: str
    phonemes: tuple[str, ...]
    stress: int
    word: str
    word_index: int


@dataclass(frozen=True)
class _Shape:
    """A fitted line relative to its slot: (start offset, length) per syllable and pitch degrees."""

    onsets: tuple[float, ...]
    lengths: tuple[float, ...]
    degrees: tuple[float, ...]


def _metric_weight(pos_beats: float, beats_per_bar: float) -> int:
    """3 on the downbeat, 2 on the bar's middle beat, 1 on other beats, 0 on eighths, -1 finer."""
    in_bar = pos_beats % beats_per_bar
    if abs(in_bar) < 1e-6:
        return 3
    if beats_per_bar >= 4 and abs(in_bar - beats_per_bar / 2) < 1e-6:
        return 2
    if abs(in_bar - round(in_bar)) < 1e-6:
        return 1
    if abs(in_bar * 2 - round(in_bar * 2)) < 1e-6:
        return 0
    return -1


def _fit_rhythm(
    stresses: list[int],
    slot_beats: float,
    beats_per_bar: float,
    rng: np.random.Generator,
) -> tuple[list[float], list[float]]:
    """Onsets and lengths (beats from the slot start) for syllables with these stresses: the
    rhythm of short lines (≤ 5 syllables: long notes, melismas) and ad-libs."""
    count = len(stresses)
    breath = 0.5 if slot_beats <= 4 else 1.0
    usable = max(slot_beats - breath, slot_beats * 0.75)
    step = 0.5
    if count > usable / step * 0.85:
        step = 0.25
    grid = round(usable / step)
    if count > grid:  # too dense even for sixteenths: even spacing
        length = usable / count
        return [i * length for i in range(count)], [max(_MIN_NOTE_BEATS, length * 0.95)] * count
    target = usable / count
    weights = [_metric_weight(q * step, beats_per_bar) for q in range(grid)]
    inf = float("inf")
    # cost[k][q]: best cost with syllable k starting at grid q.
    cost = np.full((count, grid), inf)
    back = np.zeros((count, grid), dtype=np.int64)
    jitter = rng.uniform(0.0, 0.15, size=(count, grid))

    def place_cost(k: int, q: int) -> float:
        w = weights[q]
        s = stresses[k]
        if s == 1:
            return (3 - w) * 1.0
        if s == 2:
            return (3 - w) * 0.4
        return max(0, w - 1) * 0.6 + (0.3 if w < 0 else 0.0)

    def length_cost(length: float) -> float:
        return abs(math.log2(length / target)) * 1.2 + (0.5 if length > 2.0 else 0.0)

    for q in range(grid):
        cost[0, q] = place_cost(0, q) + q * step * 0.8 + jitter[0, q]
    for k in range(1, count):
        for q in range(k, grid):
            prev = cost[k - 1, :q] + np.array([length_cost((q - p) * step) for p in range(q)])
            p_best = int(np.argmin(prev))
            cost[k, q] = prev[p_best] + place_cost(k, q) + jitter[k, q]
            back[k, q] = p_best
    final = np.array(
        [cost[count - 1, q] + (0.0 if (grid - q) * step >= min(1.0, target) else 1.5) for q in range(grid)]
    )
    q = int(np.argmin(final))
    positions = [q]
    for k in range(count - 1, 0, -1):
        q = int(back[k, q])
        positions.append(q)
    positions.reverse()
    onsets = [p * step for p in positions]
    lengths = [(positions[k + 1] - positions[k]) * step for k in range(count - 1)]
    lengths.append(min(usable - onsets[-1], max(target * 1.5, 1.0)))
    return onsets, lengths


# Speech-rate rhythm (lines of more than 5 syllables). Measured with bench/bench_singer.py
# (PocketSphinx on the sung stem; see the issue-3 numbers in tests/music/voice/test_intelligibility.py).
SPEECH_OFFBEAT_SHARE = 0.3
"""At most this share of a line's primary-stressed syllables may start off the beat."""
_SPEECH_LENGTH_WEIGHT = 3.0  # cost per octave of a note shorter/longer than the syllable's speech
# (2.0 or 5.0 for shorter notes only measured worse: bench_singer WER f / m, melody seeds 1-5,
# 0.558 / 0.521 and 0.552 / 0.554 vs 0.535 / 0.503)
_SPEECH_LATE_START = 0.3  # cost per beat of starting the line after its slot starts (0.8: worse)
_SPEECH_DOWNBEAT_WEIGHT = 0.3  # stressed syllables: cost per metric level below the downbeat
_SPEECH_OFFBEAT_COST = 2.0  # … and off the beat
_SPEECH_REST_WEIGHT = 1.5  # cost per octave of a word-final gap longer than speech (sung as a rest)
# a word's last note lasts at most this × its spoken time (to the next vowel, rounded up to the grid);
# the rest is silent. Measured (bench_singer.py, WER f / m, melody seeds 1-5, with onset room and
# vowel-to-vowel gaps): 1.5 0.535 / 0.503, 1.1 0.504 / 0.487, 0.8 0.540 / 0.478
_SPEECH_REST_CAP = 1.1
_SPEECH_LAST = 1.0  # the line's last note: this × its spoken length (speech lengthens it already), ≥ ½ beat


_SPEECH_CONSONANT_S = 0.084  # a consonant's share of a syllable's spoken length (see _speech_s)


@dataclass(frozen=True)
class _SpeechSyl:
    """What the speech-rate rhythm needs of a syllable."""

    stressed: bool  # primary stress in connected speech (one-syllable function words are not)
    function: bool  # a one-syllable function word (said short)
    word_end: bool  # the last syllable of its word (a rest may follow)
    speech_beats: float  # estimated spoken time to the next syllable's vowel, in beats


def _speech_s(syl: _Syl, syllables_in_word: int) -> float:
    """Estimated spoken length of a syllable in seconds: a linear fit to Festival's slt voice on
    the 20 benchmark lines (201 syllables): 0.056 s + 0.084 s per consonant, + 0.055 s for a
    stressed syllable of a longer word, + 0.04 s for a one-syllable content word; one-syllable
    function words measured 0.04–0.14 s."""
    consonants = sum(1 for p in syl.phonemes if not p[-1:].isdigit())
    if syllables_in_word == 1 and syl.word.lower() in FUNCTION_WORDS:
        return 0.06 + 0.03 * consonants
    extra = 0.04 if syllables_in_word == 1 else 0.055 if syl.stress == 1 else 0.0
    return 0.056 + _SPEECH_CONSONANT_S * consonants + extra


def _speech_gap_s(syls: list[_Syl], k: int, syllables_in_word: int) -> float:
    """Estimated spoken time from syllable ``k``'s vowel to the next syllable's vowel, in seconds.

    The melody's notes start on vowels (the singer sings onset consonants before the note), so
    the gap a syllable needs is its own length less its onset consonants plus the next one's.
    Measured (bench_singer.py, 20 lines, melody seeds 1-5, WER female / male, with 0.06 s of onset
    room): syllable lengths 0.568 / 0.549, vowel-to-vowel gaps 0.535 / 0.503. The last syllable
    keeps its own length."""
    own = _speech_s(syls[k], syllables_in_word)
    if k + 1 >= len(syls):
        return own
    shift = _onset_consonants(syls[k + 1]) - _onset_consonants(syls[k])
    return max(0.06, own + _SPEECH_CONSONANT_S * shift)


def _speech_syllables(syls: list[_Syl], tempo_bpm: float) -> list[_SpeechSyl]:
    counts: dict[int, int] = {}
    for syl in syls:
        counts[syl.word_index] = counts.get(syl.word_index, 0) + 1
    out: list[_SpeechSyl] = []
    for k, syl in enumerate(syls):
        n = counts[syl.word_index]
        out.append(
            _SpeechSyl(
                stressed=syl.stress == 1,
                function=n == 1 and syl.word.lower() in FUNCTION_WORDS,
                word_end=k + 1 == len(syls) or syls[k + 1].word_index != syl.word_index,
                speech_beats=_speech_gap_s(syls, k, n) * tempo_bpm / 60.0,
            )
        )
    return out


def _fit_speech_rhythm(
    syls: list[_SpeechSyl], slot_beats: float, beats_per_bar: float, rng: np.random.Generator
) -> tuple[list[float], list[float]]:
    """Onsets and lengths (beats from the slot start) at speech rate, on a sixteenth grid.

    PocketSphinx loses most words where the singer stretches syllables far beyond their spoken
    length (``bench/bench_singer_ablation.py``), so each gap between onsets aims at the
    syllable's estimated spoken length; stressed syllables prefer strong beats, and at most
    :data:`SPEECH_OFFBEAT_SHARE` of them start off the beat. One-syllable function words are
    unstressed (:data:`~tunesmith.music.lyrics.phonemes.FUNCTION_WORDS`) and go anywhere,
    like the weak syllables of longer words. Where a word must wait for its beat, the previous word's last
    note ends at most :data:`_SPEECH_REST_CAP` × its spoken length and a short rest follows; the
    line's last note is held :data:`_SPEECH_LAST` × its spoken length, then the line rests.
    """
    count = len(syls)
    breath = 0.5 if slot_beats <= 4 else 1.0
    usable = max(slot_beats - breath, slot_beats * 0.75)
    step = 0.25
    grid = round(usable / step)
    last_beats = max(0.5, syls[-1].speech_beats * _SPEECH_LAST)
    if count > grid - round(last_beats / step) + 1:  # too dense: even spacing
        length = usable / count
        return [i * length for i in range(count)], [max(_MIN_NOTE_BEATS, length * 0.95)] * count
    n_stressed = sum(1 for s in syls if s.stressed)
    max_off = math.floor(SPEECH_OFFBEAT_SHARE * n_stressed + 1e-9)
    weights = np.array([_metric_weight(q * step, beats_per_bar) for q in range(grid)])
    on_beat = weights >= 1
    jitter = rng.uniform(0.0, 0.15, size=(count, grid))

    def place_cost(k: int) -> npt.NDArray[np.float64]:
        syl = syls[k]
        if syl.stressed:
            stressed: npt.NDArray[np.float64] = np.where(
                on_beat, (3 - weights) * _SPEECH_DOWNBEAT_WEIGHT, _SPEECH_OFFBEAT_COST
            )
            return stressed
        unstressed: npt.NDArray[np.float64] = np.maximum(0, weights - 1) * 0.3 + np.where(
            weights < 0, 0.1, 0.0
        )
        return unstressed

    def gap_cost(k: int) -> npt.NDArray[np.float64]:
        """Cost of each onset gap (in grid steps, index = gap) after syllable ``k``."""
        gaps = np.arange(grid + 1) * step
        ratio = np.log2(np.maximum(gaps, 1e-9) / syls[k].speech_beats)
        # a rest may follow a word (a function word too: forbidding that measured worse)
        over = _SPEECH_REST_WEIGHT if syls[k].word_end else _SPEECH_LENGTH_WEIGHT
        cost: npt.NDArray[np.float64] = np.where(ratio < 0, -ratio * _SPEECH_LENGTH_WEIGHT, ratio * over)
        cost[0] = np.inf
        return cost

    inf = float("inf")
    offs = max_off + 1
    cost = np.full((count, grid, offs), inf)
    back = np.zeros((count, grid, offs), dtype=np.int64)
    first_off = (~on_beat).astype(np.int64) if syls[0].stressed else np.zeros(grid, dtype=np.int64)
    start = place_cost(0) + np.arange(grid) * step * _SPEECH_LATE_START + jitter[0]
    for q in range(grid):
        if first_off[q] < offs:
            cost[0, q, first_off[q]] = start[q]
    for k in range(1, count):
        place = place_cost(k) + jitter[k]
        gap = gap_cost(k - 1)
        for q in range(k, grid):
            extra = 1 if syls[k].stressed and not on_beat[q] else 0
            prev = cost[k - 1, :q, :] + gap[q - np.arange(q)][:, None]  # [p, o]
            for o in range(extra, offs):
                column = prev[:, o - extra]
                p_best = int(np.argmin(column))
                if column[p_best] < inf:
                    cost[k, q, o] = column[p_best] + place[q]
                    back[k, q, o] = p_best * offs + (o - extra)
    fits = (grid - np.arange(grid)) * step >= last_beats - 1e-9
    final = np.where(fits[:, None], cost[count - 1], inf)
    if not np.isfinite(final).any():  # nothing fits the constraints: even spacing
        length = usable / count
        return [i * length for i in range(count)], [max(_MIN_NOTE_BEATS, length * 0.95)] * count
    q, o = (int(v) for v in np.unravel_index(int(np.argmin(final)), final.shape))
    positions = [q]
    for k in range(count - 1, 0, -1):
        q, o = divmod(int(back[k, q, o]), offs)
        positions.append(q)
    positions.reverse()
    onsets = [p * step for p in positions]
    lengths: list[float] = []
    for k in range(count - 1):
        gap_beats = onsets[k + 1] - onsets[k]
        if syls[k].word_end:
            cap = math.ceil(syls[k].speech_beats * _SPEECH_REST_CAP / step - 1e-6) * step
            gap_beats = min(gap_beats, max(step, cap))
        lengths.append(gap_beats)
    lengths.append(min(usable - onsets[-1], math.ceil(last_beats / step - 1e-6) * step))
    return onsets, lengths


# Room for onset consonants. The singer starts a syllable's vowel on its note and sings the onset
# consonants just before it, in the previous note's tail. So that the Score and the audio agree
# (and the consonants are not squeezed), a note ends before the next syllable's note by the onset
# consonants' time. Measured (bench_singer.py, 20 lines, sung stem, melody seeds 1-5, WER
# female / male, before vowel-to-vowel gaps): none 0.672 / 0.598, 0.06 s 0.568 / 0.549,
# 0.09 s 0.594 / 0.514, 0.12 s 0.680 / 0.560 (a longer gap gives the singer room to stretch
# the consonants further, and the vowel before it gets short).
_ONSET_ROOM_S = 0.06
"""A note ends this long (seconds) before a next syllable that starts with a consonant …"""
_ONSET_ROOM_MORE_S = 0.05
"""… plus this long per further onset consonant (a cluster such as "str") …"""
_ONSET_ROOM_MAX_S = 0.18
"""… at most this long in all …"""
_ONSET_ROOM_KEEP = 0.5
"""… and the note keeps at least this share of the time to the next note."""


def _onset_consonants(syl: _Syl) -> int:
    """The number of consonants before the syllable's vowel (ARPAbet vowels carry a digit)."""
    count = 0
    for phoneme in syl.phonemes:
        if phoneme[-1:].isdigit():
            break
        count += 1
    return count


def _room_for_onsets(
    syls: list[_Syl], onsets: list[float], lengths: list[float], tempo_bpm: float
) -> list[float]:
    """Note lengths (beats) shortened so that the next syllable's onset consonants fit between a
    note's end and the next note (the next vowel's start): see :data:`_ONSET_ROOM_S`."""
    out = list(lengths)
    beats_per_s = tempo_bpm / 60.0
    for k in range(len(syls) - 1):
        consonants = _onset_consonants(syls[k + 1])
        if consonants == 0:
            continue
        room_s = min(_ONSET_ROOM_MAX_S, _ONSET_ROOM_S + _ONSET_ROOM_MORE_S * (consonants - 1))
        gap_beats = onsets[k + 1] - onsets[k]
        out[k] = min(out[k], max(gap_beats * _ONSET_ROOM_KEEP, gap_beats - room_s * beats_per_s))
    return out


def _chord_at(chords: list[Chord], starts: list[float], beat: float) -> Chord | None:
    i = bisect_right(starts, beat + 1e-9) - 1
    if 0 <= i < len(chords) and chords[i].start_beat <= beat + 1e-9 < chords[i].end_beat + 1e-9:
        return chords[i]
    return None


def _chord_pcs(chord: Chord | None) -> set[int]:
    if chord is None:
        return set()
    intervals = QUALITY_INTERVALS.get(chord.quality, (0, 4, 7))
    return {(chord.root_pc + i) % 12 for i in intervals}


class _Pitcher:
    """Turns target heights into pitches: chord tones on strong beats, scale steps elsewhere."""

    def __init__(self, score: Score, low: int, high: int) -> None:
        self.scale = set(score.key.scale_pcs)
        self.low, self.high = low, high
        self.chords = sorted(score.chords, key=lambda c: c.start_beat)
        self.starts = [c.start_beat for c in self.chords]
        self.scale_pitches = [p for p in range(low, high + 1) if p % 12 in self.scale]

    def pitch(self, target: float, beat: float, strong: bool, previous: int | None) -> int:
        chord = _chord_pcs(_chord_at(self.chords, self.starts, beat))
        if strong and chord:
            options = [p for p in self.scale_pitches if p % 12 in chord] or self.scale_pitches
        else:
            options = self.scale_pitches
            if previous is not None:  # prefer steps: stay within a third of the previous note
                near = [p for p in options if abs(p - previous) <= 4]
                options = near or options

        def score_of(p: int) -> float:
            leap = abs(p - previous) if previous is not None else 0
            return abs(p - target) + (0.6 * max(0, leap - 2)) + (0.0 if p % 12 in chord else 0.3)

        return min(options, key=score_of)

    def harmony_below(self, lead: int, beat: float) -> int:
        """A third below the lead from the chord (else the scale), else a sixth below."""
        chord = _chord_pcs(_chord_at(self.chords, self.starts, beat))
        for interval_set in ((3, 4), (8, 9), (5,)):
            for interval in interval_set:
                p = lead - interval
                if p % 12 in chord:
                    return p
        for interval in (3, 4):
            if (lead - interval) % 12 in self.scale:
                return lead - interval
        return lead - 5


def _line_syllables(text: str, first_word_index: int) -> list[_Syl]:
    words: list[SyllabifiedWord] = syllabify_words(words_of_line(text))
    out: list[_Syl] = []
    for offset, word in enumerate(words):
        for syl in word.syllables:
            out.append(
                _Syl(syl.text or "-", syl.phonemes, syl.stress, word.display, first_word_index + offset)
            )
    return out


def _match_sections(score: Score, lyrics: ParsedLyrics) -> list[tuple[LyricSection, Section, int]]:
    """(lyric section, score section, index of its first line in lyrics.lines) for sung sections."""
    pairs: list[tuple[LyricSection, Section, int]] = []
    pointer = 0
    line_base = 0
    for lyric in lyrics.sections:
        base = line_base
        line_base += len(lyric.lines)
        if not lyric.lines:
            continue
        remaining = score.sections[pointer:]
        found = next((i for i, s in enumerate(remaining) if s.label == lyric.label), None)
        if found is None:
            found = next((i for i, s in enumerate(remaining) if s.kind == lyric.kind), None)
        if found is None:
            found = 0 if remaining else None
        if found is None:
            break
        section = remaining[found]
        pointer += found + 1
        pairs.append((lyric, section, base))
    return pairs


def fit_vocal_line(score: Score, lyrics: ParsedLyrics, *, rng: np.random.Generator) -> list[VocalNote]:
    """The vocal notes (lead and backing) for ``lyrics`` on ``score``'s form, chords and key.

    See the module docstring for the rules. Notes are sorted by start beat, lead notes never
    overlap each other, every note lies inside its line's slot. Returns ``[]`` when no section has
    lines. Raises :class:`InvalidParameter` (field ``lyrics``) when the lyrics hold text but not
    one singable word, and (field ``vocal_gender``) for a gender other than "f"/"m".
    """
    gender = score.vocal_gender or "f"
    if gender not in VOICE_RANGES:
        raise InvalidParameter(f"vocal_gender must be 'f' or 'm', not {gender!r}.", field="vocal_gender")
    low, high = VOICE_RANGES[gender]
    pitcher = _Pitcher(score, low, high)
    title_words = [w.spoken for w in words_of_line(score.title or "")]
    bpb = score.beats_per_bar
    notes: list[VocalNote] = []
    word_counter = 0
    shapes_by_text: dict[str, _Shape] = {}
    sung_hooks: dict[tuple[object, ...], tuple[float, int, list[VocalNote]]] = {}
    shapes_by_slot: dict[tuple[str, int, int], _Shape] = {}
    any_text = False
    for lyric, section, line_base in _match_sections(score, lyrics):
        n_lines = len(lyric.lines)
        section_start = section.start_bar * bpb
        section_beats = section.bars * bpb
        centre_off, arc = _TESSITURA.get(section.kind, (7.0, 3.0))
        centre = low + centre_off
        for i, line in enumerate(lyric.lines):
            any_text = any_text or bool(line.text.strip())
            slot_start = section_start + section_beats * i / n_lines
            slot_beats = section_beats / n_lines
            syls = _line_syllables(line.text, word_counter)
            if syls:
                word_counter = syls[-1].word_index + 1
            line_index = line_base + i
            if syls:
                kind_key = "chorus" if section.kind in ("chorus", "post_chorus") else section.kind
                beat_s = score.seconds_at(slot_start + 1.0) - score.seconds_at(slot_start)
                tempo_bpm = 60.0 / max(1e-6, beat_s)
                shape = _shape_for(
                    line,
                    syls,
                    slot_beats,
                    bpb,
                    kind_key,
                    i,
                    centre,
                    arc,
                    rng,
                    shapes_by_text,
                    shapes_by_slot,
                    tempo_bpm,
                    title_span=_title_span(syls, title_words) if kind_key == "chorus" else None,
                )
                hook_key = (kind_key, slot_beats, line.backing, tuple(s.text.lower() for s in syls))
                if kind_key == "chorus" and hook_key in sung_hooks:
                    # the hook: a chorus line already sung is sung again exactly
                    old_start, old_first_word, old_notes = sung_hooks[hook_key]
                    first_word = syls[0].word_index
                    lead = [
                        replace(
                            n,
                            start_beat=n.start_beat - old_start + slot_start,
                            line_index=line_index,
                            word_index=n.word_index - old_first_word + first_word,
                        )
                        for n in old_notes
                    ]
                else:
                    lead = _realise(
                        shape,
                        syls,
                        slot_start,
                        line_index,
                        pitcher,
                        bpb,
                        backing=line.backing,
                        chorus=kind_key == "chorus",
                        low=low,
                        high=high,
                        rng=rng,
                        tempo_bpm=tempo_bpm,
                    )
                    sung_hooks[hook_key] = (slot_start, syls[0].word_index, lead)
                notes.extend(lead)
                if kind_key == "chorus" and not line.backing:
                    notes.extend(
                        VocalNote(
                            pitch=max(low - 5, pitcher.harmony_below(n.pitch, n.start_beat)),
                            start_beat=n.start_beat,
                            length_beats=n.length_beats,
                            velocity=max(1, n.velocity - 15),
                            syllable=n.syllable,
                            word=n.word,
                            word_index=n.word_index,
                            line_index=n.line_index,
                            phonemes=n.phonemes,
                            backing=True,
                        )
                        for n in lead
                    )
            if line.adlibs and not line.backing:
                adlib_syls = _line_syllables(" ".join(line.adlibs), word_counter)
                if adlib_syls:
                    word_counter = adlib_syls[-1].word_index + 1
                    half = slot_beats / 2
                    onsets, lengths = _fit_rhythm([s.stress for s in adlib_syls], half, bpb, rng)
                    previous: int | None = None
                    for syl, onset, length in zip(adlib_syls, onsets, lengths, strict=True):
                        beat = slot_start + half + onset
                        p = pitcher.pitch(centre + arc + 2, beat, False, previous)
                        previous = p
                        notes.append(
                            VocalNote(
                                p,
                                beat,
                                max(_MIN_NOTE_BEATS, length),
                                80,
                                syl.text,
                                syl.word,
                                syl.word_index,
                                line_index,
                                syl.phonemes,
                                backing=True,
                            )
                        )
    if notes and (score.genre or "").lower() in PAD_GENRES:
        notes.extend(_pads(score, lyrics, pitcher, low, word_counter))
    if not notes and any_text:
        raise InvalidParameter("lyrics: no singable words (the text has no letters to sing).", field="lyrics")
    notes.sort(key=lambda n: (n.start_beat, n.backing, n.pitch))
    return notes


PAD_GENRES = frozenset(
    ["pop", "ballad", "soul", "gospel", "rnb", "jazz_pop", "holiday", "cinematic", "synth_pop", "indie"]
)
"""Genres whose arrangements want "ooh"/"aah" backing pads (in verses after the first, bridges and
pre-choruses: the sections without chorus harmonies)."""


def _pads(
    score: Score, lyrics: ParsedLyrics, pitcher: _Pitcher, low: int, first_word: int
) -> list[VocalNote]:
    """Sustained backing "ooh" (verses) / "aah" (bridges, pre-choruses) notes, one per chord.

    Each note holds a chord tone in the lower half of the voice's range, moving to the nearest
    tone of the next chord (voice leading), and ends a quarter beat before the chord does (a
    breath). Every pad note is its own word (indices from ``first_word`` on, after all lyrics).
    """
    out: list[VocalNote] = []
    word_index = first_word
    seen_verse = False
    bpb = score.beats_per_bar
    for lyric, section, line_base in _match_sections(score, lyrics):
        kind = section.kind
        if kind == "verse" and not seen_verse:
            seen_verse = True
            continue
        if kind not in ("verse", "bridge", "pre_chorus"):
            continue
        word, phonemes = ("ooh", ("UW1",)) if kind == "verse" else ("aah", ("AA1",))
        start, end = section.start_bar * bpb, (section.start_bar + section.bars) * bpb
        slot = (end - start) / max(1, len(lyric.lines))
        previous = low + 7
        for chord in pitcher.chords:
            if not start <= chord.start_beat < end:
                continue
            length = min(chord.end_beat, end) - chord.start_beat - 0.25
            pcs = _chord_pcs(chord)
            options = [p for p in range(low + 2, low + 12) if p % 12 in pcs]
            if length < 1.0 or not options:
                continue
            pitch = min(options, key=lambda p: (abs(p - previous), p))
            previous = pitch
            line = line_base + min(len(lyric.lines) - 1, int((chord.start_beat - start) // slot))
            out.append(
                VocalNote(pitch, chord.start_beat, length, 60, word, word, word_index, line, phonemes, True)
            )
            word_index += 1
    return out


def _title_span(syls: list[_Syl], title_words: list[str]) -> tuple[int, int] | None:
    """First and last syllable index of the title's words, in order, inside a line (else None)."""
    if not title_words:
        return None
    words: list[tuple[str, int, int]] = []  # (word, first syllable, last syllable)
    for k, syl in enumerate(syls):
        if words and syls[words[-1][1]].word_index == syl.word_index:
            words[-1] = (words[-1][0], words[-1][1], k)
        else:
            words.append((syl.word.lower(), k, k))
    n = len(title_words)
    for i in range(len(words) - n + 1):
        if [w for w, _a, _b in words[i : i + n]] == title_words:
            return words[i][1], words[i + n - 1][2]
    return None


def _shape_for(
    line: LyricLine,
    syls: list[_Syl],
    slot_beats: float,
    bpb: float,
    kind: str,
    line_no: int,
    centre: float,
    arc: float,
    rng: np.random.Generator,
    by_text: dict[str, _Shape],
    by_slot: dict[tuple[str, int, int], _Shape],
    tempo_bpm: float,
    title_span: tuple[int, int] | None = None,
) -> _Shape:
    """The rhythm and arc of a line, reused for repeated chorus lines (the hook).

    ``title_span`` (first and last syllable index of the song's title inside a chorus line) makes
    the line the hook: its arc peaks on the title, higher than other lines (× 1.5).
    """
    text_key = f"{kind}|{slot_beats}|" + " ".join(s.text.lower() for s in syls)
    slot_key = (f"{kind}|{slot_beats}", line_no, len(syls))
    if kind == "chorus" and text_key in by_text:
        return by_text[text_key]
    if kind == "chorus" and slot_key in by_slot and title_span is None:
        shape = by_slot[slot_key]
        stresses_ok = True
        if stresses_ok:
            return shape
    if len(syls) > 5:  # longer lines go at speech pace
        onsets, lengths = _fit_speech_rhythm(_speech_syllables(syls, tempo_bpm), slot_beats, bpb, rng)
    else:  # short lines (≤ 5 syllables) keep long notes and melismas
        onsets, lengths = _fit_rhythm([s.stress for s in syls], slot_beats, bpb, rng)
    count = len(syls)
    peak_at = rng.uniform(0.45, 0.7)
    direction = 1.0 if line_no % 2 == 0 else 0.6
    if title_span is not None:
        peak_at = (title_span[0] + title_span[1]) / 2 / max(1, count - 1)
        direction = 1.5
    degrees = []
    for k in range(count):
        x = k / max(1, count - 1)
        bump = math.exp(-((x - peak_at) ** 2) / 0.08)
        speech = 0.4 if kind == "verse" else 1.0
        degrees.append(
            centre - arc * 0.4 + arc * bump * direction * speech + (0.8 if syls[k].stress == 1 else 0.0)
        )
    if title_span is not None:  # the title's syllables sit on the peak itself
        top = max(degrees)
        for k in range(title_span[0], title_span[1] + 1):
            degrees[k] = max(degrees[k], top - (0.0 if syls[k].stress == 1 else 1.0))
    shape = _Shape(tuple(onsets), tuple(lengths), tuple(degrees))
    if kind == "chorus":
        by_text[text_key] = shape
        by_slot.setdefault(slot_key, shape)
    return shape


def _realise(
    shape: _Shape,
    syls: list[_Syl],
    slot_start: float,
    line_index: int,
    pitcher: _Pitcher,
    bpb: float,
    *,
    backing: bool,
    chorus: bool,
    low: int,
    high: int,
    rng: np.random.Generator,
    tempo_bpm: float,
) -> list[VocalNote]:
    """The line's notes. A syllable's last note leaves room for the next syllable's onset
    consonants (:func:`_room_for_onsets`; a melisma is decided on the full length)."""
    notes: list[VocalNote] = []
    previous: int | None = None
    sparse = len(syls) <= 5
    sung = _room_for_onsets(syls, list(shape.onsets), list(shape.lengths), tempo_bpm)
    for syl, onset, length, target, sung_length in zip(
        syls, shape.onsets, shape.lengths, shape.degrees, sung, strict=True
    ):
        room = max(0.0, length - max(_MIN_NOTE_BEATS, sung_length))
        beat = slot_start + onset
        strong = _metric_weight(onset, bpb) >= 1
        target_pitch = target + (3.0 if backing else 0.0)
        pitch = min(high, max(low, pitcher.pitch(target_pitch, beat, strong, previous)))
        velocity = (100 if syl.stress == 1 else 86) + (8 if chorus else 0) - (14 if backing else 0)
        length = max(_MIN_NOTE_BEATS, length)
        if sparse and length >= 2.0 and syl.stress >= 1:
            first = math.floor(length / 2 * 2) / 2
            second_pitch = pitcher.pitch(pitch - 2, beat + first, False, pitch)
            notes.append(
                VocalNote(
                    pitch,
                    beat,
                    first,
                    velocity,
                    syl.text,
                    syl.word,
                    syl.word_index,
                    line_index,
                    syl.phonemes,
                    backing,
                )
            )
            notes.append(
                VocalNote(
                    second_pitch,
                    beat + first,
                    max(_MIN_NOTE_BEATS, length - first - room),
                    velocity - 6,
                    "",
                    syl.word,
                    syl.word_index,
                    line_index,
                    syl.phonemes,
                    backing,
                )
            )
            previous = second_pitch
        else:
            notes.append(
                VocalNote(
                    pitch,
                    beat,
                    length - room,
                    velocity,
                    syl.text,
                    syl.word,
                    syl.word_index,
                    line_index,
                    syl.phonemes,
                    backing,
                )
            )
            previous = pitch
    return notes


_LEAD_SHEET_CHORDS = ((0, "maj", "I"), (7, "maj", "V"), (9, "min", "vi"), (5, "maj", "IV"))


def lead_sheet_score(
    lyrics_text: str,
    *,
    tempo_bpm: float = 100.0,
    key: str = "C major",
    vocal_gender: str = "f",
    seed: int = 0,
    tail_s: float = 1.0,
    title: str = "",
) -> Score:
    """A minimal Score for a lyric: the contract's form, I–V–vi–IV (one chord per bar, restarting at
    each section), vocals fitted.

    For benchmarks, tests and previews of the singer alone (no instruments). Each sung section has
    ``max(4, 2 × lines)`` bars of 4/4, instrumental sections 4 bars; ``duration_s`` is the form plus
    ``tail_s`` of ring-out.
    """
    from tunesmith.music.lyrics.sections import parse_lyrics, sung_text
    from tunesmith.music.score import TempoChange
    from tunesmith.music.theory.keys import parse_key

    if vocal_gender not in VOICE_RANGES:
        raise InvalidParameter(
            f"vocal_gender must be 'f' or 'm', not {vocal_gender!r}.", field="vocal_gender"
        )
    parsed = parse_lyrics(lyrics_text)
    parsed_key = parse_key(key)
    sections: list[Section] = []
    bar = 0
    for lyric in parsed.sections:
        bars = max(4, 2 * len(lyric.lines)) if lyric.lines else 4
        sections.append(
            Section(
                kind=lyric.kind,
                label=lyric.label,
                start_bar=bar,
                bars=bars,
                energy=0.8 if lyric.kind == "chorus" else 0.5,
            )
        )
        bar += bars
    chords: list[Chord] = []
    for b in range(bar):
        section_start = max(sec.start_bar for sec in sections if sec.start_bar <= b)
        offset, quality, numeral = _LEAD_SHEET_CHORDS[(b - section_start) % 4]
        root = (parsed_key.tonic_pc + offset) % 12
        chords.append(
            Chord(
                start_beat=b * 4.0,
                length_beats=4.0,
                root_pc=root,
                quality=quality,
                symbol=f"{root}{quality}",
                numeral=numeral,
            )
        )
    gender: Literal["f", "m"] = "m" if vocal_gender == "m" else "f"
    score = Score(
        title=title,
        tags="",
        genre="pop",
        key=parsed_key,
        meter=(4, 4),
        tempo_map=[TempoChange(0.0, tempo_bpm)],
        sections=sections,
        chords=chords,
        tracks=[],
        duration_s=bar * 4 * 60.0 / tempo_bpm + tail_s,
        seed=seed,
        vocal_gender=gender,
    )
    score.vocals = fit_vocal_line(score, parsed, rng=np.random.default_rng(seed))
    score.lyrics = sung_text(parsed)
    return score
