"""Replace a section: new lyrics (or a new melody for the old ones) and a new arrangement inside a
window, the rest of the song's audio untouched.

1. The window widens to whole bars (``start_s``/``end_s`` of the result say where it landed).
2. Score: inside the window every instrument gets a fresh arrangement of the song's style over the
   same chords, and the voice sings ``lyrics`` (or the window's old lines, re-melodised); outside
   it nothing changes (notes that ran into the window are cut at its start).
3. Audio: the new Score is rendered, and each stem is spliced: source stem outside the window,
   new stem inside, with ``crossfade_s`` crossfades lying just outside each edge. Outside
   ``[start − crossfade, end + crossfade)`` every stem and the unmastered mix are bit-identical
   to the source's; the master is spliced the same way from the source master and the master
   of the spliced mix, so it is bit-identical there too. A source without stems (an upload)
   keeps its own audio outside the window the same way (its master is its audio), and the new
   window is brought to the source's RMS level there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.edit.common import check_seed, check_source, snap_window, source_style
from tunesmith.music.edit.join import splice
from tunesmith.music.edit.window import lyrics_in_window, new_accompaniment, sing_in_window
from tunesmith.music.produce import render_score
from tunesmith.music.progress import Progress, no_progress
from tunesmith.music.render.master import master as master_audio
from tunesmith.music.score import STEM_GROUPS, Score, StemGroup

__all__ = ["MAX_WINDOW_S", "MIN_WINDOW_S", "ReplacedSection", "replace_score", "replace_section"]

MIN_WINDOW_S = 2.0
MAX_WINDOW_S = 60.0
MAX_CROSSFADE_S = 0.25
DEFAULT_CROSSFADE_S = 0.02


@dataclass(frozen=True)
class ReplacedSection:
    """The edited song: Score, unmastered stems and mix, mastered mix, and the window (seconds)
    as widened to whole bars."""

    score: Score
    stems: dict[StemGroup, AudioBuffer]
    mix: AudioBuffer
    master: AudioBuffer
    start_s: float
    end_s: float


def _check_window(source: Score, start_s: float, end_s: float) -> None:
    for name, value in (("infill_start_s", start_s), ("infill_end_s", end_s)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
            raise InvalidParameter(f"{name} should be a number of seconds.", field=name)
    if start_s < 0:
        raise InvalidParameter("infill_start_s should be at least 0.", field="infill_start_s")
    if end_s <= start_s or end_s > source.duration_s + 1e-6:
        raise InvalidParameter(
            "infill_end_s should be after infill_start_s and within the clip's duration.",
            field="infill_end_s",
        )
    if not MIN_WINDOW_S <= end_s - start_s <= MAX_WINDOW_S:
        raise InvalidParameter(
            f"The window should last {MIN_WINDOW_S:g} to {MAX_WINDOW_S:g} seconds.", field="infill_end_s"
        )


def replace_score(
    source: Score,
    *,
    start_s: float,
    end_s: float,
    seed: int,
    lyrics: str | None = None,
    tags: str | None = None,
    negative_tags: str = "",
    vocal_gender: str | None = None,
) -> tuple[Score, int, int]:
    """The Score half of :func:`replace_section`: the new Score and the window's (first bar, end bar)."""
    check_seed(seed)
    check_source(source, field="clip_id")
    _check_window(source, start_s, end_s)
    if lyrics is not None and len(lyrics) > 3000:
        raise InvalidParameter("infill_lyrics should be less than 3000 characters.", field="infill_lyrics")
    start_bar, end_bar = snap_window(source, start_s, end_s)
    rng = np.random.default_rng([seed, 0x1F])
    style = source_style(source, tags, negative_tags)
    text = lyrics if lyrics is not None and lyrics.strip() else lyrics_in_window(source, start_bar, end_bar)
    score = sing_in_window(source, start_bar, end_bar, text, rng, vocal_gender=vocal_gender)
    score = new_accompaniment(score, start_bar, end_bar, style, rng)
    score.seed = seed
    return score, start_bar, end_bar


def replace_section(
    source: Score,
    source_stems: Mapping[StemGroup, AudioBuffer],
    *,
    start_s: float,
    end_s: float,
    seed: int,
    lyrics: str | None = None,
    tags: str | None = None,
    negative_tags: str = "",
    vocal_gender: str | None = None,
    source_mix: AudioBuffer | None = None,
    source_master: AudioBuffer | None = None,
    crossfade_s: float = DEFAULT_CROSSFADE_S,
    quality: str = "standard",
    progress: Progress = no_progress,
) -> ReplacedSection:
    """Replace ``[start_s, end_s)`` of ``source`` (see the module docstring).

    ``source_stems`` are the source bundle's unmastered stems (any the source has; missing
    groups count as silence). ``source_mix``/``source_master`` are its unmastered and mastered
    mixes when available: outside the window the result is bit-identical to them (else the mix
    is the sum of the spliced stems and the master is made from it). Raises InvalidParameter
    naming ``infill_start_s``/``infill_end_s`` for a window outside 2–60 s or the clip.
    """
    if not 0.0 <= crossfade_s <= MAX_CROSSFADE_S:
        raise InvalidParameter("crossfade_s should be between 0 and 0.25 seconds.", field="crossfade_s")
    score, start_bar, end_bar = replace_score(
        source,
        start_s=start_s,
        end_s=end_s,
        seed=seed,
        lyrics=lyrics,
        tags=tags,
        negative_tags=negative_tags,
        vocal_gender=vocal_gender,
    )
    rendered = render_score(score, quality=quality, progress=progress)
    rate = rendered.mix.sample_rate_hz
    frames = rendered.mix.frames
    w0 = score.seconds_at(score.bar_start_beat(start_bar))
    w1 = score.seconds_at(score.bar_start_beat(end_bar))
    silence = AudioBuffer(np.zeros((2, frames), dtype=np.float32), rate)
    stems: dict[StemGroup, AudioBuffer] = {}
    for group in STEM_GROUPS:
        old = source_stems.get(group)
        new = rendered.stems.get(group)
        if old is None and new is None:
            continue
        if old is not None and old.sample_rate_hz != rate:
            raise InvalidParameter("Source stems must be at the render's sample rate.", field="source_stems")
        base = old.to_stereo().with_frames(frames) if old is not None else silence
        stems[group] = splice(base, new if new is not None else silence, w0, w1, crossfade_s=crossfade_s)
    if source_mix is not None:
        mix = splice(
            source_mix.to_stereo().with_frames(frames),
            _sum(stems, frames, rate),
            w0,
            w1,
            crossfade_s=crossfade_s,
        )
    else:
        mix = _sum(stems, frames, rate)
    progress("master", 0, 1)
    mastered = master_audio(mix, score.mix, quality=quality)
    if source_master is not None and not source_stems:
        mastered = _level_matched(mastered, source_master.to_stereo().with_frames(frames), w0, w1)
    if source_master is not None:
        mastered = splice(
            source_master.to_stereo().with_frames(frames), mastered, w0, w1, crossfade_s=crossfade_s
        )
    progress("master", 1, 1)
    return ReplacedSection(score=score, stems=stems, mix=mix, master=mastered, start_s=w0, end_s=w1)


def _level_matched(
    mastered: AudioBuffer, reference: AudioBuffer, start_s: float, end_s: float
) -> AudioBuffer:
    """``mastered`` scaled so that its RMS over ``[start_s, end_s)`` is the reference's there (a
    source without stems, e.g. an upload, has its own loudness), its peak there at most 0.98."""
    rate = mastered.sample_rate_hz
    s, e = round(start_s * rate), round(end_s * rate)
    new, old = mastered.samples[:, s:e], reference.samples[:, s:e]
    new_rms = float(np.sqrt(np.mean(np.square(new, dtype=np.float64)))) if new.size else 0.0
    old_rms = float(np.sqrt(np.mean(np.square(old, dtype=np.float64)))) if old.size else 0.0
    if new_rms <= 0 or old_rms <= 0:
        return mastered
    peak = float(np.max(np.abs(new)))
    gain = min(old_rms / new_rms, 0.98 / peak if peak > 0 else np.inf)
    return AudioBuffer(np.asarray(mastered.samples * gain, dtype=np.float32), rate)


def _sum(stems: Mapping[StemGroup, AudioBuffer], frames: int, rate: int) -> AudioBuffer:
    total = np.zeros((2, frames), dtype=np.float32)
    for audio in stems.values():
        total += audio.samples
    return AudioBuffer(total, rate)
