"""Shared, cached evaluation audio for the analysis tests (built once per session)."""

from __future__ import annotations

import pytest

from tunesmith.music.analyze.evalset import SongCase, TempoCase, key_cases, render_song, tempo_cases
from tunesmith.music.audio import AudioBuffer

from .songs import SONG_CASES, RenderedSong, render_case


@pytest.fixture(scope="session")
def tempo_set() -> list[tuple[TempoCase, AudioBuffer]]:
    return [(case, case.audio()) for case in tempo_cases()]


@pytest.fixture(scope="session")
def key_set() -> list[tuple[SongCase, AudioBuffer]]:
    return [(case, render_song(case)) for case in key_cases()]


@pytest.fixture(scope="session")
def rendered_songs() -> dict[str, RenderedSong]:
    """Short songs rendered by the engine (one per groove family), by name; built once."""
    return {name: render_case(tags, seed, duration_s) for name, tags, seed, duration_s in SONG_CASES}


@pytest.fixture(scope="session")
def sung_song() -> RenderedSong:
    """A short pop song with the singer's vocal stem (for separation and vocal activity)."""
    return render_case(
        "pop",
        1,
        12.0,
        lyrics="[Verse]\nWalking down the empty road tonight\nStars are shining oh so bright\n"
        "[Chorus]\nSing it loud and sing it clear\nEvery heart is gathered here",
    )
