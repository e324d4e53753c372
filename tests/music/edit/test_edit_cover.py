"""cover: same melody, form, harmony and lyrics; the new style's instruments, tempo and key.

Measured (pop source, 106.67 BPM A major → "reggae, in C major", audio_weight 0.2 and 0): the
vocal line is the source's moved by +3 semitones note for note; measured on the cover's audio the
tempo is the cover Score's (exact) and the key C major or its dominant G major (the short clip
leaves the analysis undecided between them), with C major correlating far above A major.
"""

from __future__ import annotations

import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.analyze.key import estimate_key, key_matches
from tunesmith.music.analyze.tempo import estimate_tempo, tempo_matches
from tunesmith.music.edit import cover
from tunesmith.music.produce import render_score
from tunesmith.music.score import Score
from tunesmith.music.style.tags import resolve_style

pytestmark = pytest.mark.slow

TAGS = "reggae, in C major"


@pytest.fixture(scope="module")
def low_weight(source: Score) -> Score:
    return cover(source, tags=TAGS, seed=3, audio_weight=0.0)


def _same_melody_up_to_transposition(a: Score, b: Score) -> int:
    assert len(a.vocals) == len(b.vocals) > 0
    shifts = {vb.pitch - va.pitch for va, vb in zip(a.vocals, b.vocals, strict=True)}
    assert len(shifts) == 1, shifts
    for va, vb in zip(a.vocals, b.vocals, strict=True):
        assert (va.start_beat, va.length_beats, va.syllable, va.word) == (
            vb.start_beat,
            vb.length_beats,
            vb.syllable,
            vb.word,
        )
    return shifts.pop()


def test_cover_keeps_melody_form_harmony_and_lyrics(source: Score, low_weight: Score) -> None:
    shift = _same_melody_up_to_transposition(source, low_weight)
    assert shift % 12 == 3  # A major → C major
    assert low_weight.key.name == "C major"
    assert low_weight.sections == source.sections
    assert low_weight.lyrics == source.lyrics
    assert [(c.start_beat, c.length_beats, c.quality) for c in low_weight.chords] == [
        (c.start_beat, c.length_beats, c.quality) for c in source.chords
    ]
    assert all(
        (b.root_pc - a.root_pc) % 12 == 3 for a, b in zip(source.chords, low_weight.chords, strict=True)
    )


def test_low_audio_weight_follows_the_new_style(source: Score, low_weight: Score) -> None:
    style = resolve_style(TAGS)
    low, high = style.tempo_range_bpm
    assert low <= low_weight.tempo_bpm <= high
    assert low_weight.tempo_bpm != source.tempo_bpm
    assert low_weight.genre == style.genre.key != source.genre
    programs = {(p.program, p.group) for p in style.instruments}
    for track in low_weight.tracks:
        if track.is_drum:
            assert track.program == style.genre.drum_kit
        else:
            assert (track.program, track.group) in programs, track.name
    assert {t.name for t in low_weight.tracks} != {t.name for t in source.tracks}
    assert low_weight.mix == style.mix
    # halfway: the tempo lies between the source's and the style's
    middle = cover(source, tags=TAGS, seed=3, audio_weight=0.25)
    assert (
        min(source.tempo_bpm, low_weight.tempo_bpm)
        < middle.tempo_bpm
        < max(source.tempo_bpm, low_weight.tempo_bpm)
    )


def test_high_audio_weight_keeps_tempo_and_key(source: Score) -> None:
    kept = cover(source, tags=TAGS, seed=3, audio_weight=0.9)
    assert kept.tempo_map == source.tempo_map
    assert kept.key == source.key
    assert _same_melody_up_to_transposition(source, kept) % 12 == 0
    assert kept.duration_s == pytest.approx(source.duration_s)


def test_cover_is_deterministic(source: Score, low_weight: Score) -> None:
    assert cover(source, tags=TAGS, seed=3, audio_weight=0.0).to_json() == low_weight.to_json()
    assert cover(source, tags=TAGS, seed=4, audio_weight=0.0).to_json() != low_weight.to_json()


def test_cover_rejects_bad_input(source: Score) -> None:
    for kwargs, field in (
        ({"audio_weight": 1.5}, "audio_weight"),
        ({"seed": -3}, "seed"),
        ({"vocal_gender": "x"}, "vocal_gender"),
    ):
        args: dict[str, object] = {"tags": TAGS, "seed": 1, **kwargs}
        with pytest.raises(InvalidParameter) as err:
            cover(source, **args)  # type: ignore[arg-type]
        assert err.value.field == field


def test_cover_audio_has_the_new_tempo_and_key(low_weight: Score) -> None:
    rendered = render_score(low_weight)
    tempo = estimate_tempo(rendered.master).tempo_bpm
    key = estimate_key(rendered.master)
    print(f"cover: score {low_weight.tempo_bpm:.2f} BPM {low_weight.key.name}")
    print(f"cover: measured {tempo:.2f} BPM {key.name}")
    assert tempo_matches(tempo, low_weight.tempo_bpm) in ("exact", "octave")
    # a 23 s clip leaves the analysis torn between C and its dominant G; what matters here is that
    # the audio moved from the source's A major to C: C major correlates far better than A major
    assert key_matches(key, low_weight.key) in ("exact", "relative", "fifth")
    print(f"key correlation: C major {key.scores['C major']:.3f}, A major {key.scores['A major']:.3f}")
    assert key.scores["C major"] > key.scores["A major"] + 0.2
    assert set(rendered.stems) == set(low_weight.stem_groups)
