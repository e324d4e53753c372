"""The singer on real rendered audio: pitch, voicing, onsets, both voices, stem shapes."""

from __future__ import annotations

import shutil

import librosa
import numpy as np
import pytest

from tunesmith.music.audio import AudioBuffer
from tunesmith.music.compose.melody import lead_sheet_score
from tunesmith.music.render.voice import render_vocals
from tunesmith.music.render.voice.evaluate import onset_report, pitch_report
from tunesmith.music.score import Score

pytestmark = pytest.mark.skipif(shutil.which("festival") is None, reason="Festival is not installed")

LYRIC = """[Verse]
Morning comes and I am walking slow
Every window shining gold below

[Chorus]
Hold on, we are rising
(rising)
Hold on to the light
"""


@pytest.fixture(scope="module", params=["f", "m"])
def sung(request: pytest.FixtureRequest) -> tuple[Score, dict[str, AudioBuffer]]:
    score = lead_sheet_score(LYRIC, seed=11, vocal_gender=request.param, tempo_bpm=110)
    return score, render_vocals(score)


def test_stems_have_exact_length_and_sound(sung: tuple[Score, dict[str, AudioBuffer]]) -> None:
    score, stems = sung
    assert set(stems) == {"vocals", "backing_vocals"}
    for stem in stems.values():
        assert stem.sample_rate_hz == 44_100
        assert stem.channels == 2
        assert stem.frames == round(score.duration_s * 44_100)
        assert np.all(np.isfinite(stem.samples))
        assert 0.1 < float(np.max(np.abs(stem.samples))) <= 1.0
    # silent where nothing is sung: before the first note there is (almost) nothing
    lead = stems["vocals"].mono()
    first_s = score.seconds_at(min(n.start_beat for n in score.vocals))
    assert first_s < 0.2 or float(np.max(np.abs(lead[: int((first_s - 0.2) * 44_100)]))) < 0.05


def test_pitch_and_voicing_on_the_lead_stem(sung: tuple[Score, dict[str, AudioBuffer]]) -> None:
    score, stems = sung
    report = pitch_report(score, stems["vocals"])
    assert report.notes >= 15
    assert report.median_abs_cents <= 30.0
    assert report.voiced >= 0.85


def test_onsets_follow_the_timeline(sung: tuple[Score, dict[str, AudioBuffer]]) -> None:
    score, stems = sung
    report = onset_report(score, stems["vocals"])
    assert report.words >= 15
    assert report.hit_rate >= 0.8


def test_voices_are_distinct_and_deterministic() -> None:
    text = "[Verse]\nSing it once again"
    female = lead_sheet_score(text, seed=3, vocal_gender="f")
    male = lead_sheet_score(text, seed=3, vocal_gender="m")
    f_stem = render_vocals(female)["vocals"].mono()
    m_stem = render_vocals(male)["vocals"].mono()
    assert not np.allclose(f_stem[: m_stem.size], m_stem[: f_stem.size])

    # the male voice sings lower: its median f0 (YIN, over loud frames) is at least 5 semitones lower
    def median_f0(x: np.ndarray) -> float:
        f0 = librosa.yin(x.astype(np.float64), fmin=70.0, fmax=900.0, sr=44_100, frame_length=2048)
        rms = librosa.feature.rms(y=x, frame_length=2048, hop_length=512)[0][: f0.size]
        return float(np.median(f0[: rms.size][rms > 0.3 * rms.max()]))

    assert median_f0(m_stem) < median_f0(f_stem) * 2 ** (-5 / 12)
    again = render_vocals(female)["vocals"].mono()
    assert np.array_equal(f_stem, again)


@pytest.mark.parametrize(
    "text",
    ["Привет мир, я пою для тебя", "🔥 24/7 we're lovin' it (yeah) 🔥", "[Bridge]\nNguyen Blorptastic Xyzzy"],
)
def test_unusual_lyrics_still_sing(text: str) -> None:
    score = lead_sheet_score(text, seed=2, vocal_gender="m")
    stems = render_vocals(score)
    lead = stems["vocals"]
    assert lead.frames == round(score.duration_s * 44_100)
    assert float(np.sqrt(np.mean(lead.mono() ** 2))) > 0.005


def test_no_vocals_gives_no_stems() -> None:
    score = lead_sheet_score("[Instrumental]", seed=1)
    assert score.vocals == []
    assert render_vocals(score) == {}


def test_pads_are_sung_on_their_chord_tones() -> None:
    text = "[Verse]\nSing it once again\n\n[Verse 2]\nSing it slow and low"
    score = lead_sheet_score(text, seed=4, vocal_gender="f")
    pads = [n for n in score.vocals if n.backing and n.word == "ooh"]
    assert pads
    backing = render_vocals(score)["backing_vocals"]
    report = pitch_report(score, backing, backing=True)
    assert report.notes >= len(pads) - 1
    assert report.median_abs_cents <= 30.0
    assert report.voiced >= 0.85


def test_every_timeline_word_is_sung_when_a_line_repeats_on_other_notes() -> None:
    """A line repeated with the same words and rhythm but other pitches reuses the first one's
    time warp; its audio must still land at its own place in the song (it used to be added at
    the first occurrence's time, leaving the repeat silent while the timeline listed its words)."""
    from tunesmith.music.compose import compose
    from tunesmith.music.lyrics.timeline import lyrics_timeline
    from tunesmith.music.render.voice.singer import render_parts, split_phrases
    from tunesmith.music.spec import make_spec
    from tunesmith.music.style.tags import resolve_style

    lines = ["Walking down the empty road tonight", "Stars are shining oh so bright"] * 4
    spec = make_spec(tags="pop", seed=1, duration_s=30, lyrics="[Verse]\n" + "\n".join(lines))
    score = compose(spec, resolve_style(spec.tags, spec.negative_tags))
    phrases = split_phrases(score.vocals, backing=False)
    first = phrases[0]
    repeats = [
        p
        for p in phrases[1:]
        if [n.syllable for n in p.notes] == [n.syllable for n in first.notes]
        and [n.pitch for n in p.notes] != [n.pitch for n in first.notes]
    ]
    assert repeats, "the song should repeat its first line on other notes"
    parts, rate_hz = render_parts(score, gender="f", seed=1)
    lead = parts[False]
    for word in lyrics_timeline(score):
        a, b = round(float(str(word["start_s"])) * rate_hz), round(float(str(word["end_s"])) * rate_hz)
        rms = float(np.sqrt(np.mean(lead[a:b] ** 2)))
        assert rms > 1e-3, (word, rms)
