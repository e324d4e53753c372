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

import numpy as np

from tunesmith.music.compose.melody import lead_sheet_score
from tunesmith.music.lyrics.phonemes import syllabify_words
from tunesmith.music.lyrics.words import words_of_line
from tunesmith.music.render.voice import render_vocals
from tunesmith.music.render.voice.evaluate import (
    onset_report,
    pitch_report,
    recognise,
    sung_line_wer,
    word_error_rate,
)
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


def three_minute_song() -> str:
    """The lyrics of the 3-minute speed song (sung at 96 BPM): three verses, a bridge and four
    choruses with an "(oh oh)" ad-lib, so repeated lines and backing vocals are timed too."""
    verse = "\n".join(LINES[0:4])
    chorus = "\n".join(LINES[10:14])
    return "\n\n".join(
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


def main() -> None:
    try:
        import pocketsphinx  # noqa: F401  (ships its US-English model)

        can_recognise = True
    except ImportError:
        can_recognise = False
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
        if can_recognise:
            phrases = [
                [[s.phonemes for s in w.syllables] for w in syllabify_words(words_of_line(t))] for t in LINES
            ]
            spoken = speak_phrases(phrases, gender=gender)
            refs = [[w.spoken for w in words_of_line(t)] for t in LINES]
            # each line cut from the lead stem as the test does (evaluate.sung_line_wer: 0.25 s before
            # its first note, 0.1 s after its last) and recognised as one utterance
            by_line = sung_line_wer(score, lead, dict(enumerate(refs)))
            sung_errors = [by_line[i] for i in range(len(LINES))]
            spoken_errors = [
                word_error_rate(ref, recognise(s.samples, s.sample_rate_hz))
                for ref, s in zip(refs, spoken, strict=True)
            ]
            line += (
                f" wer_sung={np.mean(sung_errors):.3f} (verse {np.mean(sung_errors[:10]):.3f},"
                f" chorus {np.mean(sung_errors[10:]):.3f}) wer_spoken={np.mean(spoken_errors):.3f}"
            )
        else:
            line += " wer=unavailable(pocketsphinx not installed)"
        print(line, flush=True)
    # speed: the vocals of a 3-minute song (lead + backing), 96 BPM, choruses repeated
    song = three_minute_song()
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
