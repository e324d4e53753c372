"""BS.1770 loudness and true peak, against pyloudnorm and a plain 4x resampler."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import firwin, upfirdn

from tunesmith.music.analyze.loudness import integrated_lufs, true_peak_dbtp
from tunesmith.music.audio import AudioBuffer

RATE = 44_100


def _signal(seed: int, seconds: float = 6.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    tone = 0.3 * np.sin(2 * np.pi * 997 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.7 * t))
    noise = rng.standard_normal(t.size) * np.where(t % 2 < 1, 0.2, 0.01)
    return np.stack([tone, 0.5 * tone + noise]).astype(np.float32)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("rate", [44_100, 48_000])
def test_integrated_loudness_matches_pyloudnorm(seed: int, rate: int) -> None:
    samples = _signal(seed)
    ours = integrated_lufs(AudioBuffer(samples, rate))
    reference = pyloudnorm.Meter(rate).integrated_loudness(samples.T.astype(np.float64))
    assert abs(ours - reference) < 0.02


def test_reference_tone_reads_its_level() -> None:
    t = np.arange(5 * RATE) / RATE
    tone = (0.1 * np.sin(2 * np.pi * 997 * t)).astype(np.float32)
    # BS.1770: a 997 Hz sine peaking at -20 dBFS in both channels reads -20 LUFS
    # (+3.01 dB for two channels, -3.01 dB from peak to RMS)
    assert integrated_lufs(AudioBuffer(np.stack([tone, tone]), RATE)) == pytest.approx(-20.0, abs=0.1)
    assert integrated_lufs(AudioBuffer(np.stack([tone * 2, tone * 2]), RATE)) == pytest.approx(
        -13.98, abs=0.1
    )


def test_silence_and_short_audio() -> None:
    assert integrated_lufs(AudioBuffer.silence(2.0)) == -math.inf
    assert integrated_lufs(AudioBuffer.silence(0.1)) == -math.inf
    assert true_peak_dbtp(AudioBuffer.silence(1.0)) == -math.inf


def test_true_peak_finds_inter_sample_peaks() -> None:
    n = np.arange(RATE)
    # a quarter-rate sine sampled 45 degrees off its crest: samples reach only 0.707 of the true peak
    tone = (0.5 * np.sin(2 * np.pi * n / 4 + math.pi / 4)).astype(np.float32)[np.newaxis, :]
    sample_peak_db = 20 * math.log10(float(np.abs(tone).max()))
    assert sample_peak_db == pytest.approx(20 * math.log10(0.5 * math.sqrt(0.5)), abs=0.01)
    assert true_peak_dbtp(AudioBuffer(tone, RATE)) == pytest.approx(20 * math.log10(0.5), abs=0.15)


@pytest.mark.parametrize("seed", [3, 4])
def test_true_peak_equals_a_full_4x_oversampling(seed: int) -> None:
    samples = _signal(seed, seconds=3.0) * 2.5
    h = firwin(49, 0.25, window=("kaiser", 6.0)) * 4
    full = upfirdn(h, samples.astype(np.float64), up=4, axis=1)
    expected = 20 * math.log10(max(float(np.abs(full).max()), float(np.abs(samples).max())))
    assert true_peak_dbtp(AudioBuffer(samples, RATE)) == pytest.approx(expected, abs=1e-6)
    # an independent polyphase resampler agrees to within a tenth of a dB
    from scipy.signal import resample_poly

    independent = 20 * math.log10(float(np.abs(resample_poly(samples, 4, 1, axis=1)).max()))
    assert abs(true_peak_dbtp(AudioBuffer(samples, RATE)) - independent) < 0.1
