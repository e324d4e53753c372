"""replace_section: outside the window the audio is the source's, bit for bit; the joins are
click-free; inside, the new lyrics are sung.

Measured (pop source, window 5–10 s → bars 2–5, 4.50–11.25 s): stems, unmastered mix and master
bit-identical outside [start − 20 ms, end + 20 ms); join step ratios ≤ 1 at both edges.
"""

from __future__ import annotations

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.edit import ReplacedSection, replace_section, seam_report
from tunesmith.music.edit.replace import DEFAULT_CROSSFADE_S
from tunesmith.music.render import RenderedSong
from tunesmith.music.score import Score

pytestmark = pytest.mark.slow

NEW_LYRICS = "[Verse]\nBrand new words are here to stay\nSinging all the night away"


@pytest.fixture(scope="module")
def replaced(source: Score, source_render: RenderedSong) -> ReplacedSection:
    return replace_section(
        source,
        source_render.stems,
        start_s=5.0,
        end_s=10.0,
        seed=2,
        lyrics=NEW_LYRICS,
        source_mix=source_render.mix,
        source_master=source_render.master,
    )


def test_window_is_widened_to_bars(source: Score, replaced: ReplacedSection) -> None:
    bar_s = source.beats_per_bar * 60.0 / source.tempo_bpm
    assert replaced.start_s == pytest.approx(2 * bar_s) and replaced.start_s <= 5.0
    assert replaced.end_s == pytest.approx(5 * bar_s) and replaced.end_s >= 10.0
    assert replaced.score.duration_s == source.duration_s


def test_audio_outside_the_window_is_bit_identical(
    source_render: RenderedSong, replaced: ReplacedSection
) -> None:
    rate = source_render.mix.sample_rate_hz
    xf = round(DEFAULT_CROSSFADE_S * rate)
    a, b = round(replaced.start_s * rate) - xf, round(replaced.end_s * rate) + xf
    pairs = [(source_render.mix, replaced.mix), (source_render.master, replaced.master)]
    pairs += [(source_render.stems[g], replaced.stems[g]) for g in source_render.stems]
    for old, new in pairs:
        assert new.frames == old.frames
        assert np.array_equal(new.samples[:, :a], old.samples[:, :a])
        assert np.array_equal(new.samples[:, b:], old.samples[:, b:])
    # and the window did change
    inside = slice(a + xf, b - xf)
    assert not np.array_equal(replaced.master.samples[:, inside], source_render.master.samples[:, inside])


def test_joins_are_click_free(source_render: RenderedSong, replaced: ReplacedSection) -> None:
    # a click is a sample step larger than the music makes around it (ratio > 1); right at a bar
    # line the music itself may step that much (a drum attack), so the source's own ratio at the
    # same instant is the allowance there
    xf = DEFAULT_CROSSFADE_S
    for edge in (replaced.start_s - xf, replaced.start_s, replaced.end_s, replaced.end_s + xf):
        report = seam_report(replaced.master, edge)
        own = seam_report(source_render.master, edge)
        print(f"edge {edge:.3f} s: step ratio {report.step_ratio:.3f} (source there {own.step_ratio:.3f})")
        assert report.step_ratio < max(1.0, 1.1 * own.step_ratio)


def test_the_new_lyrics_are_sung_inside_the_window(
    source: Score, source_render: RenderedSong, replaced: ReplacedSection
) -> None:
    score = replaced.score
    s0 = score.beat_at(replaced.start_s) - 1e-6
    s1 = score.beat_at(replaced.end_s) - 1e-6  # a note starting on the closing bar line is outside
    inside = [v for v in score.vocals if s0 <= v.start_beat < s1 and not v.backing]
    words = " ".join({v.word_index: v.word for v in inside}.values())
    assert words == "Brand new words are here to stay Singing all the night away"
    assert "Brand new words are here to stay" in score.lyrics
    outside_old = [v for v in source.vocals if not s0 <= v.start_beat < s1]
    outside_new = [v for v in score.vocals if not s0 <= v.start_beat < s1]
    assert [(v.pitch, v.start_beat, v.syllable) for v in outside_new] == [
        (v.pitch, v.start_beat, v.syllable) for v in outside_old if v.end_beat <= s0 or v.start_beat >= s1
    ]
    # on the audio: the vocal stem inside the window is a new performance, and it is sung
    rate = source_render.mix.sample_rate_hz
    window = slice(round(replaced.start_s * rate), round(replaced.end_s * rate))
    new_voice = replaced.stems["vocals"].samples[0, window]
    old_voice = source_render.stems["vocals"].samples[0, window]
    rms = float(np.sqrt(np.mean(np.square(new_voice))))
    assert rms > 0.01
    correlation = float(np.corrcoef(new_voice, old_voice)[0, 1])
    print(f"vocal stem in window: rms {rms:.3f}, correlation with the old one {correlation:.3f}")
    assert abs(correlation) < 0.5


def test_replace_rejects_bad_windows(source: Score, source_render: RenderedSong) -> None:
    for start, end, field in (
        (5.0, 6.0, "infill_end_s"),
        (-1.0, 4.0, "infill_start_s"),
        (5.0, 99.0, "infill_end_s"),
    ):
        with pytest.raises(InvalidParameter) as err:
            replace_section(source, source_render.stems, start_s=start, end_s=end, seed=1)
        assert err.value.field == field
