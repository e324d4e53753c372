"""Render a whole Score: synthesis → mix (stems) → master, with stage timings."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tunesmith.music.audio import AudioBuffer
from tunesmith.music.progress import Progress, no_progress
from tunesmith.music.render.master import master
from tunesmith.music.render.mix import StreamingMix
from tunesmith.music.render.synth import iter_render_tracks
from tunesmith.music.score import Score, StemGroup


@dataclass
class RenderedSong:
    """A rendered Score.

    ``stems``: unmastered stereo audio per stem group the Score uses (plus any extra vocal stems).
    ``mix``: the unmastered mix, exactly the sum of ``stems``. ``master``: the mastered stereo mix
    (−14 LUFS, ≤ −1 dBTP by default). All have ``round(score.duration_s * sample_rate_hz)`` frames.
    ``stage_times_s``: wall seconds per stage (``synth``, ``mix``, ``master``); mixing overlaps
    synthesis, so ``mix`` counts only the wait after the last track was synthesised.
    """

    stems: dict[StemGroup, AudioBuffer]
    mix: AudioBuffer
    master: AudioBuffer
    stage_times_s: dict[str, float] = field(default_factory=dict)


def render_song(
    score: Score,
    *,
    sample_rate_hz: int = 44_100,
    quality: str = "standard",
    extra_stems: dict[str, AudioBuffer] | None = None,
    target_lufs: float = -14.0,
    ceiling_dbtp: float = -1.0,
    progress: Progress = no_progress,
) -> RenderedSong:
    """Synthesise, mix and master ``score``. Deterministic: the same Score gives identical audio.

    ``extra_stems`` carries the singer's ``"vocals"``/``"backing_vocals"`` (dry, same rate).
    ``progress(stage, done, total)`` is called with stages ``"render"`` (per track), ``"mix"`` and
    ``"master"``; it may raise ``Cancelled`` to stop.
    """
    times: dict[str, float] = {}
    started = time.perf_counter()
    total = len(score.tracks)
    progress("render", 0, total)
    tracks = iter_render_tracks(score, sample_rate_hz=sample_rate_hz, quality=quality)
    mixer = StreamingMix(score, sample_rate_hz=sample_rate_hz, extra_stems=extra_stems, quality=quality)
    try:
        # each group is mixed in a worker thread as soon as its last track is synthesised, so
        # mixing (pedalboard releases the GIL) overlaps the synthesis of the remaining tracks
        for done, (name, audio) in enumerate(tracks, start=1):
            mixer.add(name, audio)
            progress("render", done, total)
        times["synth"] = time.perf_counter() - started
        started = time.perf_counter()
        progress("mix", 0, 1)
        mixed = mixer.result()
    finally:
        mixer.close()
    progress("mix", 1, 1)
    times["mix"] = time.perf_counter() - started  # only the part that did not overlap synthesis

    started = time.perf_counter()
    progress("master", 0, 1)
    mastered = master(
        mixed.mix, score.mix, quality=quality, target_lufs=target_lufs, ceiling_dbtp=ceiling_dbtp
    )
    progress("master", 1, 1)
    times["master"] = time.perf_counter() - started
    return RenderedSong(stems=mixed.stems, mix=mixed.mix, master=mastered, stage_times_s=times)
