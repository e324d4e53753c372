"""Waveform peaks and silence detection on constructed signals."""

from __future__ import annotations

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.analyze.peaks import waveform_peaks
from tunesmith.music.analyze.silence import find_silences
from tunesmith.music.audio import AudioBuffer

RATE = 44_100


def _tone(duration_s: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(duration_s * RATE)) / RATE
    return amplitude * np.sin(2 * np.pi * 440.0 * t)


def test_peaks_shape_range_and_values() -> None:
    samples = np.concatenate([_tone(1.0, 0.25), np.zeros(RATE), _tone(1.0, 0.8)])
    audio = AudioBuffer.from_array(np.stack([samples, -0.5 * samples]), RATE)
    peaks = waveform_peaks(audio, points=300)
    assert len(peaks) == 300
    assert all(0.0 <= p <= 1.0 for p in peaks)
    assert all(p == round(p, 4) for p in peaks)
    assert peaks[50] == pytest.approx(0.25, abs=1e-3)
    assert peaks[150] == 0.0
    assert peaks[250] == pytest.approx(0.8, abs=1e-3)
    assert len(waveform_peaks(audio)) == 1000


def test_peaks_clip_short_and_empty() -> None:
    loud = AudioBuffer.from_array(np.array([0.1, -1.5, 0.2]), RATE)
    assert waveform_peaks(loud, points=10) == [0.1, 1.0, 0.2]
    assert waveform_peaks(AudioBuffer.silence(0.0)) == []
    with pytest.raises(InvalidParameter) as info:
        waveform_peaks(loud, points=0)
    assert info.value.field == "points"


def test_silences_found_exactly() -> None:
    samples = np.concatenate(
        [
            _tone(2.0),
            np.zeros(round(1.5 * RATE)),
            _tone(1.0),
            np.zeros(round(0.5 * RATE)),
            _tone(1.0),
            np.zeros(round(2.0 * RATE)),
        ]
    )
    audio = AudioBuffer.from_array(np.stack([samples, samples]), RATE)
    spans = find_silences(audio)
    assert len(spans) == 2
    (s1, e1), (s2, e2) = spans
    assert s1 == pytest.approx(2.0, abs=0.05) and e1 == pytest.approx(3.5, abs=0.05)
    assert s2 == pytest.approx(6.0, abs=0.05) and e2 == pytest.approx(8.0, abs=1e-6)
    assert find_silences(audio, min_duration_s=0.4)[1][0] == pytest.approx(4.5, abs=0.05)


def test_quiet_but_not_silent_respects_threshold() -> None:
    quiet = AudioBuffer.from_array(_tone(3.0, 10 ** (-40 / 20)), RATE)  # RMS ≈ −43 dBFS
    assert find_silences(quiet) == []
    assert find_silences(quiet, threshold_db=-30.0) == [(0.0, 3.0)]
    assert find_silences(AudioBuffer.silence(0.0)) == []


def test_silence_bad_input_names_the_field() -> None:
    audio = AudioBuffer.silence(1.0)
    with pytest.raises(InvalidParameter) as info:
        find_silences(audio, min_duration_s=-1)
    assert info.value.field == "min_duration_s"
    with pytest.raises(InvalidParameter) as info:
        find_silences(audio, threshold_db=3)
    assert info.value.field == "threshold_db"
