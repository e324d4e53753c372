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
(:func:`_fit_lines_to_phrases`) and aligning each line again in its own window
(:func:`_realign_lines`) took the six held-out 30–55-s verse+chorus songs of
:data:`~tunesmith.music.analyze.evalset.CHORUS_REPORTED_CASES` from 0.83 s (worst 2.35 s) to
0.22 s (worst 0.43 s), nine of the ten tuning songs from 1.77 s to 0.27 s (a fast punk song the
recogniser fails in every view: 7.7 → 4.7 s), and the six 15-s songs from 0.27 s to 0.08 s.
Counting the rest of a phrase a line ends inside as unsung (:meth:`_Voice.tail_s`; same
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
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.lyrics.phonemes import phonemes_for_words
from tunesmith.music.lyrics.words import words_of_line

__all__ = [
    "MIN_P_ALIGN",
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

VOICE_REACH_S = 3.0
"""How far (s) from a lyric line's aligned start (end) voice is looked for when the line starts
(ends) where no voice sings."""

MIN_VOICE_SHIFT_S = 1.0
"""Smallest move (s) of a line's start or end onto voice; shorter unvoiced stretches are left
alone (unvoiced consonants, breaths, and quiet onsets the voice detection misses: with 0.5 s a
piano ballad's second line moved 0.9 s late, 0.06 → 0.25 s mean error, while the lines pulled
into a fill are 1.5–3 s off)."""

_MODEL_PHONES = frozenset(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH".split()  # noqa: SIM905, E501
)
_SECTION_TAG = re.compile(r"^\s*\[[^\]]*\]\s*$")
_DICT_WORD = re.compile(r"^[a-z][a-z']*$")
_FILLERS = frozenset({"<s>", "</s>", "<sil>", "(NULL)", "[NOISE]", "<unk>"})

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class WordAlignment:
    """One lyric word placed in time.

    ``word`` is the token as written with its trailing ``" "`` or ``"\\n"``; ``start_s``/``end_s``
    are seconds from the start of the audio (``0 ≤ start_s ≤ end_s``); ``p_align`` 0..1 (see the
    module docstring); ``success`` false when the word could not be placed (then its times are
    only a guess between its neighbours, or 0 when nothing could be aligned).
    """

    word: str
    start_s: float
    end_s: float
    p_align: float
    success: bool

    def to_json(self) -> dict[str, object]:
        """The wire form of ``sonic/aligned-lyrics`` (times rounded to the millisecond)."""
        return {
            "word": self.word,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "p_align": round(self.p_align, 3),
            "success": self.success,
        }


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


def _fit_lines_to_voice(
    words: Sequence[WordAlignment], voiced: npt.NDArray[np.bool_], hop_s: float
) -> list[WordAlignment]:
    """``words`` with each lyric line that starts or ends where no voice sings moved onto the
    voice nearby (see :func:`_line_map`), keeping word order and the line's other words; words
    never leave their line's aligned span, so lines stay in order. ``voiced`` is per frame of
    ``hop_s`` seconds (:func:`_voice_presence`)."""
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
"""Voiced runs closer than this (s) belong to one phrase (see :func:`_fit_lines_to_phrases`)."""

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
    """Voiced runs (s) of :func:`_voice_presence`, grouped into phrases (runs closer than
    :data:`PHRASE_GAP_S`)."""

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


def _line_bounds(words: Sequence[WordAlignment]) -> list[tuple[int, int]]:
    """``(first, stop)`` word indices of each lyric line (a line ends with a ``"\\n"`` word)."""
    out: list[tuple[int, int]] = []
    start = 0
    for i, word in enumerate(words):
        if word.word.endswith("\n") or i + 1 == len(words):
            out.append((start, i + 1))
            start = i + 1
    return out


def _syllables(tokens: Sequence[_Token]) -> list[int]:
    """Syllables of each token (vowels of its CMUdict / G2P pronunciation; 0 for no spoken word)."""
    spoken = sorted({w for t in tokens for w in t.spoken})
    vowels = {
        w: sum(p[-1].isdigit() for p in phones)
        for w, phones in zip(spoken, phonemes_for_words(spoken), strict=True)
    }
    return [sum(max(1, vowels[w]) for w in t.spoken) for t in tokens]


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


def _fit_lines_to_phrases(
    words: Sequence[WordAlignment], syllables: Sequence[int], voiced: npt.NDArray[np.bool_], hop_s: float
) -> list[WordAlignment]:
    """``words`` with whole lyric lines moved onto the voice's phrases, in order (see
    :func:`_phrase_spans`): a line's start or end moves when it differs by at least
    :data:`MIN_VOICE_SHIFT_S` from the recogniser's, its words keeping their places in it
    (stretched linearly); the words of a line the recogniser did not place, or squeezed into less
    than a quarter of its new span, are laid out by syllables. ``syllables`` per word; ``voiced``
    per frame of ``hop_s`` seconds (:func:`_voice_presence`)."""
    voice = _Voice.of(voiced, hop_s)
    bounds = _line_bounds(words)
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


def _in_order(words: Sequence[WordAlignment], duration_s: float) -> list[WordAlignment]:
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
    for a, b in _line_bounds(words):
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
    (:func:`_fit_lines_to_phrases`, which also moves lines placed many seconds away, as all views
    do in a chorus after a fill, and places lines the recogniser could not), then each line's
    start and end onto the voice within :data:`VOICE_REACH_S` (:func:`_fit_lines_to_voice`).
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
    phrased = _fit_lines_to_phrases(voted, _syllables(tokens), voiced, hop_s)
    fitted = _in_order(_fit_lines_to_voice(phrased, voiced, hop_s), mix.duration_s)
    return _in_order(_realign_lines(blend, tokens, fitted), mix.duration_s)


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
