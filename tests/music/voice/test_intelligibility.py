"""Intelligibility floor: PocketSphinx (its shipped US-English model, offline) on sung lines.

The goal (issue 3) is a word error rate ≤ 35 %, the acceptance floor 60 %. Where the words were
lost was measured by ``bench/bench_singer_ablation.py``: the vocoder and the flattened pitch cost
little; the time warp onto long notes cost most (syllables held well beyond their spoken length,
above all the line's held last note). The melody now sings lines of more than 5 syllables at
speech rate (``compose.melody._fit_speech_rhythm``), and one-syllable function words are
unstressed (``lyrics.phonemes.FUNCTION_WORDS``: they go on weak beats and pickups, free of the
off-beat budget). Measured (bench_singer.py, 20 lines, sung stem; female / male): 0.87 / 0.71
before speech rate, 0.67 / 0.66 with it, 0.69 / 0.61 with unstressed function words (melody seeds
1–5: 0.67 / 0.59; spoken by the same voices: 0.26 / 0.40), so the female voice is not yet at the
60 % acceptance floor on the bench; these 6 lines measure 0.31 / 0.37 (were 0.54 / 0.53). Notes
that leave room for the next syllable's onset consonants and gaps timed vowel to vowel
(``compose.melody._room_for_onsets``, ``_speech_gap_s``): bench 0.557 / 0.516 (melody seeds 1–5:
0.535 / 0.503); these 6 lines 0.29 / 0.32. A word's last note capped at 1.1 × its spoken time
(was 1.5; the rest is silent): bench 0.529 / 0.477 (seeds 1–5: 0.504 / 0.487); these 6 lines
0.27 / 0.31. The floor below (0.45 → 0.40) sits above that, so that regressions fail.
Lines are original (a recogniser's language model knows famous lyrics), sung as a verse at
100 BPM, two bars a line, and recognised one line at a time from the solo lead stem.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tunesmith.music.compose.melody import lead_sheet_score
from tunesmith.music.lyrics.phonemes import syllabify_words
from tunesmith.music.lyrics.words import words_of_line
from tunesmith.music.render.voice import render_vocals
from tunesmith.music.render.voice.evaluate import recognise, sung_line_wer, word_error_rate
from tunesmith.music.render.voice.festival import speak_phrases

pytest.importorskip("pocketsphinx")
pytestmark = pytest.mark.skipif(shutil.which("festival") is None, reason="Festival is not installed")

LINES = [
    "We painted comets on the kitchen floor",
    "My shoes remember every summer heat",
    "We counted pebbles in the morning grass",
    "I keep your postcards pinned against the wall",
    "The radio is playing much too late",
    "My window opens to the falling rain",
]
SUNG_WER_FLOOR = 0.40


def test_word_error_rate_counts_edits() -> None:
    assert word_error_rate(["a", "b", "c"], ["a", "b", "c"]) == 0.0
    assert word_error_rate(["a", "b", "c"], ["a", "x", "c"]) == pytest.approx(1 / 3)
    assert word_error_rate(["a", "b"], []) == 1.0
    assert word_error_rate(["a"], ["a", "b", "c"]) == 2.0


def test_the_recogniser_understands_festival_speech() -> None:
    """The measuring stick itself: the same lines *spoken* are mostly recognised (≈ 0.3 measured)."""
    phrases = [[[s.phonemes for s in w.syllables] for w in syllabify_words(words_of_line(t))] for t in LINES]
    spoken = speak_phrases(phrases, gender="f")
    errors = [
        word_error_rate([w.spoken for w in words_of_line(t)], recognise(s.samples, s.sample_rate_hz))
        for t, s in zip(LINES, spoken, strict=True)
    ]
    assert float(np.mean(errors)) <= 0.5


@pytest.mark.parametrize("gender", ["f", "m"])
def test_sung_lines_are_intelligible_to_pocketsphinx(gender: str) -> None:
    score = lead_sheet_score("[Verse]\n" + "\n".join(LINES), seed=5, vocal_gender=gender, tempo_bpm=100)
    lead = render_vocals(score)["vocals"]
    refs = {i: [w.spoken for w in words_of_line(t)] for i, t in enumerate(LINES)}
    errors = sung_line_wer(score, lead, refs)
    assert len(errors) == len(LINES)
    wer = float(np.mean(list(errors.values())))
    assert wer <= SUNG_WER_FLOOR, f"sung WER {wer:.3f} for voice {gender}"
