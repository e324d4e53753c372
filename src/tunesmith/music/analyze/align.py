"""Lyric alignment: word-level times of given lyrics in a (separated) vocal, by forced alignment.

The recogniser is PocketSphinx (BSD) with the US-English acoustic model and dictionary that ship
inside its wheel, so nothing is downloaded. :func:`align_lyrics` takes a vocal — an isolated
vocal stem or the vocal estimate of
:func:`~tunesmith.music.analyze.separate.separate_vocals` — and :func:`align_lyrics_in_mix`
separates a mix first.

Front end (what the recogniser hears), all deterministic:

1. Resampled to 16 kHz (the acoustic model's rate). On stereo input only the centre of the stereo
   image is kept (bins whose left/right magnitudes differ by less than :data:`CENTRE_BALANCE`):
   lead vocals are mixed to the centre, and what a separation leaves of panned instruments goes.
   Mono input is unchanged by this step.
2. Band-limited to :data:`VOICE_BAND_HZ`.
3. Gated: 16-ms frames whose energy lies below the midpoint (in dB) between the quiet floor (10th
   percentile) and the loud level (95th percentile) are silenced, then a fixed, seeded dither is
   added. The forced aligner must account for every frame, and without the gate the accompaniment
   that leaks between sung lines is "explained" by stretched words; with it, those frames match
   PocketSphinx's silence model.

Words come from the lyrics as written: section tags (``[Verse]``) and blank lines are skipped;
each whitespace-separated token is one output word, keeping its trailing space, or ``\\n`` at the
end of its line (the wire form of ``sonic/aligned-lyrics``). A token is spoken as the words of
:func:`~tunesmith.music.lyrics.words.words_of_line` ("24/7" → "twenty four seven"). Words missing
from PocketSphinx's dictionary get a pronunciation from
:func:`~tunesmith.music.lyrics.phonemes.phonemes_for_words` (CMUdict, then espeak-ng letter to
sound, then spelling rules).

``p_align`` (0..1) of a word is PocketSphinx's word confidence times the share of the word's frames
that passed the gate (a word stretched over silence is a guess). ``success`` is true when the word
was placed by the recogniser with ``p_align`` ≥ :data:`MIN_P_ALIGN`.

Measured (2026-11-26) on 24 songs of our own singer re-uploaded as WAV: the six 15-s songs of
:data:`~tunesmith.music.analyze.evalset.SUNG_CASES` rendered by two versions of the singer, six
more 15-s songs (other seeds and lyrics) and six 25-s songs of four lines (other styles, held out
while the method was chosen). Mean absolute word-start error of the three-view vote: 0.24 s;
keeping whole the view with the higher mean ``p_align`` gave 0.40 s; single views: the separated
vocal 0.87 s, the mix's centre 0.59 s, the blend 0.26 s. On the isolated vocal stem: 0.14 s.

Songs with a chorus after an instrumental fill (2026-11-26, ``bench/eval_analysis.py --songs``
and the tuning set): every view pulls whole lines seconds early into the fill, or a line late,
which the vote cannot fix. Fitting lines in order onto the voice's phrases
(:func:`fit_lines_to_phrases`) and aligning each line again in its own window
(:func:`_realign_lines`) took the six held-out 30–55-s verse+chorus songs of
:data:`~tunesmith.music.analyze.evalset.CHORUS_REPORTED_CASES` from 0.83 s (worst 2.35 s) to
0.22 s (worst 0.43 s), nine of the ten tuning songs from 1.77 s to 0.27 s (a fast punk song the
recogniser fails in every view: 7.7 → 4.7 s), and the six 15-s songs from 0.27 s to 0.08 s.
Counting the rest of a phrase a line ends inside as unsung (``line_fit._Voice.tail_s``; same
separated vocals): reported songs 0.195 → 0.149 s (worst 0.366 → 0.297 s), 15-s songs unchanged
(0.079 s), tuning songs 0.386 → 0.389 s (r&b 0.53 → 0.50, folk 0.16 → 0.22 s).
The numbers move with the singer and the separation.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tunesmith.errors import InvalidParameter
from tunesmith.music.analyze.line_fit import (
    MIN_VOICE_SHIFT_S,
    VOICE_REACH_S,
    fit_lines_to_phrases,
    fit_lines_to_voice,
    in_order,
    line_bounds,
)
from tunesmith.music.analyze.word_alignment import WordAlignment
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.lyrics.phonemes import phonemes_for_words
from tunesmith.music.lyrics.words import words_of_line

__all__ = [
    "MIN_P_ALIGN",
    "MIN_VOICE_SHIFT_S",
    "VOICE_REACH_S",
    "WordAlignment",
    "align_lyrics",
    "align_lyrics_in_mix",
    "lyric_tokens",
    "mean_start_error_s",
]

RATE_HZ = 16_000
"""The acoustic model's sample rate (Hz)."""

FRAME_S = 0.01
"""PocketSphinx's frame rate: one frame per 10 ms."""

N_FFT = 1024
HOP = 256
"""Front-end STFT size and hop at 16 kHz (64 ms window, 16 ms hop)."""

VOICE_BAND_HZ = (150.0, 4000.0)
"""The band kept for the recogniser (Hz)."""

CENTRE_BALANCE = 0.2
"""Largest |L−R|/(L+R) magnitude balance of a bin kept by the centre extraction (0..1)."""

MIN_P_ALIGN = 0.3
"""Words with ``p_align`` below this are reported with ``success`` false."""

LONG_AUDIO_S = 75.0
"""Longer audio is aligned with the middle gate of :data:`GATES` only (a third of the time)."""

AGREEMENT_S = 0.25
"""Two alignments agree on a word when their starts differ by at most this (s)."""

BLEND_MIX_SHARE = 0.25
"""Share of the mix added under the separated vocal in the blended view of
:func:`align_lyrics_in_mix` (0.25: the mix 12 dB down)."""

MAX_LYRIC_CHARS = 20_000
"""Longest lyrics accepted (characters)."""

VOICE_SHARE_DB = 10.0
"""A front-end frame holds voice when the separated vocal carries at least this share of the
mix's voice-band energy (dB below the mix) ..."""

VOICE_LEVEL_DB = 20.0
"""... and the separated vocal is at most this far (dB) below its own loud level (95th
percentile of frame levels)."""

VOICE_CLOSE_S = 0.08
"""Unvoiced gaps shorter than this inside voice are filled (s)."""

VOICE_MIN_RUN_S = 0.16
"""Voiced runs shorter than this (leaked instruments, clicks) are dropped (s)."""

_MODEL_PHONES = frozenset(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH".split()  # noqa: SIM905, E501
)
_SECTION_TAG = re.compile(r"^\s*\[[^\]]*\]\s*$")
_DICT_WORD = re.compile(r"^[a-z][a-z']*$")
_FILLERS = frozenset({"<s>", "</s>", "<sil>", "(NULL)", "[NOISE]", "<unk>"})

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Token:
    word: str  # wire form, with trailing " " or "\n"
    spoken: tuple[str, ...]  # lower-case spoken words (may be empty: emoji, punctuation)


def lyric_tokens(lyrics: str) -> list[tuple[str, list[str]]]:
    """The output words of ``lyrics``: ``(word with trailing " " or "\\n", spoken words)``.

    Section tags and blank lines are skipped; ``[Instrumental]`` gives ``[]``. Never raises.
    """
    return [(t.word, list(t.spoken)) for t in _tokens(lyrics)]


def _tokens(lyrics: str) -> list[_Token]:
    out: list[_Token] = []
    for line in lyrics.splitlines():
        if not line.strip() or _SECTION_TAG.match(line):
            continue
        parts = line.split()
        for j, part in enumerate(parts):
            spoken = tuple(w.spoken for w in words_of_line(part))
            out.append(_Token(part + ("\n" if j + 1 == len(parts) else " "), spoken))
    return out


def _validate(lyrics: object) -> str:
    if not isinstance(lyrics, str):
        raise InvalidParameter("lyrics must be a string.", field="lyrics")
    if len(lyrics) > MAX_LYRIC_CHARS:
        raise InvalidParameter(f"lyrics must be at most {MAX_LYRIC_CHARS} characters.", field="lyrics")
    return lyrics


# ----- front end --------------------------------------------------------------------------------


GATES: tuple[tuple[str, float], ...] = (("percentile", 30.0), ("midpoint", 10.0), ("percentile", 40.0))
"""The frame gates of the ensemble: ``("percentile", q)`` opens frames louder than the q-th
percentile of frame levels (dB); ``("midpoint", q)`` opens frames louder than the midpoint between
the q-th and the 95th percentile. Each gives one alignment; a word's time is their median."""


def _centre_spectrum(audio: AudioBuffer) -> tuple[npt.NDArray[np.complex128], int]:
    """The band-limited centre-channel STFT of ``audio`` at 16 kHz, and the length in samples."""
    import librosa
    import soxr

    channels = np.asarray(audio.samples, dtype=np.float64)
    if audio.sample_rate_hz != RATE_HZ:
        channels = np.atleast_2d(soxr.resample(channels.T, audio.sample_rate_hz, RATE_HZ).T)
    specs = [librosa.stft(c, n_fft=N_FFT, hop_length=HOP) for c in channels[:2]]
    if len(specs) == 2:
        left, right = np.abs(specs[0]), np.abs(specs[1])
        balance = np.abs(left - right) / (left + right + 1e-12)
        spec = (specs[0] + specs[1]) / 2 * (balance < CENTRE_BALANCE)
    else:
        spec = specs[0]
    freqs = librosa.fft_frequencies(sr=RATE_HZ, n_fft=N_FFT)
    band = (freqs >= VOICE_BAND_HZ[0]) & (freqs <= VOICE_BAND_HZ[1])
    return spec * band[:, None], int(channels.shape[1])


def _gate(level_db: FloatArray, kind: str, q: float) -> npt.NDArray[np.bool_]:
    """Open STFT frames (see :data:`GATES`); everything is open when levels span < 6 dB."""
    from scipy.ndimage import median_filter

    loud_db = float(np.percentile(level_db, 95))
    if loud_db - float(np.percentile(level_db, 10)) < 6.0:  # steady noise or a constant voice
        return np.ones(level_db.size, dtype=bool)
    low_db = float(np.percentile(level_db, q))
    threshold = (low_db + loud_db) / 2 if kind == "midpoint" else low_db
    out: npt.NDArray[np.bool_] = median_filter(level_db > threshold, size=3, mode="nearest")
    return out


def _front_ends(audio: AudioBuffer) -> tuple[list[FloatArray], FloatArray]:
    """(one 16-kHz signal per gate of :data:`GATES`, the per-10-ms-frame share of gates open)."""
    import librosa

    spec, length = _centre_spectrum(audio)
    level_db = 10 * np.log10(np.sum(np.abs(spec) ** 2, axis=0) + 1e-12)
    dither = 3e-4 * np.random.default_rng(0).standard_normal(length)
    signals: list[FloatArray] = []
    opens: list[npt.NDArray[np.bool_]] = []
    for kind, q in GATES:
        open_frames = _gate(level_db, kind, q)
        opens.append(open_frames)
        signal = librosa.istft(spec * open_frames[None, :], hop_length=HOP, length=length)
        peak = float(np.max(np.abs(signal))) if signal.size else 0.0
        if peak > 1e-9:
            signal = signal * (0.9 / peak)
        signals.append((signal + dither).astype(np.float64))
    frame_times = np.arange(round(length / RATE_HZ / FRAME_S) + 1) * FRAME_S
    stft_times = (np.arange(level_db.size) * HOP) / RATE_HZ
    share = np.interp(frame_times, stft_times, np.mean(opens, axis=0))
    return signals, share.astype(np.float64)


# ----- the recogniser ---------------------------------------------------------------------------

_decoder_lock = threading.Lock()
_WIDE_BEAMS = {"beam": 1e-100, "pbeam": 1e-100, "wbeam": 1e-80}


class _Decoders:
    """The PocketSphinx decoders of one alignment call, default and wide beams, made on first use
    (loading the model takes about a second). Fresh per call: a reused decoder's confidences drift
    slightly with what it decoded before, and results must be deterministic."""

    def __init__(self) -> None:
        self._made: dict[bool, Any] = {}

    def get(self, wide: bool) -> Any:
        import pocketsphinx

        if wide not in self._made:
            beams: dict[str, float] = _WIDE_BEAMS if wide else {}
            self._made[wide] = pocketsphinx.Decoder(
                samprate=RATE_HZ, logfn="/dev/null", bestpath=False, **beams
            )
        return self._made[wide]


def _run_decoder(
    decoders: _Decoders,
    signal: FloatArray,
    keys: list[str],
    extra: dict[str, list[str]],
    *,
    wide_retry: bool = True,
) -> list[tuple[str, int, int, float]] | None:
    """Forced alignment of dictionary ``keys`` in ``signal`` (whole-utterance processing, so no
    CMN state is used): (key, first frame, last frame, confidence) per word, or None when no
    alignment exists (retried with wide beams when ``wide_retry``). Call under
    :data:`_decoder_lock`."""
    pcm = (np.clip(signal, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
    for wide in (False, True) if wide_retry else (False,):
        decoder = decoders.get(wide)
        missing = [(k, p) for k, p in extra.items() if not decoder.lookup_word(k)]
        for n, (key, phones) in enumerate(missing):
            decoder.add_word(key, " ".join(phones), n + 1 == len(missing))
        decoder.set_align_text(" ".join(keys))
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        segments = decoder.seg()
        if segments is None:
            continue
        out = [
            (s.word, int(s.start_frame), int(s.end_frame), float(s.prob))
            for s in segments
            if s.word not in _FILLERS
        ]
        if len(out) == len(keys):
            return out
    return None


def _dictionary(
    decoders: _Decoders, tokens: Sequence[_Token]
) -> tuple[list[str], list[int], dict[str, list[str]]]:
    """(dictionary keys in order, token index of each key, G2P entries to add); call under
    :data:`_decoder_lock`. Words PocketSphinx lacks get ARPAbet from
    :func:`~tunesmith.music.lyrics.phonemes.phonemes_for_words` (stress removed)."""
    probe = decoders.get(False)
    spoken = sorted({w for t in tokens for w in t.spoken})
    unknown = [w for w in spoken if not (_DICT_WORD.match(w) and probe.lookup_word(w))]
    g2p = dict(zip(unknown, phonemes_for_words(unknown), strict=True)) if unknown else {}
    extra: dict[str, list[str]] = {}
    keys: list[str] = []
    owners: list[int] = []
    for i, token in enumerate(tokens):
        for word in token.spoken:
            if word in g2p:
                phones = [p.rstrip("012") for p in g2p[word]]
                phones = [p for p in phones if p in _MODEL_PHONES]
                if not phones:
                    continue
                # A key PocketSphinx accepts, fixed by the pronunciation (so reused decoders agree).
                key = (
                    word
                    if _DICT_WORD.match(word)
                    else "oov" + hashlib.md5(" ".join(phones).encode()).hexdigest()[:12]
                )
                extra.setdefault(key, phones)
            else:
                key = word
            keys.append(key)
            owners.append(i)
    return keys, owners, extra


# ----- public -----------------------------------------------------------------------------------


def _ensemble(
    decoders: _Decoders, signals: Sequence[FloatArray], keys: list[str], extra: dict[str, list[str]]
) -> list[list[tuple[str, int, int, float]]]:
    """The alignments of ``keys`` in each front-end signal that could be aligned. The middle gate
    goes first (with the wide-beam retry); when it fails the others are not tried (they fail
    alike, and a failed alignment of a long song costs as much as a good one); audio longer than
    :data:`LONG_AUDIO_S` is aligned with the middle gate only."""
    middle = len(signals) // 2
    first = _run_decoder(decoders, signals[middle], keys, extra)
    if first is None:
        return []
    runs = [first]
    if signals[middle].size <= LONG_AUDIO_S * RATE_HZ:
        for i, signal in enumerate(signals):
            if i != middle:
                run = _run_decoder(decoders, signal, keys, extra, wide_retry=False)
                if run is not None:
                    runs.append(run)
    return runs


def _longest_aligned_prefix(
    decoders: _Decoders,
    signals: Sequence[FloatArray],
    tokens: Sequence[_Token],
    owners: Sequence[int],
    keys: list[str],
    extra: dict[str, list[str]],
) -> list[str]:
    """The keys of the longest prefix of whole lyric lines that aligns in the middle gate's signal
    (binary search over line counts, assuming a prefix that aligns has aligning prefixes); ``[]``
    when not even the first line aligns."""
    line_ends = [i + 1 for i, t in enumerate(tokens) if t.word.endswith("\n")][:-1]
    best: list[str] = []
    low, high = 0, len(line_ends) - 1
    while low <= high:
        middle = (low + high) // 2
        prefix = [k for k, owner in zip(keys, owners, strict=True) if owner < line_ends[middle]]
        middle_signal = signals[len(signals) // 2]
        if prefix and _run_decoder(decoders, middle_signal, prefix, extra, wide_retry=False) is not None:
            best, low = prefix, middle + 1
        else:
            high = middle - 1
    return best


def _unaligned(tokens: Sequence[_Token]) -> list[WordAlignment]:
    return [WordAlignment(t.word, 0.0, 0.0, 0.0, False) for t in tokens]


def align_lyrics(vocal: AudioBuffer, lyrics: str) -> list[WordAlignment]:
    """Word times of ``lyrics`` sung in ``vocal`` (any rate and channel count), in lyric order.

    ``vocal`` is an isolated vocal, or a stereo mix with the lead voice in the centre (see
    :func:`align_lyrics_in_mix`). One :class:`WordAlignment` per written word (see
    :func:`lyric_tokens`); ``[]`` when the lyrics hold no words (empty, tags only,
    ``[Instrumental]``). When nothing can be aligned — silent or too short audio, or lyrics with no
    pronounceable word (emoji only) — every word comes back with ``success`` false and zero times;
    never raises for content. Non-string or over-long (> :data:`MAX_LYRIC_CHARS`) lyrics raise
    :class:`~tunesmith.errors.InvalidParameter` naming ``lyrics``. Deterministic.

    Each gate of :data:`GATES` gives one forced alignment; a word's start and end are the medians
    over the alignments that succeeded, and ``p_align`` is PocketSphinx's mean word confidence ×
    the share of the word's frames the gates kept open × the share of alignments that agree on its
    start within :data:`AGREEMENT_S`.

    Words written in other languages get espeak-ng's pronunciation mapped to English phones, so
    they are placed approximately, with the English acoustic model's lower confidence.
    """
    tokens = _tokens(_validate(lyrics))
    if not tokens:
        return []
    return _align_tokens(vocal, tokens, _Decoders())


def _align_tokens(vocal: AudioBuffer, tokens: Sequence[_Token], decoders: _Decoders) -> list[WordAlignment]:
    """:func:`align_lyrics` of ``tokens`` (at least one) with ``decoders``."""
    if vocal.frames < vocal.sample_rate_hz // 2 or float(np.max(np.abs(vocal.samples))) < 1e-4:
        return _unaligned(tokens)
    signals, share_open = _front_ends(vocal)
    runs: list[list[tuple[str, int, int, float]]] = []
    with _decoder_lock:  # bounds memory and CPU when many requests align at once
        keys, owners, extra = _dictionary(decoders, tokens)
        if not keys:
            return _unaligned(tokens)
        runs = _ensemble(decoders, signals, keys, extra)
        if not runs:
            # Lyrics may run past what is sung (the song ends first, a verse is left out): align
            # the longest prefix of whole lines that fits; the rest is reported unplaced.
            keys = _longest_aligned_prefix(decoders, signals, tokens, owners, keys, extra)
            runs = _ensemble(decoders, signals, keys, extra) if keys else []
    if not runs:
        return _unaligned(tokens)
    first = np.array([[seg[1] for seg in run] for run in runs], dtype=np.float64)  # runs × keys
    last = np.array([[seg[2] for seg in run] for run in runs], dtype=np.float64)
    conf = np.array([[seg[3] for seg in run] for run in runs], dtype=np.float64)
    start_f = np.median(first, axis=0)
    end_f = np.maximum(np.median(last, axis=0), start_f)
    agree = np.mean(np.abs(first - start_f[None, :]) * FRAME_S <= AGREEMENT_S, axis=0)
    confidence = np.clip(np.mean(conf, axis=0), 0.0, 1.0)
    by_token: dict[int, list[int]] = {}
    for k, owner in enumerate(owners[: len(keys)]):
        by_token.setdefault(owner, []).append(k)
    duration_s = vocal.duration_s
    n_frames = share_open.size
    out: list[WordAlignment] = []
    previous_end = 0.0
    for i, token in enumerate(tokens):
        ks = by_token.get(i)
        if not ks:  # nothing pronounceable: sits at the previous word's end
            out.append(WordAlignment(token.word, previous_end, previous_end, 0.0, False))
            continue
        f0, f1 = int(min(start_f[ks])), int(max(end_f[ks]))
        start_s = min(duration_s, max(previous_end, f0 * FRAME_S))
        end_s = min(duration_s, max(start_s, (f1 + 1) * FRAME_S))
        voiced = float(np.mean(share_open[min(f0, n_frames - 1) : max(min(f1 + 1, n_frames), f0 + 1)]))
        p_align = round(float(np.mean(confidence[ks]) * np.mean(agree[ks])) * voiced, 4)
        out.append(WordAlignment(token.word, start_s, end_s, p_align, p_align >= MIN_P_ALIGN))
        previous_end = end_s
    return out


def _blend(vocal: AudioBuffer, mix: AudioBuffer) -> AudioBuffer:
    """``vocal`` plus :data:`BLEND_MIX_SHARE` × ``mix`` (the vocal's rate, length and channels;
    ``mix`` is resampled when its rate differs)."""
    import soxr

    bed = np.asarray(mix.samples, dtype=np.float64)
    if mix.sample_rate_hz != vocal.sample_rate_hz:
        bed = np.atleast_2d(soxr.resample(bed.T, mix.sample_rate_hz, vocal.sample_rate_hz).T)
    out = np.array(vocal.samples, dtype=np.float64)
    frames = min(out.shape[1], bed.shape[1])
    if bed.shape[0] != out.shape[0]:
        bed = np.repeat(bed.mean(axis=0, keepdims=True), out.shape[0], axis=0)
    out[:, :frames] += BLEND_MIX_SHARE * bed[:, :frames]
    return AudioBuffer.from_array(out.astype(np.float32), vocal.sample_rate_hz)


def _mean_p(words: Sequence[WordAlignment]) -> float:
    return float(np.mean([w.p_align for w in words]))


def _vote(views: Sequence[Sequence[WordAlignment]]) -> list[WordAlignment]:
    """Word-by-word majority of three or more alignments of the same lyrics: each word's start
    and end are the medians over the views, kept in order; its ``p_align`` is the mean over the
    views whose start agrees with the median within :data:`AGREEMENT_S`, times the share of views
    that agree. Views that placed no word (a failed alignment) do not vote; with fewer than three
    left, the one with the highest mean ``p_align`` is returned."""
    voting = [v for v in views if any(w.success for w in v)]
    if len(voting) < 3:
        candidates: Sequence[Sequence[WordAlignment]] = voting or views
        best = max(candidates, key=_mean_p)
        return list(best)
    out: list[WordAlignment] = []
    previous_end = 0.0
    for words in zip(*voting, strict=True):
        starts = np.array([w.start_s for w in words])
        agree = np.abs(starts - float(np.median(starts))) <= AGREEMENT_S
        scores = np.array([w.p_align for w in words])
        p_align = round(float(np.mean(scores[agree]) * np.mean(agree)) if agree.any() else 0.0, 4)
        start_s = max(previous_end, float(np.median(starts)))
        end_s = max(start_s, float(np.median([w.end_s for w in words])))
        out.append(WordAlignment(words[0].word, start_s, end_s, p_align, p_align >= MIN_P_ALIGN))
        previous_end = end_s
    return out


def _voice_presence(vocal: AudioBuffer, mix: AudioBuffer) -> tuple[npt.NDArray[np.bool_], float]:
    """(per front-end frame: whether a voice sings there, the frame hop in s).

    A frame holds voice when the separated ``vocal``'s voice-band level is within
    :data:`VOICE_LEVEL_DB` of its loud level and within :data:`VOICE_SHARE_DB` of the ``mix``'s
    level (the separation keeps most of the energy there, so it is not accompaniment leaking
    through); gaps shorter than :data:`VOICE_CLOSE_S` are filled, then runs shorter than
    :data:`VOICE_MIN_RUN_S` dropped. Both signals go through the front end's centre extraction
    and band limit."""
    from scipy.ndimage import binary_closing, binary_opening

    hop_s = HOP / RATE_HZ
    vocal_spec, _ = _centre_spectrum(vocal)
    mix_spec, _ = _centre_spectrum(mix)
    n = min(vocal_spec.shape[1], mix_spec.shape[1])
    vocal_db = 10 * np.log10(np.sum(np.abs(vocal_spec[:, :n]) ** 2, axis=0) + 1e-12)
    mix_db = 10 * np.log10(np.sum(np.abs(mix_spec[:, :n]) ** 2, axis=0) + 1e-12)
    if n == 0:
        return np.zeros(0, dtype=bool), hop_s
    voiced = (vocal_db > float(np.percentile(vocal_db, 95)) - VOICE_LEVEL_DB) & (
        vocal_db > mix_db - VOICE_SHARE_DB
    )
    close = max(1, round(VOICE_CLOSE_S / hop_s))
    padded = binary_closing(np.pad(voiced, close), np.ones(close, dtype=bool))[close:-close]
    out: npt.NDArray[np.bool_] = binary_opening(
        padded, np.ones(max(1, round(VOICE_MIN_RUN_S / hop_s)), dtype=bool)
    )
    return out, hop_s


def _syllables(tokens: Sequence[_Token]) -> list[int]:
    """Syllables of each token (vowels of its CMUdict / G2P pronunciation; 0 for no spoken word)."""
    spoken = sorted({w for t in tokens for w in t.spoken})
    vowels = {
        w: sum(p[-1].isdigit() for p in phones)
        for w, phones in zip(spoken, phonemes_for_words(spoken), strict=True)
    }
    return [sum(max(1, vowels[w]) for w in t.spoken) for t in tokens]


LINE_WINDOW_PAD_S = 0.3
"""Each fitted lyric line is aligned again in its span widened by this much on both sides (s)."""


def _realign_lines(
    view: AudioBuffer, tokens: Sequence[_Token], words: Sequence[WordAlignment]
) -> list[WordAlignment]:
    """``words`` with each lyric line's words placed again by the recogniser in ``view`` cut to
    the line's span (± :data:`LINE_WINDOW_PAD_S`): once the line is where the voice sings it,
    the words inside it are no longer pulled by the neighbouring lines' mistakes. A line the
    recogniser cannot place there keeps its words; ``p_align`` and ``success`` stay those of
    ``words``. One set of decoders serves every line (about one more recogniser pass)."""
    out = list(words)
    decoders = _Decoders()
    rate_hz = view.sample_rate_hz
    for a, b in line_bounds(words):
        first_s = max(0.0, words[a].start_s - LINE_WINDOW_PAD_S)
        last_s = min(view.duration_s, words[b - 1].end_s + LINE_WINDOW_PAD_S)
        if last_s - first_s < 0.5:
            continue
        clip = AudioBuffer.from_array(
            view.samples[:, round(first_s * rate_hz) : round(last_s * rate_hz)], rate_hz
        )
        placed = _align_tokens(clip, tokens[a:b], decoders)
        if not any(w.success for w in placed):
            continue
        for k, w in enumerate(placed, start=a):
            out[k] = WordAlignment(
                words[k].word, first_s + w.start_s, first_s + w.end_s, words[k].p_align, words[k].success
            )
    return out


def align_lyrics_in_mix(
    mix: AudioBuffer, lyrics: str, *, vocal: AudioBuffer | None = None
) -> list[WordAlignment]:
    """Word times of ``lyrics`` in a full mix (an upload), by :func:`align_lyrics` on three views
    of the voice and a word-by-word vote between them (see :func:`_vote`): the vocal estimate of
    :func:`~tunesmith.music.analyze.separate.separate_vocals`, that estimate with the mix
    :data:`BLEND_MIX_SHARE` under it, and the mix itself, whose centre (where lead vocals sit) the
    front end extracts from a stereo mix.

    Each view fails on some songs, confidently (see the module docstring): the separation's masks
    smear consonants, so words slide into accompaniment the separation let through; the centre
    keeps centred instruments. They rarely fail on the same words, so the median start of a word
    over the three is right where two of them are. Measured on the 18 songs of the module docstring
    downmixed to mono: 0.47 s (the separated vocal alone, used for mono before: 0.83 s).
    ``vocal``, if given, is that estimate already made (same rate and length as ``mix``).

    All views make one mistake together: in an instrumental stretch (a fill before a chorus) the
    accompaniment matches the next line's words as well as anything, so the line's first words
    land there, or its last words stretch into the bars after it. Words cannot start where no voice
    sings, so the voted lines are then fitted to where the separated vocal holds the voice
    (:func:`_voice_presence`): first whole lines, in order, onto the voice's phrases
    (:func:`fit_lines_to_phrases`, which also moves lines placed many seconds away, as all views
    do in a chorus after a fill, and places lines the recogniser could not), then each line's
    start and end onto the voice within :data:`VOICE_REACH_S` (:func:`fit_lines_to_voice`).
    Finally each line is aligned again in the blended view cut to its span
    (:func:`_realign_lines`); words end inside the audio, in order, never overlapping. The fit
    costs two STFTs and a small dynamic programme; the line-by-line pass about one more recogniser
    pass (a 3-minute upload: 22 s instead of 18 s after separation, on 2 busy cores)."""
    tokens = _tokens(_validate(lyrics))
    if not tokens:
        return []
    if vocal is None:
        from tunesmith.music.analyze.separate import separate_vocals

        vocal = separate_vocals(mix).vocals
    blend = _blend(vocal, mix)
    views = [align_lyrics(vocal, lyrics), align_lyrics(blend, lyrics), align_lyrics(mix, lyrics)]
    voted = _vote(views)
    if not any(w.success for w in voted):  # nothing placed: no line to fit
        return voted
    voiced, hop_s = _voice_presence(vocal, mix)
    phrased = fit_lines_to_phrases(voted, _syllables(tokens), voiced, hop_s)
    fitted = in_order(fit_lines_to_voice(phrased, voiced, hop_s), mix.duration_s)
    return in_order(_realign_lines(blend, tokens, fitted), mix.duration_s)


def mean_start_error_s(alignment: Sequence[WordAlignment], truth: Sequence[tuple[str, float]]) -> float:
    """Mean absolute word-start error (s) of ``alignment`` against ``truth`` ``(word, start_s)``
    pairs in order (the words must match after stripping whitespace and case, else
    :class:`~tunesmith.errors.InvalidParameter`); ``nan`` for no words."""
    if len(alignment) != len(truth):
        raise InvalidParameter("alignment and truth must have the same number of words.", field="truth")
    errors: list[float] = []
    for got, (word, start_s) in zip(alignment, truth, strict=True):
        if got.word.strip().lower() != word.strip().lower():
            raise InvalidParameter(f"word mismatch: {got.word.strip()!r} vs {word!r}.", field="truth")
        errors.append(abs(got.start_s - float(start_s)))
    return float(np.mean(errors)) if errors else float("nan")
