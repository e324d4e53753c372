"""render_song end to end: stems, mix, master loudness and true peak, determinism."""

from __future__ import annotations

import dataclasses

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from tunesmith.errors import InvalidParameter
from tunesmith.music.analyze.loudness import integrated_lufs, true_peak_dbtp
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.render import RenderedSong, master, render_song
from tunesmith.music.score import MixSettings, Score

RATE = 44_100


@pytest.fixture(scope="module")
def score(make_score) -> Score:
    base = make_score(bars=6, with_guitar=True, guitar_effects=("drive",))
    return dataclasses.replace(
        base, mix=MixSettings(brightness_db=1.5, low_end_db=1.0, delay_beats=0.75, width=1.2)
    )


@pytest.fixture(scope="module")
def song(score: Score) -> RenderedSong:
    calls: list[tuple[str, int, int]] = []
    rendered = render_song(score, progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert {c[0] for c in calls} == {"render", "mix", "master"}
    assert ("render", len(score.tracks), len(score.tracks)) in calls
    return rendered


def _pyloudnorm(audio: AudioBuffer) -> float:
    return float(
        pyloudnorm.Meter(audio.sample_rate_hz).integrated_loudness(audio.samples.T.astype(np.float64))
    )


def test_every_output_has_the_exact_length(score: Score, song: RenderedSong) -> None:
    frames = round(score.duration_s * RATE)
    assert song.master.samples.shape == (2, frames)
    assert song.mix.samples.shape == (2, frames)
    assert all(s.samples.shape == (2, frames) for s in song.stems.values())
    assert set(song.stage_times_s) == {"synth", "mix", "master"}


def test_stems_exist_exactly_for_the_groups_used_and_sum_to_the_mix(score: Score, song: RenderedSong) -> None:
    assert list(song.stems) == score.stem_groups == ["drums", "bass", "guitar", "keyboard", "strings"]
    total = np.sum([s.samples.astype(np.float64) for s in song.stems.values()], axis=0)
    error = np.mean(np.square(total - song.mix.samples)) / np.mean(
        np.square(song.mix.samples, dtype=np.float64)
    )
    assert 10 * np.log10(error + 1e-30) < -40.0


def test_master_hits_loudness_and_true_peak(song: RenderedSong) -> None:
    assert _pyloudnorm(song.master) == pytest.approx(-14.0, abs=0.5)
    assert integrated_lufs(song.master) == pytest.approx(-14.0, abs=0.5)
    assert true_peak_dbtp(song.master) <= -1.0
    independent = 20 * np.log10(np.abs(resample_poly(song.master.samples, 4, 1, axis=1)).max())
    assert independent <= -0.9
    assert np.abs(song.master.samples).max() < 10 ** (-1.0 / 20)


def test_same_score_gives_a_bit_identical_master(score: Score, song: RenderedSong) -> None:
    again = render_song(score)
    assert np.array_equal(again.master.samples, song.master.samples)
    assert all(np.array_equal(again.stems[g].samples, song.stems[g].samples) for g in song.stems)


@pytest.mark.parametrize("level_db", [-40.0, -6.0, 6.0])
def test_mastering_any_level_reaches_the_target(song: RenderedSong, level_db: float) -> None:
    mix = AudioBuffer(song.mix.samples * np.float32(10 ** (level_db / 20)), RATE)
    for quality in ("draft", "standard"):
        mastered = master(mix, MixSettings(compression=0.8), quality=quality)
        assert mastered.frames == mix.frames
        assert _pyloudnorm(mastered) == pytest.approx(-14.0, abs=0.5)
        assert true_peak_dbtp(mastered) <= -1.0


def test_other_targets_and_silence(song: RenderedSong) -> None:
    mastered = master(song.mix, MixSettings(), target_lufs=-9.0, ceiling_dbtp=-0.5)
    assert _pyloudnorm(mastered) == pytest.approx(-9.0, abs=0.5)
    assert true_peak_dbtp(mastered) <= -0.5
    silent = master(AudioBuffer.silence(3.0), MixSettings())
    assert silent.frames == 3 * RATE
    assert not silent.samples.any()
    with pytest.raises(InvalidParameter) as info:
        master(song.mix, MixSettings(), target_lufs=5.0)
    assert info.value.field == "target_lufs"


def test_streaming_mix_equals_mixing_after_synthesis(score: Score, song: RenderedSong) -> None:
    from tunesmith.music.render import mix_tracks, render_tracks

    separate = mix_tracks(score, render_tracks(score))
    assert list(separate.stems) == list(song.stems)
    assert all(np.array_equal(separate.stems[g].samples, song.stems[g].samples) for g in song.stems)
    assert np.array_equal(separate.mix.samples, song.mix.samples)


@pytest.mark.parametrize("duration_s", [0.0, 0.01, 0.3])
def test_very_short_songs_still_respect_length_and_ceiling(make_score, duration_s: float) -> None:
    score = dataclasses.replace(make_score(bars=1), duration_s=duration_s)
    rendered = render_song(score)
    frames = round(duration_s * RATE)
    assert rendered.master.frames == rendered.mix.frames == frames
    assert all(s.frames == frames for s in rendered.stems.values())
    if frames:
        assert true_peak_dbtp(rendered.master) <= -1.0
