"""The style knowledge base: genres, moods and instruments as data files, and tag parsing.

- :func:`resolve_style` turns free-text tags (and negative tags) into a
  :class:`~tunesmith.music.style.model.Style` for the composer.
- :func:`known_tags` lists every genre, mood and instrument word (for suggestions).
- :func:`genres`, :func:`moods`, :func:`instruments`, :func:`get_genre` give the validated data
  (``style/data/*.toml``), loaded once per process.
"""

from tunesmith.music.style.loader import (
    StyleDataError,
    genres,
    get_genre,
    instruments,
    knowledge_base,
    mode_family,
    moods,
)
from tunesmith.music.style.model import Genre, InstrumentPart, Mood, Style
from tunesmith.music.style.tags import known_tags, resolve_style

__all__ = [
    "Genre",
    "InstrumentPart",
    "Mood",
    "Style",
    "StyleDataError",
    "genres",
    "get_genre",
    "instruments",
    "knowledge_base",
    "known_tags",
    "mode_family",
    "moods",
    "resolve_style",
]
