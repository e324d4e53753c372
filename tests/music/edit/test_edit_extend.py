"""extend / concat: the extension continues the source seamlessly, measured on rendered audio.

Measured (pop source 20 s at 106.67 BPM in A major, joined at 12.3 s → snapped to bar 5, 11.25 s):
seam step ratio 0.23 (largest sample step at the join over the 99th percentile of steps around
it; a hard cut of a sustained tone gives > 5); measured tempo before/after the join 106.61 /
106.61 BPM (Score 106.67); key A major on both sides; beats tracked across the seam shift by
3.5 ms (spread 4.9 ms around the grid).
"""

from __future__ import annotations

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.analyze.key import estimate_key, key_matches
from tunesmith.music.analyze.tempo import estimate_tempo
from tunesmith.music.edit import concat, extend, join_audio, seam_report, snap_continue_at
from tunesmith.music.render import RenderedSong
from tunesmith.music.score import Score

CONTINUE_AT_S = 12.3  # as in conftest's extension fixture (checked by test_fixture_request)
EXTENSION_LYRICS = "[Chorus]\nRun away with me tonight\nEverything will be alright"


def test_fixture_request(extension_request: dict[str, object]) -> None:
    assert extension_request["continue_at_s"] == CONTINUE_AT_S
    assert extension_request["lyrics"] == EXTENSION_LYRICS


pytestmark = pytest.mark.slow


def test_snap_continue_at_lands_on_the_nearest_bar_line(source: Score) -> None:
    bar_s = source.beats_per_bar * 60.0 / source.tempo_bpm
    snapped = snap_continue_at(source, CONTINUE_AT_S)
    assert snapped == pytest.approx(round(CONTINUE_AT_S / bar_s) * bar_s, abs=1e-6)
    assert snap_continue_at(source, 0.1) == pytest.approx(bar_s, abs=1e-6)  # never bar 0
    assert snap_continue_at(source, source.duration_s) == pytest.approx(
        source.seconds_at(source.total_beats), abs=1e-6
    )
    for bad in (0.0, -1.0, source.duration_s + 1.0):
        with pytest.raises(InvalidParameter) as err:
            snap_continue_at(source, bad)
        assert err.value.field == "continue_at"


def test_extension_keeps_tempo_key_meter_instrumentation_and_sings_the_new_lyrics(
    source: Score, extension: Score
) -> None:
    assert extension.tempo_map[0].tempo_bpm == source.tempo_bpm  # exactly: the beat grid runs on
    assert len(extension.tempo_map) == 1
    assert extension.key == source.key
    assert extension.meter == source.meter
    assert extension.duration_s == 16.0
    source_tracks = {t.name: (t.program, t.group, t.gain_db, t.pan, t.effects) for t in source.tracks}
    for track in extension.tracks:
        assert source_tracks[track.name] == (
            track.program,
            track.group,
            track.gain_db,
            track.pan,
            track.effects,
        )
    assert extension.mix == source.mix
    assert extension.vocal_gender == source.vocal_gender
    sung_words = " ".join(v.word for v in extension.vocals if v.syllable and not v.backing).lower()
    for word in ("run", "away", "with", "me", "tonight"):
        assert word in sung_words
    assert "Run away with me tonight" in extension.lyrics
    last_note_s = max(extension.seconds_at(n.end_beat) for t in extension.tracks for n in t.notes)
    assert last_note_s < extension.duration_s


def test_extend_is_deterministic_and_seed_dependent(source: Score, extension: Score) -> None:
    again = extend(source, continue_at_s=CONTINUE_AT_S, seed=5, lyrics=EXTENSION_LYRICS, duration_s=16)
    assert again.to_json() == extension.to_json()
    other = extend(source, continue_at_s=CONTINUE_AT_S, seed=6, lyrics=EXTENSION_LYRICS, duration_s=16)
    assert other.to_json() != extension.to_json()


def test_extension_without_lyrics_reprises_the_chorus_or_stays_instrumental(source: Score) -> None:
    reprise = extend(source, continue_at_s=8.0, seed=1, duration_s=12)
    # this short source sings only its verse (its chorus did not fit in 20 s): that is reprised
    assert "[Chorus]" not in source.lyrics
    assert reprise.vocals and "Sun comes up over the town" in reprise.lyrics
    instrumental = extend(source, continue_at_s=8.0, seed=1, duration_s=12, instrumental=True)
    assert not instrumental.vocals and instrumental.lyrics == ""


def test_extend_rejects_bad_input(source: Score) -> None:
    cases = [
        ({"continue_at_s": 0.0, "seed": 1}, "continue_at"),
        ({"continue_at_s": 5.0, "seed": -1}, "seed"),
        ({"continue_at_s": 5.0, "seed": 1, "duration_s": 5.0}, "duration"),
        ({"continue_at_s": 5.0, "seed": 1, "duration_s": 400.0}, "duration"),
    ]
    for kwargs, field in cases:
        with pytest.raises(InvalidParameter) as err:
            extend(source, **kwargs)  # type: ignore[arg-type]
        assert err.value.field == field


def test_concat_audio_has_no_seam(
    source: Score, source_render: RenderedSong, extension: Score, extension_render: RenderedSong
) -> None:
    cut_s = snap_continue_at(source, CONTINUE_AT_S)
    joined = join_audio([(source_render.master, cut_s), (extension_render.master, None)])
    rate = joined.sample_rate_hz
    assert joined.frames == round(cut_s * rate) + extension_render.master.frames

    # no click: the join makes no sample step larger than the music around it makes
    report = seam_report(joined, cut_s)
    print(f"seam: step {report.step:.4f} typical {report.typical_step:.4f} ratio {report.step_ratio:.3f}")
    assert report.step_ratio < 1.0

    # tempo and key continuous: the project's analysis on each side of the join
    before, after = joined.slice_s(0.0, cut_s), joined.slice_s(cut_s, cut_s + 12.0)
    t_before, t_after = estimate_tempo(before).tempo_bpm, estimate_tempo(after).tempo_bpm
    print(f"tempo before {t_before:.2f} after {t_after:.2f} score {source.tempo_bpm:.2f}")
    assert t_after == pytest.approx(t_before, rel=0.02)
    assert t_before == pytest.approx(source.tempo_bpm, rel=0.02)
    k_before, k_after = estimate_key(before), estimate_key(after)
    print(f"key before {k_before.name} after {k_after.name}")
    assert key_matches(k_before, source.key) in ("exact", "relative")
    assert key_matches(k_after, source.key) in ("exact", "relative")

    # beat grid continuous: beats tracked across the join sit on the source's grid
    beat_s = 60.0 / source.tempo_bpm
    window = joined.slice_s(cut_s - 6.0, cut_s + 6.0)
    beats = estimate_tempo(window).beats_s + (cut_s - 6.0)
    near = beats[np.abs(beats - cut_s) < 4 * beat_s]
    assert near.size >= 6 and (near < cut_s).any() and (near > cut_s).any()
    phase = (near - cut_s) / beat_s
    offset_s = (phase - np.round(phase)) * beat_s  # tracker latency + any grid shift, per beat
    shift_s = abs(np.median(offset_s[near > cut_s]) - np.median(offset_s[near < cut_s]))
    spread_s = np.abs(offset_s - np.median(offset_s)).max()
    print(f"beat grid: shift across the seam {shift_s * 1000:.1f} ms, spread {spread_s * 1000:.1f} ms")
    assert shift_s < 0.015
    assert spread_s < 0.03
    intervals = np.diff(near)
    assert np.all(np.abs(intervals / beat_s - np.round(intervals / beat_s)) < 0.1)


def test_concat_score_matches_the_joined_pieces(source: Score, extension: Score) -> None:
    cut_s = snap_continue_at(source, CONTINUE_AT_S)
    whole = concat([(source, cut_s), (extension, None)])
    cut_bar = round(cut_s / (source.beats_per_bar * 60.0 / source.tempo_bpm))
    cut_beat = cut_bar * source.beats_per_bar
    assert whole.duration_s == pytest.approx(cut_s + extension.duration_s, abs=1e-5)
    assert whole.total_bars == cut_bar + extension.total_bars
    assert whole.tempo_bpm == source.tempo_bpm and len(whole.tempo_map) == 1
    for track in whole.tracks:
        head = [n for n in track.notes if n.start_beat < cut_beat - 1e-6]
        tail = [n for n in track.notes if n.start_beat >= cut_beat - 1e-6]
        src = next((t for t in source.tracks if t.name == track.name), None)
        ext = next((t for t in extension.tracks if t.name == track.name), None)
        expected_head = [n for n in src.notes if n.start_beat < cut_beat - 1e-6] if src else []
        assert [(n.pitch, n.start_beat) for n in head] == [(n.pitch, n.start_beat) for n in expected_head]
        assert all(n.end_beat <= cut_beat + 1e-6 for n in head)
        expected_tail = [(n.pitch, round(n.start_beat + cut_beat, 6)) for n in ext.notes] if ext else []
        assert [(n.pitch, n.start_beat) for n in tail] == expected_tail
    # lyrics: the lines sung before the cut, then the extension's
    assert whole.lyrics.endswith("[Chorus]\nRun away with me tonight\nEverything will be alright")
    lines = [v.line_index for v in whole.vocals if not v.backing]
    assert lines == sorted(lines)
    assert whole.lyrics.count("\n") >= 3
    words = [v.word_index for v in whole.vocals if not v.backing and v.syllable]
    assert words == sorted(words)


def test_concat_rejects_a_chain_without_join_points(source: Score, extension: Score) -> None:
    with pytest.raises(InvalidParameter):
        concat([(source, None), (extension, None)])
    with pytest.raises(InvalidParameter):
        concat([])
