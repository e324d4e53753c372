"""Rendered test songs for the analysis tests (compose + render, the engine's own pipeline)."""

from __future__ import annotations

from dataclasses import dataclass

from tunesmith.music.audio import AudioBuffer
from tunesmith.music.score import Score

SONG_CASES: tuple[tuple[str, str, int, float], ...] = (
    # (name, tags, seed, duration_s) — the lead's regression cases plus one per groove family.
    ("bossa nova", "bossa nova", 107, 16.0),
    ("jazz swing", "jazz swing", 4, 14.0),
    ("piano ballad", "piano ballad", 3, 16.0),
    ("drum and bass", "drum and bass", 1, 12.0),
    ("trap", "trap", 1, 12.0),
    ("waltz", "waltz", 4, 14.0),
    ("rock", "rock", 1, 14.0),
)


@dataclass(frozen=True)
class RenderedSong:
    name: str
    score: Score
    master: AudioBuffer
    stems: dict[str, AudioBuffer]


def render_case(tags: str, seed: int, duration_s: float, *, lyrics: str = "") -> RenderedSong:
    from tunesmith.music.compose import compose
    from tunesmith.music.render import render_song
    from tunesmith.music.spec import make_spec
    from tunesmith.music.style.tags import resolve_style

    spec = make_spec(tags=tags, seed=seed, duration_s=duration_s, instrumental=not lyrics, lyrics=lyrics)
    score = compose(spec, resolve_style(spec.tags, spec.negative_tags))
    extra: dict[str, AudioBuffer] = {}
    if score.vocals:
        from tunesmith.music.render.voice import render_vocals

        extra = render_vocals(score, sample_rate_hz=44_100)
    rendered = render_song(score, sample_rate_hz=44_100, quality=spec.quality, extra_stems=extra)
    return RenderedSong(tags, score, rendered.master, {str(k): v for k, v in rendered.stems.items()})
