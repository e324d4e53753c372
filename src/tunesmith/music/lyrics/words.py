"""Lyric text → singable words.

:func:`words_of_line` turns one lyric line into the words a singer sings, in order:

- numbers become words (``"24/7"`` → twenty four seven, ``"1999"`` → nineteen ninety nine,
  ``"3rd"`` → third, ``"2.5"`` → two point five, ``"50%"`` → fifty percent);
- ``&`` → and, ``+`` → plus, ``@`` → at;
- contractions are kept as one word (``don't``), dropped-g forms too (``lovin'``);
- hyphenated words are split (``twenty-four`` → two words);
- punctuation, emoji and other symbols are dropped;
- accented Latin letters are kept (``café``); words with no letters at all vanish.

Each word keeps the text as written (``display``) and a lower-case ``spoken`` form for G2P.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Word", "number_to_words", "words_of_line"]


@dataclass(frozen=True)
class Word:
    """A sung word: ``display`` as written (punctuation stripped), ``spoken`` lower-case for G2P."""

    display: str
    spoken: str


_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL_FIX = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def number_to_words(n: int) -> list[str]:
    """English words for a non-negative integer (``1234`` → one thousand two hundred thirty four)."""
    if n < 0:
        return ["minus", *number_to_words(-n)]
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return [_ONES[hundreds], "hundred"] + (number_to_words(rest) if rest else [])
    for size, name in ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand")):
        if n >= size:
            big, rest = divmod(n, size)
            return [*number_to_words(big), name] + (number_to_words(rest) if rest else [])
    return [str(n)]  # unreachable


def _year_words(n: int) -> list[str]:
    hi, lo = divmod(n, 100)
    if lo == 0:
        return [*number_to_words(hi), "hundred"]
    if lo < 10:
        return [*number_to_words(hi), "oh", *number_to_words(lo)]
    return [*number_to_words(hi), *number_to_words(lo)]


def _ordinal(words: list[str]) -> list[str]:
    last = words[-1]
    if last in _ORDINAL_FIX:
        last = _ORDINAL_FIX[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last = last + "th"
    return [*words[:-1], last]


def _digits_to_words(token: str) -> list[str]:
    """Words for a token made of digits, optionally with a decimal part or ordinal suffix."""
    match = re.fullmatch(r"(\d+)(st|nd|rd|th|s)?", token, flags=re.IGNORECASE)
    if match:
        digits, suffix = match.group(1), (match.group(2) or "").lower()
        if len(digits) > 15:
            return [_ONES[int(d)] for d in digits]
        n = int(digits)
        is_year = len(digits) == 4 and (1100 <= n <= 1999 or 2010 <= n <= 2099)
        words = _year_words(n) if is_year else number_to_words(n)
        if suffix in ("st", "nd", "rd", "th"):
            return _ordinal(words)
        if suffix == "s":  # "90s", "1980s"
            last = words[-1]
            words[-1] = last[:-1] + "ies" if last.endswith("y") else last + "s"
        return words
    match = re.fullmatch(r"(\d+)\.(\d+)", token)
    if match:
        return [*_digits_to_words(match.group(1)), "point", *(_ONES[int(d)] for d in match.group(2))]
    return [_ONES[int(d)] for d in token if d.isdigit()]


_SYMBOL_WORDS = {"&": "and", "+": "plus", "@": "at", "%": "percent", "$": "dollars", "#": "number"}
_TOKEN_RE = re.compile(
    r"\d+(?:[.,]\d+)*(?:st|nd|rd|th|s)?(?![^\W\d_])|[^\W\d_]+(?:['’][^\W\d_]+)*['’]?|[&+@%$#]"
)


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L")


def words_of_line(text: str) -> list[Word]:
    """The sung words of one lyric line (see the module docstring). Never raises."""
    text = unicodedata.normalize("NFC", text).replace("’", "'").replace("‘", "'")
    # "24/7" and "9-5": separators between digits are just word boundaries.
    text = re.sub(r"(?<=\d)[/:\-](?=\d)", " ", text)
    text = text.replace("-", " ").replace("_", " ").replace("/", " ")
    # "1,000" → "1000"
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    out: list[Word] = []
    for match in _TOKEN_RE.finditer(text):
        token = match.group(0)
        if token in _SYMBOL_WORDS:
            if token == "%" or out or token != "$":
                out.append(Word(_SYMBOL_WORDS[token], _SYMBOL_WORDS[token]))
            continue
        if token[0].isdigit():
            out.extend(Word(w, w) for w in _digits_to_words(token.replace(",", "")))
            continue
        word = token.strip("'")
        if token.endswith("'") and word.lower().endswith("in"):  # lovin' → lovin'
            word = token
        if not word or not any(_is_letter(c) for c in word):
            continue
        out.append(Word(display=word, spoken=word.lower()))
    return out
