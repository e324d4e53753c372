"""SoundFont synthesis measured on the rendered audio."""

from __future__ import annotations

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter, JobFailed
from tunesmith.music.render.synth import find_soundfont, render_track, render_tracks
from tunesmith.music.score import Note, Score, Track

RATE = 44_100


def _rms_db(samples: np.ndarray, start_s: float, end_s: float) -> float:
    part = samples[:, int(start_s * RATE) : int(end_s * RATE)]
    return 10 * np.log10(float(np.mean(np.square(part, dtype=np.float64))) + 1e-20)


def _single_note_score(make_score, program: int, pitch: int, *, length_beats: float = 4.0) -> Score:
    score = make_score(bars=2, with_strings=False)
    score.tracks = [Track("solo", "lead", "keyboard", program, notes=[Note(pitch, 0.0, length_beats, 100)])]
    return score


@pytest.fixture(scope="module")
def rendered(small_score: Score) -> dict:
    return render_tracks(small_score)


def test_every_track_has_the_exact_frame_count(small_score: Score, rendered: dict) -> None:
    frames = round(small_score.duration_s * RATE)
    assert set(rendered) == {t.name for t in small_score.tracks}
    for audio in rendered.values():
        assert audio.samples.shape == (2, frames)
        assert audio.sample_rate_hz == RATE
        assert audio.samples.dtype == np.float32


def test_odd_durations_round_to_the_nearest_frame(make_score) -> None:
    score = make_score(bars=1, with_strings=False, tail_s=0.123_456)
    for audio in render_tracks(score).values():
        assert audio.frames == round(score.duration_s * RATE)


def test_energy_where_the_notes_are_and_silence_where_not(small_score: Score, rendered: dict) -> None:
    piano = rendered["piano"].samples
    # piano plays bars 0-4 (0-10 s at 120 bpm) and rests in bar 5; its last note ends at 9.75 s
    playing = _rms_db(piano, 2.0, 8.0)
    assert playing > -40.0
    assert _rms_db(piano, 11.5, small_score.duration_s) < playing - 60.0
    # every track sounds while it plays
    for name in ("bass", "drums", "strings"):
        assert _rms_db(rendered[name].samples, 1.0, 9.0) > -45.0, name


def test_drum_hits_land_on_their_beats(rendered: dict) -> None:
    drums = rendered["drums"].mono()
    hop = RATE // 100
    envelope = np.sqrt(np.mean(np.square(drums[: len(drums) // hop * hop].reshape(-1, hop)), axis=1))
    onsets = np.nonzero(np.diff(envelope, prepend=0.0) > envelope.max() * 0.2)[0]
    onset_s = onsets * hop / RATE
    for beat_s in (0.0, 0.5, 1.0, 1.5, 4.0, 6.5):  # kick/snare on every beat (0.5 s at 120 bpm)
        assert np.min(np.abs(onset_s - beat_s)) < 0.03, beat_s


@pytest.mark.parametrize(("program", "pitch"), [(0, 69), (0, 57), (48, 64), (40, 76)])
def test_sustained_note_has_the_scored_pitch(make_score, program: int, pitch: int) -> None:
    score = _single_note_score(make_score, program, pitch)
    audio = render_track(score, score.tracks[0])
    segment = audio.mono()[int(0.3 * RATE) : int(1.3 * RATE)].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(segment * np.hanning(segment.size), n=1 << 18))
    freqs = np.fft.rfftfreq(1 << 18, 1 / RATE)
    expected = 440.0 * 2 ** ((pitch - 69) / 12)
    band = (freqs > expected * 0.6) & (freqs < expected * 1.4)
    measured = freqs[band][np.argmax(spectrum[band])]
    assert abs(1200 * np.log2(measured / expected)) < 25  # cents
    # and the fundamental region is where the energy is (not an octave error elsewhere)
    below = (freqs > expected * 0.3) & (freqs < expected * 0.6)
    assert spectrum[band].max() > 3 * spectrum[below].max()


def test_rendering_is_deterministic(small_score: Score, rendered: dict) -> None:
    again = render_tracks(small_score)
    for name, audio in rendered.items():
        assert np.array_equal(audio.samples, again[name].samples), name


def test_a_missing_drum_kit_falls_back_to_the_standard_kit(make_score) -> None:
    score = make_score(bars=1, with_strings=False)
    drums = next(t for t in score.tracks if t.is_drum)
    standard = render_track(score, drums)
    missing = Track("kit", "drums", "drums", 99, is_drum=True, notes=drums.notes)
    assert np.array_equal(render_track(score, missing).samples, standard.samples)
    power = Track("kit", "drums", "drums", 16, is_drum=True, notes=drums.notes)
    assert not np.array_equal(render_track(score, power).samples, standard.samples)


def test_tracks_without_notes_are_silent_buffers(make_score) -> None:
    score = make_score(bars=1, with_strings=False)
    score.tracks.append(Track("empty", "pad", "synth", 90))
    audio = render_tracks(score)["empty"]
    assert audio.frames == round(score.duration_s * RATE)
    assert not audio.samples.any()


def test_bad_input_names_the_field(make_score) -> None:
    score = make_score(bars=1)
    with pytest.raises(InvalidParameter) as info:
        render_tracks(score, quality="ultra")
    assert info.value.field == "quality"
    score.tracks.append(Track("piano", "lead", "keyboard", 0))
    with pytest.raises(InvalidParameter) as info:
        render_tracks(score)
    assert info.value.field == "score.tracks"


def test_soundfont_lookup(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.delenv("TUNESMITH_SOUNDFONT", raising=False)
    assert find_soundfont().endswith(".sf2")
    monkeypatch.setenv("TUNESMITH_SOUNDFONT", str(tmp_path / "missing.sf2"))
    with pytest.raises(JobFailed, match="TUNESMITH_SOUNDFONT"):
        find_soundfont()


def test_a_closed_hi_hat_chokes_the_open_one(make_score) -> None:
    base = make_score(bars=2, with_strings=False)
    open_only = [Note(46, 0.0, 0.25, 110)]
    choked = [Note(46, 0.0, 0.25, 110), Note(42, 1.0, 0.25, 1)]  # closed hat (nearly silent) at 0.5 s
    ring = {}
    for name, notes in (("open", open_only), ("choked", choked)):
        track = Track("hats", "drums", "drums", 0, is_drum=True, notes=notes)
        ring[name] = _rms_db(render_track(base, track).samples, 0.52, 0.9)
    assert ring["open"] > -60.0
    assert ring["choked"] < ring["open"] - 20.0
