from __future__ import annotations

from tunesmith.music.lyrics.phonemes import phonemes_for_words, syllabify, syllabify_words
from tunesmith.music.lyrics.words import number_to_words, words_of_line


def spoken(text: str) -> list[str]:
    return [w.spoken for w in words_of_line(text)]


def test_numbers_symbols_and_emoji() -> None:
    assert spoken("24/7, baby! 🔥🔥") == ["twenty", "four", "seven", "baby"]
    assert spoken("Back in 1999 & the 90s") == [
        "back",
        "in",
        "nineteen",
        "ninety",
        "nine",
        "and",
        "the",
        "nineties",
    ]
    assert spoken("3rd time, 2.5 days, 50%") == [
        "third",
        "time",
        "two",
        "point",
        "five",
        "days",
        "fifty",
        "percent",
    ]
    assert spoken("1,000,000") == ["one", "million"]
    assert number_to_words(1234) == ["one", "thousand", "two", "hundred", "thirty", "four"]
    assert spoken("💖💖 ✨") == []
    assert spoken("") == []


def test_contractions_and_hyphens() -> None:
    assert [w.display for w in words_of_line("Don't stop lovin' me — twenty-four hours")] == [
        "Don't",
        "stop",
        "lovin'",
        "me",
        "twenty",
        "four",
        "hours",
    ]


def test_max_onset_syllabifier() -> None:
    assert syllabify(["T", "W", "IH1", "NG", "K", "AH0", "L"]) == [["T", "W", "IH1", "NG"], ["K", "AH0", "L"]]
    assert syllabify(["EH0", "K", "S", "T", "R", "AO1", "R"]) == [["EH0", "K"], ["S", "T", "R", "AO1", "R"]]
    assert syllabify([]) == []


def test_cmudict_and_fallbacks_always_give_a_stressed_vowel() -> None:
    words = ["calling", "blorptastic", "nguyen", "привет", "我爱你", "corazón", "xyzzy"]
    for word, phones in zip(words, phonemes_for_words(words), strict=True):
        assert any(p[-1] in "012" for p in phones), word
        assert any(p.endswith("1") for p in phones), word
    assert phonemes_for_words(["calling"]) == [["K", "AO1", "L", "IH0", "NG"]]


def test_syllables_with_text_and_stress() -> None:
    words = syllabify_words(words_of_line("City lights extraordinary"))
    assert [s.text for s in words[0].syllables] == ["Ci", "ty"]
    assert [s.stress for s in words[0].syllables] == [1, 0]
    assert len(words[2].syllables) == 6
    assert "".join(s.text for s in words[2].syllables) == "extraordinary"


def test_one_syllable_function_words_are_unstressed_in_connected_speech() -> None:
    words = syllabify_words(words_of_line("I'm not in the mood for your love, never over it"))
    stress = {w.spoken: [s.stress for s in w.syllables] for w in words}
    # closed-class monosyllables: pronouns, prepositions, articles, possessives
    for small in ("i'm", "in", "the", "for", "your", "it"):
        assert stress[small] == [0], small
    # content words and negations keep their primary stress
    for content in ("not", "mood", "love"):
        assert stress[content] == [1], content
    # longer function words keep their lexical pattern; the phonemes keep the dictionary digits
    assert stress["over"] == [1, 0]
    assert stress["never"] == [1, 0]
    the = next(w for w in words if w.spoken == "the")
    assert any(p.endswith("1") for p in the.syllables[0].phonemes)
