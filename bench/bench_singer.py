"""Benchmark the singer: 20 original lyric lines sung by each voice.

Prints, per voice: pitch error (pYIN median |cents| over note middles), voicing of note middles,
onset hit rate (≤ 60 ms of the timeline's word starts), render speed, and — when the
``pocketsphinx`` package (which ships its US-English model) is installed — the word error rate of
PocketSphinx on the solo sung stem, and on the same lines *spoken* by the same Festival voice.
Then times the vocals (lead + backing) of a 3-minute song: wall-clock seconds and CPU seconds
(the machine is often shared, so the CPU time is the steadier number), with the load average.

Where the words are lost (speech → vocoder → flat pitch → time warp → chain) is measured by
``bench/bench_singer_ablation.py`` (run it from ``bench/``).

Run: ``.venv/bin/python bench/bench_singer.py``
"""

from __future__ import annotations

import os
import time

import librosa
import numpy as np

from tunesmith.music.audio import AudioBuffer
from tunesmith.music.compose.melody import lead_sheet_score
from tunesmith.music.lyrics.words import words_of_line
from tunesmith.music.render.voice import render_vocals
from tunesmith.music.render.voice.evaluate import onset_report, pitch_report
from tunesmith.music.render.voice.festival import speak_phrases

LINES = [
    "The kettle hums beside the open door",
    "We painted comets on the kitchen floor",
    "A paper boat is sailing down the street",
    "My shoes remember every summer heat",
    "The lantern flickers when the buses pass",
    "We counted pebbles in the morning grass",
    "Your laughter echoes in the empty hall",
    "I keep your postcards pinned against the wall",
    "The orange moon is sleeping on the bay",
    "We never learned the words we meant to say",
    "A silver bicycle beside the gate",
    "The radio is playing much too late",
    "I found a feather in my winter coat",
    "You wrote a promise on a yellow note",
    "The city breathes a quiet golden light",
    "We chase the echo of a paper kite",
    "My window opens to the falling rain",
    "I hear you singing down the crowded lane",
    "The garden waits for us to come back home",
    "Tomorrow fits inside a silver comb",
]


def _cpu_s() -> float:
    """CPU seconds used by this process and its finished children (Festival), user + system."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _wer(reference: list[str], hypothesis: list[str]) -> float:
    d = np.zeros((len(reference) + 1, len(hypothesis) + 1), dtype=int)
    d[:, 0] = np.arange(len(reference) + 1)
    d[0, :] = np.arange(len(hypothesis) + 1)
    for i in range(1, len(reference) + 1):
        for j in range(1, len(hypothesis) + 1):
            cost = 0 if reference[i - 1] == hypothesis[j - 1] else 1
            d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + cost)
    return float(d[-1, -1]) / max(1, len(reference))


def _recogniser() -> object | None:
    try:
        from pocketsphinx import Decoder
    except ImportError:
        return None
    return Decoder(samprate=16_000, logfn="/dev/null")


def _recognise(decoder: object, samples: np.ndarray, rate: int) -> list[str]:
    audio = librosa.resample(samples.astype(np.float64), orig_sr=rate, target_sr=16_000)
    pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16).tobytes()
    decoder.start_utt()  # type: ignore[attr-defined]
    decoder.process_raw(pcm, full_utt=True)  # type: ignore[attr-defined]
    decoder.end_utt()  # type: ignore[attr-defined]
    hyp = decoder.hyp()  # type: ignore[attr-defined]
    return hyp.hypstr.lower().split() if hyp else []


def main() -> None:
    decoder = _recogniser()
    for gender in ("f", "m"):
        text = "[Verse]\n" + "\n".join(LINES[:10]) + "\n\n[Chorus]\n" + "\n".join(LINES[10:])
        score = lead_sheet_score(text, seed=1, vocal_gender=gender, tempo_bpm=100)
        t0 = time.perf_counter()
        stems = render_vocals(score)
        render_s = time.perf_counter() - t0
        lead = stems["vocals"]
        pitch = pitch_report(score, lead)
        onsets = onset_report(score, lead)
        line = (
            f"voice={gender} song_s={score.duration_s:.1f} render_s={render_s:.2f} "
            f"pitch_median_abs_cents={pitch.median_abs_cents:.1f} notes_within_50c={pitch.within_50c:.3f} "
            f"voiced={pitch.voiced:.3f} onset_hit_60ms={onsets.hit_rate:.3f}"
        )
        if decoder is not None:
            sung_errors, spoken_errors = [], []
            spoken = speak_phrases(
                [
                    [
                        [s.phonemes for s in w.syllables]
                        for w in __import__(
                            "tunesmith.music.lyrics.phonemes", fromlist=["x"]
                        ).syllabify_words(words_of_line(t))
                    ]
                    for t in LINES
                ],
                gender=gender,
            )
            for i, sentence in enumerate(LINES):
                ref = [w.spoken for w in words_of_line(sentence)]
                # the clip: from 0.25 s before the line's first note (its first consonant comes before
                # the beat) to 0.1 s after its last note (before the next line's breath)
                notes = [n for n in score.vocals if not n.backing and n.line_index == i]
                clip = AudioBuffer(lead.samples, lead.sample_rate_hz).slice_s(
                    max(0.0, score.seconds_at(notes[0].start_beat) - 0.25),
                    score.seconds_at(notes[-1].end_beat) + 0.1,
                )
                sung_errors.append(_wer(ref, _recognise(decoder, clip.mono(), clip.sample_rate_hz)))
                spoken_errors.append(
                    _wer(ref, _recognise(decoder, spoken[i].samples, spoken[i].sample_rate_hz))
                )
            line += (
                f" wer_sung={np.mean(sung_errors):.3f} (verse {np.mean(sung_errors[:10]):.3f},"
                f" chorus {np.mean(sung_errors[10:]):.3f}) wer_spoken={np.mean(spoken_errors):.3f}"
            )
        else:
            line += " wer=unavailable(pocketsphinx not installed)"
        print(line, flush=True)
    # speed: the vocals of a 3-minute song (lead + backing), 96 BPM, choruses repeated
    verse = "\n".join(LINES[0:4])
    chorus = "\n".join(LINES[10:14])
    song = "\n\n".join(
        [
            f"[Verse]\n{verse}",
            f"[Chorus]\n{chorus}\n(oh oh)",
            f"[Verse 2]\n{chr(10).join(LINES[4:8])}",
            f"[Chorus]\n{chorus}\n(oh oh)",
            f"[Bridge]\n{chr(10).join(LINES[16:20])}",
            f"[Chorus]\n{chorus}\n(oh oh)",
            f"[Verse 3]\n{chr(10).join(LINES[14:18])}",
            f"[Chorus]\n{chorus}\n(oh oh)",
        ]
    )
    for gender in ("f", "m"):
        score = lead_sheet_score(song, seed=2, vocal_gender=gender, tempo_bpm=96)
        t0, cpu0 = time.perf_counter(), _cpu_s()
        stems = render_vocals(score)
        elapsed, cpu = time.perf_counter() - t0, _cpu_s() - cpu0
        print(
            f"three_minute_song voice={gender} song_s={score.duration_s:.1f} vocals_render_s={elapsed:.2f} "
            f"cpu_s={cpu:.2f} (this process + Festival children; wall ≈ cpu / 2 on two idle cores at best) "
            f"load_avg={os.getloadavg()[0]:.1f} stems={sorted(stems)}",
            flush=True,
        )


if __name__ == "__main__":
    main()
