"""Separation (SDR against true stems), vocal activity, transcription, MIDI and the estimated Score."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.analyze.estimate import estimate_score
from tunesmith.music.analyze.separate import STEM_NAMES, sdr_db, separate_stems, separate_vocals
from tunesmith.music.analyze.transcribe import NoteEvent, lead_line, notes_to_midi, transcribe_notes
from tunesmith.music.analyze.vocals import vocal_activity
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.score import Score

from .songs import RenderedSong


def _reference(song: RenderedSong) -> tuple[dict[str, np.ndarray], float]:
    """True stems scaled onto the mastered mix (least-squares gain), grouped as our 4 stems."""
    total = sum(s.samples.astype(np.float64) for s in song.stems.values())
    gain = float(np.sum(total * song.master.samples) / np.sum(total * total))
    zero = np.zeros_like(total)
    ref = {k: gain * song.stems[k].samples if k in song.stems else zero for k in ("vocals", "drums", "bass")}
    ref["other"] = gain * total - ref["vocals"] - ref["drums"] - ref["bass"]
    return ref, gain


def test_stems_sum_to_the_mix_and_beat_silence_on_sdr(sung_song: RenderedSong) -> None:
    mix = sung_song.master
    stems = separate_stems(mix)
    assert list(stems) == list(STEM_NAMES)
    total = sum(s.samples for s in stems.values())
    assert np.max(np.abs(total - mix.samples)) < 1e-4
    ref, _ = _reference(sung_song)
    sdr = {k: sdr_db(ref[k], stems[k]) for k in STEM_NAMES}
    # Measured (12-s pop song with the singer): vocals ≈ 1.4, drums ≈ 1.5, bass ≈ 3.8, other ≈ 0.9 dB;
    # a silent estimate scores 0 dB, so every stem must carry some of its source.
    assert all(v > 0.0 for v in sdr.values()), sdr
    accompaniment = mix.samples - stems["vocals"].samples
    acc_ref = ref["drums"] + ref["bass"] + ref["other"]
    assert sdr_db(acc_ref, accompaniment) > sdr_db(acc_ref, mix.samples), sdr


def test_vocal_split_sums_and_silence_is_silent() -> None:
    rng = np.random.default_rng(0)
    noise = AudioBuffer.from_array(0.1 * rng.standard_normal((2, 44_100 * 3)), 44_100)
    split = separate_vocals(noise)
    assert np.allclose(split.vocals.samples + split.accompaniment.samples, noise.samples, atol=1e-5)
    silent = separate_stems(AudioBuffer.silence(3.0))
    assert all(float(np.max(np.abs(s.samples))) == 0.0 for s in silent.values())
    assert vocal_activity(AudioBuffer.silence(3.0)).spans_s == []


def test_sdr_definition() -> None:
    ref = np.ones((1, 100))
    assert sdr_db(ref, 0.9 * ref) == pytest.approx(20.0)
    assert sdr_db(ref, np.zeros((1, 100))) == pytest.approx(0.0)
    with pytest.raises(InvalidParameter):
        sdr_db(ref, np.ones((1, 99)))


def test_vocal_activity_shape(sung_song: RenderedSong) -> None:
    act = vocal_activity(sung_song.master)
    assert act.frame_scores.size >= int(sung_song.master.duration_s / 0.1)
    assert all(0 <= s < e <= sung_song.master.duration_s for s, e in act.spans_s)
    assert 0.0 <= act.vocal_fraction <= 1.0


def test_transcription_of_the_piano_stem(rendered_songs: dict[str, RenderedSong]) -> None:
    import mir_eval

    song = rendered_songs["piano ballad"]
    s = song.score
    piano = AudioBuffer.from_array(song.stems["keyboard"].samples, 44_100)
    notes = transcribe_notes(piano)
    ref = [
        n
        for t in s.tracks
        if t.group == "keyboard"
        for n in t.notes
        if s.seconds_at(n.start_beat) < s.duration_s
    ]
    ref_iv = np.array([[s.seconds_at(n.start_beat), s.seconds_at(n.end_beat)] for n in ref])
    ref_hz = np.array([440.0 * 2 ** ((n.pitch - 69) / 12) for n in ref])
    est_iv = np.array([[n.start_s, n.end_s] for n in notes])
    est_hz = np.array([440.0 * 2 ** ((n.pitch - 69) / 12) for n in notes])
    _, _, f1, _ = mir_eval.transcription.precision_recall_f1_overlap(
        ref_iv, ref_hz, est_iv, est_hz, offset_ratio=None
    )
    assert f1 >= 0.6, f1  # measured 0.70 onset-only F1 (precision 0.57, recall 0.93)
    assert transcribe_notes(AudioBuffer.silence(2.0)) == []


def test_midi_writer_round_trips_and_lead_line_is_monophonic() -> None:
    import pretty_midi

    notes = [NoteEvent(60, 0.0, 1.0, 90), NoteEvent(64, 0.0, 0.5, 80), NoteEvent(67, 0.5, 1.5, 100)]
    midi = pretty_midi.PrettyMIDI(io.BytesIO(notes_to_midi(notes, tempo_bpm=100.0)))
    got = sorted((n.pitch, round(n.start, 2), round(n.end, 2), n.velocity) for n in midi.instruments[0].notes)
    assert got == [(60, 0.0, 1.0, 90), (64, 0.0, 0.5, 80), (67, 0.5, 1.5, 100)]
    line = lead_line(notes)
    assert [n.pitch for n in line] == [64, 67]
    assert all(a.end_s <= b.start_s for a, b in itertools.pairwise(line))
    with pytest.raises(InvalidParameter):
        notes_to_midi(notes, tempo_bpm=0.0)


def test_estimated_score(rendered_songs: dict[str, RenderedSong]) -> None:
    song = rendered_songs["rock"]
    score = estimate_score(song.master)
    assert score.estimated is True
    assert score.duration_s == song.master.duration_s
    assert abs(score.tempo_bpm / song.score.tempo_bpm - 1) < 0.02
    assert score.meter == song.score.meter
    assert [t.name for t in score.tracks] == ["melody", "chords"]
    assert score.tracks[0].notes and score.chords
    assert score.sections[0].start_bar == 0
    assert all(a.end_bar == b.start_bar for a, b in zip(score.sections[:-1], score.sections[1:], strict=True))
    assert Score.from_json(score.to_json()).to_json() == score.to_json()
    assert score.to_midi()[:4] == b"MThd"
