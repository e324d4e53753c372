"""Precede a song: compose a lead-in that ends where the source begins (studio ``precede``).

:func:`precede` composes **only the new part**, the mirror of
:func:`~tunesmith.music.edit.extend.extend`: whole bars at the source's opening tempo (exactly
the tempo in effect at its bar 0), in its key and meter, with its instrumentation (same programs,
levels, pans and effects for tracks the source has), mix and voice. The lead-in has no ring-out:
it stops on a bar line, and the source's first downbeat follows one bar length after the lead-in's
last downbeat, so the beat grid runs on across the join. The lead-in is cut from a longer
composition before that composition's outro, so it leads on instead of ending.

The full song is ``concat([(lead_in, lead_in.duration_s), (source, None)])`` with the audio
joined by :func:`~tunesmith.music.edit.join.join_audio` (click-free; the source's audio after the
join is its own).
"""

from __future__ import annotations

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose import compose
from tunesmith.music.edit.common import check_seed, check_source, retime, source_style, tempo_at_bar, truncate
from tunesmith.music.edit.extend import in_source_sound
from tunesmith.music.score import Score, TempoChange
from tunesmith.music.spec import MAX_DURATION_S, MIN_DURATION_S, SongSpec

__all__ = ["LEAD_OUT_BARS", "precede"]

LEAD_OUT_BARS = 4
"""Bars composed past the lead-in (its would-be outro), then cut away."""
_RING_S = 2.0


def precede(
    source: Score,
    *,
    duration_s: float,
    seed: int,
    lyrics: str | None = None,
    tags: str | None = None,
    negative_tags: str = "",
    title: str | None = None,
    instrumental: bool = False,
    quality: str = "standard",
) -> Score:
    """The lead-in to ``source``: about ``duration_s`` seconds (rounded to whole bars, at least one
    bar) at the source's opening tempo, key and meter; see the module docstring.

    The returned Score lasts exactly its bars (``duration_s`` of the result = bars × bar length,
    seconds) and its beat 0 is its own start. It sings ``lyrics`` when given (in the source's
    voice), else it is instrumental. Deterministic in ``seed``. Raises InvalidParameter naming
    the field for a bad seed, duration (1–360 s) or a source without a form.
    """
    check_seed(seed)
    check_source(source)
    if not isinstance(duration_s, (int, float)) or not 1.0 <= float(duration_s) <= MAX_DURATION_S:
        raise InvalidParameter(
            f"duration should be between 1 and {MAX_DURATION_S:g} seconds.", field="duration"
        )
    tempo = tempo_at_bar(source, 0)
    bar_s = source.beats_per_bar * 60.0 / tempo
    bars = max(1, round(float(duration_s) / bar_s))
    style = source_style(source, tags, negative_tags)
    sing_text = "" if instrumental or lyrics is None else lyrics
    compose_s = (bars + LEAD_OUT_BARS) * bar_s + _RING_S
    spec = SongSpec(
        tags=tags if tags is not None and tags.strip() else source.tags,
        seed=seed,
        negative_tags=negative_tags,
        title=title if title is not None else source.title,
        lyrics=sing_text,
        instrumental=not sing_text.strip(),
        duration_s=min(MAX_DURATION_S, max(MIN_DURATION_S, round(compose_s, 2))),
        vocal_gender=source.vocal_gender,
        key=source.key,
        tempo_bpm=round(tempo, 6),
        quality=quality,  # type: ignore[arg-type]
    )
    new = compose(spec, style)
    composed_tempo = new.tempo_map[0].tempo_bpm
    ring_out = new.duration_s - new.total_beats * 60.0 / composed_tempo
    new = retime(new, [TempoChange(0.0, tempo)], new.total_beats * 60.0 / tempo + ring_out)
    new = truncate(new, min(bars, new.total_bars))
    return in_source_sound(new, source, restyled=tags is not None)
