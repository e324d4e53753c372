"""Tempo, meter, chords and sections on songs rendered by our own engine (known Scores)."""

from __future__ import annotations

import itertools

import numpy as np

from tunesmith.music.analyze.chords import chord_overlap_accuracy, estimate_chords
from tunesmith.music.analyze.meter import estimate_meter
from tunesmith.music.analyze.structure import estimate_sections
from tunesmith.music.analyze.tempo import estimate_tempo, tempo_matches

from .songs import RenderedSong


def test_tempo_per_genre_including_metrically_ambiguous_grooves(
    rendered_songs: dict[str, RenderedSong],
) -> None:
    results = {}
    for name, song in rendered_songs.items():
        bpm = estimate_tempo(song.master).tempo_bpm
        results[name] = (
            round(song.score.tempo_bpm, 1),
            round(bpm, 1),
            tempo_matches(bpm, song.score.tempo_bpm),
        )
    # The bossa clave pulled the old estimator to 4/3 of the tempo (wrong), the waltz to half.
    # Measured after the fix: all exact except swing at 180 bpm (read as 90: octave; swing at
    # 161-173 bpm reads exact on the 64-song development set).
    for name in ("bossa nova", "drum and bass", "trap", "waltz", "rock"):
        assert results[name][2] == "exact", results
    for name in ("piano ballad", "jazz swing"):
        assert results[name][2] in ("exact", "octave"), results


def test_meter_three_four_for_the_waltz_four_four_otherwise(rendered_songs: dict[str, RenderedSong]) -> None:
    meters = {name: estimate_meter(song.master).meter for name, song in rendered_songs.items()}
    truth = {name: song.score.meter for name, song in rendered_songs.items()}
    assert meters["waltz"] == (3, 4), meters
    correct = sum(meters[n] == truth[n] for n in meters)
    assert correct >= len(meters) - 1, (meters, truth)


def test_downbeats_are_beats_spaced_by_the_bar(rendered_songs: dict[str, RenderedSong]) -> None:
    est = estimate_meter(rendered_songs["waltz"].master)
    assert est.downbeats_s.size >= 4
    assert set(np.round(est.downbeats_s, 6)).issubset(set(np.round(est.beats_s, 6)))
    bar_s = 3 * 60.0 / rendered_songs["waltz"].score.tempo_bpm
    assert abs(float(np.median(np.diff(est.downbeats_s))) / bar_s - 1) < 0.03


def test_chords_agree_with_the_score(rendered_songs: dict[str, RenderedSong]) -> None:
    accuracies = {}
    for name in ("rock", "piano ballad", "bossa nova", "waltz", "trap"):
        song = rendered_songs[name]
        s = song.score
        est = estimate_chords(song.master)
        assert est[0].start_s == 0.0 and abs(est[-1].end_s - song.master.duration_s) < 1e-6
        assert all(a.end_s == b.start_s for a, b in itertools.pairwise(est))
        ref = [
            (s.seconds_at(c.start_beat), min(s.seconds_at(c.end_beat), s.duration_s), c.root_pc, c.quality)
            for c in s.chords
            if s.seconds_at(c.start_beat) < s.duration_s
        ]
        accuracies[name] = round(chord_overlap_accuracy(est, ref), 3)
    # Measured on a 10-song set: mean 0.83 (rock/pop/ballad/house 0.99, bossa 0.74, jazz 0.25).
    assert float(np.mean(list(accuracies.values()))) >= 0.7, accuracies
    assert accuracies["rock"] >= 0.85, accuracies


def test_sections_tile_the_song_with_letter_labels(rendered_songs: dict[str, RenderedSong]) -> None:
    song = rendered_songs["rock"]
    sections = estimate_sections(song.master)
    assert sections[0].start_s == 0.0 and abs(sections[-1].end_s - song.master.duration_s) < 1e-6
    assert all(a.end_s == b.start_s for a, b in itertools.pairwise(sections))
    assert all(s.label.isalpha() and s.label.isupper() for s in sections)
    assert all(0.0 <= s.energy <= 1.0 for s in sections)
    assert sections[0].label == "A"
