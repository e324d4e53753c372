"""One lyric word placed in time: what the aligner (:mod:`tunesmith.music.analyze.align`) returns
and ``sonic/aligned-lyrics`` serves."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["WordAlignment"]


@dataclass(frozen=True)
class WordAlignment:
    """One lyric word placed in time.

    ``word`` is the token as written with its trailing ``" "`` or ``"\\n"``; ``start_s``/``end_s``
    are seconds from the start of the audio (``0 ≤ start_s ≤ end_s``); ``p_align`` 0..1 (see the
    module docstring); ``success`` false when the word could not be placed (then its times are
    only a guess between its neighbours, or 0 when nothing could be aligned).
    """

    word: str
    start_s: float
    end_s: float
    p_align: float
    success: bool

    def to_json(self) -> dict[str, object]:
        """The wire form of ``sonic/aligned-lyrics`` (times rounded to the millisecond)."""
        return {
            "word": self.word,
            "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3),
            "p_align": round(self.p_align, 3),
            "success": self.success,
        }
