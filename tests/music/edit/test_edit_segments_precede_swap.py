"""The family-only edits on Scores: nuro segments (:mod:`tunesmith.music.edit.segments`), studio
precede (:mod:`tunesmith.music.edit.precede`) and voice swaps (:mod:`tunesmith.music.edit.swap`).
Symbolic only (no rendering); the audio side is measured in tests/service/test_service_families_ops.py."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose import compose
from tunesmith.music.edit import concat
from tunesmith.music.edit.precede import precede
from tunesmith.music.edit.segments import arrange_segments, segment_bars
from tunesmith.music.edit.swap import octave_shift, swap_voice
from tunesmith.music.score import Score
from tunesmith.music.spec import make_spec
from tunesmith.music.style.tags import resolve_style


@pytest.fixture(scope="module")
def bgm() -> Score:
    spec = make_spec(tags="corporate, upbeat, piano, drums", seed=7, instrumental=True, duration_s=90)
    return compose(spec, resolve_style(spec.tags))


def starts_s(score: Score) -> list[float]:
    return [score.seconds_at(score.bar_start_beat(s.start_bar)) for s in score.sections]


# ----- segments ---------------------------------------------------------------------------------


def test_segment_tempos_stay_near_the_base_for_usual_lengths() -> None:
    base, bars, tempos = segment_bars([10, 20, 20, 10], 120.0, 4.0)
    assert all(b >= 1 for b in bars)
    assert max(abs(t / base - 1) for t in tempos) < 0.05
    assert abs(base / 120.0 - 1) <= 0.08


def test_arranged_sections_start_at_the_segment_times(bgm: Score) -> None:
    segments = [("intro", 8.0), ("verse", 12.0), ("chorus", 12.0), ("bridge", 7.0), ("inst", 6.0),
                ("outro", 9.0)]  # fmt: skip
    out = arrange_segments(bgm, segments)
    assert [s.kind for s in out.sections] == ["intro", "verse", "chorus", "bridge", "instrumental", "outro"]
    assert np.allclose(starts_s(out), [0, 8, 20, 32, 39, 45], atol=1e-6)
    assert out.duration_s == 54.0 and out.key == bgm.key and out.meter == bgm.meter
    limit = out.beat_at(out.duration_s - 0.1)
    assert all(n.end_beat <= limit + 1e-6 for t in out.tracks for n in t.notes)
    # nothing sounds across a segment boundary (but the last one's ring-out)
    bounds = [out.bar_start_beat(s.end_bar) for s in out.sections[:-1]]
    for track in out.tracks:
        for note in track.notes:
            assert not any(note.start_beat < b - 1e-6 < note.end_beat - 2e-6 for b in bounds), (
                track.name,
                note,
            )
    # the tempo changes only at segment starts, and stays within 8 % of the base
    seg_beats = {out.bar_start_beat(s.start_bar) for s in out.sections}
    assert all(any(abs(t.beat - b) < 1e-6 for b in seg_beats) for t in out.tempo_map)
    tempos = [t.tempo_bpm for t in out.tempo_map]
    assert max(tempos) / min(tempos) < 1.2
    assert arrange_segments(bgm, segments).to_json() == out.to_json()  # deterministic


def test_a_chorus_segment_is_denser_than_an_intro_segment(bgm: Score) -> None:
    out = arrange_segments(bgm, [("intro", 10.0), ("chorus", 10.0), ("outro", 10.0)])

    def onsets(index: int) -> int:
        s = out.sections[index]
        b0, b1 = out.bar_start_beat(s.start_bar), out.bar_start_beat(s.end_bar)
        return sum(1 for t in out.tracks for n in t.notes if b0 <= n.start_beat < b1) // max(1, s.bars)

    assert onsets(1) > onsets(0)


def test_segment_errors_name_the_field(bgm: Score) -> None:
    with pytest.raises(InvalidParameter) as bad:
        arrange_segments(bgm, [("coda", 10.0)])
    assert bad.value.field == "segments"
    with pytest.raises(InvalidParameter):
        arrange_segments(bgm, [("intro", 0.0)])
    with pytest.raises(InvalidParameter):
        arrange_segments(bgm, [])


# ----- precede ----------------------------------------------------------------------------------


def test_precede_is_whole_bars_in_the_source_tempo_and_key(source: Score) -> None:
    lead = precede(source, duration_s=9.0, seed=4, tags="pop, happy")
    tempo = source.tempo_map[0].tempo_bpm
    bar_s = source.beats_per_bar * 60.0 / tempo
    assert [t.tempo_bpm for t in lead.tempo_map] == [tempo]
    assert lead.key == source.key and lead.meter == source.meter
    assert abs(lead.duration_s / bar_s - round(lead.duration_s / bar_s)) < 1e-6
    assert abs(lead.duration_s - 9.0) <= bar_s / 2 + 1e-6
    assert all(n.end_beat <= lead.total_beats + 1e-6 for t in lead.tracks for n in t.notes)
    assert lead.vocals == [] and lead.sections[-1].kind != "outro"
    programs = {t.name: t.program for t in source.tracks}
    assert all(programs.get(t.name, t.program) == t.program for t in lead.tracks)
    full = concat([(lead, lead.duration_s), (source, None)])
    assert abs(full.duration_s - (lead.duration_s + source.duration_s)) < 1e-6
    assert [round(t.tempo_bpm, 6) for t in full.tempo_map] == [round(tempo, 6)]
    assert precede(source, duration_s=9.0, seed=4, tags="pop, happy").to_json() == lead.to_json()


def test_precede_sings_lyrics_in_the_source_voice(source: Score) -> None:
    lead = precede(source, duration_s=12.0, seed=2, lyrics="[Verse]\nMorning light is on the way")
    assert lead.vocals and lead.vocal_gender == source.vocal_gender
    with pytest.raises(InvalidParameter) as bad:
        precede(source, duration_s=0.5, seed=1)
    assert bad.value.field == "duration"


# ----- swap -------------------------------------------------------------------------------------


def lead_line(score: Score) -> list[tuple[int, float, float]]:
    return [(v.pitch, v.start_beat, v.length_beats) for v in score.vocals if not v.backing]


def test_octave_shift_centres_the_line() -> None:
    assert octave_shift([64, 67, 69], "m") == -12
    assert octave_shift([52, 55, 57], "f") == 12
    assert octave_shift([64, 67, 69], "f") == 0
    assert octave_shift([], "m") == 0


def test_swap_voice_keeps_the_melody_and_the_accompaniment(source: Score) -> None:
    assert source.vocal_gender == "f"
    out = swap_voice(source, seed=9)  # no voice named: the other gender
    assert out.vocal_gender == "m" and out.seed == 9
    old, new = lead_line(source), lead_line(out)
    shift = new[0][0] - old[0][0]
    assert shift == -12 and [(p + shift, s, n) for p, s, n in old] == new
    assert [v.syllable for v in out.vocals] == [v.syllable for v in source.vocals]
    assert [t.notes for t in out.tracks] == [t.notes for t in source.tracks]
    assert out.lyrics == source.lyrics and out.duration_s == source.duration_s
    same = swap_voice(source, seed=9, vocal_gender="f")
    assert lead_line(same) == old  # the same voice: no transposition


def test_swap_voice_sets_new_words_on_the_same_melody(source: Score) -> None:
    lyrics = "[Verse]\nRivers run to the open sea tonight\nCarry me home"
    out = swap_voice(source, seed=1, vocal_gender="f", lyrics=lyrics)

    def contour(score: Score) -> list[int]:
        pitches = [p for p, _, _ in lead_line(score)]
        return [p for i, p in enumerate(pitches) if i == 0 or p != pitches[i - 1]]

    assert contour(out) == contour(source)
    first_line = [v.word for v in out.vocals if v.line_index == 0 and v.syllable]
    assert " ".join(dict.fromkeys(first_line)) == "Rivers run to the open sea tonight"
    assert "Rivers run to the open sea tonight" in out.lyrics and "Sun comes up" not in out.lyrics
    assert not any(v.backing for v in out.vocals)
    sung = [v for v in out.vocals if not v.backing]
    assert all(a.end_beat <= b.start_beat + 1e-6 for a, b in pairwise(sung))


def test_swap_voice_needs_a_vocal(source: Score) -> None:
    instrumental = compose(
        make_spec(tags="ambient", seed=1, instrumental=True, duration_s=12), resolve_style("ambient")
    )
    with pytest.raises(InvalidParameter) as bad:
        swap_voice(instrumental, seed=1)
    assert bad.value.field == "continue_clip_id"
    with pytest.raises(InvalidParameter):
        swap_voice(source, seed=1, vocal_gender="x")


def test_sing_transcribed_builds_phrases_and_swaps_the_voice(source: Score) -> None:
    from tunesmith.music.edit.swap import sing_transcribed

    notes = [(64, 1.0, 1.4), (67, 1.5, 1.9), (69, 2.0, 2.6), (67, 4.0, 4.5), (64, 4.6, 5.2)]
    out = sing_transcribed(source, notes, seed=3)
    assert out.vocal_gender == "m"  # a female line (median E4–G4) goes to the other voice
    assert [v.pitch for v in out.vocals] == [p - 12 for p, _, _ in notes]
    assert [v.line_index for v in out.vocals] == [0, 0, 0, 1, 1]  # the 1.4 s gap starts a phrase
    assert [round(out.seconds_at(v.start_beat), 3) for v in out.vocals] == [1.0, 1.5, 2.0, 4.0, 4.6]
    assert out.lyrics.splitlines()[1:] == ["ah ah ah", "ah ah"]
    worded = sing_transcribed(source, notes, seed=3, vocal_gender="f", lyrics="[Verse]\nHello there\nGo home")
    assert [v.pitch for v in worded.vocals] == [p for p, _, _ in notes]
    assert "Hello there" in worded.lyrics
    with pytest.raises(InvalidParameter):
        sing_transcribed(source, [], seed=1)
