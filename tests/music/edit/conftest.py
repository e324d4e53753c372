"""Shared sources for the edit tests: one short sung pop song and its render, built once per session."""

from __future__ import annotations

import pytest

from tunesmith.music.compose import compose
from tunesmith.music.edit import extend
from tunesmith.music.produce import render_score
from tunesmith.music.render import RenderedSong
from tunesmith.music.score import Score
from tunesmith.music.spec import make_spec
from tunesmith.music.style.tags import resolve_style

SOURCE_LYRICS = (
    "[Verse]\nSun comes up over the town\nI will never let you down\n"
    "[Chorus]\nHold on hold on tonight\nEverything will be alright"
)
EXTENSION_LYRICS = "[Chorus]\nRun away with me tonight\nEverything will be alright"
CONTINUE_AT_S = 12.3


@pytest.fixture(scope="session")
def source() -> Score:
    spec = make_spec(tags="pop, happy", seed=11, duration_s=20, lyrics=SOURCE_LYRICS)
    return compose(spec, resolve_style(spec.tags))


@pytest.fixture(scope="session")
def source_render(source: Score) -> RenderedSong:
    return render_score(source)


@pytest.fixture(scope="session")
def extension_request() -> dict[str, object]:
    """The extend() arguments the ``extension`` fixture was made with."""
    return {"continue_at_s": CONTINUE_AT_S, "seed": 5, "lyrics": EXTENSION_LYRICS, "duration_s": 16.0}


@pytest.fixture(scope="session")
def extension(source: Score) -> Score:
    return extend(source, continue_at_s=CONTINUE_AT_S, seed=5, lyrics=EXTENSION_LYRICS, duration_s=16)


@pytest.fixture(scope="session")
def extension_render(extension: Score) -> RenderedSong:
    return render_score(extension)
