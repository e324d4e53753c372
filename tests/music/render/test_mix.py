"""The mixer: stems per group, exact sums, inserts and sends, measured on the audio."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.render.mix import mix_tracks
from tunesmith.music.render.synth import render_tracks
from tunesmith.music.score import Note, Score, Track

RATE = 44_100


@pytest.fixture(scope="module")
def score(make_score) -> Score:
    return make_score(with_guitar=True)


@pytest.fixture(scope="module")
def tracks(score: Score) -> dict[str, AudioBuffer]:
    return render_tracks(score)


def _db(x: np.ndarray) -> float:
    return 10 * np.log10(float(np.mean(np.square(x, dtype=np.float64))) + 1e-30)


def test_one_stem_per_group_used_and_exact_sum(score: Score, tracks: dict[str, AudioBuffer]) -> None:
    result = mix_tracks(score, tracks)
    assert list(result.stems) == ["drums", "bass", "guitar", "keyboard", "strings"]
    assert list(result.stems) == score.stem_groups
    frames = round(score.duration_s * RATE)
    total = np.zeros((2, frames), dtype=np.float64)
    for stem in result.stems.values():
        assert stem.samples.shape == (2, frames)
        assert _db(stem.samples) > -50.0
        total += stem.samples
    residual_db = _db(total - result.mix.samples) - _db(result.mix.samples)
    assert residual_db < -40.0
    limit = 10 ** (-1.0 / 20) + 1e-6  # headroom: nothing clips when written as 24-bit files
    assert np.abs(result.mix.samples).max() <= limit
    assert all(np.abs(s.samples).max() <= limit for s in result.stems.values())
    assert result.mix.samples.shape == (2, frames)


def test_empty_tracks_and_extra_vocals(score: Score, tracks: dict[str, AudioBuffer]) -> None:
    with_empty = dataclasses.replace(score, tracks=[*score.tracks, Track("fx", "fx", "fx", 120)])
    rng = np.random.default_rng(0)
    t = np.arange(round(score.duration_s * RATE)) / RATE
    voice = AudioBuffer.from_array(0.2 * np.sin(2 * np.pi * 220 * t) * (rng.random(t.size) > 0.0), RATE)
    audio = {**tracks, "fx": AudioBuffer.silence(score.duration_s)}
    result = mix_tracks(with_empty, audio, {"vocals": voice, "backing_vocals": voice})
    assert "fx" not in result.stems
    assert list(result.stems)[:2] == ["vocals", "backing_vocals"]
    lead_db = _db(result.stems["vocals"].samples)
    assert lead_db > -40.0
    assert _db(result.stems["backing_vocals"].samples) == pytest.approx(lead_db - 5.0, abs=0.5)
    summed = sum(s.samples.astype(np.float64) for s in result.stems.values())
    assert _db(summed - result.mix.samples) - _db(result.mix.samples) < -40.0
    with pytest.raises(InvalidParameter) as info:
        mix_tracks(score, tracks, {"lead_guitar": voice})
    assert info.value.field == "extra_stems"


def _harmonic_ratio(audio: np.ndarray, fundamental_hz: float) -> float:
    """Energy in harmonics 3..20 relative to the fundamental and 2nd harmonic (1-3 s)."""
    segment = audio.mean(axis=0)[int(1.0 * RATE) : int(3.0 * RATE)].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(segment * np.hanning(segment.size))) ** 2
    freqs = np.fft.rfftfreq(segment.size, 1 / RATE)
    low = spectrum[(freqs > fundamental_hz * 0.7) & (freqs < fundamental_hz * 2.3)].sum()
    high = spectrum[(freqs > fundamental_hz * 2.7) & (freqs < fundamental_hz * 20)].sum()
    return float(high / low)


def test_drive_adds_harmonics(make_score) -> None:
    base = make_score(bars=2, with_strings=False)
    sustained = [Note(57, 0.0, 8.0, 100)]  # A3, 220 Hz, on a near-sinusoidal ocarina (GM 79)
    ratios = {}
    for effects in ((), ("drive",)):
        score = dataclasses.replace(
            base,
            tracks=[Track("gtr", "chords", "guitar", 79, notes=sustained, effects=effects, reverb_send=0.0)],
        )
        stems = mix_tracks(score, render_tracks(score)).stems
        ratios[effects] = _harmonic_ratio(stems["guitar"].samples, 220.0)
    assert ratios[("drive",)] > 2.5 * ratios[()]


def test_sidechain_ducks_after_each_kick(make_score) -> None:
    score = make_score(bars=3, with_strings=True)
    plain = mix_tracks(score, render_tracks(score)).stems["strings"].samples
    strings = next(t for t in score.tracks if t.name == "strings")
    ducked_score = dataclasses.replace(
        score,
        tracks=[
            dataclasses.replace(strings, effects=("sidechain",)) if t is strings else t for t in score.tracks
        ],
    )
    ducked = mix_tracks(ducked_score, render_tracks(ducked_score)).stems["strings"].samples
    # kicks on beats 0 and 2 of each bar: at 120 bpm, 2.0 s and 3.0 s are kicks, 2.5 s a snare
    after_kick = slice(int(2.01 * RATE), int(2.08 * RATE))
    before_kick = slice(int(2.85 * RATE), int(2.98 * RATE))
    drop_after = _db(plain[:, after_kick]) - _db(ducked[:, after_kick])
    drop_before = _db(plain[:, before_kick]) - _db(ducked[:, before_kick])
    # gain staging re-levels the whole track, so compare the dip right after a kick with just before one
    assert drop_after > drop_before + 4.0


def test_pan(score: Score, tracks: dict[str, AudioBuffer]) -> None:
    result = mix_tracks(score, tracks)
    guitar = result.stems["guitar"].samples  # panned +0.4 (right)
    assert _db(guitar[1]) > _db(guitar[0]) + 2.0


@pytest.mark.parametrize("quality", ["standard", "high"])
def test_reverb_return_rings_after_the_notes(make_score, quality: str) -> None:
    base = make_score(bars=3, with_strings=False)
    chord = [Note(p, 0.0, 2.0, 90) for p in (60, 64, 67)]  # 0-1 s at 120 bpm
    score = dataclasses.replace(
        base, tracks=[Track("pad", "pad", "strings", 48, notes=chord, reverb_send=0.6)]
    )
    audio = render_tracks(score)
    dry = mix_tracks(score, audio, quality="draft").stems["strings"].samples
    wet = mix_tracks(score, audio, quality=quality).stems["strings"].samples
    tail = slice(int(1.5 * RATE), int(2.5 * RATE))  # the release is over; the room still rings
    assert _db(wet[:, tail]) > _db(dry[:, tail]) + 6.0
    assert _db(wet[:, tail]) > -70.0


def test_missing_audio_is_an_error(score: Score, tracks: dict[str, AudioBuffer]) -> None:
    partial = {k: v for k, v in tracks.items() if k != "bass"}
    with pytest.raises(InvalidParameter) as info:
        mix_tracks(score, partial)
    assert info.value.field == "track_audio"
