from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose.melody import VOICE_RANGES, fit_vocal_line, lead_sheet_score
from tunesmith.music.lyrics.phonemes import FUNCTION_WORDS
from tunesmith.music.lyrics.sections import parse_lyrics
from tunesmith.music.lyrics.timeline import lyrics_timeline
from tunesmith.music.theory.chords import QUALITY_INTERVALS

LYRIC = """[Verse]
City lights are calling me tonight
I keep running (oh yeah) through the night

[Chorus]
We are the fire, we are the light
(we are the light)
We are the fire burning 24/7

[Chorus 2]
We are the fire, we are the light
(we are the light)
We are the fire burning 24/7
"""


def test_fit_covers_every_word_in_its_slot() -> None:
    score = lead_sheet_score(LYRIC, seed=1)
    lead = [n for n in score.vocals if not n.backing]
    # every lead word appears, in order
    parsed = parse_lyrics(LYRIC)
    firsts = [n for n in lead if n.syllable]
    assert firsts[0].word == "City"
    # lead notes never overlap; each note lies inside its line's slot (2 bars per line here)
    for a, b in pairwise(lead):
        assert a.end_beat <= b.start_beat + 1e-9
    for note in score.vocals:
        slot = note.line_index
        assert slot * 8 <= note.start_beat and note.end_beat <= slot * 8 + 8 + 1e-9
    # a breath: each lead line ends at least half a beat before its slot ends
    for line in {n.line_index for n in lead}:
        assert max(n.end_beat for n in lead if n.line_index == line) <= line * 8 + 7.5 + 1e-9
    assert len({n.line_index for n in score.vocals}) == len(parsed.lines)


def test_range_stress_chords_and_hook_repetition() -> None:
    for gender in ("f", "m"):
        score = lead_sheet_score(LYRIC, seed=2, vocal_gender=gender)
        low, high = VOICE_RANGES[gender]
        lead = [n for n in score.vocals if not n.backing]
        assert all(low <= n.pitch <= high for n in lead)
        # chord tones on downbeats
        downbeats = [n for n in lead if n.start_beat % 4 == 0 and n.syllable]
        chord_ok = 0
        for n in downbeats:
            chord = next(c for c in score.chords if c.start_beat <= n.start_beat < c.end_beat)
            pcs = {(chord.root_pc + i) % 12 for i in QUALITY_INTERVALS[chord.quality]}
            chord_ok += n.pitch % 12 in pcs
        assert chord_ok / len(downbeats) >= 0.8
        # steps over leaps
        leaps = [abs(a.pitch - b.pitch) for a, b in pairwise(lead) if a.line_index == b.line_index]
        assert float(np.mean([i <= 4 for i in leaps])) >= 0.8
        # choruses higher than verses
        verse = np.mean([n.pitch for n in lead if n.start_beat < 16])
        chorus = np.mean([n.pitch for n in lead if n.start_beat >= 16])
        assert chorus > verse
        # the second chorus repeats the first exactly (shifted by its start)
        ch1 = [(n.start_beat - 16, n.pitch, n.syllable) for n in lead if 16 <= n.start_beat < 40]
        ch2 = [(n.start_beat - 40, n.pitch, n.syllable) for n in lead if 40 <= n.start_beat < 64]
        assert ch1 == ch2


def test_stressed_syllables_prefer_beats_and_backing() -> None:
    score = lead_sheet_score(LYRIC, seed=3)
    lead = [n for n in score.vocals if not n.backing and n.syllable]
    # stressed in connected speech: a primary-stressed vowel, not a one-syllable function word
    stressed = [
        n
        for n in lead
        if n.phonemes and any(p.endswith("1") for p in n.phonemes) and n.word.lower() not in FUNCTION_WORDS
    ]
    assert len(stressed) >= 10
    assert float(np.mean([n.start_beat % 1 == 0 for n in stressed])) >= 0.7
    backing = [n for n in score.vocals if n.backing]
    assert backing, "choruses carry harmonies"
    assert {"oh", "yeah"} <= {n.word for n in backing}  # the ad-libs
    # harmony notes sit a third to a sixth below the lead
    lead_at = {(n.start_beat, n.word_index): n.pitch for n in score.vocals if not n.backing}
    harmony = [n for n in backing if (n.start_beat, n.word_index) in lead_at]
    assert harmony
    assert all(3 <= lead_at[(n.start_beat, n.word_index)] - n.pitch <= 9 for n in harmony)


def test_melisma_continuations_and_indices() -> None:
    score = lead_sheet_score("[Chorus]\nOh\nFire", seed=0)
    lead = [n for n in score.vocals if not n.backing]
    assert any(n.syllable == "" for n in lead), "short lines get melismas"
    assert lead[0].syllable == "Oh"
    assert {n.line_index for n in lead} == {0, 1}
    assert [n.word_index for n in lead if n.syllable] == [0, 1, 1]  # "Fire" is F AY1 | ER0


def test_timeline_is_exact_ordered_and_non_overlapping() -> None:
    score = lead_sheet_score(LYRIC, seed=4, tempo_bpm=90)
    timeline = lyrics_timeline(score)
    words = [
        w.display
        for line in parse_lyrics(LYRIC).lines
        if not line.backing
        for w in __import__("tunesmith.music.lyrics.words", fromlist=["x"]).words_of_line(line.text)
    ]
    assert [t["word"] for t in timeline] == words
    for a, b in pairwise(timeline):
        assert float(str(a["start_s"])) < float(str(a["end_s"])) <= float(str(b["start_s"])) + 1e-9
    first = min((n for n in score.vocals if not n.backing), key=lambda n: n.start_beat)
    assert timeline[0]["start_s"] == round(score.seconds_at(first.start_beat), 3)
    assert float(str(timeline[-1]["end_s"])) <= score.duration_s


def test_edge_cases_never_crash() -> None:
    vocab = ["river", "golden", "morning", "shadow", "running", "tonight", "believe", "forever"]
    long_text = "\n".join(" ".join(vocab[(i + j) % 8] for j in range(10)) for i in range(30))  # 300 words
    score = lead_sheet_score(long_text, seed=5)
    assert len(lyrics_timeline(score)) == 300
    for text in [
        "",
        "[Verse]\n\n\n",
        "[Instrumental]\n[Guitar Solo]",
        "Привет мир, я пою\n我爱你 🎶",
        "[Intro]\n[Verse]\na\n[Pre-Chorus]\nb\n[Chorus]\nc\n[Post-Chorus]\nd\n[Bridge]\ne\n[Hook]\nf\n"
        "[Break]\n[Instrumental]\n[Guitar Solo]\n[Outro]\ng\n[End]\n[Fade Out]\nh",
    ]:
        lead_sheet_score(text, seed=6)
    with pytest.raises(InvalidParameter):
        lead_sheet_score("🔥🔥🔥\n💖", seed=7)
    score = lead_sheet_score("[Verse]\nhello", seed=1)
    score.vocal_gender = "x"  # type: ignore[assignment]
    with pytest.raises(InvalidParameter):
        fit_vocal_line(score, parse_lyrics("hello"), rng=np.random.default_rng(0))


def test_the_hook_peaks_on_the_title_in_every_chorus() -> None:
    lyric = (
        "[Verse]\nThe kettle hums beside the open door\nWe painted comets on the floor\n\n"
        "[Chorus]\nWe chase the echo of a paper kite\nAnd run together into morning light\n\n"
        "[Verse 2]\nMy shoes remember every summer heat\nThe buses pass along the street\n\n"
        "[Chorus]\nWe chase the echo of a paper kite\nAnd run together into morning light\n"
    )
    for gender in ("f", "m"):
        titled = lead_sheet_score(lyric, seed=4, vocal_gender=gender, title="Paper Kite")
        plain = lead_sheet_score(lyric, seed=4, vocal_gender=gender)
        for score in (titled, plain):
            assert score.title in ("Paper Kite", "")
        lead = [n for n in titled.vocals if not n.backing]
        hook_lines = sorted({n.line_index for n in lead if n.word == "kite"})
        assert len(hook_lines) == 2
        melodies = []
        for line in hook_lines:
            notes = [n for n in lead if n.line_index == line]
            title_top = max(n.pitch for n in notes if n.word.lower() in ("paper", "kite"))
            assert title_top == max(n.pitch for n in notes)  # the line peaks on the title
            assert title_top > max(n.pitch for n in notes if n.word.lower() not in ("paper", "kite"))
            melodies.append([(n.pitch, n.length_beats) for n in notes])
        assert melodies[0] == melodies[1]  # the hook is sung the same in every chorus
        # the hook line peaks higher than the same line without a title
        plain_top = max(n.pitch for n in plain.vocals if not n.backing and n.line_index == hook_lines[0])
        hook_top = max(n.pitch for n in lead if n.line_index == hook_lines[0])
        assert hook_top >= plain_top


def test_pads_fill_later_verses_and_bridges_where_the_genre_wants_them() -> None:
    from dataclasses import replace

    from tunesmith.music.compose.melody import PAD_GENRES

    lyric = (
        "[Verse]\nThe kettle hums beside the open door\nWe painted comets on the floor\n\n"
        "[Verse 2]\nMy shoes remember every summer heat\nThe buses pass along the street\n\n"
        "[Bridge]\nThe city breathes a quiet golden light\nWe chase the echo of a kite\n"
    )
    score = lead_sheet_score(lyric, seed=3)
    assert score.genre in PAD_GENRES
    pads = [n for n in score.vocals if n.backing and n.word in ("ooh", "aah")]
    verse2 = score.sections[1]
    bridge = score.sections[2]
    # none in the first verse; one per chord in verse 2 ("ooh") and the bridge ("aah")
    assert all(n.start_beat >= verse2.start_bar * 4 for n in pads)
    assert {n.word for n in pads if n.start_beat < bridge.start_bar * 4} == {"ooh"}
    assert {n.word for n in pads if n.start_beat >= bridge.start_bar * 4} == {"aah"}
    assert len(pads) == verse2.bars + bridge.bars
    low, high = VOICE_RANGES["f"]
    for note in pads:
        chord = next(c for c in score.chords if c.start_beat <= note.start_beat < c.end_beat)
        assert note.pitch % 12 in {(chord.root_pc + i) % 12 for i in QUALITY_INTERVALS[chord.quality]}
        assert low <= note.pitch <= high
        assert note.end_beat <= chord.end_beat - 0.25 + 1e-9
    # pad words come after every lyric word and never enter the lyrics timeline
    lyric_words = {n.word_index for n in score.vocals if not n.backing}
    assert min(n.word_index for n in pads) > max(lyric_words)
    assert all(w["word"] not in ("ooh", "aah") for w in lyrics_timeline(score))
    # a genre without pads gets none
    rock = replace(score, genre="metal", vocals=[])
    rock.vocals = fit_vocal_line(rock, parse_lyrics(lyric), rng=np.random.default_rng(3))
    assert not [n for n in rock.vocals if n.word in ("ooh", "aah")]
