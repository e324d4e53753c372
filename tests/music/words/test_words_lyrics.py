"""The lyric writer: form, syllables, rhymes, chorus and hook, themes, determinism, bad input."""

from __future__ import annotations

import functools
import itertools
import re
import tomllib
from importlib import resources

import pronouncing
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.lyrics.describe import read_description
from tunesmith.music.lyrics.sections import parse_lyrics
from tunesmith.music.lyrics.write import WrittenLyrics, plan_form, write_lyric_pair, write_lyrics
from tunesmith.music.lyrics.write.lexicon import themes
from tunesmith.music.lyrics.write.prosody import line_syllables, line_words, rhymes

# 30 varied descriptions: genres, moods, themes, other languages, emoji and odd input.
DESCRIPTIONS = [
    "an upbeat summer pop song about road trips",
    "a sad piano ballad about a breakup, female vocals",
    "dreamy synthwave about driving through a neon city at night",
    "rock anthem about breaking free, male vocals",
    "una canción de amor en la playa",
    "🚀🌌✨",
    "lofi hip hop about a rainy afternoon",
    "country song about coming home to my family's farm",
    "a punk song about starting a riot against the system",
    "epic cinematic track about hope and never giving up",
    "chill bossa nova about the ocean and sailing",
    "k-pop dance track about a party on saturday night",
    "folk song about walking in the forest in autumn",
    "nostalgic 80s synth pop about high school memories",
    "a jazz tune about a lonely night in the city",
    "christmas song about snow and a warm fireplace",
    "trap song about chasing dreams and making it big",
    "an r&b love song for my girlfriend",
    "indie song about old friends and good times",
    "ambient song about floating through space among the stars",
    "Ein Lied über den Sommer und die Liebe",
    "reggae song about freedom and sunshine",
    "a gospel song about faith, hope and rising up",
    "disco song about dancing all night long",
    "melancholic acoustic song about missing someone who left",
    'a song called "Paper Planes" about childhood dreams',
    "!!!???",
    "the the the the",
    "edm festival banger",
    "a quiet song about insomnia at 3am, sleepless and alone",
]


@functools.cache
def written(description: str, seed: int = 3, duration_s: float = 180.0) -> WrittenLyrics:
    return write_lyrics(description, duration_s=duration_s, seed=seed)


def _rhyme_pairs(scheme: str) -> list[tuple[int, int]]:
    pairs = []
    for letter in sorted(set(scheme) - {"X", "H"}):
        idx = [i for i, ch in enumerate(scheme) if ch == letter]
        pairs += list(itertools.pairwise(idx))
    return pairs


def _last_word(line: str) -> str:
    return line_words(line)[-1]


@pytest.mark.parametrize("description", DESCRIPTIONS)
def test_structure_syllables_rhymes_and_hook(description: str) -> None:
    song = written(description)
    parsed = parse_lyrics(song.lyrics_text)
    kinds = [s.kind for s in parsed.sections]
    assert "verse" in kinds and "chorus" in kinds, kinds
    # The parsed sections are exactly the written ones, line for line.
    assert [[ln.text for ln in s.lines] for s in parsed.sections] == [list(s.lines) for s in song.sections]
    assert all(not ln.backing for s in parsed.sections for ln in s.lines)

    for section in song.sections:
        assert len(section.scheme) == len(section.lines)
        for line in section.lines:
            n = line_syllables(line)
            assert abs(n - section.target_syllables) <= 2, (line, n, section.target_syllables)

    pairs = [(s.lines[a], s.lines[b]) for s in song.sections for a, b in _rhyme_pairs(s.scheme)]
    assert pairs
    rhymed = sum(rhymes(_last_word(a), _last_word(b)) for a, b in pairs)
    assert rhymed / len(pairs) >= 0.8, [(a, b) for a, b in pairs if not rhymes(_last_word(a), _last_word(b))]

    choruses = [s for s in song.sections if s.kind == "chorus"]
    assert len(choruses) >= 2  # a 3-minute song repeats its chorus
    assert all(c.lines == choruses[0].lines for c in choruses)
    chorus_text = "\n".join(choruses[0].lines).lower()
    assert song.title.lower() in chorus_text
    assert song.title.lower() in choruses[0].lines[0].lower()
    assert song.title.lower() in choruses[0].lines[-1].lower()

    non_chorus = [ln.lower() for s in song.sections if s.kind != "chorus" for ln in s.lines]
    chorus_lines = {ln.lower() for ln in choruses[0].lines}
    assert len(non_chorus) == len(set(non_chorus))
    assert not set(non_chorus) & chorus_lines


def _field_words(theme_key: str) -> set[str]:
    theme = themes()[theme_key]
    words: set[str] = set()
    for slot in ("scene", "place", "plural", "adj", "feel", "images"):
        for phrase in theme.words(slot):
            words.update(w for w in line_words(phrase) if len(w) > 3)
    for verb in (*theme.verbs, *theme.tverbs):
        words.update((verb.base, verb.ing, verb.past))
    for title in theme.titles:
        words.update(w for w in line_words(title.text) if len(w) > 3)
    return words


@pytest.mark.parametrize("description", DESCRIPTIONS)
def test_every_section_carries_theme_words(description: str) -> None:
    song = written(description)
    desc = read_description(description)
    field = _field_words(song.theme) | (_field_words(desc.secondary_theme) if desc.secondary_theme else set())
    for section in song.sections:
        words = {w for line in section.lines for w in line_words(line)}
        assert words & field, (section.label, section.lines)


def test_the_summer_road_trip_brief_is_read_as_a_road_trip() -> None:
    song = written(DESCRIPTIONS[0])
    assert song.theme == "road_trip"
    assert song.point_of_view == "we"


def test_different_themes_share_few_lines() -> None:
    by_theme: dict[str, set[str]] = {}
    for description in DESCRIPTIONS:
        song = written(description)
        by_theme.setdefault(song.theme, {ln.lower() for s in song.sections for ln in s.lines})
    assert len(by_theme) >= 12  # the 30 briefs select many different themes
    keys = sorted(by_theme)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            shared = by_theme[a] & by_theme[b]
            assert len(shared) <= 0.2 * min(len(by_theme[a]), len(by_theme[b])), (a, b, shared)


def test_same_seed_same_lyrics_other_seed_differs() -> None:
    a = write_lyrics(DESCRIPTIONS[2], duration_s=120, seed=11)
    b = write_lyrics(DESCRIPTIONS[2], duration_s=120, seed=11)
    c = write_lyrics(DESCRIPTIONS[2], duration_s=120, seed=12)
    assert a == b
    assert a.lyrics_text != c.lyrics_text


def test_different_themes_give_different_imagery() -> None:
    ocean = write_lyrics("a song about the ocean and sailing", duration_s=90, seed=1)
    city = write_lyrics("a song about the neon city at midnight", duration_s=90, seed=1)
    assert ocean.theme == "ocean" and city.theme == "city_night"
    ocean_words = {w for s in ocean.sections for ln in s.lines for w in line_words(ln)}
    city_words = {w for s in city.sections for ln in s.lines for w in line_words(ln)}
    assert ocean_words & _field_words("ocean") - _field_words("city_night")
    assert city_words & _field_words("city_night") - _field_words("ocean")


@pytest.mark.parametrize(
    ("duration_s", "expected"),
    [
        (20.0, ["chorus"]),
        (60.0, ["verse", "chorus"]),
        (
            180.0,
            ["verse", "pre_chorus", "chorus", "verse", "pre_chorus", "chorus", "bridge", "chorus", "outro"],
        ),
    ],
)
def test_form_is_sized_to_the_duration(duration_s: float, expected: list[str]) -> None:
    assert [k for k, _ in plan_form(duration_s, 110.0)] == expected


def test_longer_songs_have_more_lines() -> None:
    lengths = [
        sum(len(s.lines) for s in write_lyrics(DESCRIPTIONS[0], duration_s=d, seed=2).sections)
        for d in (30.0, 60.0, 120.0, 240.0)
    ]
    assert lengths == sorted(lengths) and lengths[0] < lengths[-1]
    short = write_lyrics(DESCRIPTIONS[0], duration_s=60, seed=2)
    assert [s.kind for s in short.sections] == ["verse", "chorus"]


def test_lyric_pair_gives_two_different_titled_lyrics() -> None:
    first, second = write_lyric_pair("a happy song about summer at the beach", seed=5)
    assert first.title and second.title and first.title != second.title
    assert first.lyrics_text != second.lyrics_text
    for song in (first, second):
        assert "[Verse]" in song.lyrics_text and "[Chorus]" in song.lyrics_text
    assert write_lyric_pair("a happy song about summer at the beach", seed=5) == (first, second)


def test_a_named_title_is_the_hook() -> None:
    song = written(DESCRIPTIONS[25])
    assert song.title == "Paper Planes"
    chorus = next(s for s in song.sections if s.kind == "chorus")
    assert "paper planes" in chorus.lines[0].lower()


def test_vocal_gender_sets_the_voice_tag() -> None:
    song = write_lyrics("a love song", duration_s=60, seed=1, vocal_gender="m")
    assert "male vocals" in song.tags.split(", ")
    with pytest.raises(InvalidParameter) as err:
        write_lyrics("a love song", duration_s=60, seed=1, vocal_gender="x")
    assert err.value.field == "vocal_gender"


@pytest.mark.parametrize("bad", ["", "   \n ", "a" * 401])
def test_bad_descriptions_raise_invalid_parameter(bad: str) -> None:
    with pytest.raises(InvalidParameter) as err:
        write_lyrics(bad, seed=1)
    assert err.value.field == "gpt_description_prompt"
    assert "gpt_description_prompt" in err.value.message


def test_data_words_are_all_in_cmudict() -> None:
    root = resources.files("tunesmith.music.lyrics.write").joinpath("data")
    missing = []
    for name in ("themes.toml", "lexicon.toml"):
        data = tomllib.loads(root.joinpath(name).read_text("utf-8"))
        tables = data.values() if name == "themes.toml" else [data]
        for table in tables:
            for key in (
                "scene",
                "place",
                "plural",
                "adj",
                "feel",
                "verbs",
                "tverbs",
                "images",
                "titles",
                "tails",
            ):
                for entry in table.get(key, []):
                    text = entry.replace("|", " ").replace("/", " ").replace("{P}", "my")
                    for word in re.findall(r"[a-z']+", text.lower()):
                        if not pronouncing.phones_for_word(word):
                            missing.append((name, key, word))
    assert not missing
