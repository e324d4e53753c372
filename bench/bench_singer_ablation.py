"""Ablation of the singer's intelligibility: where between Festival's speech and the sung stem are
words lost? PocketSphinx (its shipped US-English model, 16 kHz) word error rate on the 20 original
lines of ``bench_singer.py``, per voice, for each stage:

- ``spoken``: Festival's own waveform (slt 32 kHz / kal 16 kHz), resampled to 16 kHz;
- ``identity``: that speech analysed and resynthesised by the 16 kHz vocoder with its *own* f0
  (YIN) and timing, voicing from Festival's phone labels (the vocoder's cost alone);
- ``flat_pitch``: the same, f0 replaced by one semitone-quantised pitch per syllable (original timing);
- ``warp_only``: the sung timeline (time warp onto the notes) with the speech's own f0 warped along;
- ``sung_dry``: the full singer before the vocal chain; ``sung_stem``: the lead stem as shipped
  (chain, reverb, 44.1 kHz), clipped per line exactly as the test does.

Each line is recognised as one utterance (``evaluate.recognise``: 16 kHz int16, 0.2 s of silence
around, peak-normalised).
Run: ``.venv/bin/python bench/bench_singer_ablation.py [f|m]``
"""

from __future__ import annotations

import sys
import time

import librosa
import numpy as np
import numpy.typing as npt
import soxr

from bench_singer import LINES
from tunesmith.music.compose.melody import lead_sheet_score
from tunesmith.music.lyrics.words import words_of_line
from tunesmith.music.render.voice import render_vocals, singer, vocoder
from tunesmith.music.render.voice.evaluate import recognise
from tunesmith.music.render.voice.evaluate import word_error_rate as _wer
from tunesmith.music.render.voice.festival import speak_phrases
from tunesmith.music.score import Score

FloatArray = npt.NDArray[np.float64]
FS = vocoder.SAMPLE_RATE_HZ


def speech_f0(x16: FloatArray, frames: int) -> FloatArray:
    """YIN f0 on the vocoder's 5 ms frames (voicing comes from Festival's phone labels)."""
    f0 = librosa.yin(x16, fmin=60.0, fmax=450.0, sr=FS, frame_length=1024, hop_length=vocoder.HOP)[:frames]
    filled: FloatArray = np.concatenate([f0, np.full(frames - f0.size, f0[-1])])
    return filled


def resynth(envelope: FloatArray, kind: npt.NDArray[np.int8], f0: FloatArray, seed: int) -> FloatArray:
    voiced = kind >= singer._VOICED
    ap = np.where((kind == singer._VOICED_FRICATIVE)[:, None], singer._AP_FRICATIVE, singer._AP_VOICED)
    return vocoder.synthesise(np.where(voiced, f0, 0.0), envelope, ap, np.random.default_rng(seed))


def main() -> None:
    genders = sys.argv[1:] or ["f", "m"]
    refs = [[w.spoken for w in words_of_line(t)] for t in LINES]
    for gender in genders:
        text = "[Verse]\n" + "\n".join(LINES[:10]) + "\n\n[Chorus]\n" + "\n".join(LINES[10:])
        score: Score = lead_sheet_score(text, seed=1, vocal_gender=gender, tempo_bpm=100)
        phrases = [
            p for p in singer.split_phrases(score.vocals, backing=False) if p.notes[0].line_index < len(LINES)
        ]
        keys = [singer._text_key(p) for p in phrases]
        t0 = time.perf_counter()
        spoken = speak_phrases([[list(w) for w in k] for k in keys], gender=gender)
        festival_s = time.perf_counter() - t0
        results: dict[str, list[float]] = {k: [] for k in ("spoken", "identity", "flat_pitch", "warp_only")}
        syl_s: list[float] = []
        spoken_syl_s: list[float] = []
        for i, (phrase, said) in enumerate(zip(phrases, spoken, strict=True)):
            ref = refs[phrase.notes[0].line_index]
            src = singer._analyse_spoken(said)
            x16 = said.samples
            if said.sample_rate_hz != FS:
                x16 = soxr.resample(x16, said.sample_rate_hz, FS)
            frames = src.envelope.shape[0]
            f0 = speech_f0(x16, frames)
            results["spoken"].append(_wer(ref, recognise(said.samples, said.sample_rate_hz)))
            results["identity"].append(_wer(ref, recognise(resynth(src.envelope, src.kind, f0, i), FS)))
            flat = f0.copy()
            centres = np.arange(frames) * vocoder.FRAME_S
            for syl in src.syllables:
                sel = (centres >= syl[0].start_s) & (centres < syl[-1].end_s)
                if sel.any():
                    midi = np.round(69 + 12 * np.log2(np.median(f0[sel]) / 440.0))
                    flat[sel] = 440.0 * 2 ** ((midi - 69) / 12)
            results["flat_pitch"].append(_wer(ref, recognise(resynth(src.envelope, src.kind, flat, i), FS)))
            plan = singer._plan(phrase, src, score)
            assert plan is not None
            pos = plan.src_pos
            warped_f0 = np.interp(pos, np.arange(frames), f0)
            voiced = (plan.voiced_src | plan.in_vowel) & (plan.gain > 0)
            y = vocoder.synthesise(
                np.where(voiced, warped_f0, 0.0), plan.envelope, plan.aperiodicity, np.random.default_rng(i)
            )
            gain = np.interp(np.arange(y.size) / FS, np.arange(pos.size) * vocoder.FRAME_S, plan.gain)
            results["warp_only"].append(_wer(ref, recognise(y * gain, FS)))
            syls = singer._syllables_of(phrase)
            sung = [
                score.seconds_at(s.notes[-1].end_beat) - score.seconds_at(s.notes[0].start_beat) for s in syls
            ]
            syl_s.append(float(np.mean(sung)))
            spoken_syl_s.append(float(np.mean([s[-1].end_s - s[0].start_s for s in src.syllables])))
        parts, fs = singer.render_parts(score, gender=gender, seed=score.seed)
        dry = parts[False]
        stem = render_vocals(score)["vocals"]
        stem16 = soxr.resample(stem.mono().astype(np.float64), stem.sample_rate_hz, FS)
        results["sung_dry"], results["sung_stem"] = [], []
        for phrase in phrases:
            ref = refs[phrase.notes[0].line_index]
            a = max(0.0, score.seconds_at(phrase.notes[0].start_beat) - 0.25)
            b = score.seconds_at(phrase.notes[-1].end_beat) + 0.1
            results["sung_dry"].append(_wer(ref, recognise(dry[round(a * fs) : round(b * fs)], fs)))
            results["sung_stem"].append(_wer(ref, recognise(stem16[round(a * FS) : round(b * FS)], FS)))
        row = " ".join(f"{k}={np.mean(v):.3f}" for k, v in results.items())
        verse = np.mean(results["sung_stem"][:10])
        chorus = np.mean(results["sung_stem"][10:])
        print(
            f"voice={gender} {row} (stem verse {verse:.3f} chorus {chorus:.3f}) "
            f"syllable_s sung={np.mean(syl_s):.3f} spoken={np.mean(spoken_syl_s):.3f} "
            f"festival_s={festival_s:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
