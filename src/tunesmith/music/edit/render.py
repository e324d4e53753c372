"""render_edit: an edited Score (and, for splicing edits, its audio) → a clip bundle.

The same stages and encoders as :func:`tunesmith.music.produce.produce_song` (it reuses
``render_score`` and ``package_song`` from there), so an edit's bundle has exactly the files a
created song has: score, MIDI, mix WAV/MP3, stems, cover, video, analysis and lyrics timeline.
"""

from __future__ import annotations

from collections.abc import Mapping

from tunesmith.errors import InvalidParameter
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.produce import ProducedSong, package_song, render_score
from tunesmith.music.progress import Progress, no_progress
from tunesmith.music.score import Score, StemGroup

__all__ = ["render_edit"]


def render_edit(
    score: Score,
    *,
    master: AudioBuffer | None = None,
    stems: Mapping[StemGroup, AudioBuffer] | None = None,
    quality: str = "standard",
    with_video: bool = True,
    sample_rate_hz: int = 44_100,
    progress: Progress = no_progress,
) -> ProducedSong:
    """The bundle of an edited Score.

    Without audio, the Score is sung, rendered and mastered (as produce_song does). With
    ``master`` and ``stems`` (e.g. from :func:`~tunesmith.music.edit.replace.replace_section`)
    that audio is encoded as is. Deterministic: the same Score gives the same bundle. Progress
    stages: vocals, render, mix, master, encode, done.
    """
    if (master is None) != (stems is None):
        raise InvalidParameter("Give both master and stems, or neither.", field="audio")
    if master is None or stems is None:
        rendered = render_score(score, quality=quality, sample_rate_hz=sample_rate_hz, progress=progress)
        master, stems = rendered.master, rendered.stems
    if master.frames != round(score.duration_s * master.sample_rate_hz):
        raise InvalidParameter("The audio does not last the Score's duration.", field="audio")
    progress("encode", 0, 1)
    bundle = package_song(score, master, stems, with_video=with_video)
    progress("done", 1, 1)
    return ProducedSong(score=score, bundle=bundle)
