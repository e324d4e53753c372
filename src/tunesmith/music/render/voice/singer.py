"""Speech → singing: Festival speech time-warped onto the notes and re-pitched with WORLD.

Per phrase (the notes of one lyric line, lead or backing):

1. Festival speaks the phrase's syllables (see :mod:`.festival`), giving phone timings.
2. Each syllable is mapped onto its notes: onset consonants are placed *before* the note so the
   vowel starts on it (borrowing at most 40 % of the previous note, 150 ms); the vowel is
   stretched to fill the note(s); coda consonants close it before the next onset. Rests are silent.
3. WORLD (``pyworld``: DIO + StoneMask, CheapTrick, D4C at a 5 ms frame period) analyses the
   speech; frames are re-indexed on the sung timeline and f0 is replaced by the melody: exact note
   pitches with a 25 ms glide between notes (legato) and a 5.5 Hz, ±25 cent vibrato fading in on
   notes longer than 0.4 s. Frames inside a vowel are always voiced.
4. A short breath (filtered noise) precedes phrases that follow a rest of 0.4 s or more.

Identical phrases (same syllables, relative timing and pitches: repeated choruses) are rendered
once and reused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyworld as pw

from tunesmith.music.lyrics.phonemes import syllabify_words
from tunesmith.music.lyrics.words import Word
from tunesmith.music.render.voice.festival import Phone, SpokenPhrase, speak_phrases
from tunesmith.music.score import Score, VocalNote

__all__ = ["Phrase", "render_phrases", "split_phrases"]

_FRAME_S = 0.005
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _SylNotes:
    word_index: int
    word: str
    phonemes: tuple[str, ...]
    notes: tuple[VocalNote, ...]


@dataclass(frozen=True)
class Phrase:
    """Consecutive, non-overlapping notes sung in one breath by one voice part."""

    backing: bool
    notes: tuple[VocalNote, ...]


def split_phrases(vocals: list[VocalNote], *, backing: bool) -> list[Phrase]:
    """Group one part's notes into phrases: by line, and by role (harmony vs. own words)."""
    lead_words = {n.word_index for n in vocals if not n.backing}
    groups: dict[tuple[int, bool], list[VocalNote]] = {}
    for note in vocals:
        if note.backing != backing:
            continue
        role = note.backing and note.word_index in lead_words
        groups.setdefault((note.line_index, role), []).append(note)
    phrases: list[Phrase] = []
    for _key, notes in sorted(groups.items(), key=lambda kv: min(n.start_beat for n in kv[1])):
        notes.sort(key=lambda n: n.start_beat)
        current: list[VocalNote] = []
        for note in notes:
            if current and note.start_beat < current[-1].end_beat - 1e-6:
                phrases.append(Phrase(backing, tuple(current)))
                current = []
            current.append(note)
        if current:
            phrases.append(Phrase(backing, tuple(current)))
    return phrases


def _syllables_of(phrase: Phrase) -> list[_SylNotes]:
    out: list[_SylNotes] = []
    for note in phrase.notes:
        new = not out or note.syllable != "" or note.word_index != out[-1].word_index
        if new:
            out.append(_SylNotes(note.word_index, note.word, note.phonemes, (note,)))
        else:
            last = out[-1]
            out[-1] = _SylNotes(last.word_index, last.word, last.phonemes, (*last.notes, note))
    return out


def _words_of(syllables: list[_SylNotes]) -> list[list[tuple[str, ...]]]:
    """Phrase words as syllable phoneme lists, filling syllables without phonemes by G2P."""
    words: list[list[_SylNotes]] = []
    for syl in syllables:
        if words and words[-1][0].word_index == syl.word_index:
            words[-1].append(syl)
        else:
            words.append([syl])
    out: list[list[tuple[str, ...]]] = []
    for group in words:
        if all(s.phonemes for s in group):
            out.append([s.phonemes for s in group])
            continue
        fallback = syllabify_words([Word(group[0].word, group[0].word.lower())])[0].syllables
        phones = [s.phonemes for s in fallback]
        out.append([phones[min(len(phones) - 1, i * len(phones) // len(group))] for i in range(len(group))])
    return out


def _syllable_parts(phones: list[Phone]) -> tuple[float, float, float, float]:
    """(start, vowel start, vowel end, end) of a spoken syllable, in source seconds."""
    start, end = phones[0].start_s, phones[-1].end_s
    vowels = [p for p in phones if p.is_vowel]
    if not vowels:
        return start, start, end, end
    return start, vowels[0].start_s, vowels[-1].end_s, end


@dataclass(frozen=True)
class _Rendered:
    start_s: float
    samples: FloatArray


def _render_one(phrase: Phrase, spoken: SpokenPhrase, score: Score, rng: np.random.Generator) -> _Rendered:
    fs = spoken.sample_rate_hz
    syls = _syllables_of(phrase)
    src_syls = [s for s in spoken.syllables if s]
    if not src_syls:
        return _Rendered(0.0, np.zeros(0))
    # map our syllables onto Festival's (1:1 normally; proportional when counts differ)
    mapped = [src_syls[min(len(src_syls) - 1, i * len(src_syls) // len(syls))] for i in range(len(syls))]
    times = [(score.seconds_at(s.notes[0].start_beat), score.seconds_at(s.notes[-1].end_beat)) for s in syls]
    parts = [_syllable_parts(p) for p in mapped]
    # target spans per syllable
    onsets: list[float] = []
    for k, ((a, _b), (s0, v0, _v1, _s1)) in enumerate(zip(times, parts, strict=True)):
        natural = min(0.15, max(0.0, v0 - s0))
        if k == 0:
            onsets.append(natural)
        else:
            pa, pb = times[k - 1]
            gap = max(0.0, a - pb)
            onsets.append(min(natural, gap + 0.4 * (pb - pa)))
    t_anchor: list[float] = []
    s_anchor: list[float] = []
    spans: list[tuple[float, float, float, float]] = []  # target start, vowel start, vowel end, end
    for k, ((a, b), (s0, v0, v1, s1)) in enumerate(zip(times, parts, strict=True)):
        end = b
        if k + 1 < len(syls):
            end = min(b, times[k + 1][0] - onsets[k + 1])
        end = max(end, a + 0.03)
        coda = min(max(0.0, s1 - v1), 0.4 * (end - a), 0.12)
        span = (a - onsets[k], a, end - coda, end)
        spans.append(span)
        for t, s in zip(span, (s0, v0, v1, s1), strict=True):
            if t_anchor and t <= t_anchor[-1] + 1e-4:
                continue
            if s_anchor and s < s_anchor[-1]:
                s = s_anchor[-1]
            t_anchor.append(t)
            s_anchor.append(s)
    start_s = spans[0][0] - 0.02
    end_s = spans[-1][3] + 0.03
    n_frames = max(2, math.ceil((end_s - start_s) / _FRAME_S) + 1)
    frame_t = start_s + np.arange(n_frames) * _FRAME_S
    src_t = np.interp(frame_t, t_anchor, s_anchor)

    x = spoken.samples
    f0, t_axis = pw.dio(x, fs, f0_floor=60.0, f0_ceil=500.0, frame_period=_FRAME_S * 1000)
    f0 = pw.stonemask(x, f0, t_axis, fs)
    sp = pw.cheaptrick(x, f0, t_axis, fs)
    ap = pw.d4c(x, f0, t_axis, fs)
    idx = np.clip(np.round(src_t / _FRAME_S).astype(np.int64), 0, len(f0) - 1)
    sp_new = np.ascontiguousarray(sp[idx])
    ap_new = np.ascontiguousarray(ap[idx])
    voiced_src = f0[idx] > 0

    # melody f0 in semitones, with glides and vibrato
    target = np.full(n_frames, np.nan)
    in_vowel = np.zeros(n_frames, dtype=bool)
    gain = np.zeros(n_frames)
    for syl, span in zip(syls, spans, strict=True):
        sel = (frame_t >= span[0]) & (frame_t < span[3])
        gain[sel] = 1.0
        in_vowel |= (frame_t >= span[1]) & (frame_t < span[2])
        for i, note in enumerate(syl.notes):
            n0 = score.seconds_at(note.start_beat) if i else span[0]
            n1 = score.seconds_at(note.end_beat) if i + 1 < len(syl.notes) else span[3]
            target[(frame_t >= n0) & (frame_t < n1)] = note.pitch
    # articulation: a short dip just before each syllable's vowel, so its onset is heard on the note
    for span in spans[1:]:
        gain[(frame_t >= span[1] - 0.03) & (frame_t < span[1])] *= 0.35
    # fill NaN (gaps) with neighbours so glides are smooth
    valid = ~np.isnan(target)
    if not valid.any():
        return _Rendered(0.0, np.zeros(0))
    target = np.interp(np.arange(n_frames), np.flatnonzero(valid), target[valid])
    alpha = 1.0 - math.exp(-_FRAME_S / 0.025)
    smooth = np.empty_like(target)
    acc = target[0]
    for i, value in enumerate(target):
        acc += alpha * (value - acc)
        smooth[i] = acc
    vib = np.zeros(n_frames)
    for note in phrase.notes:
        n0, n1 = score.seconds_at(note.start_beat), score.seconds_at(note.end_beat)
        if n1 - n0 < 0.4:
            continue
        sel = (frame_t >= n0) & (frame_t < n1)
        local = frame_t[sel] - n0
        ramp = np.clip((local - 0.15) / 0.3, 0.0, 1.0)
        phase = rng.uniform(0, 2 * math.pi)
        vib[sel] = 0.25 * ramp * np.sin(2 * math.pi * 5.5 * local + phase)
    f0_new = 440.0 * 2.0 ** ((smooth + vib - 69.0) / 12.0)
    voiced = (voiced_src | in_vowel) & (gain > 0)
    f0_new = np.where(voiced, f0_new, 0.0)
    y = pw.synthesize(np.ascontiguousarray(f0_new), sp_new, ap_new, fs, frame_period=_FRAME_S * 1000)
    # gain envelope (silent rests), 10 ms ramps
    ramp_frames = 2
    kernel = np.ones(2 * ramp_frames + 1) / (2 * ramp_frames + 1)
    gain = np.convolve(gain, kernel, mode="same")
    sample_gain = np.interp(np.arange(len(y)) / fs, np.arange(n_frames) * _FRAME_S, gain)
    y = y * sample_gain
    return _Rendered(start_s, y)


def _breath(fs: int, duration_s: float, rng: np.random.Generator) -> FloatArray:
    n = max(1, int(duration_s * fs))
    noise = rng.standard_normal(n)

    # crude band-pass: difference of moving averages (≈ 500 Hz – 4 kHz)
    def smooth(x: FloatArray, width: int) -> FloatArray:
        return np.convolve(x, np.ones(width) / width, mode="same")

    band = smooth(noise, max(1, fs // 8000)) - smooth(noise, max(2, fs // 500))
    env = np.sin(np.linspace(0, math.pi, n)) ** 2
    result: FloatArray = 0.02 * band * env
    return result


def render_phrases(
    score: Score, phrases: list[Phrase], *, gender: str, rng: np.random.Generator
) -> tuple[FloatArray, int]:
    """Mono singing of ``phrases`` on the song's timeline at the voice's native rate."""
    unique: dict[tuple[object, ...], int] = {}
    keys: list[tuple[object, ...]] = []
    order: list[Phrase] = []
    for phrase in phrases:
        t0 = score.seconds_at(phrase.notes[0].start_beat)
        key: tuple[object, ...] = tuple(
            (
                round(score.seconds_at(n.start_beat) - t0, 4),
                round(score.seconds_at(n.end_beat) - t0, 4),
                n.pitch,
                n.syllable,
                n.phonemes,
                n.word_index - phrase.notes[0].word_index,
            )
            for n in phrase.notes
        )
        keys.append(key)
        if key not in unique:
            unique[key] = len(order)
            order.append(phrase)
    spoken = speak_phrases([_words_of(_syllables_of(p)) for p in order], gender=gender)
    fs = spoken[0].sample_rate_hz if spoken else 16_000
    total = round(score.duration_s * fs)
    out = np.zeros(total)
    rendered = [_render_one(p, s, score, rng) for p, s in zip(order, spoken, strict=True)]
    previous_end = -10.0
    for phrase, key in zip(phrases, keys, strict=True):
        base = rendered[unique[key]]
        if base.samples.size == 0:
            continue
        offset_s = score.seconds_at(phrase.notes[0].start_beat) - score.seconds_at(
            order[unique[key]].notes[0].start_beat
        )
        start_s = base.start_s + offset_s
        if start_s - previous_end >= 0.4 and not phrase.backing:
            breath = _breath(fs, min(0.3, start_s - previous_end - 0.1), rng)
            b0 = round((start_s - len(breath) / fs) * fs)
            _add(out, breath, b0)
        _add(out, base.samples, round(start_s * fs))
        previous_end = start_s + base.samples.size / fs
    return out, fs


def _add(out: FloatArray, samples: FloatArray, start: int) -> None:
    if start < 0:
        samples = samples[-start:]
        start = 0
    end = min(out.size, start + samples.size)
    if end > start:
        out[start:end] += samples[: end - start]
