from __future__ import annotations

import io
import itertools
import time
from dataclasses import replace

import mido
import numpy as np
import pretty_midi
import pytest
from compose_factory import (
    BASS,
    DRUMS,
    GUITAR,
    LEAD,
    PAD,
    PIANO,
    SHAKER,
    STRINGS,
    make_genre,
    make_style,
    spec,
    with_instruments,
)

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose import compose
from tunesmith.music.compose.bass import BASS_HIGH, BASS_LOW
from tunesmith.music.compose.form import RING_OUT_S
from tunesmith.music.compose.harmony import chord_at
from tunesmith.music.score import Score
from tunesmith.music.spec import SongSpec
from tunesmith.music.style.model import BASS_STYLES, COMP_PATTERNS, GROOVES, InstrumentPart
from tunesmith.music.theory.chords import chord_pcs
from tunesmith.music.theory.meter import strong_beats
from tunesmith.music.theory.voicing import voice_movement

LYRICS = """[Verse]
walking down the empty street
every shadow knows my name
counting cracks beneath my feet
nothing ever stays the same

[Chorus]
hold on hold on
we are burning bright tonight

[Verse 2]
morning comes and finds me here
still awake and still alone

[Chorus]
hold on hold on
we are burning bright tonight
"""


def _track(score: Score, role: str) -> list:  # type: ignore[type-arg]
    return [t for t in score.tracks if t.role == role]


def _check_duration(score: Score, duration_s: float) -> None:
    assert score.duration_s == duration_s
    music_end_s = score.seconds_at(score.total_beats)
    ring = duration_s - music_end_s
    assert 0.5 - 1e-6 <= ring <= RING_OUT_S[1] + 1e-6
    for track in score.tracks:
        for note in track.notes:
            assert note.length_beats > 0
            assert score.seconds_at(note.end_beat) < duration_s, track.name
            assert note.start_beat >= 0


def test_same_spec_same_score() -> None:
    style = make_style()
    a = compose(spec(duration_s=60), style)
    b = compose(spec(duration_s=60), style)
    assert a.to_json() == b.to_json()
    assert Score.from_json(a.to_json()).to_json() == a.to_json()


def test_another_seed_changes_the_song() -> None:
    style = make_style()
    songs = [compose(spec(seed=seed, duration_s=60), style) for seed in range(4)]
    progressions = {tuple(c.symbol for c in s.chords) for s in songs}
    melodies = {tuple(n.pitch for n in _track(s, "lead")[0].notes) for s in songs}
    assert len(progressions) > 1 or len(melodies) > 1
    assert len(melodies) == 4


@pytest.mark.parametrize("duration_s", [10.0, 12.5, 17.3, 45.0, 95.55, 180.0, 360.0])
@pytest.mark.parametrize("meter", [(4, 4), (3, 4), (6, 8)])
def test_duration_is_exact(duration_s: float, meter: tuple[int, int]) -> None:
    style = make_style(meter=meter)
    score = compose(spec(duration_s=duration_s, seed=int(duration_s)), style)
    _check_duration(score, duration_s)
    assert score.meter == meter
    if duration_s >= 30:
        assert 100 * 0.97 <= score.tempo_bpm <= 120 * 1.03


def test_default_duration_and_explicit_tempo() -> None:
    score = compose(spec(), make_style())
    assert 150 <= score.duration_s <= 210
    _check_duration(score, score.duration_s)
    fixed = compose(spec(tempo_bpm=93.0, duration_s=100), make_style())
    assert abs(fixed.tempo_bpm / 93.0 - 1) <= 0.015


@pytest.mark.parametrize("style_name", [s for s in BASS_STYLES if s != "none"])
def test_every_bass_style_plays_in_the_bass_register(style_name: str) -> None:
    style = make_style(make_genre(bass=style_name))
    score = compose(spec(duration_s=40, seed=3), style)
    bass = _track(score, "bass")[0]
    assert len(bass.notes) >= 8
    assert all(BASS_LOW <= n.pitch <= BASS_HIGH for n in bass.notes)
    # The bass follows the chords: most notes on chord onsets are the chord's root or bass note.
    onsets = [n for n in bass.notes if any(abs(n.start_beat - c.start_beat) < 1e-6 for c in score.chords)]
    roots = [
        n
        for n in onsets
        if n.pitch % 12
        in {chord_at(score.chords, n.start_beat).root_pc, chord_at(score.chords, n.start_beat).bass_pc}
    ]
    if style_name not in ("reggae", "tumbao", "waltz"):
        assert len(roots) >= 0.7 * len(onsets) > 0


def test_no_bass_style_gives_no_bass_track() -> None:
    score = compose(spec(duration_s=30), make_style(make_genre(bass="none")))
    assert not _track(score, "bass")


@pytest.mark.parametrize("pattern", COMP_PATTERNS)
@pytest.mark.parametrize("role", ["chords", "pad", "arp"])
def test_every_comp_pattern_plays(pattern: str, role: str) -> None:
    part = InstrumentPart("keys", role, "keyboard", 4, comp=pattern, register=(48, 76))  # type: ignore[arg-type]
    style = with_instruments(make_style(), DRUMS, BASS, part, LEAD)
    score = compose(spec(duration_s=30, seed=5), style)
    keys = next(t for t in score.tracks if t.name == "keys")
    assert len(keys.notes) >= 8
    chordal = [n for n in keys.notes if n.start_beat < score.total_beats - score.beats_per_bar]
    tones = sum(
        n.pitch % 12
        in chord_pcs(
            chord_at(score.chords, n.start_beat).root_pc, chord_at(score.chords, n.start_beat).quality
        )
        for n in chordal
    )
    if pattern != "gospel_stride":  # its passing chord is chromatic on purpose
        assert tones / len(chordal) > 0.9


@pytest.mark.parametrize("groove", GROOVES)
def test_every_groove_drives_the_drum_track(groove: str) -> None:
    style = make_style(make_genre(grooves={"default": groove}))
    score = compose(spec(duration_s=30, seed=2), style)
    drums = _track(score, "drums")
    if groove == "none":
        assert not drums
        return
    assert len(drums) == 1
    kit = drums[0]
    assert kit.is_drum and kit.group == "drums" and kit.program == style.genre.drum_kit
    assert len(kit.notes) > 20
    assert len({n.velocity for n in kit.notes}) > 5  # humanised


def test_drum_and_bass_is_fast() -> None:
    genre = make_genre(
        key="drum_and_bass",
        family="electronic",
        tempo_bpm=(170.0, 176.0),
        grooves={"default": "dnb_two_step"},
        bass="reese",
        drum_kit=24,
    )
    score = compose(spec(duration_s=120), make_style(genre))
    assert score.tempo_bpm >= 160
    assert _track(score, "drums")[0].program == 24


def test_waltz_is_in_three() -> None:
    genre = make_genre(
        meter=(3, 4),
        grooves={"default": "waltz"},
        bass="waltz",
        tempo_bpm=(84.0, 96.0),
        instruments=(DRUMS, BASS, replace(PIANO, comp="waltz_oompah"), LEAD),
    )
    score = compose(spec(duration_s=60), make_style(genre))
    assert score.meter == (3, 4) and score.beats_per_bar == 3
    kicks = [n.start_beat for n in _track(score, "drums")[0].notes if n.pitch == 36]
    on_downbeats = [k for k in kicks if abs(k / 3 - round(k / 3)) < 1e-6]
    assert kicks and len(on_downbeats) >= 0.8 * len(kicks)  # the rest start fills
    piano = _track(score, "chords")[0]
    offsets = {round(n.start_beat % 3, 3) for n in piano.notes}
    assert offsets <= {0.0, 1.0, 2.0}


def test_swing_is_applied() -> None:
    genre = make_genre(swing=0.6, grooves={"default": "boom_bap"})
    style = make_style(genre)
    score = compose(spec(duration_s=40), style)
    assert score.swing == 0.6
    hats = [n.start_beat for n in _track(score, "drums")[0].notes if n.pitch == 42]
    offbeats = [b % 1.0 for b in hats if abs(b % 1.0) > 1e-6]
    assert offbeats and all(abs(o - (0.5 + 0.6 / 6)) < 1e-3 for o in offbeats)
    straight = compose(spec(duration_s=40), make_style(replace(genre, swing=0.0), swing=0.0))
    assert any(abs(n.start_beat % 1.0 - 0.5) < 1e-6 for n in _track(straight, "drums")[0].notes)


def test_lyrics_tags_make_the_form() -> None:
    score = compose(spec(lyrics=LYRICS, seed=4), make_style())
    labels = [s.label for s in score.sections]
    assert labels == ["Intro", "Verse", "Chorus", "Verse 2", "Chorus", "Outro"]
    bars = {s.label: s.bars for s in score.sections}
    assert bars["Verse"] == 8 and bars["Chorus"] == 4 and bars["Verse 2"] == 4
    _check_duration(score, score.duration_s)
    # The lead plays only where nobody sings.
    lead = _track(score, "lead")[0]
    sung = [s for s in score.sections if s.kind in ("verse", "chorus")]
    bb = score.beats_per_bar
    for note in lead.notes:
        assert not any(s.start_bar * bb <= note.start_beat < s.end_bar * bb for s in sung)


def test_lyrics_with_a_duration_fit_exactly() -> None:
    score = compose(spec(lyrics=LYRICS, seed=4, duration_s=30), make_style())
    _check_duration(score, 30.0)
    assert score.sections[0].kind in ("intro", "verse")


def test_vocals_are_fitted_when_the_singer_is_there() -> None:
    score = compose(spec(lyrics=LYRICS, seed=4), make_style())
    assert score.vocal_gender in ("f", "m")
    assert score.vocals, "compose.melody.fit_vocal_line should fill the vocal line"
    assert "[Chorus]" in score.lyrics
    assert all(score.seconds_at(v.end_beat) < score.duration_s for v in score.vocals)
    instrumental = compose(spec(lyrics=LYRICS, seed=4, instrumental=True), make_style())
    assert not instrumental.vocals and instrumental.lyrics == "" and instrumental.vocal_gender is None


def test_solo_piano_is_only_the_piano() -> None:
    style = replace(
        with_instruments(make_style(), replace(PIANO, comp="broken_ballad", register=(36, 88))), solo=True
    )
    score = compose(spec(duration_s=60), style)
    assert [t.name for t in score.tracks] == ["piano"]
    piano = score.tracks[0]
    # With no lead part, the piano carries the melody above its accompaniment.
    assert max(n.pitch for n in piano.notes) >= 70


def test_excluded_drums_leave_no_drum_track() -> None:
    style = make_style(groups_excluded=frozenset({"drums"}))
    score = compose(spec(duration_s=30), style)
    assert not _track(score, "drums") and "drums" not in score.stem_groups
    assert _track(score, "bass")


def test_percussion_part_and_unique_names() -> None:
    genre = make_genre(grooves={"default": "latin"})
    style = with_instruments(
        make_style(genre), DRUMS, SHAKER, BASS, PIANO, replace(PIANO, register=(60, 84)), GUITAR
    )
    score = compose(spec(duration_s=40), style)
    names = [t.name for t in score.tracks]
    assert len(names) == len(set(names)) and "piano_2" in names
    perc = next(t for t in score.tracks if t.role == "percussion")
    assert perc.group == "percussion" and perc.is_drum and perc.notes
    guitar = next(t for t in score.tracks if t.name == "guitar")
    assert guitar.effects == ("drive",)


def test_parts_enter_with_energy_and_the_arc_builds() -> None:
    score = compose(spec(duration_s=180, seed=11), make_style())
    bb = score.beats_per_bar
    intro = score.sections[0]
    pad = _track(score, "pad")[0]
    assert intro.kind == "intro"
    assert not [n for n in pad.notes if n.start_beat < intro.end_bar * bb]

    def density(section_index: int) -> float:
        s = score.sections[section_index]
        count = sum(
            1 for t in score.tracks for n in t.notes if s.start_bar * bb <= n.start_beat < s.end_bar * bb
        )
        return count / s.bars

    choruses = [i for i, s in enumerate(score.sections) if s.kind == "chorus"]
    assert density(choruses[-1]) > density(0)
    assert score.sections[choruses[-1]].energy == max(s.energy for s in score.sections)


def test_real_ending() -> None:
    score = compose(spec(duration_s=90, seed=9), make_style())
    last = score.chords[-1]
    assert last.root_pc == score.key.tonic_pc and last.length_beats == score.beats_per_bar
    tonic_pcs = set(chord_pcs(last.root_pc, last.quality))
    last_bar = score.total_beats - score.beats_per_bar
    for track in score.tracks:
        final = [n for n in track.notes if n.start_beat >= last_bar - 1e-6]
        if track.is_drum:
            assert {n.pitch for n in final} <= {49, 36} and 49 in {n.pitch for n in final}
        elif final:
            assert {n.pitch % 12 for n in final} <= tonic_pcs, track.name
            assert all(n.end_beat > score.total_beats for n in final)  # held into the ring-out


def test_voice_leading_in_the_comping() -> None:
    style = with_instruments(make_style(), replace(PAD, enter_energy=0.0))
    score = compose(spec(duration_s=90, seed=1), style)
    pad = score.tracks[0]
    by_start: dict[float, list[int]] = {}
    for n in pad.notes:
        by_start.setdefault(n.start_beat, []).append(n.pitch)
    voicings = [tuple(sorted(v)) for _, v in sorted(by_start.items()) if len(v) == 4]
    moves = [voice_movement(a, b) for a, b in itertools.pairwise(voicings)]
    assert len(moves) > 10
    assert np.mean(moves) < 2.5


def test_lead_puts_chord_tones_on_strong_beats() -> None:
    for seed in range(3):
        score = compose(spec(duration_s=90, seed=seed), make_style())
        lead = _track(score, "lead")[0]
        strong = strong_beats(score.meter)
        on_strong = [
            n for n in lead.notes if any(abs(n.start_beat % score.beats_per_bar - s) < 1e-6 for s in strong)
        ]
        assert len(on_strong) > 10
        for n in on_strong:
            chord = chord_at(score.chords, n.start_beat)
            assert n.pitch % 12 in chord_pcs(chord.root_pc, chord.quality)
        intervals = [abs(b.pitch - a.pitch) for a, b in zip(lead.notes, lead.notes[1:], strict=False)]
        assert np.mean([i <= 4 for i in intervals]) > 0.7  # steps over leaps


def test_score_metadata() -> None:
    style = make_style(mix=replace(make_style().mix, brightness_db=2.0))
    score = compose(spec(tags="pop, happy", title="My Song", duration_s=30), style)
    assert score.title == "My Song" and score.tags == "pop, happy" and score.genre == "pop"
    assert score.mix.brightness_db == 2.0
    untitled = compose(spec(duration_s=30), style)
    assert untitled.title and untitled.title == compose(spec(duration_s=30), style).title
    for track, part in zip(score.tracks, [DRUMS, BASS, PIANO, PAD, LEAD, STRINGS], strict=True):
        assert (track.name, track.gain_db, track.pan, track.reverb_send) == (
            part.name,
            part.gain_db,
            part.pan,
            part.reverb_send,
        )


def test_key_and_tempo_overrides() -> None:
    score = compose(spec(key="F# minor", duration_s=30), make_style(key_name="C major"))
    assert score.key.name == "F# minor"
    from_style = compose(spec(duration_s=30), make_style(key_name="Bb major", tempo_bpm=77.0))
    assert from_style.key.name == "Bb major" and abs(from_style.tempo_bpm - 77) <= 77 * 0.015 + 1e-9
    minor_only = compose(spec(duration_s=30), make_style(mode_weights={"dorian": 1.0}))
    assert minor_only.key.mode == "dorian"


def test_midi_export_has_every_track() -> None:
    genre = make_genre(
        instruments=(DRUMS, BASS, PIANO, PAD, LEAD, STRINGS, GUITAR, SHAKER), grooves={"default": "afrobeat"}
    )
    score = compose(spec(duration_s=45), make_style(genre))
    data = score.to_midi()
    midi = mido.MidiFile(file=io.BytesIO(data))
    names = {m.name for tr in midi.tracks for m in tr if m.type == "track_name"}
    assert {t.name for t in score.tracks} <= names
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    assert {i.name for i in pm.instruments} == {t.name for t in score.tracks}
    assert (
        abs(pm.get_end_time() - score.seconds_at(max(n.end_beat for t in score.tracks for n in t.notes)))
        < 0.05
    )
    assert any(i.is_drum for i in pm.instruments)


def test_compose_is_fast() -> None:
    style = make_style()
    compose(spec(duration_s=180, seed=100), style)
    best = min(_timed(lambda s=s: compose(spec(duration_s=180, seed=s), style)) for s in (101, 102, 103))
    assert best < 0.5


def _timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


@pytest.mark.parametrize(
    ("kwargs", "style_kwargs", "field"),
    [
        ({"duration_s": 5.0}, {}, "duration"),
        ({"duration_s": 400.0}, {}, "duration"),
        ({"seed": -1}, {}, "seed"),
        ({"tempo_bpm": 500.0}, {}, "tempo_bpm"),
        ({}, {"key_name": "H major"}, "key"),
        ({}, {"meter": (4, 3)}, "meter"),
        ({}, {"tempo_range_bpm": (120.0, 60.0)}, "tempo_bpm"),
        ({}, {"instruments": ()}, "negative_tags"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict, style_kwargs: dict, field: str) -> None:  # type: ignore[type-arg]
    bad_spec = SongSpec(tags="pop", seed=kwargs.pop("seed", 1), **kwargs)
    with pytest.raises(InvalidParameter) as info:
        compose(bad_spec, make_style(**style_kwargs))
    assert info.value.field == field


def test_bad_genre_vocabulary_names_the_field() -> None:
    with pytest.raises(InvalidParameter) as info:
        compose(spec(duration_s=20), make_style(make_genre(bass="slap_happy")))
    assert info.value.field == "bass"
    with pytest.raises(InvalidParameter) as info:
        compose(spec(duration_s=20), make_style(make_genre(grooves={"default": "polka"})))
    assert info.value.field == "groove"
