"""Voice timbre features and the brightness match (:mod:`tunesmith.music.edit.timbre`) on synthetic
voices whose brightness and breath are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.edit.timbre import formant_shift_semitones, match_brightness, measure_timbre

RATE = 44_100


def voice(*, decay: float, noise: float = 0.0, seconds: float = 3.0) -> AudioBuffer:
    """A 220 Hz voice with vibrato; harmonic k at k^-decay; white-noise breath at ``noise``."""
    t = np.arange(round(seconds * RATE)) / RATE
    phase = 2 * np.pi * np.cumsum(220.0 * (1 + 0.01 * np.sin(2 * np.pi * 5.5 * t))) / RATE
    x = sum(k ** (-decay) * np.sin(k * phase) for k in range(1, 40))
    x = 0.3 * x / np.abs(x).max() + noise * 0.3 * np.random.default_rng(0).standard_normal(t.size)
    return AudioBuffer(np.vstack([x, x]).astype(np.float32), RATE)


def test_brightness_and_breath_are_measured() -> None:
    bright, dark, breathy = voice(decay=1.0), voice(decay=2.0), voice(decay=2.0, noise=0.3)
    b, d, n = measure_timbre(bright), measure_timbre(dark), measure_timbre(breathy)
    assert b is not None and d is not None and n is not None
    assert b.centroid_hz > 2 * d.centroid_hz and b.tilt_db_per_octave > d.tilt_db_per_octave + 3
    assert d.hnr_db > n.hnr_db + 6 and n.breathiness > d.breathiness
    assert 0.0 <= d.breathiness <= n.breathiness <= 1.0
    assert abs(d.voiced_s - 3.0) < 0.3
    assert measure_timbre(dark) == d  # deterministic
    assert set(d.to_dict()) >= {"centroid_hz", "hnr_db", "breathiness", "formant_f1_hz"}


def test_silence_has_no_timbre() -> None:
    assert measure_timbre(AudioBuffer(np.zeros((2, RATE), dtype=np.float32), RATE)) is None
    with pytest.raises(InvalidParameter):
        measure_timbre(voice(decay=1.0), max_s=0)


def rms(audio: AudioBuffer) -> float:
    return float(np.sqrt(np.mean(audio.samples.astype(np.float64) ** 2)))


@pytest.mark.parametrize("target_hz", [900.0, 2500.0])
def test_match_brightness_lands_on_the_target(target_hz: float) -> None:
    source = voice(decay=1.5)
    out, tilt = match_brightness(source, target_hz)
    measured = measure_timbre(out)
    assert measured is not None and abs(measured.centroid_hz / target_hz - 1) < 0.05
    assert (tilt > 0) == (target_hz > measure_timbre(source).centroid_hz)  # type: ignore[union-attr]
    assert out.frames == source.frames and out.channels == source.channels
    assert abs(rms(out) / rms(source) - 1) < 1e-3  # level kept


def test_formant_shift_reference() -> None:
    assert formant_shift_semitones(500.0, 1500.0, "m") == 0.0
    assert formant_shift_semitones(575.0, 1750.0, "f") == 0.0
    shifted = formant_shift_semitones(500.0 * 2 ** (2 / 12), 1500.0 * 2 ** (2 / 12), "m")
    assert shifted is not None and abs(shifted - 2.0) < 0.01
    assert formant_shift_semitones(None, 1500.0, "m") is None
