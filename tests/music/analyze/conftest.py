"""Shared, cached evaluation audio for the analysis tests (built once per session)."""

from __future__ import annotations

import pytest

from tunesmith.music.analyze.evalset import SongCase, TempoCase, key_cases, render_song, tempo_cases
from tunesmith.music.audio import AudioBuffer


@pytest.fixture(scope="session")
def tempo_set() -> list[tuple[TempoCase, AudioBuffer]]:
    return [(case, case.audio()) for case in tempo_cases()]


@pytest.fixture(scope="session")
def key_set() -> list[tuple[SongCase, AudioBuffer]]:
    return [(case, render_song(case)) for case in key_cases()]
