"""Audio joins on synthetic signals: the seam measure detects a hard cut, the crossfades remove it."""

from __future__ import annotations

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.edit import join_audio, seam_report, splice

RATE = 44_100


def _tone(freq_hz: float, duration_s: float, phase: float = 0.0) -> AudioBuffer:
    t = np.arange(round(duration_s * RATE)) / RATE
    x = 0.5 * np.sin(2 * np.pi * freq_hz * t + phase)
    return AudioBuffer.from_array(np.stack([x, x]), RATE)


def test_hard_cut_of_a_sustained_tone_is_a_click_and_the_crossfaded_join_is_not() -> None:
    a, b = _tone(220.0, 2.0), _tone(330.0, 2.0, phase=np.pi / 2)
    cut_s = 1.0023  # mid-cycle: the hard cut steps from ~0.5 to ~0.5 of the other phase
    hard = AudioBuffer(np.concatenate([a.samples[:, : round(cut_s * RATE)], b.samples], axis=1), RATE)
    joined = join_audio([(a, cut_s), (b, None)])
    hard_report, soft_report = seam_report(hard, cut_s), seam_report(joined, cut_s)
    assert hard_report.step_ratio > 5.0
    assert soft_report.step_ratio <= 1.05
    assert joined.frames == round(cut_s * RATE) + b.frames


def test_join_keeps_both_sides_untouched_away_from_the_seam() -> None:
    a, b = _tone(220.0, 2.0), _tone(330.0, 2.0)
    joined = join_audio([(a, 1.0), (b, None)], crossfade_s=0.01)
    cut, fade, guard = RATE, round(0.01 * RATE), round(0.001 * RATE)
    assert np.array_equal(joined.samples[:, : cut - fade], a.samples[:, : cut - fade])
    assert np.array_equal(joined.samples[:, cut + guard :], b.samples[:, guard:])


def test_splice_is_bit_identical_outside_the_window_and_crossfaded_at_its_edges() -> None:
    a, b = _tone(220.0, 3.0), _tone(440.0, 3.0, phase=1.0)
    out = splice(a, b, 1.0, 2.0, crossfade_s=0.02)
    xf = round(0.02 * RATE)
    assert np.array_equal(out.samples[:, : RATE - xf], a.samples[:, : RATE - xf])
    assert np.array_equal(out.samples[:, 2 * RATE + xf :], a.samples[:, 2 * RATE + xf :])
    assert np.array_equal(out.samples[:, RATE : 2 * RATE], b.samples[:, RATE : 2 * RATE])
    for edge in (1.0 - 0.01, 2.0 + 0.01):
        assert seam_report(out, edge).step_ratio <= 1.05


def test_join_and_splice_reject_bad_input() -> None:
    a = _tone(220.0, 1.0)
    with pytest.raises(InvalidParameter) as err:
        join_audio([(a, 2.0), (a, None)])
    assert err.value.field == "continue_at"
    with pytest.raises(InvalidParameter):
        join_audio([])
    with pytest.raises(InvalidParameter):
        splice(a, a, 0.8, 0.2)
    with pytest.raises(InvalidParameter):
        join_audio([(a, 0.5), (AudioBuffer.from_array(np.zeros((2, 100)), 22_050), None)])
