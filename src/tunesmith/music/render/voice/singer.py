"""Speech → singing: Festival speech time-warped onto the notes and re-pitched by a vocoder.

Per phrase (the notes of one lyric line, lead or backing):

1. Festival speaks the phrase's syllables (see :mod:`.festival`), giving phone timings. All
   distinct phrase texts of a song (lead and backing) are spoken in one go, in two processes.
2. Each syllable is mapped onto its notes: onset consonants are placed *before* the note so the
   vowel starts on it (in the gap the melody leaves before the note for them, see
   ``compose.melody._room_for_onsets``, plus at most 40 % of the previous note); the vowel is stretched to
   fill the note(s); coda consonants close it before the next onset. Consonants stretch with
   their syllable (by the note-to-spoken length ratio, at most 2×): the ablation in
   ``bench/bench_singer_ablation.py`` measured that stretching only vowels loses far more words
   (PocketSphinx) than stretching whole syllables. Rests are silent.
3. The speech is analysed once per distinct text at 16 kHz (:mod:`.vocoder`: a cepstrally smoothed
   spectral envelope per 5 ms frame; voicing comes from Festival's phone labels, so unvoiced
   consonants stay noise); envelope frames are interpolated onto the sung timeline (once per
   distinct text-and-timing, shared by the lead and its harmonies) and f0 is the melody: exact
   note pitches with a 25 ms glide between notes (legato) and a 5.5 Hz, ±25 cent vibrato fading in
   on notes longer than 0.4 s. Frames inside a vowel are always voiced.
4. A short breath (filtered noise) precedes phrases that follow a rest of 0.4 s or more.

Identical phrases (same syllables, relative timing and pitches: repeated choruses) are rendered
once and reused. Everything is rendered at 16 kHz; :func:`.render.render_vocals` resamples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter, resample_poly

from tunesmith.music.lyrics.phonemes import syllabify_words
from tunesmith.music.lyrics.words import Word
from tunesmith.music.render.voice import vocoder
from tunesmith.music.render.voice.festival import Phone, SpokenPhrase, speak_phrases
from tunesmith.music.score import Score, VocalNote

__all__ = ["Phrase", "render_parts", "split_phrases"]

_FRAME_S = vocoder.FRAME_S
# level of the 30 ms before each vowel: deeper dips help onset detection but measured less
# intelligible (PocketSphinx, slt: dip 0.35 / 1.0 → WER 0.84 / 0.76 on 8 lines; 0.6 / 1.0 → 0.89 / 0.85
# on 20 lines); 0.8 dropped the female onset hit rate in tests/music/voice below 0.8, so 0.6. With
# the melody's onset room, 0.8 measured f 0.503 / m 0.476 vs 0.504 / 0.487 (bench, seeds 1-5): noise
_DIP_GAIN = 0.6
# onset/coda consonants stretch with their syllable, at most this much (1.5 measured bench_singer
# WER f 0.509 / m 0.520 vs 0.504 / 0.487, melody seeds 1-5, with the melody's onset room)
_CONSONANT_STRETCH_MAX = 2.0
_CODA_SHARE = 0.5  # a coda takes at most this share of its syllable's sung time
# an onset may borrow at most this share of the previous note. Borrowing more unsqueezes the onsets
# of syllables sung shorter than spoken (time-warped speech with its own f0, bench lines, seeds
# 1-3: WER f 0.65 → 0.55 with 0.6, 0.51 with 0.7; m 0.61 → 0.48 with 0.7), and bench_singer's sung
# stem gave f 0.712 → 0.597, m 0.585 → 0.595 with 0.6 — but the consonant then fills the previous
# note's middle: only 82 % of the female notes' middles stayed voiced (acceptance: ≥ 85 %; 87 % with
# 0.4), and 0.6 for voiced onsets only (m, n, l, r, v, z …) gave f 0.688 with 7 % of the notes'
# middles off by > 50 cents (the next note's pitch arrives early). So 0.4 stays. Since the melody
# leaves a gap before a consonant onset (compose.melody._room_for_onsets) the sung rhythm no longer
# squeezes them as much (bench_singer WER, melody seeds 1-5, with the melody's vowel-to-vowel gaps and
# word-end caps too: f 0.672 → 0.504, m 0.598 → 0.487); 0.6 then measured f 0.530 / m 0.510 vs
# 0.535 / 0.503 (before the word-end caps): no gain.
_ONSET_BORROW = 0.4
# spoken onset consonants (codas) longer than this are squeezed to it before stretching; 0.25 / 0.2 s
# measured the same WER (bench lines, seeds 1-3: f 0.660 / m 0.665 vs 0.663 / 0.656)
_ONSET_MAX_S = 0.15
_CODA_MAX_S = 0.12
_VIBRATO_SEMITONES = 0.25  # vibrato depth (± semitones) on notes ≥ 0.4 s
_FS = vocoder.SAMPLE_RATE_HZ
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


_VOICED_CONSONANTS = frozenset(
    ["b", "d", "dh", "g", "jh", "l", "m", "n", "ng", "r", "v", "w", "y", "z", "zh"]
)
_VOICED_FRICATIVES = frozenset(["v", "dh", "z", "zh", "jh"])
_SILENT, _UNVOICED, _VOICED, _VOWEL, _VOICED_FRICATIVE = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class _Source:
    """One distinct spoken text, analysed: envelope and phone class per 5 ms frame."""

    envelope: FloatArray
    kind: npt.NDArray[np.int8]
    syllables: list[list[Phone]]


def _analyse_spoken(spoken: SpokenPhrase) -> _Source:
    x = spoken.samples
    if spoken.sample_rate_hz != _FS:
        g = math.gcd(spoken.sample_rate_hz, _FS)
        x = resample_poly(x, _FS // g, spoken.sample_rate_hz // g)
    envelope = _de_ess(vocoder.analyse(np.asarray(x, dtype=np.float64)))
    frames = envelope.shape[0]
    kind = np.zeros(frames, dtype=np.int8)
    centres = np.arange(frames) * _FRAME_S
    for syllable in spoken.syllables:
        for phone in syllable:
            if phone.is_vowel:
                value = _VOWEL
            elif phone.name in _VOICED_FRICATIVES:
                value = _VOICED_FRICATIVE
            elif phone.name in _VOICED_CONSONANTS:
                value = _VOICED
            elif phone.name == "pau":
                continue
            else:
                value = _UNVOICED
            kind[(centres >= phone.start_s) & (centres < phone.end_s)] = value
    return _Source(envelope, kind, [s for s in spoken.syllables if s])


# the de-esser turns the sibilant band down by at most this factor (−10 dB); without it (1.0) the
# bench lines measured no better (WER f 0.683 / m 0.708 vs 0.719 / 0.694, seeds 1-3)
_DE_ESS_FLOOR = 0.316
_SIBILANT_BINS = np.linspace(0.0, _FS / 2, vocoder.BINS) >= 5000.0


def _de_ess(envelope: FloatArray) -> FloatArray:
    """Spectral de-esser on the analysed speech: where the > 5 kHz band holds more than 45 % of a
    frame's amplitude (sibilants), that band is turned down to bring it to 45 %, by at most 10 dB.
    Done once per distinct text on 5 ms frames, it replaces a time-domain de-esser on the stem."""
    amplitude = np.exp(envelope)
    ratio = amplitude[:, _SIBILANT_BINS].sum(axis=1) / (amplitude.sum(axis=1) + 1e-12)
    gain = np.clip(0.45 / np.maximum(ratio, 1e-9), _DE_ESS_FLOOR, 1.0)
    out = envelope.copy()
    out[:, _SIBILANT_BINS] += np.log(gain)[:, None]
    return out


@dataclass(frozen=True)
class _Plan:
    """A phrase's text on its timing (pitch-independent): shared by the lead and its harmonies."""

    start_s: float
    frame_t: FloatArray
    envelope: FloatArray
    aperiodicity: FloatArray
    voiced_src: npt.NDArray[np.bool_]
    in_vowel: npt.NDArray[np.bool_]
    gain: FloatArray
    spans: list[tuple[float, float, float, float]]
    src_pos: FloatArray
    """Source frame index (fractional) each sung frame reads: the time warp itself."""
    origin_s: float
    """Song time of the first note of the phrase the plan was made for. The plan's times are
    absolute for that phrase; a repeat of the same text and timing elsewhere is shifted by
    ``origin_s - its own start``."""


_FREQS = np.linspace(0.0, _FS / 2, vocoder.BINS)
_AP_VOICED = np.clip(0.04 + 0.5 * (_FREQS / (_FS / 2)) ** 2, 0.0, 1.0)
_AP_FRICATIVE = np.where(_FREQS < 1500.0, 0.3, 0.95)


def _plan(phrase: Phrase, source: _Source, score: Score) -> _Plan | None:
    syls = _syllables_of(phrase)
    src_syls = source.syllables
    if not src_syls or not syls:
        return None
    # map our syllables onto Festival's (1:1 normally; proportional when counts differ)
    mapped = [src_syls[min(len(src_syls) - 1, i * len(src_syls) // len(syls))] for i in range(len(syls))]
    times = [(score.seconds_at(s.notes[0].start_beat), score.seconds_at(s.notes[-1].end_beat)) for s in syls]
    parts = [_syllable_parts(p) for p in mapped]
    # consonants stretch with their syllable (up to _CONSONANT_STRETCH_MAX): measured with
    # PocketSphinx, stretching only the vowel lost far more words than stretching the syllable
    stretch = [
        min(_CONSONANT_STRETCH_MAX, max(1.0, (b - a) / max(0.05, s1 - v0)))
        for (a, b), (_s0, v0, _v1, s1) in zip(times, parts, strict=True)
    ]
    onsets: list[float] = []
    for k, ((a, _b), (s0, v0, _v1, _s1)) in enumerate(zip(times, parts, strict=True)):
        natural = min(_ONSET_MAX_S, max(0.0, v0 - s0)) * stretch[k]
        if k == 0:
            onsets.append(natural)
        else:
            pa, pb = times[k - 1]
            gap = max(0.0, a - pb)
            onsets.append(min(natural, gap + _ONSET_BORROW * (pb - pa)))
    t_anchor: list[float] = []
    s_anchor: list[float] = []
    spans: list[tuple[float, float, float, float]] = []  # target start, vowel start, vowel end, end
    for k, ((a, b), (s0, v0, v1, s1)) in enumerate(zip(times, parts, strict=True)):
        end = b
        if k + 1 < len(syls):
            end = min(b, times[k + 1][0] - onsets[k + 1])
        end = max(end, a + 0.03)
        coda = min(max(0.0, s1 - v1) * stretch[k], _CODA_SHARE * (end - a), _CODA_MAX_S * stretch[k])
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
    frame_t: FloatArray = start_s + np.arange(n_frames, dtype=np.float64) * _FRAME_S
    src_pos = np.clip(np.interp(frame_t, t_anchor, s_anchor) / _FRAME_S, 0, source.envelope.shape[0] - 1)
    i0 = np.floor(src_pos).astype(np.int64)
    i1 = np.minimum(i0 + 1, source.envelope.shape[0] - 1)
    w = (src_pos - i0)[:, None]
    envelope = source.envelope[i0] * (1.0 - w) + source.envelope[i1] * w
    kind = source.kind[np.round(src_pos).astype(np.int64)]
    aperiodicity = np.where((kind == _VOICED_FRICATIVE)[:, None], _AP_FRICATIVE[None, :], _AP_VOICED[None, :])
    in_vowel = np.zeros(n_frames, dtype=bool)
    gain = np.zeros(n_frames)
    for span in spans:
        gain[(frame_t >= span[0]) & (frame_t < span[3])] = 1.0
        in_vowel |= (frame_t >= span[1]) & (frame_t < span[2])
    # articulation: a short dip just before each syllable's vowel, so its onset is heard on the note
    for span in spans[1:]:
        gain[(frame_t >= span[1] - 0.03) & (frame_t < span[1])] *= _DIP_GAIN
    origin_s = score.seconds_at(phrase.notes[0].start_beat)
    return _Plan(
        start_s, frame_t, envelope, aperiodicity, kind >= _VOICED, in_vowel, gain, spans, src_pos, origin_s
    )


def _sing(plan: _Plan, phrase: Phrase, score: Score, rng: np.random.Generator) -> FloatArray:
    """The phrase's samples at 16 kHz, starting at ``plan.start_s`` (in the plan's frame of
    time: ``phrase`` may be a repeat of the plan's phrase, at another place in the song)."""
    syls = _syllables_of(phrase)
    shift_s = plan.origin_s - score.seconds_at(phrase.notes[0].start_beat)

    def at(beat: float) -> float:
        return score.seconds_at(beat) + shift_s

    frame_t = plan.frame_t
    n_frames = frame_t.size
    target = np.full(n_frames, np.nan)
    for syl, span in zip(syls, plan.spans, strict=True):
        for i, note in enumerate(syl.notes):
            n0 = at(note.start_beat) if i else span[0]
            n1 = at(note.end_beat) if i + 1 < len(syl.notes) else span[3]
            target[(frame_t >= n0) & (frame_t < n1)] = note.pitch
    valid = ~np.isnan(target)
    if not valid.any():
        return np.zeros(0)
    target = np.interp(np.arange(n_frames), np.flatnonzero(valid), target[valid])
    # legato: one-pole glide (25 ms) between note pitches, vectorised as an IIR filter
    alpha = 1.0 - math.exp(-_FRAME_S / 0.025)
    smooth = lfilter([alpha], [1.0, alpha - 1.0], target - target[0]) + target[0]
    vib = np.zeros(n_frames)
    for note in phrase.notes:
        n0, n1 = at(note.start_beat), at(note.end_beat)
        if n1 - n0 < 0.4:
            continue
        sel = (frame_t >= n0) & (frame_t < n1)
        local = frame_t[sel] - n0
        ramp = np.clip((local - 0.15) / 0.3, 0.0, 1.0)
        phase = rng.uniform(0, 2 * math.pi)
        vib[sel] = _VIBRATO_SEMITONES * ramp * np.sin(2 * math.pi * 5.5 * local + phase)
    f0 = 440.0 * 2.0 ** ((smooth + vib - 69.0) / 12.0)
    voiced = (plan.voiced_src | plan.in_vowel) & (plan.gain > 0)
    f0 = np.where(voiced, f0, 0.0)
    y = vocoder.synthesise(f0, plan.envelope, plan.aperiodicity, rng)
    # gain envelope (silent rests), 10 ms ramps
    kernel = np.ones(5) / 5.0
    gain = np.convolve(plan.gain, kernel, mode="same")
    sample_gain = np.interp(np.arange(y.size) / _FS, np.arange(n_frames) * _FRAME_S, gain)
    result: FloatArray = y * sample_gain
    return result


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


def _text_key(phrase: Phrase) -> tuple[tuple[tuple[str, ...], ...], ...]:
    return tuple(tuple(w) for w in _words_of(_syllables_of(phrase)))


def _timing_key(phrase: Phrase, score: Score) -> tuple[object, ...]:
    t0 = score.seconds_at(phrase.notes[0].start_beat)
    return tuple(
        (
            round(score.seconds_at(n.start_beat) - t0, 4),
            round(score.seconds_at(n.end_beat) - t0, 4),
            n.syllable,
            n.phonemes,
            n.word_index - phrase.notes[0].word_index,
        )
        for n in phrase.notes
    )


def render_parts(score: Score, *, gender: str, seed: int) -> tuple[dict[bool, FloatArray], int]:
    """Mono singing of the lead (key ``False``) and backing (``True``) parts on the song's
    timeline at 16 kHz; a part without notes is absent. Returns ``(parts, sample_rate_hz)``.

    Deterministic: each part draws vibrato phases, breaths and noise from
    ``default_rng([seed, 7, backing])``.
    """
    parts = {b: split_phrases(score.vocals, backing=b) for b in (False, True)}
    texts: dict[tuple[tuple[tuple[str, ...], ...], ...], int] = {}
    for phrases in parts.values():
        for phrase in phrases:
            texts.setdefault(_text_key(phrase), len(texts))
    if not texts:
        return {}, _FS
    spoken = speak_phrases([[list(w) for w in key] for key in texts], gender=gender)
    sources = [_analyse_spoken(s) for s in spoken]
    plans: dict[tuple[object, ...], _Plan | None] = {}
    total = round(score.duration_s * _FS)
    out: dict[bool, FloatArray] = {}
    for backing, phrases in parts.items():
        if not phrases:
            continue
        rng = np.random.default_rng([seed, 7, int(backing)])
        mono = np.zeros(total)
        rendered: dict[tuple[object, ...], tuple[float, FloatArray]] = {}
        previous_end = -10.0
        for phrase in phrases:
            text = _text_key(phrase)
            timing = _timing_key(phrase, score)
            t0 = score.seconds_at(phrase.notes[0].start_beat)
            key = (text, timing, tuple(n.pitch for n in phrase.notes))
            if key not in rendered:
                plan_key = (text, timing)
                if plan_key not in plans:
                    plans[plan_key] = _plan(phrase, sources[texts[text]], score)
                plan = plans[plan_key]
                if plan is None:
                    rendered[key] = (0.0, np.zeros(0))
                else:
                    rendered[key] = (plan.start_s - plan.origin_s, _sing(plan, phrase, score, rng))
            offset_s, samples = rendered[key]
            if samples.size == 0:
                continue
            start_s = t0 + offset_s
            if start_s - previous_end >= 0.4 and not backing:
                breath = _breath(_FS, min(0.3, start_s - previous_end - 0.1), rng)
                _add(mono, breath, round((start_s - len(breath) / _FS) * _FS))
            _add(mono, samples, round(start_s * _FS))
            previous_end = start_s + samples.size / _FS
        out[backing] = mono
    return out, _FS


def _add(out: FloatArray, samples: FloatArray, start: int) -> None:
    if start < 0:
        samples = samples[-start:]
        start = 0
    end = min(out.size, start + samples.size)
    if end > start:
        out[start:end] += samples[: end - start]
