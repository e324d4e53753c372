"""The composer driven by the real knowledge base through resolve_style."""

from __future__ import annotations

import pytest

from tunesmith.music.compose import compose
from tunesmith.music.score import Score
from tunesmith.music.spec import make_spec
from tunesmith.music.style.loader import genres
from tunesmith.music.style.tags import resolve_style


def _song(tags: str, *, seed: int = 3, duration_s: float | None = 40.0, negative_tags: str = "") -> Score:
    style = resolve_style(tags, negative_tags)
    return compose(make_spec(tags=tags, seed=seed, duration_s=duration_s, negative_tags=negative_tags), style)


@pytest.mark.parametrize("genre_key", sorted(genres()))
def test_every_genre_composes_exactly(genre_key: str) -> None:
    name = genres()[genre_key].name
    score = _song(name, duration_s=25.0)
    assert score.duration_s == 25.0
    assert 0.5 <= score.duration_s - score.seconds_at(score.total_beats) <= 3.0
    assert score.tracks and score.chords
    assert all(score.seconds_at(n.end_beat) < 25.0 for t in score.tracks for n in t.notes)
    names = [t.name for t in score.tracks]
    assert len(names) == len(set(names))


def test_genres_differ_as_the_knowledge_base_says() -> None:
    assert _song("drum and bass").tempo_bpm >= 160
    assert _song("ballad").tempo_bpm <= 90
    metal = _song("metal")
    assert any("drive" in t.effects and t.group == "guitar" for t in metal.tracks)
    waltz = _song("waltz")
    assert waltz.meter == (3, 4)
    lofi = _song("lofi")
    assert lofi.swing > 0
    hats = [n.start_beat % 1.0 for t in lofi.tracks if t.is_drum for n in t.notes if n.pitch == 42]
    assert any(0.5 < h < 0.67 for h in hats)  # swung off-beats


def test_solo_piano_and_negative_drums() -> None:
    piano = _song("solo piano")
    assert piano.tracks and all(t.group == "keyboard" and 0 <= t.program <= 7 for t in piano.tracks)
    assert piano.stem_groups == ["keyboard"]
    no_drums = _song("pop", negative_tags="drums")
    assert "drums" not in no_drums.stem_groups and not any(
        t.is_drum and t.role == "drums" for t in no_drums.tracks
    )


def test_explicit_tags_win() -> None:
    score = _song("pop, 90 bpm, in D minor")
    assert abs(score.tempo_bpm - 90) <= 90 * 0.015
    assert score.key.name == "D minor"


@pytest.mark.parametrize("tags", ["pop", "house", "jazz", "trap", "country", "cinematic"])
def test_default_length_and_determinism(tags: str) -> None:
    a = _song(tags, seed=21, duration_s=None)
    b = _song(tags, seed=21, duration_s=None)
    assert a.to_json() == b.to_json()
    assert 90 <= a.duration_s <= 240
    c = _song(tags, seed=22, duration_s=None)
    assert (
        [ch.symbol for ch in a.chords] != [ch.symbol for ch in c.chords]
        or a.key != c.key
        or any(x.notes != y.notes for x, y in zip(a.tracks, c.tracks, strict=False))
    )
