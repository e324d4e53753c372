"""The Score: time conversions, JSON round trip and MIDI export."""

from __future__ import annotations

import io

import mido
import pretty_midi
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.score import (
    Chord,
    MixSettings,
    Note,
    Score,
    Section,
    TempoChange,
    Track,
    VocalNote,
)
from tunesmith.music.theory.keys import parse_key


def small_score(*, tempo_map: list[TempoChange] | None = None) -> Score:
    return Score(
        title="Test",
        tags="pop",
        genre="pop",
        key=parse_key("Bb major"),
        meter=(4, 4),
        tempo_map=tempo_map or [TempoChange(0.0, 120.0)],
        sections=[Section("intro", "Intro", 0, 2, 0.3), Section("verse", "Verse 1", 2, 2, 0.6)],
        chords=[Chord(0.0, 8.0, 10, "maj", "Bb", numeral="I"), Chord(8.0, 8.0, 3, "maj", "Eb", numeral="IV")],
        tracks=[
            Track("piano", "chords", "keyboard", 0, notes=[Note(58, 0.0, 4.0, 90), Note(62, 4.0, 2.5, 80)]),
            Track(
                "drums",
                "drums",
                "drums",
                0,
                is_drum=True,
                notes=[Note(36, 0.0, 0.5, 110), Note(38, 1.0, 0.5, 100)],
            ),
            Track("unused", "pad", "synth", 89),
        ],
        duration_s=9.0,
        seed=7,
        vocals=[
            VocalNote(62, 8.0, 1.0, 90, "hel", "hello", 0, 0, ("HH", "AH0")),
            VocalNote(65, 9.0, 1.0, 90, "lo", "hello", 0, 0, ("L", "OW1")),
        ],
        lyrics="[Verse]\nhello",
        vocal_gender="f",
        mix=MixSettings(brightness_db=1.5),
        moods=("happy",),
    )


def test_seconds_and_beats_invert_through_a_tempo_change() -> None:
    score = small_score(tempo_map=[TempoChange(0.0, 120.0), TempoChange(8.0, 60.0)])
    assert score.seconds_at(8.0) == pytest.approx(4.0)
    assert score.seconds_at(10.0) == pytest.approx(6.0)
    for beat in (0.0, 3.5, 8.0, 9.25, 15.0):
        assert score.beat_at(score.seconds_at(beat)) == pytest.approx(beat)
    assert score.total_beats == 16.0
    # The main tempo is the one covering most beats: 120 covers beats 0..8, 60 covers 8..16 (a tie
    # keeps the first); moving the change earlier makes 60 the main tempo.
    assert score.tempo_bpm == 120.0
    assert small_score(tempo_map=[TempoChange(0.0, 120.0), TempoChange(4.0, 60.0)]).tempo_bpm == 60.0


def test_json_round_trip_is_exact() -> None:
    score = small_score()
    again = Score.from_json(score.to_json())
    assert again == score
    assert again.to_json() == score.to_json()


def test_stem_groups_only_for_tracks_with_notes() -> None:
    assert small_score().stem_groups == ["vocals", "drums", "keyboard"]


def test_midi_has_meta_events_tracks_and_lyrics() -> None:
    score = small_score()
    data = score.to_midi()
    midi = mido.MidiFile(file=io.BytesIO(data))
    assert midi.type == 1
    names = [next((m.name for m in t if m.type == "track_name"), "") for t in midi.tracks]
    assert names[1:] == ["piano", "drums", "vocals"]
    conductor = list(midi.tracks[0])
    assert any(m.type == "set_tempo" and round(mido.tempo2bpm(m.tempo)) == 120 for m in conductor)
    assert any(m.type == "time_signature" and (m.numerator, m.denominator) == (4, 4) for m in conductor)
    assert any(m.type == "key_signature" and m.key == "Bb" for m in conductor)
    lyrics = [m.text for m in midi.tracks[3] if m.type == "lyrics"]
    assert lyrics == ["hel", "lo"]
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    piano = next(i for i in pm.instruments if i.name == "piano")
    assert [round(n.start, 3) for n in piano.notes] == [0.0, 2.0]
    assert round(piano.notes[1].end, 3) == 3.25
    drums = next(i for i in pm.instruments if i.name == "drums")
    assert drums.is_drum


def test_malformed_score_json_is_invalid_parameter() -> None:
    with pytest.raises(InvalidParameter):
        Score.from_json(b'{"title": "x"}')
