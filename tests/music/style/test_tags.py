"""resolve_style: free-text tags → Style."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tunesmith.errors import InvalidParameter
from tunesmith.music.style import known_tags, resolve_style
from tunesmith.music.style.model import Style


def programs(style: Style) -> set[int]:
    return {p.program for p in style.instruments if p.role not in ("drums", "percussion")}


def roles(style: Style) -> set[str]:
    return {p.role for p in style.instruments}


def test_empty_tags_give_pop() -> None:
    style = resolve_style("")
    assert style.genre.key == "pop"
    assert style.blend == (("pop", 1.0),)
    assert style.unknown == () and style.moods == ()
    assert style.tempo_bpm is None and style.key_name is None and style.meter is None
    assert "drums" in roles(style) and "bass" in roles(style)


@pytest.mark.parametrize(
    ("tags", "genre"),
    [
        ("drum and bass", "dnb"),
        ("DnB", "dnb"),
        ("drum & bass", "dnb"),
        ("Drum'n'Bass", "dnb"),
        ("lo-fi hip hop", "lofi"),
        ("LOFI", "lofi"),
        ("lo fi", "lofi"),
        ("chillhop", "lofi"),
        ("k-pop", "kpop"),
        ("KPOP", "kpop"),
        ("r&b", "rnb"),
        ("R&B/Soul", "soul"),
        ("Contemporary R&B", "rnb"),
        ("hip hop", "hip_hop"),
        ("Hip Hop/Rap", "hip_hop"),
        ("hip-hop", "hip_hop"),
        ("trap rap", "trap"),
        ("pop punk", "pop_punk"),
        ("pop rock", "pop_rock"),
        ("Jazz Pop", "jazz_pop"),
        ("bossa nova", "bossa_nova"),
        ("Chinese Style", "chinese_style"),
        ("GuFeng Music", "gufeng"),
        ("Chinoiserie Electronic", "chinoiserie_electronic"),
        ("Future Bass", "future_bass"),
        ("DJ", "edm"),
        ("dance/edm", "edm"),
        ("synthwave", "synthwave"),
        ("heavy metal", "metal"),
        ("reggaeton", "reggaeton"),
        ("afrobeats", "afrobeat"),
        ("j-pop", "jpop"),
        ("orchestral", "cinematic"),
        ("classical piano", "classical_piano"),
        ("8-bit", "chiptune"),
        ("chill out", "chillout"),
        ("video game", "chiptune"),
        ("piano ballad", "ballad"),
        ("waltz", "waltz"),
    ],
)
def test_genre_names_and_aliases(tags: str, genre: str) -> None:
    style = resolve_style(tags)
    assert style.genre.key == genre
    assert style.unknown == ()


# The nuro family's enumerations (API.md §8) must all be understood.
NURO_GENRES = [
    "Folk",
    "Pop",
    "Rock",
    "Chinese Style",
    "Hip Hop/Rap",
    "R&B/Soul",
    "Punk",
    "Electronic",
    "Jazz",
    "Reggae",
    "DJ",
    "Pop Punk",
    "Disco",
    "Future Bass",
    "Pop Rap",
    "Trap Rap",
    "R&B Rap",
    "Chinoiserie Electronic",
    "GuFeng Music",
    "Pop Rock",
    "Jazz Pop",
    "Bossa Nova",
    "Contemporary R&B",
]
NURO_MOODS = [
    "Happy",
    "Dynamic/Energetic",
    "Sentimental/Melancholic/Lonely",
    "Inspirational/Hopeful",
    "Nostalgic/Memory",
    "Excited",
    "Sorrow/Sad",
    "Chill",
    "Romantic",
    "Miss",
    "Groovy/Funky",
    "Dreamy/Ethereal",
    "Calm/Relaxing",
]
BGM_GENRES = [
    "corporate",
    "dance/edm",
    "orchestral",
    "chill out",
    "rock",
    "hip hop",
    "folk",
    "funk",
    "ambient",
    "holiday",
    "jazz",
    "kids",
    "world",
    "travel",
    "commercial",
    "advertising",
    "driving",
    "cinematic",
    "upbeat",
    "epic",
    "inspiring",
    "business",
    "video game",
    "dark",
    "pop",
    "trailer",
    "modern",
    "electronic",
    "documentary",
    "soundtrack",
    "fashion",
    "acoustic",
    "movie",
    "tv",
    "high tech",
    "industrial",
    "dance",
    "video",
    "vlog",
    "marketing",
    "game",
    "radio",
    "promotional",
    "sports",
    "party",
    "summer",
    "beauty",
]
BGM_MOODS = [
    "positive",
    "uplifting",
    "energetic",
    "happy",
    "bright",
    "optimistic",
    "hopeful",
    "cool",
    "dreamy",
    "fun",
    "light",
    "powerful",
    "calm",
    "confident",
    "joyful",
    "dramatic",
    "peaceful",
    "playful",
    "soft",
    "groovy",
    "reflective",
    "easy",
    "relaxed",
    "lively",
    "smooth",
    "romantic",
    "intense",
    "elegant",
    "mellow",
    "emotional",
    "sentimental",
    "cheerful happy",
    "contemplative",
    "soothing",
    "proud",
    "passionate",
    "sweet",
    "mystical",
    "tranquil",
    "cheerful",
    "casual",
    "beautiful",
    "ethereal",
    "melancholy",
    "sad",
    "aggressive",
    "haunting",
    "adventure",
    "serene",
    "sincere",
    "funky",
    "funny",
]
BGM_INSTRUMENTS = [
    "piano",
    "drums",
    "guitar",
    "percussion",
    "synth",
    "electric guitar",
    "acoustic guitar",
    "bass guitar",
    "brass",
    "violin",
    "cello",
    "flute",
    "organ",
    "trumpet",
    "ukulele",
    "saxophone",
    "double bass",
    "harp",
    "glockenspiel",
    "synthesizer",
    "keyboard",
    "marimba",
    "bass",
    "banjo",
    "strings",
]


@pytest.mark.parametrize("word", NURO_GENRES + BGM_GENRES + NURO_MOODS + BGM_MOODS + BGM_INSTRUMENTS)
def test_every_contract_enumeration_is_understood(word: str) -> None:
    style = resolve_style(word)
    assert style.unknown == ()
    assert style.recognised  # something was understood


def test_genres_blend_primary_first() -> None:
    style = resolve_style("jazz, hip hop")
    assert style.genre.key == "jazz"
    assert [k for k, _ in style.blend] == ["jazz", "hip_hop"]
    assert style.blend[0][1] > style.blend[1][1]
    assert abs(sum(w for _, w in style.blend) - 1.0) < 0.01
    jazz, hip_hop = resolve_style("jazz"), resolve_style("hip hop")
    assert jazz.tempo_range_bpm[0] > style.tempo_range_bpm[0] > hip_hop.tempo_range_bpm[0] - 1
    # instruments from the second genre join the arrangement, the rhythm section stays the primary's
    assert programs(style) - programs(jazz)
    assert [p.program for p in style.instruments if p.role == "bass"] == [32]


def test_moods_shift_modes_tempo_energy_brightness() -> None:
    base, sad, happy = resolve_style("pop"), resolve_style("sad pop"), resolve_style("happy pop")
    assert set(sad.mode_weights) <= {"minor", "dorian", "phrygian", "harmonic minor", "locrian"}
    assert "major" in happy.mode_weights
    assert sad.tempo_range_bpm[1] < base.tempo_range_bpm[1]
    assert sad.energy_shift < 0 < happy.energy_shift
    assert sad.mix.brightness_db < base.mix.brightness_db < happy.mix.brightness_db
    assert [m.key for m in sad.moods] == ["sad"]
    # the progressions follow the mode family
    assert sad.genre.progressions == sad.genre.progressions_by_family["minor"]
    assert happy.genre.progressions == happy.genre.progressions_by_family["major"]


def test_mood_keeps_genre_identity() -> None:
    style = resolve_style("sad chill drum and bass")
    assert style.tempo_range_bpm[0] >= 160


def test_happy_metal_turns_major() -> None:
    assert "major" in resolve_style("happy metal").mode_weights
    assert "major" not in resolve_style("metal").mode_weights


def test_instruments_named_are_added() -> None:
    style = resolve_style("rock, violin, saxophone")
    assert 40 in programs(style) and 65 in programs(style)
    sax = next(p for p in style.instruments if p.program == 65)
    assert sax.role == "lead" and sax.enter_energy == 0.0
    assert sum(1 for p in style.instruments if p.role == "lead" and p.group != "woodwinds") == 0


def test_808_switches_bass_and_kit() -> None:
    style = resolve_style("pop, 808")
    bass = [p for p in style.instruments if p.role == "bass"]
    assert [p.name for p in bass] == ["808"]
    assert style.genre.bass == "sub_808" and style.genre.drum_kit == 25
    assert all(p.program == 25 for p in style.instruments if p.role == "drums")


def test_generic_guitar_keeps_the_genres_guitar() -> None:
    rock, rock_guitar = resolve_style("rock"), resolve_style("rock guitar")
    assert programs(rock) == programs(rock_guitar)
    assert 25 in programs(resolve_style("techno, guitar"))


@pytest.mark.parametrize("tags", ["solo piano", "piano only", "just piano", "Piano Solo", "only piano"])
def test_solo_piano(tags: str) -> None:
    style = resolve_style(tags)
    assert style.solo
    assert {p.program for p in style.instruments} == {0}
    assert {p.group for p in style.instruments} == {"keyboard"}
    assert "lead" in roles(style) and "drums" not in roles(style)
    assert set(style.genre.grooves.values()) == {"none"} and style.genre.bass == "none"
    assert "drums" in style.groups_excluded and "bass" in style.groups_excluded


def test_just_acoustic_guitar() -> None:
    style = resolve_style("folk, just acoustic guitar")
    assert style.solo and style.genre.key == "folk"
    assert {p.program for p in style.instruments} == {25}
    assert set(style.genre.grooves.values()) == {"none"}


def test_guitar_solo_in_a_rock_song_is_not_solo_mode() -> None:
    style = resolve_style("rock, guitar solo")
    assert not style.solo
    assert "drums" in roles(style)


@pytest.mark.parametrize(
    ("tags", "bpm"),
    [("120 bpm", 120.0), ("bpm 90", 90.0), ("pop 128BPM", 128.0), ("tempo: 100", 100.0), ("bpm=75.5", 75.5)],
)
def test_explicit_tempo(tags: str, bpm: float) -> None:
    style = resolve_style(tags)
    assert style.tempo_bpm == bpm
    assert style.unknown == ()


def test_tempo_words() -> None:
    base = resolve_style("rock").tempo_range_bpm
    slow, fast = resolve_style("slow rock").tempo_range_bpm, resolve_style("fast rock").tempo_range_bpm
    mid = resolve_style("mid-tempo rock").tempo_range_bpm
    assert slow[1] < base[1] < fast[1]
    assert resolve_style("uptempo rock").tempo_range_bpm[0] > base[0]
    assert resolve_style("downtempo rock").tempo_range_bpm[0] < base[0]
    assert base[0] < mid[0] <= mid[1] < base[1]


@pytest.mark.parametrize("tags", ["5 bpm", "1000 bpm", "bpm 0"])
def test_tempo_out_of_range_is_invalid(tags: str) -> None:
    with pytest.raises(InvalidParameter) as info:
        resolve_style(tags)
    assert info.value.field == "tags"


@pytest.mark.parametrize(
    ("tags", "key"),
    [
        ("in D minor", "D minor"),
        ("key of Bb", "Bb major"),
        ("F# major", "F# major"),
        ("pop in e flat major", "Eb major"),
        ("key: C#m", "C# minor"),
        ("rock in a minor", "A minor"),
        ("jazz in D dorian", "D dorian"),
        ("in G", "G major"),
    ],
)
def test_key(tags: str, key: str) -> None:
    style = resolve_style(tags)
    assert style.key_name == key
    assert style.unknown == ()
    assert list(style.mode_weights) == [key.split(" ", 1)[1]]


def test_key_minor_picks_minor_progressions() -> None:
    style = resolve_style("happy pop in A minor")
    assert style.genre.progressions == style.genre.progressions_by_family["minor"]


@pytest.mark.parametrize("tags", ["in H minor", "key of X", "pop, Z major"])
def test_unknown_key_is_invalid(tags: str) -> None:
    with pytest.raises(InvalidParameter) as info:
        resolve_style(tags)
    assert info.value.field == "tags"
    assert "key" in info.value.message.lower()


def test_ordinary_words_are_not_keys() -> None:
    style = resolve_style("lost in a dream, key change")
    assert style.key_name is None


@pytest.mark.parametrize(
    ("tags", "meter", "groove"),
    [
        ("pop 3/4", (3, 4), "waltz"),
        ("folk ballad, 6/8", (6, 8), "six_eight"),
        ("blues 12/8", (12, 8), "six_eight"),
        ("waltz", (3, 4), "waltz"),
        ("pop, waltz", (3, 4), "waltz"),
    ],
)
def test_meter(tags: str, meter: tuple[int, int], groove: str) -> None:
    style = resolve_style(tags)
    assert style.meter == meter
    assert style.genre.meter == meter
    grooves = style.genre.grooves
    assert grooves.get("verse", grooves["default"]) in (groove, "none")
    assert grooves.get("chorus", grooves["default"]) == groove
    beats_per_bar = meter[0] * 4 / meter[1]
    assert style.genre.harmonic_rhythm_beats % beats_per_bar == 0


def test_unsupported_meter_is_listed_unknown() -> None:
    style = resolve_style("rock 7/8")
    assert style.meter is None and "7/8" in style.unknown


@pytest.mark.parametrize(
    ("tags", "gender"),
    [
        ("female vocals", "f"),
        ("male voice", "m"),
        ("woman singer", "f"),
        ("pop, Male Vocals", "m"),
        ("rock", None),
        ("vocals", None),
    ],
)
def test_voice(tags: str, gender: str | None) -> None:
    style = resolve_style(tags)
    assert style.vocal_gender == gender
    assert style.unknown == ()


def test_negative_drums_removes_drums() -> None:
    style = resolve_style("rock", "drums")
    assert style.groups_excluded == frozenset({"drums"})
    assert "drums" not in roles(style)
    assert set(style.genre.grooves.values()) == {"none"}
    assert "bass" in roles(style)


def test_negative_groups() -> None:
    style = resolve_style("funk", "bass, brass")
    assert {"bass", "brass"} <= style.groups_excluded
    assert not [p for p in style.instruments if p.group in ("bass", "brass")]
    assert style.genre.bass == "none"
    assert {"vocals", "backing_vocals"} <= resolve_style("gospel", "vocals").groups_excluded
    assert not [p for p in resolve_style("gospel", "vocals").instruments if p.group == "backing_vocals"]


def test_negative_instrument_is_never_used() -> None:
    style = resolve_style("ballad, piano", "piano")
    assert 0 not in programs(style)
    assert programs(style)  # something still plays
    assert 0 not in programs(resolve_style("piano only", "piano"))


def test_negative_genres_and_moods() -> None:
    style = resolve_style("rock, jazz, sad", "rock, sad")
    assert style.genre.key == "jazz" and style.moods == ()
    assert resolve_style("", "pop").genre.key != "pop"


def test_negation_inside_tags() -> None:
    style = resolve_style("house, no drums, without piano")
    assert "drums" in style.groups_excluded
    assert "drums" not in roles(style)
    assert 0 not in programs(style)


def test_unknown_words_are_listed() -> None:
    style = resolve_style("Pop, flibbertigibbet, wombat vibes")
    assert style.genre.key == "pop"
    assert style.unknown == ("flibbertigibbet", "wombat")
    assert "pop" in style.recognised


def test_plurals_and_case() -> None:
    style = resolve_style("ROCK, Violins, CELLOS")
    assert {40, 42} <= programs(style)


def test_a_long_combined_prompt() -> None:
    style = resolve_style("dreamy lo-fi hip hop, rhodes, female vocals, 80 bpm in D minor, no drums, 3/4")
    assert style.genre.key == "lofi"
    assert [m.key for m in style.moods] == ["dreamy"]
    assert style.tempo_bpm == 80 and style.key_name == "D minor" and style.meter == (3, 4)
    assert style.vocal_gender == "f" and "drums" in style.groups_excluded
    assert 4 in programs(style) and style.swing >= 0.3
    assert style.unknown == ()


def test_deterministic() -> None:
    tags = "epic cinematic, choir, taiko, 100 bpm"
    assert resolve_style(tags) == resolve_style(tags)


def test_too_long_tags() -> None:
    with pytest.raises(InvalidParameter) as info:
        resolve_style("pop " * 300)
    assert info.value.field == "tags"
    with pytest.raises(InvalidParameter) as info:
        resolve_style("pop", "x" * 1001)
    assert info.value.field == "negative_tags"
    resolve_style("p" * 1000)  # exactly the limit is fine


def test_known_tags() -> None:
    tags = known_tags()
    assert tags == sorted(set(tags))
    for word in ("drum and bass", "lo-fi", "k-pop", "r&b", "808", "violin", "guzheng", "erhu", "sad", "epic"):
        assert word in tags
    assert len(tags) > 500


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200), st.text(max_size=60))
def test_never_raises_anything_but_invalid_parameter(tags: str, negative: str) -> None:
    try:
        style = resolve_style(tags, negative)
    except InvalidParameter as exc:
        assert exc.field in ("tags", "negative_tags")
        return
    assert style.instruments
    assert style.tempo_range_bpm[0] <= style.tempo_range_bpm[1]
    assert abs(sum(style.mode_weights.values()) - 1.0) < 0.01


WORDS = st.sampled_from(
    [
        *known_tags()[::7],
        "no",
        "solo",
        "only",
        "in",
        "key of",
        "bpm",
        "3/4",
        "120",
        "minor",
        "a",
        "/",
        ",",
        "&",
        "-",
        "h",
        "e",
        "b",
        "#",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=20), st.lists(WORDS, max_size=6))
def test_word_salad_of_known_words(tags: list[str], negative: list[str]) -> None:
    try:
        style = resolve_style(" ".join(tags), ", ".join(negative))
    except InvalidParameter as exc:
        assert exc.field == "tags"
        return
    assert style.genre.key
    assert style.instruments
    names = [p.name for p in style.instruments]
    assert len(names) == len(set(names))


def test_solo_other_instruments_get_a_melody_copy() -> None:
    style = resolve_style("solo violin")
    assert style.solo and style.genre.key == "classical"
    assert {p.program for p in style.instruments} == {40}
    assert roles(style) == {"counter", "lead"}
    assert resolve_style("guzheng only").genre.key == "gufeng"
