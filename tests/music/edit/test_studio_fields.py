"""The studio shaping fields on composed Scores (API.md §7), each measured:

- song_section: a clip from the start of the notional song opens with an intro, one from the end
  ends with an outro, one from the middle has neither;
- lyrics_placement: every sung syllable lies in the window; the default window keeps the line;
- clarity_strength: fewer layers and a quieter accompaniment, so the vocal stem is louder
  relative to the mix (rendered);
- lyrics_strength: 1 sets syllables on the eighth-note grid, 0 frees them from it.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose import compose
from tunesmith.music.edit.studio_fields import (
    clarify,
    grid_deviation_beats,
    notional_duration_s,
    place_lyrics,
    set_words,
    song_excerpt,
)
from tunesmith.music.produce import render_score
from tunesmith.music.score import Score
from tunesmith.music.spec import make_spec
from tunesmith.music.style.tags import resolve_style

LYRICS = (
    "[Verse]\nStars they shine above me\nLight the road ahead\n[Chorus]\nHold on hold on\nWe are going home"
)


def song(duration_s: float = 12.0, *, lyrics: str = LYRICS, seed: int = 3) -> Score:
    spec = make_spec(tags="pop, piano", seed=seed, lyrics=lyrics, duration_s=duration_s, quality="draft")
    return compose(spec, resolve_style(spec.tags))


def excerpt(start: float, end: float) -> Score:
    whole = song(notional_duration_s(12.0, start, end))
    return song_excerpt(whole, start, end, 12.0)


def test_song_section_opens_like_an_intro_and_ends_like_an_outro() -> None:
    opening, middle, ending = excerpt(0.0, 0.3), excerpt(0.5, 0.75), excerpt(0.7, 1.0)
    for clip in (opening, middle, ending):
        assert clip.duration_s == 12.0 and clip.sections and clip.sections[0].start_bar == 0
    assert opening.sections[0].kind == "intro" and opening.sections[-1].kind != "outro"
    assert middle.sections[0].kind != "intro" and middle.sections[-1].kind != "outro"
    assert ending.sections[-1].kind == "outro" and ending.sections[0].kind != "intro"
    # the excerpt is the whole song's material, shifted: notes start at the clip's beat 0 or later
    assert all(n.start_beat >= 0 for t in middle.tracks for n in t.notes)
    with pytest.raises(InvalidParameter):
        notional_duration_s(12.0, 0.6, 0.4)


def test_lyrics_placement_keeps_the_vocal_inside_the_window() -> None:
    score = song(24.0)
    assert score.vocals
    first_s = min(score.seconds_at(v.start_beat) for v in score.vocals)
    last_s = max(score.seconds_at(v.end_beat) for v in score.vocals)
    assert place_lyrics(score, 0.0, 1.0) is score
    lo, hi = 0.0, (first_s + last_s) / 2 / score.duration_s
    placed = place_lyrics(score, lo, hi)
    assert placed.vocals and len(placed.vocals) < len(score.vocals)
    assert max(placed.seconds_at(v.end_beat) for v in placed.vocals) <= hi * score.duration_s + 1e-6
    assert len(placed.lyrics.splitlines()) < len(score.lyrics.splitlines())


def test_clarity_thins_the_arrangement_and_brings_the_voice_forward() -> None:
    score = song(10.0)
    busy, clear = clarify(score, 0.0), clarify(score, 1.0)
    assert len(clear.tracks) < len(busy.tracks) <= len(score.tracks)
    assert {t.role for t in clear.tracks} >= {"drums", "bass"}

    def vocal_to_mix_db(shaped: Score) -> float:
        rendered = render_score(shaped, quality="draft")
        mix = float(np.sqrt(np.mean(rendered.master.samples.astype(np.float64) ** 2)))
        voice = float(np.sqrt(np.mean(rendered.stems["vocals"].samples.astype(np.float64) ** 2)))
        return float(20 * np.log10(voice / mix))

    assert vocal_to_mix_db(clear) > vocal_to_mix_db(busy) + 3.0


def test_lyrics_strength_sets_syllables_on_or_off_the_grid() -> None:
    score = song(12.0)
    syllabic, free = set_words(score, 1.0, seed=1), set_words(score, 0.0, seed=1)
    assert grid_deviation_beats(syllabic) < 0.01
    assert grid_deviation_beats(free) > 0.1
    assert set_words(score, 0.5, seed=1) is score
    # the words and pitches stay; the line never overlaps itself
    assert [(v.pitch, v.syllable) for v in free.vocals] == [(v.pitch, v.syllable) for v in score.vocals]
    lead = sorted(free.vocals, key=lambda v: v.start_beat)
    assert all(a.end_beat <= b.start_beat + 1e-6 for a, b in pairwise(lead))
