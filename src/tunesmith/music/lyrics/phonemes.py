"""Words → syllables → ARPAbet phonemes with stress, offline.

- English words come from CMUdict (the ``pronouncing`` package; 126k entries, ARPAbet with
  stress digits 0/1/2).
- Words CMUdict lacks (names, inventions, other languages) go through espeak-ng's letter-to-sound
  rules (``espeak-ng -x``), with the espeak voice chosen from the word's script (Latin → en-us,
  Cyrillic → ru, CJK → cmn, kana → ja, Hangul → ko, Greek → el, …), mapped onto ARPAbet. If
  espeak-ng is missing, a small spelling-based fallback is used, so every word with letters gets
  at least one syllable.
- Syllables follow the maximum-onset principle over English onsets.
- A syllable's ``stress`` is its stress in connected speech: the vowel's dictionary digit, except
  that one-syllable English function words (:data:`FUNCTION_WORDS`) are unstressed. CMUdict gives
  every monosyllable a primary stress (the citation form), but in running speech and in song
  setting articles, prepositions, pronouns, possessives, auxiliaries and conjunctions are reduced
  and go on weak beats or pickups. The phonemes keep the dictionary digits.

:func:`syllabify_words` is the entry point; all lookups of one call are batched (one espeak-ng
process per script).
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from itertools import pairwise

import pronouncing

from tunesmith.music.lyrics.words import Word

__all__ = [
    "ARPABET_VOWELS",
    "FUNCTION_WORDS",
    "SyllabifiedWord",
    "Syllable",
    "phonemes_for_words",
    "syllabify",
    "syllabify_words",
]

ARPABET_VOWELS = frozenset(
    ["AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"]
)
_FUNCTION_WORDS_TEXT = (
    # articles
    "a an the"
    # prepositions (one syllable; "into", "over", "about" keep their lexical stress)
    " as at by for from in of on through to with"
    # personal pronouns, subject and object, and their contractions with an auxiliary
    " i you he she it we they me him her us them"
    " i'm i've i'll i'd you're you've you'll you'd he's he'll he'd she's she'll she'd it's it'll"
    " we're we've we'll we'd they're they've they'll they'd"
    # possessive determiners
    " my your his its our their"
    # auxiliaries and modal verbs
    " am is are was were be been do does did has have had can could will would shall should may"
    " might must"
    # conjunctions and complementisers
    " and but or nor if than that"
)
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS_TEXT.split())
"""Closed-class English words (lower case) said unstressed when they are one syllable long.

Articles, one-syllable prepositions, personal pronouns (and their contractions with an
auxiliary), possessive determiners, auxiliaries and modals, conjunctions and "that". Negations
("not", "no", "never", "don't", "can't"…), demonstratives ("this", "those") and
intensifiers ("so") carry meaning and stay stressed."""

_CONSONANTS = frozenset(
    [
        "B",
        "CH",
        "D",
        "DH",
        "F",
        "G",
        "HH",
        "JH",
        "K",
        "L",
        "M",
        "N",
        "NG",
        "P",
        "R",
        "S",
        "SH",
        "T",
        "TH",
        "V",
        "W",
        "Y",
        "Z",
        "ZH",
    ]
)

# English onsets (maximum-onset principle): single consonants (except NG) plus clusters.
_ONSETS = {(c,) for c in _CONSONANTS if c != "NG"} | {
    tuple(o.split())
    for o in [
        "P R",
        "T R",
        "K R",
        "B R",
        "D R",
        "G R",
        "F R",
        "TH R",
        "SH R",
        "P L",
        "K L",
        "B L",
        "G L",
        "F L",
        "S L",
        "T W",
        "K W",
        "D W",
        "G W",
        "S W",
        "TH W",
        "S P",
        "S T",
        "S K",
        "S M",
        "S N",
        "S F",
        "S P R",
        "S T R",
        "S K R",
        "S P L",
        "S K L",
        "S K W",
        "P Y",
        "B Y",
        "F Y",
        "V Y",
        "M Y",
        "K Y",
        "HH Y",
        "G Y",
        "S K Y",
        "S P Y",
        "M Y",
        "N Y",
    ]
}


@dataclass(frozen=True)
class Syllable:
    """One syllable: its orthographic ``text`` slice, ARPAbet ``phonemes`` and ``stress``.

    ``stress`` is 1 (primary), 2 (secondary) or 0 (unstressed), from the vowel's digit, but 0 for a
    one-syllable function word (:data:`FUNCTION_WORDS`): the stress in connected speech.
    """

    text: str
    phonemes: tuple[str, ...]
    stress: int


@dataclass(frozen=True)
class SyllabifiedWord:
    """A sung word and its syllables (at least one)."""

    display: str
    spoken: str
    syllables: tuple[Syllable, ...]


def _is_vowel(phone: str) -> bool:
    return phone.rstrip("012") in ARPABET_VOWELS


def syllabify(phones: list[str]) -> list[list[str]]:
    """Split ARPAbet phones into syllables by the maximum-onset principle.

    Every syllable has exactly one vowel; a phone list without vowels is one syllable.
    """
    vowel_at = [i for i, p in enumerate(phones) if _is_vowel(p)]
    if not vowel_at:
        return [list(phones)] if phones else []
    cuts = []
    for a, b in pairwise(vowel_at):
        cluster = phones[a + 1 : b]
        split = len(cluster)  # default: everything to the coda … then find the longest legal onset
        for k in range(len(cluster) + 1):
            onset = tuple(p.rstrip("012") for p in cluster[k:])
            if not onset or onset in _ONSETS:
                split = k
                break
        cuts.append(a + 1 + split)
    out, start = [], 0
    for cut in cuts:
        out.append(phones[start:cut])
        start = cut
    out.append(phones[start:])
    return out


# ---- espeak-ng fallback ------------------------------------------------------------------------

_ESPEAK_MAP: dict[str, tuple[str, ...]] = {
    "p": ("P",),
    "b": ("B",),
    "t": ("T",),
    "d": ("D",),
    "k": ("K",),
    "g": ("G",),
    "f": ("F",),
    "v": ("V",),
    "T": ("TH",),
    "D": ("DH",),
    "s": ("S",),
    "z": ("Z",),
    "S": ("SH",),
    "Z": ("ZH",),
    "h": ("HH",),
    "x": ("HH",),
    "C": ("HH",),
    "m": ("M",),
    "n": ("N",),
    "N": ("NG",),
    "l": ("L",),
    "L": ("L",),
    "r": ("R",),
    "R": ("R",),
    "*": ("R",),
    "w": ("W",),
    "j": ("Y",),
    "J": ("Y",),
    "tS": ("CH",),
    "dZ": ("JH",),
    "ts": ("T", "S"),
    "dz": ("D", "Z"),
    "c": ("K",),
    "q": ("K",),
    "a": ("AE",),
    "A": ("AA",),
    "0": ("AA",),
    "V": ("AH",),
    "@": ("AH",),
    "3": ("ER",),
    "E": ("EH",),
    "e": ("EY",),
    "I": ("IH",),
    "i": ("IY",),
    "U": ("UH",),
    "u": ("UW",),
    "o": ("OW",),
    "O": ("AO",),
    "y": ("UW",),
    "Y": ("UW",),
    "W": ("ER",),
    "aI": ("AY",),
    "aU": ("AW",),
    "OI": ("OY",),
    "eI": ("EY",),
    "oU": ("OW",),
    "ai": ("AY",),
    "au": ("AW",),
    "ei": ("EY",),
    "ou": ("OW",),
    "e@": ("EH", "R"),
    "I@": ("IH", "R"),
    "U@": ("UH", "R"),
    "A@": ("AA", "R"),
    "O@": ("AO", "R"),
    "o@": ("AO", "R"),
    "i@": ("IY", "AH"),
    "aI@": ("AY", "ER"),
    "aU@": ("AW", "ER"),
    "aI3": ("AY", "ER"),
    "aU3": ("AW", "ER"),
    "@L": ("AH", "L"),
    "@5": ("AH", "L"),
    "3:": ("ER",),
    "a#": ("AH",),
    "@2": ("AH",),
    "I#": ("IH",),
    "I2": ("IH",),
    "i@3": ("IY", "ER"),
    "r-": ("R",),
    "n-": ("AH", "N"),
    "m-": ("AH", "M"),
    "l-": ("AH", "L"),
}
_SCRIPT_VOICES = (
    ("CYRILLIC", "ru"),
    ("GREEK", "el"),
    ("CJK", "cmn"),
    ("HIRAGANA", "ja"),
    ("KATAKANA", "ja"),
    ("HANGUL", "ko"),
    ("ARABIC", "ar"),
    ("HEBREW", "he"),
    ("DEVANAGARI", "hi"),
    ("THAI", "th"),
    ("ARMENIAN", "hy"),
    ("GEORGIAN", "ka"),
    ("BENGALI", "bn"),
    ("TAMIL", "ta"),
)


def _voice_for(word: str) -> str:
    for ch in word:
        if unicodedata.category(ch).startswith("L"):
            name = unicodedata.name(ch, "")
            for prefix, voice in _SCRIPT_VOICES:
                if name.startswith(prefix):
                    return voice
            return "en-us"
    return "en-us"


def _espeak_token_to_arpabet(token: str) -> list[str]:
    stress = 1 if "'" in token else 2 if "," in token else 0
    body = re.sub(r"[',;:\-|!#_0-9\\/^~=%<>]+", "", token.replace("(", "").replace(")", ""))
    if body == "" and token.strip("',;") in _ESPEAK_MAP:
        body = token.strip("',;")
    out: list[str] = []
    i = 0
    while i < len(body):
        for size in (3, 2, 1):
            piece = body[i : i + size]
            if len(piece) == size and piece in _ESPEAK_MAP:
                out.extend(_ESPEAK_MAP[piece])
                i += size
                break
        else:
            i += 1
    return [p + str(stress) if p in ARPABET_VOWELS else p for p in out]


def _parse_espeak_line(line: str) -> list[str]:
    line = re.sub(r"\([a-z\-]+\)", "", line)  # language switch markers "(en)"
    phones: list[str] = []
    for token in re.split(r"[_\s]+", line):
        if token:
            phones.extend(_espeak_token_to_arpabet(token))
    return phones


@functools.cache
def _espeak_path() -> str | None:
    return shutil.which("espeak-ng")


def _espeak_batch(words: list[str], voice: str) -> list[list[str]]:
    exe = _espeak_path()
    if exe is None or not words:
        return [[] for _ in words]

    def run(text: str) -> list[str]:
        try:
            done = subprocess.run(
                [exe, "-q", "-x", "--sep=_", "-v", voice],
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return []
        return [line for line in done.stdout.decode("utf-8", "replace").splitlines() if line.strip()]

    lines = run("\n".join(words) + "\n")
    if len(lines) != len(words):
        lines = [" ".join(run(w + "\n")) for w in words]
    return [_parse_espeak_line(line) for line in lines]


_SPELL_VOWELS = {"a": "AE", "e": "EH", "i": "IH", "o": "AA", "u": "AH", "y": "IY"}
_SPELL_CONS = {
    "b": "B",
    "c": "K",
    "d": "D",
    "f": "F",
    "g": "G",
    "h": "HH",
    "j": "JH",
    "k": "K",
    "l": "L",
    "m": "M",
    "n": "N",
    "p": "P",
    "q": "K",
    "r": "R",
    "s": "S",
    "t": "T",
    "v": "V",
    "w": "W",
    "x": "K",
    "z": "Z",
}


def _spelling_phones(word: str) -> list[str]:
    """Last-resort letter-to-sound: one vowel per vowel-letter group (stress on the first)."""
    ascii_word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
    phones: list[str] = []
    prev_vowel = False
    for ch in ascii_word:
        if ch in _SPELL_VOWELS:
            if not prev_vowel:
                phones.append(_SPELL_VOWELS[ch] + ("1" if not any(_is_vowel(p) for p in phones) else "0"))
            prev_vowel = True
        elif ch in _SPELL_CONS:
            phones.append(_SPELL_CONS[ch])
            prev_vowel = False
    if not any(_is_vowel(p) for p in phones):
        phones.append("AH1")
    return phones


def _cmu_phones(spoken: str) -> list[str] | None:
    candidates = [spoken]
    if spoken.endswith("in'"):
        candidates += [spoken[:-1], spoken[:-1] + "g"]
    candidates.append(spoken.replace("'", ""))
    for candidate in candidates:
        found = pronouncing.phones_for_word(candidate)
        if found:
            return str(found[0]).split()
    return None


def phonemes_for_words(spoken: list[str]) -> list[list[str]]:
    """ARPAbet phones (with stress digits) for each lower-case word; every list has a vowel."""
    result: list[list[str] | None] = [_cmu_phones(w) for w in spoken]
    missing: dict[str, list[int]] = {}
    for i, phones in enumerate(result):
        if phones is None:
            missing.setdefault(_voice_for(spoken[i]), []).append(i)
    for voice, indices in missing.items():
        looked_up = _espeak_batch([spoken[i] for i in indices], voice)
        for i, phones in zip(indices, looked_up, strict=True):
            result[i] = phones
    final: list[list[str]] = []
    for word, phones in zip(spoken, result, strict=True):
        if not phones or not any(_is_vowel(p) for p in phones):
            phones = _spelling_phones(word)
        if not any(p.endswith("1") for p in phones):  # make sure one syllable carries stress
            first = next(i for i, p in enumerate(phones) if _is_vowel(p))
            phones = [*phones[:first], phones[first].rstrip("012") + "1", *phones[first + 1 :]]
        final.append(phones)
    return final


_VOWEL_LETTERS = "aeiouyàáâãäåæèéêëìíîïòóôõöøùúûüýÿœ"


def _split_spelling(word: str, parts: list[list[str]]) -> list[str]:
    """Cut a written word into one orthographic piece per syllable, roughly at syllable boundaries.

    When the word has as many vowel-letter groups as syllables, cut between groups (one consonant
    letter goes to the next syllable); otherwise cut in proportion to the phoneme counts.
    """
    count = len(parts)
    if count <= 1:
        return [word]
    groups = [m.span() for m in re.finditer(f"[{_VOWEL_LETTERS}]+", word.lower())]
    if len(groups) == count:
        cuts = []
        for (_, end_a), (start_b, _) in pairwise(groups):
            between = start_b - end_a
            cuts.append(end_a + max(0, between - 1) if between <= 2 else end_a + between // 2)
        pieces, start = [], 0
        for cut in cuts:
            pieces.append(word[start:cut])
            start = cut
        pieces.append(word[start:])
        if all(pieces):
            return pieces
    total = sum(len(p) for p in parts) or 1
    bounds, acc = [0], 0
    for part in parts[:-1]:
        acc += len(part)
        bounds.append(min(len(word), max(bounds[-1], round(acc * len(word) / total))))
    bounds.append(len(word))
    return [word[bounds[i] : bounds[i + 1]] for i in range(count)]


def syllabify_words(words: list[Word]) -> list[SyllabifiedWord]:
    """Syllables, phonemes and stress for each word, in order (one batched G2P pass)."""
    all_phones = phonemes_for_words([w.spoken for w in words])
    out: list[SyllabifiedWord] = []
    for word, phones in zip(words, all_phones, strict=True):
        parts = syllabify(phones)
        texts = _split_spelling(word.display, parts)
        function = len(parts) == 1 and word.spoken in FUNCTION_WORDS
        syllables = []
        for text, part in zip(texts, parts, strict=True):
            vowel = next((p for p in part if _is_vowel(p)), "AH0")
            stress = 0 if function else int(vowel[-1]) if vowel[-1].isdigit() else 0
            syllables.append(Syllable(text=text, phonemes=tuple(part), stress=stress))
        out.append(SyllabifiedWord(display=word.display, spoken=word.spoken, syllables=tuple(syllables)))
    return out
