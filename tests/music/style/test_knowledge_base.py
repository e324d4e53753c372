"""The packaged style data loads, validates and says what musicians expect."""

from __future__ import annotations

import copy
import tomllib
from importlib import resources
from typing import Any

import pytest

from tunesmith.music.score import SECTION_KINDS, STEM_GROUPS
from tunesmith.music.style.loader import (
    DRUM_KITS,
    METERS,
    StyleDataError,
    build_knowledge_base,
    genres,
    instruments,
    knowledge_base,
    moods,
)
from tunesmith.music.style.model import BASS_STYLES, COMP_PATTERNS, GROOVES
from tunesmith.music.theory.chords import parse_roman
from tunesmith.music.theory.keys import MODE_INTERVALS, Key

DATA = resources.files("tunesmith.music.style").joinpath("data")


def _raw_files() -> dict[str, dict[str, Any]]:
    files = {
        name: tomllib.loads(DATA.joinpath(name).read_text("utf-8"))
        for name in ("instruments.toml", "progressions.toml", "moods.toml", "tags.toml")
    }
    for entry in DATA.joinpath("genres").iterdir():
        if entry.name.endswith(".toml"):
            files[f"genres/{entry.name}"] = tomllib.loads(entry.read_text("utf-8"))
    return files


def test_every_data_file_is_valid_toml_and_validates() -> None:
    files = _raw_files()
    assert len([n for n in files if n.startswith("genres/")]) >= 5
    kb = build_knowledge_base(files)
    assert set(kb.genres) == set(knowledge_base().genres)


def test_sizes() -> None:
    assert len(genres()) >= 40
    assert len(moods()) >= 20
    assert len(instruments()) >= 40


def test_required_moods_exist() -> None:
    required = {
        "happy",
        "sad",
        "dark",
        "dreamy",
        "energetic",
        "chill",
        "epic",
        "romantic",
        "nostalgic",
        "angry",
        "peaceful",
        "mysterious",
        "uplifting",
        "melancholic",
        "aggressive",
        "playful",
        "hopeful",
        "tense",
        "relaxed",
        "triumphant",
    }
    assert required <= set(moods())


@pytest.mark.parametrize("genre", list(genres().values()), ids=lambda g: g.key)
def test_genre_uses_only_known_vocabulary(genre: Any) -> None:
    assert "default" in genre.grooves and set(genre.grooves) <= {"default", *SECTION_KINDS}
    assert all(g in GROOVES for g in genre.grooves.values())
    assert genre.bass in BASS_STYLES
    assert genre.meter in METERS
    assert genre.drum_kit in DRUM_KITS
    assert 30 <= genre.tempo_bpm[0] <= genre.tempo_bpm[1] <= 300
    assert set(genre.energy) <= set(SECTION_KINDS)
    assert all(0.0 <= e <= 1.0 for e in genre.energy.values())
    assert genre.modes and all(m in MODE_INTERVALS for m in genre.modes)
    assert genre.description and genre.name
    names = [p.name for p in genre.instruments]
    assert len(names) == len(set(names))
    for part in genre.instruments:
        assert part.comp in COMP_PATTERNS
        assert part.group in STEM_GROUPS
        assert 0 <= part.program <= 127
        assert 0 <= part.register[0] < part.register[1] <= 127
        if part.role in ("drums", "percussion"):
            assert part.program in DRUM_KITS
    # a bass style exactly when a part plays the bass line
    assert (genre.bass != "none") == any(p.role == "bass" for p in genre.instruments)
    drum_parts = [p for p in genre.instruments if p.role == "drums"]
    if all(g == "none" for g in genre.grooves.values()):
        assert not drum_parts
    # something carries harmony or melody in every genre
    assert any(p.role in ("chords", "pad", "arp", "lead") for p in genre.instruments)


@pytest.mark.parametrize("genre", list(genres().values()), ids=lambda g: g.key)
def test_progressions_parse_in_every_mode_of_their_family(genre: Any) -> None:
    assert set(genre.progressions_by_family) == {"major", "minor"}
    for family, table in genre.progressions_by_family.items():
        assert "default" in table and set(table) <= {"default", *SECTION_KINDS}
        modes = [m for m in MODE_INTERVALS if Key(0, m).is_minor == (family == "minor")]
        for loops in table.values():
            for loop in loops:
                for numeral in loop:
                    for mode in modes:
                        parse_roman(numeral, Key(2, mode))
    home = max(genre.modes, key=lambda m: genre.modes[m])
    assert genre.progressions == genre.progressions_by_family["minor" if Key(0, home).is_minor else "major"]


def test_instrument_vocabulary_programs_are_general_midi() -> None:
    expected = {
        "piano": 0,
        "electric_piano": 4,
        "nylon_guitar": 24,
        "acoustic_guitar": 25,
        "electric_guitar": 27,
        "overdriven_guitar": 29,
        "distorted_guitar": 30,
        "bass": 33,
        "pick_bass": 34,
        "synth_bass": 38,
        "strings": 48,
        "brass": 61,
        "flute": 73,
        "square_lead": 80,
        "saw_lead": 81,
        "pad": 89,
        "koto": 107,
        "guzheng": 107,
        "sitar": 104,
        "violin": 40,
        "cello": 42,
        "harp": 46,
        "trumpet": 56,
        "saxophone": 65,
        "organ": 16,
        "choir": 52,
        "marimba": 12,
        "glockenspiel": 9,
        "erhu": 110,
        "banjo": 105,
        "kalimba": 108,
    }
    vocab = instruments()
    for key, program in expected.items():
        assert vocab[key].parts[0].program == program, key
    for entry in vocab.values():
        for part in (*entry.parts, *entry.solo_parts):
            assert 0 <= part.program <= 127
            assert part.group in STEM_GROUPS
            assert part.comp in COMP_PATTERNS


def test_required_musical_facts() -> None:
    g = genres()
    assert g["dnb"].tempo_bpm[0] >= 160
    assert g["ballad"].tempo_bpm[1] <= 90
    metal_guitars = [p for p in g["metal"].instruments if p.program == 30]
    assert metal_guitars and all(p.effects == ("drive",) for p in metal_guitars)
    assert g["lofi"].swing >= 0.3
    assert g["waltz"].meter == (3, 4)
    assert g["waltz"].grooves["default"] == "waltz" and g["waltz"].bass == "waltz"
    for key in ("ambient", "classical_piano", "classical"):
        assert set(g[key].grooves.values()) == {"none"}, key
        assert not [p for p in g[key].instruments if p.role == "drums"]
    assert g["trap"].bass == "sub_808" and g["trap"].drum_kit == 25
    assert g["jazz"].bass == "walking" and g["jazz"].swing >= 0.5
    assert g["reggae"].grooves["default"] == "reggae_one_drop"
    assert g["reggaeton"].grooves["default"] == "dembow"
    assert g["bossa_nova"].grooves["default"] == "bossa_nova"
    assert g["punk"].tempo_bpm[0] >= 150
    # the sections a genre uses show in its energy/progression tables (the composer reads them)
    assert "drop" in g["edm"].energy and "drop" not in g["ballad"].energy
    assert "drop" not in {*g["ambient"].energy, *g["ambient"].progressions}
    assert "solo" in g["jazz"].progressions
    assert any(p.program == 107 for p in g["gufeng"].instruments)


# --- validation catches mistakes ---------------------------------------------------------


def _with(mutate: Any) -> dict[str, dict[str, Any]]:
    files = copy.deepcopy(_raw_files())
    mutate(files)
    return files


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: f["genres/pop.toml"]["pop"]["grooves"].update(chorus="polka"), "unknown groove 'polka'"),
        (lambda f: f["genres/pop.toml"]["pop"].update(bass="slap_happy"), "unknown bass style 'slap_happy'"),
        (
            lambda f: f["genres/pop.toml"]["pop"]["instruments"][2].update(comp="twinkle"),
            "unknown comp pattern",
        ),
        (lambda f: f["genres/pop.toml"]["pop"]["instruments"][2].update(program=128), "outside 0..127"),
        (lambda f: f["genres/pop.toml"]["pop"].update(drum_kit=3), "not a drum kit"),
        (lambda f: f["genres/pop.toml"]["pop"].update(meter=[5, 4]), "meter"),
        (lambda f: f["genres/pop.toml"]["pop"].update(tempo_bpm=[140, 90]), "above high"),
        (lambda f: f["genres/pop.toml"]["pop"]["modes"].update(blues=1.0), "unknown mode 'blues'"),
        (lambda f: f["genres/pop.toml"]["pop"].update(progressions="polka"), "unknown progression family"),
        (lambda f: f["genres/pop.toml"]["pop"].update(colour="red"), "unknown field(s) colour"),
        (lambda f: f["genres/pop.toml"]["ballad"].update(extends="nope"), "unknown genre 'nope'"),
        (
            lambda f: f["genres/pop.toml"]["pop"]["instruments"].append({"use": "theremin"}),
            "unknown instrument",
        ),
        (
            lambda f: f["progressions.toml"]["pop"]["major"]["default"].append(["I", "Q7"]),
            "not a roman numeral",
        ),
        (lambda f: f["progressions.toml"]["pop"].pop("minor"), "missing the [pop.minor]"),
        (lambda f: f["moods.toml"]["sad"].update(tempo_scale=3.0), "outside 0.6..1.4"),
        (lambda f: f["moods.toml"]["sad"]["aliases"].append("pop"), "means both genre 'pop' and mood 'sad'"),
        (lambda f: f["instruments.toml"]["piano"]["part"].update(role="singer"), "unknown role"),
        (lambda f: f["instruments.toml"]["piano"]["part"].update(group="keys"), "unknown stem group"),
    ],
)
def test_validation_names_the_mistake(mutate: Any, message: str) -> None:
    with pytest.raises(StyleDataError) as info:
        build_knowledge_base(_with(mutate))
    assert message in str(info.value)


def test_circular_extends_is_caught() -> None:
    def mutate(files: dict[str, dict[str, Any]]) -> None:
        files["genres/pop.toml"]["pop"]["extends"] = "ballad"
        files["genres/pop.toml"]["ballad"]["extends"] = "pop"

    with pytest.raises(StyleDataError, match="circular extends"):
        build_knowledge_base(_with(mutate))


def test_extends_inherits_and_overrides() -> None:
    g = genres()
    assert g["pop_punk"].family == g["punk"].family == "rock"
    assert g["pop_punk"].drum_kit == 8 and g["punk"].drum_kit == 16
    assert g["pop_punk"].mix == g["punk"].mix  # inherited
    assert "pop punk" in g["pop_punk"].aliases and "punk rock" not in g["pop_punk"].aliases
