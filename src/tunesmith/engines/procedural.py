"""The default engine: symbolic composition rendered with SoundFonts (``tunesmith.music``)."""

from __future__ import annotations

from tunesmith import __version__
from tunesmith.engines.base import EngineResult, SongFacts
from tunesmith.music.produce import produce_song, sung_lyrics
from tunesmith.music.progress import Progress
from tunesmith.music.spec import SongSpec


class ProceduralEngine:
    """Composes a Score from the spec and renders it; exact stems, MIDI, tempo and key.

    ``with_video`` controls whether ``video.mp4`` is made (the operator may disable video).
    """

    name = "procedural"
    version = __version__

    def __init__(self, *, with_video: bool = True) -> None:
        self.with_video = with_video

    def create(self, spec: SongSpec, progress: Progress) -> EngineResult:
        produced = produce_song(spec, progress=progress, with_video=self.with_video)
        score = produced.score
        facts = SongFacts(
            title=score.title,
            tags=score.tags,
            lyrics=sung_lyrics(score),
            duration_s=round(score.duration_s, 2),
            tempo_bpm=round(score.tempo_bpm, 2),
            key=score.key.name,
            time_signature=score.time_signature,
        )
        return EngineResult(bundle=produced.bundle, facts=facts)
