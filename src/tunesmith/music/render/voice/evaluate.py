"""Measurements of a rendered vocal stem against its Score (used by tests and the benchmark).

- :func:`pitch_report`: pYIN f0 over the middle half of every sung note → per-note median error
  in cents, and the voiced fraction of those note middles.
- :func:`onset_report`: onsets detected on the stem vs. the timeline's word starts.
- :func:`recognise` / :func:`word_error_rate` / :func:`sung_line_wer`: PocketSphinx (optional
  package ``pocketsphinx``, which ships its US-English model) on 16 kHz mono int16 audio, one
  utterance per lyric line, cut from the *dry-or-stem* audio it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import librosa
import numpy as np
import numpy.typing as npt
import soxr

from tunesmith.music.audio import AudioBuffer
from tunesmith.music.lyrics.timeline import lyrics_timeline
from tunesmith.music.score import Score

__all__ = [
    "OnsetReport",
    "PitchReport",
    "onset_report",
    "pitch_report",
    "recognise",
    "sung_line_wer",
    "word_error_rate",
]

_ANALYSIS_RATE_HZ = 16_000
_HOP = 160  # 10 ms


@dataclass(frozen=True)
class PitchReport:
    """``median_abs_cents``: median over notes of |note f0 median − note pitch|; ``voiced``: the
    fraction of note-middle frames pYIN calls voiced; ``within_50c``: fraction of notes within 50 c."""

    median_abs_cents: float
    voiced: float
    within_50c: float
    notes: int


@dataclass(frozen=True)
class OnsetReport:
    """``hit_rate``: fraction of words whose start has a detected onset within ``tolerance_s``."""

    hit_rate: float
    words: int
    tolerance_s: float


def pitch_report(score: Score, audio: AudioBuffer, *, backing: bool = False) -> PitchReport:
    """Compare the stem's pYIN f0 with the Score's (lead, or backing) notes of ≥ 0.15 s."""
    y = librosa.resample(
        audio.mono().astype(np.float64), orig_sr=audio.sample_rate_hz, target_sr=_ANALYSIS_RATE_HZ
    )
    f0, voiced, _ = librosa.pyin(
        y, fmin=70.0, fmax=900.0, sr=_ANALYSIS_RATE_HZ, frame_length=1024, hop_length=_HOP, resolution=0.1
    )
    times = librosa.times_like(f0, sr=_ANALYSIS_RATE_HZ, hop_length=_HOP)
    errors: list[float] = []
    voiced_frames = 0
    total_frames = 0
    for note in score.vocals:
        if note.backing != backing:
            continue
        if backing and any(
            o.backing and o is not note and o.start_beat < note.end_beat and note.start_beat < o.end_beat
            for o in score.vocals
        ):
            continue  # overlapping backing parts are polyphonic: not measurable with pYIN
        t0, t1 = score.seconds_at(note.start_beat), score.seconds_at(note.end_beat)
        if t1 - t0 < 0.15:
            continue
        quarter = (t1 - t0) / 4
        sel = (times >= t0 + quarter) & (times < t1 - quarter)
        if not sel.any():
            continue
        total_frames += int(sel.sum())
        good = sel & voiced & np.isfinite(f0)
        voiced_frames += int(good.sum())
        if good.any():
            cents = 1200 * np.log2(f0[good] / (440.0 * 2 ** ((note.pitch - 69) / 12)))
            errors.append(float(abs(np.median(cents))))
    if not errors:
        return PitchReport(float("nan"), 0.0, 0.0, 0)
    arr = np.array(errors)
    return PitchReport(
        float(np.median(arr)), voiced_frames / max(1, total_frames), float(np.mean(arr <= 50)), len(errors)
    )


def onset_report(score: Score, audio: AudioBuffer, *, tolerance_s: float = 0.06) -> OnsetReport:
    """Fraction of lead words whose ``start_s`` has an onset detected (librosa) within tolerance.

    Onset strength combines spectral flux with an energy-rise term; a word's sung vowel starts on its
    note, so the detected onset is the vowel (or a voiced consonant) start.
    """
    y = librosa.resample(
        audio.mono().astype(np.float64), orig_sr=audio.sample_rate_hz, target_sr=_ANALYSIS_RATE_HZ
    )
    onsets = librosa.onset.onset_detect(
        y=y, sr=_ANALYSIS_RATE_HZ, hop_length=_HOP, units="time", backtrack=False, delta=0.03, wait=3
    )
    words = lyrics_timeline(score)
    if not words:
        return OnsetReport(0.0, 0, tolerance_s)
    hits = 0
    for word in words:
        start = float(str(word["start_s"]))
        if onsets.size and float(np.min(np.abs(onsets - start))) <= tolerance_s:
            hits += 1
    return OnsetReport(hits / len(words), len(words), tolerance_s)


_RECOGNISER_RATE_HZ = 16_000
_DECODERS: list[object] = []


def recognise(samples: npt.NDArray[np.floating], sample_rate_hz: int) -> list[str]:
    """PocketSphinx's words (lower case) for one utterance of mono ``samples``.

    The audio is resampled (soxr) to the 16 kHz the shipped model expects, padded with 0.2 s of
    silence on both sides, peak-normalised to −3 dBFS and given as int16 PCM; the decoder runs on
    the whole utterance (batch cepstral mean normalisation), so results do not depend on the order
    of calls. Raises ``ImportError`` when ``pocketsphinx`` is not installed.
    """
    from pocketsphinx import Decoder

    if not _DECODERS:
        _DECODERS.append(Decoder(samprate=_RECOGNISER_RATE_HZ, logfn="/dev/null"))
    decoder = _DECODERS[0]
    x = np.asarray(samples, dtype=np.float64)
    if sample_rate_hz != _RECOGNISER_RATE_HZ:
        x = np.asarray(soxr.resample(x, sample_rate_hz, _RECOGNISER_RATE_HZ), dtype=np.float64)
    pad = np.zeros(round(0.2 * _RECOGNISER_RATE_HZ))
    x = np.concatenate([pad, x, pad])
    peak = float(np.max(np.abs(x)))
    if peak > 0:
        x = x * (0.708 / peak)
    pcm = (np.clip(x, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
    decoder.start_utt()  # type: ignore[attr-defined]
    decoder.process_raw(pcm, full_utt=True)  # type: ignore[attr-defined]
    decoder.end_utt()  # type: ignore[attr-defined]
    hyp = decoder.hyp()  # type: ignore[attr-defined]
    return str(hyp.hypstr).lower().split() if hyp else []


def word_error_rate(reference: list[str], hypothesis: list[str]) -> float:
    """Levenshtein distance over words divided by the reference length (0 for a perfect match;
    can exceed 1 with many insertions)."""
    d = np.zeros((len(reference) + 1, len(hypothesis) + 1), dtype=np.int64)
    d[:, 0] = np.arange(len(reference) + 1)
    d[0, :] = np.arange(len(hypothesis) + 1)
    for i in range(1, len(reference) + 1):
        for j in range(1, len(hypothesis) + 1):
            cost = 0 if reference[i - 1] == hypothesis[j - 1] else 1
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + cost)
    return float(d[-1, -1]) / max(1, len(reference))


def sung_line_wer(score: Score, audio: AudioBuffer, references: dict[int, list[str]]) -> dict[int, float]:
    """Word error rate per lead lyric line: ``references`` maps a line index to its spoken words.

    Each line is cut from ``audio`` (the lead stem, or the dry vocal) from 0.25 s before its first
    note (onset consonants come before the beat) to 0.1 s after its last note, and recognised as
    one utterance.
    """
    mono = audio.mono().astype(np.float64)
    rate = audio.sample_rate_hz
    out: dict[int, float] = {}
    for line, words in references.items():
        notes = [n for n in score.vocals if not n.backing and n.line_index == line]
        if not notes:
            continue
        start_s = max(0.0, score.seconds_at(min(n.start_beat for n in notes)) - 0.25)
        end_s = score.seconds_at(max(n.end_beat for n in notes)) + 0.1
        clip = mono[round(start_s * rate) : round(end_s * rate)]
        out[line] = word_error_rate(words, recognise(clip, rate))
    return out
