"""Writing lyrics from a description, offline: themed, structured, metered and rhymed.

:func:`write_lyrics` and :func:`write_lyric_pair` are the entry points; see
:mod:`.writer` for the method and ``data/`` for the vocabularies and templates.
"""

from tunesmith.music.lyrics.write.writer import (
    DEFAULT_DURATION_S,
    WrittenLyrics,
    WrittenSection,
    plan_form,
    write_lyric_pair,
    write_lyrics,
)

__all__ = [
    "DEFAULT_DURATION_S",
    "WrittenLyrics",
    "WrittenSection",
    "plan_form",
    "write_lyric_pair",
    "write_lyrics",
]
