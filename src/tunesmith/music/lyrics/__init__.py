"""Lyrics: section parsing, text normalisation, syllables and phonemes.

- :mod:`.sections` parses the contract's lyrics format (``[Verse]`` tags, backing vocals in
  parentheses) into :class:`~.sections.ParsedLyrics`.
- :mod:`.words` normalises text into singable words (numbers, contractions, emoji) and
  :mod:`.phonemes` turns words into syllables with ARPAbet phonemes and stress.
"""

from tunesmith.music.lyrics.sections import LyricLine, LyricSection, ParsedLyrics, parse_lyrics, sung_text

__all__ = ["LyricLine", "LyricSection", "ParsedLyrics", "parse_lyrics", "sung_text"]
