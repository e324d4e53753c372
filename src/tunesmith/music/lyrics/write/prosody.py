"""Syllables, stress and rhyme of English text through CMUdict (the ``pronouncing`` package).

Everything here works on plain words and lines; words CMUdict lacks fall back to counting vowel
groups in the spelling (at least one syllable per word with letters), with no stress known.
"""

from __future__ import annotations

import functools
import re

import pronouncing

__all__ = ["line_syllables", "line_words", "meter_fit", "rhyme_keys", "rhymes", "word_syllables"]

_WORD_RE = re.compile(r"[A-Za-z][A-Za-z']*")
_VOWEL_GROUP_RE = re.compile(r"[aeiouy]+")


def line_words(text: str) -> list[str]:
    """The words of a line, lower case, punctuation dropped ("Oh, I'm home!" → oh, i'm, home)."""
    return [w.lower().strip("'") for w in _WORD_RE.findall(text) if w.strip("'")]


@functools.lru_cache(maxsize=65_536)
def _phones(word: str) -> tuple[str, ...]:
    return tuple(pronouncing.phones_for_word(word.lower()))


def _spelling_syllables(word: str) -> int:
    w = word.lower()
    groups = len(_VOWEL_GROUP_RE.findall(w))
    if w.endswith("e") and not w.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1
    return max(1, groups)


@functools.lru_cache(maxsize=65_536)
def word_syllables(word: str) -> int:
    """Syllables of one word: CMUdict's first pronunciation, else vowel groups of the spelling."""
    phones = _phones(word)
    if phones:
        return int(pronouncing.syllable_count(phones[0]))
    return _spelling_syllables(word)


def line_syllables(text: str) -> int:
    """Syllables of a line of lyrics (sum over its words)."""
    return sum(word_syllables(w) for w in line_words(text))


@functools.lru_cache(maxsize=65_536)
def rhyme_keys(word: str) -> frozenset[str]:
    """The CMUdict rhyming parts (last stressed vowel onwards, stress marks removed) of a word.

    Empty when CMUdict lacks the word. Two words rhyme when their keys intersect.
    """
    out = set()
    for phones in _phones(word.lower()):
        part = pronouncing.rhyming_part(phones)
        out.add(re.sub(r"\d", "", part))
    return frozenset(out)


def rhymes(a: str, b: str) -> bool:
    """True when two different words share a CMUdict rhyming part ("night"/"light")."""
    a, b = a.lower().strip("'"), b.lower().strip("'")
    return a != b and bool(rhyme_keys(a) & rhyme_keys(b))


def meter_fit(text: str) -> float:
    """How well a line's word stresses fit a duple (strong-weak) meter, 0…1.

    The line's last syllable carrying a primary stress is taken as a strong beat, and strong beats
    alternate every second syllable from there. The score is the fraction of primary stresses of
    polysyllabic words that fall on strong positions (monosyllables may take either position).
    A line without polysyllabic words scores 1.
    """
    stresses: list[tuple[int, bool]] = []  # (stress digit, word is polysyllabic)
    for word in line_words(text):
        phones = _phones(word)
        if not phones:
            stresses.extend((0, True) for _ in range(_spelling_syllables(word)))
            continue
        digits = [int(d) for d in pronouncing.stresses(phones[0])]
        poly = len(digits) > 1
        stresses.extend((d, poly) for d in digits)
    if not stresses:
        return 1.0
    anchor = max((i for i, (d, _) in enumerate(stresses) if d == 1), default=len(stresses) - 1)
    primaries = [i for i, (d, poly) in enumerate(stresses) if d == 1 and poly]
    if not primaries:
        return 1.0
    on_beat = sum(1 for i in primaries if (anchor - i) % 2 == 0)
    return on_beat / len(primaries)
