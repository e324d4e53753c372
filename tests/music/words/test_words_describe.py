"""Reading a description: style words → tags the composer recognises, theme, voice, title, bad input."""

from __future__ import annotations

import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.lyrics.describe import read_description
from tunesmith.music.style.tags import resolve_style

DESCRIPTIONS = [
    "an upbeat summer pop song about road trips",
    "a sad piano ballad about a breakup, female vocals",
    "dreamy synthwave about driving through a neon city at night",
    "rock anthem about breaking free with electric guitar, male vocals, 140 bpm",
    "una canción de amor en la playa",
    "🚀🌌✨",
    "lofi hip hop about a rainy afternoon, no drums",
    "nostalgic 80s synth pop about high school memories",
    "!!!???",
    "Ein Lied über den Sommer und die Liebe",
]


@pytest.mark.parametrize("text", DESCRIPTIONS)
def test_tags_are_all_recognised_by_the_composer(text: str) -> None:
    desc = read_description(text)
    assert desc.tags
    phrases = desc.tags.split(", ")
    style = resolve_style(desc.tags)
    assert not style.unknown, style.unknown
    assert set(phrases) <= set(style.recognised), (phrases, style.recognised)


def test_genre_mood_voice_tempo_and_instruments_are_read() -> None:
    desc = read_description("rock anthem about breaking free with electric guitar, male vocals, 140 bpm")
    assert "rock" in desc.genres
    assert desc.vocal_gender == "m"
    assert desc.tempo_bpm == 140.0
    assert "electric guitar" in desc.instruments
    style = resolve_style(desc.tags)
    assert style.genre.key == "rock" and style.vocal_gender == "m" and style.tempo_bpm == 140.0
    assert desc.theme == "freedom"


def test_mood_and_theme_of_a_sad_ballad() -> None:
    desc = read_description("a sad piano ballad about a breakup, female vocals")
    style = resolve_style(desc.tags)
    assert style.genre.key == "ballad"
    assert [m.key for m in style.moods] == ["sad"]
    assert style.vocal_gender == "f"
    assert desc.theme == "heartbreak" and desc.tempo_feel == "slow"
    assert desc.point_of_view == "i"


def test_theme_setting_point_of_view_and_topic_words() -> None:
    desc = read_description("an upbeat summer pop song about road trips")
    assert desc.theme == "road_trip" and desc.secondary_theme == "summer"
    assert desc.point_of_view == "we"
    assert "road trip" in desc.topic_words
    assert desc.setting
    assert read_description("a song about our friends").point_of_view == "we"
    assert read_description("she drives alone through the city at night").point_of_view == "she"


def test_other_languages_and_emoji_select_themes() -> None:
    assert read_description("una canción de amor").theme == "love"
    assert read_description("Ein Lied über den Sommer").theme == "summer"
    assert read_description("🚀🌌").theme == "space"
    assert read_description("💔").theme == "heartbreak"


def test_negated_instruments_are_not_tags() -> None:
    desc = read_description("lofi hip hop about a rainy afternoon, no drums")
    assert "drums" not in desc.instruments
    assert "drums" not in desc.tags.split(", ")


def test_era_and_title() -> None:
    desc = read_description("nostalgic 80s synth pop about high school memories")
    assert desc.era == "80s"
    assert desc.title and not desc.title_given
    named = read_description('a song called "Paper Planes" about childhood dreams')
    assert named.title == "Paper Planes" and named.title_given


def test_same_text_same_description() -> None:
    assert read_description("a dreamy song about the sea") == read_description("a dreamy song about the sea")


def test_nothing_recognisable_gives_sensible_defaults() -> None:
    for text in ("!!!???", "xq zzv blorp", "🙂"):
        desc = read_description(text)
        assert desc.theme and desc.title and desc.tags
        assert resolve_style(desc.tags).genre.key


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The 'gpt_description_prompt' field is required."),
        ("  \t\n", "The 'gpt_description_prompt' field is required."),
        ("a" * 401, "The 'gpt_description_prompt' character length should be less than 400."),
    ],
)
def test_bad_input_messages(text: str, message: str) -> None:
    with pytest.raises(InvalidParameter) as err:
        read_description(text)
    assert err.value.message == message
    assert err.value.field == "gpt_description_prompt"


def test_field_name_and_limit_are_the_callers() -> None:
    with pytest.raises(InvalidParameter) as err:
        read_description("x" * 121, field="description", max_chars=120)
    assert err.value.message == "The 'description' character length should be less than 120."
    assert read_description("a" * 400).theme


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("a song about the ocean at night", "ocean"),
        ("an upbeat summer pop song about road trips", "road_trip"),
        ("waves crashing on the beach at night", "ocean"),
        ("city lights at night by the sea", "city_night"),
    ],
)
def test_the_topic_wins_a_tie_between_themes(text: str, theme: str) -> None:
    """Equal trigger counts: the theme named after "about", else the one named first, is the topic."""
    assert read_description(text).theme == theme
