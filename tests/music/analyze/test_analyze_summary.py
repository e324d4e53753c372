"""summarize(): the JSON-ready analysis of a rendered song."""

from __future__ import annotations

import json

import numpy as np

from tunesmith.music.analyze.evalset import SongCase, render_song
from tunesmith.music.analyze.summary import summarize
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.theory.keys import Key


def test_summary_of_a_song_is_json_ready_and_measured() -> None:
    case = SongCase("s", 120.0, Key(7, "major"), (0, 4, 5, 3), "backbeat", bars=6)
    audio = render_song(case, sample_rate_hz=44_100)
    summary = summarize(audio, peak_points=200)
    assert json.loads(json.dumps(summary, allow_nan=False)) == summary
    assert abs(summary["tempo_bpm"] - 120.0) < 1.0
    assert summary["key"] in ("G major", "E minor")
    assert summary["beats"] >= 20
    assert summary["bpm_min"] <= summary["bpm_avg"] <= summary["bpm_max"]
    assert summary["duration_s"] == round(audio.duration_s, 4)
    assert -40 < summary["loudness_lufs"] < 0 and summary["true_peak_dbtp"] <= 0.5
    assert len(summary["peaks"]) == 200 and max(summary["peaks"]) > 0.5
    assert summary["silences"] == []


def test_summary_of_silence_has_nulls_not_nans() -> None:
    summary = summarize(AudioBuffer.from_array(np.zeros(22_050 * 3), 22_050))
    json.dumps(summary, allow_nan=False)
    assert summary["tempo_bpm"] == 0.0 and summary["loudness_lufs"] is None
    assert summary["silences"] == [[0.0, 3.0]]
