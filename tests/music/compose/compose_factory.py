"""Small Genre/Style builders for composer tests (independent of the style data files)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tunesmith.music.score import MixSettings
from tunesmith.music.spec import SongSpec, make_spec
from tunesmith.music.style.model import Genre, InstrumentPart, Style

DRUMS = InstrumentPart("drums", "drums", "drums", 0, register=(35, 81))
BASS = InstrumentPart("bass", "bass", "bass", 33, register=(28, 52))
PIANO = InstrumentPart("piano", "chords", "keyboard", 0, comp="block_quarters", register=(48, 76))
PAD = InstrumentPart("pad", "pad", "synth", 89, comp="sustain", register=(52, 79), enter_energy=0.5)
LEAD = InstrumentPart("lead", "lead", "synth", 80, register=(64, 86), enter_energy=0.0)
GUITAR = InstrumentPart(
    "guitar",
    "chords",
    "guitar",
    29,
    comp="power_chords",
    register=(40, 64),
    effects=("drive",),
    enter_energy=0.4,
)
STRINGS = InstrumentPart("strings", "counter", "strings", 48, register=(55, 79), enter_energy=0.6)
SHAKER = InstrumentPart("shaker", "percussion", "percussion", 0, register=(35, 81), enter_energy=0.3)


def make_genre(**overrides: Any) -> Genre:
    values: dict[str, Any] = {
        "key": "pop",
        "name": "Pop",
        "family": "pop",
        "tempo_bpm": (100.0, 120.0),
        "meter": (4, 4),
        "modes": {"major": 3.0, "minor": 1.0},
        "progressions": {
            "verse": (("I", "V", "vi", "IV"), ("vi", "IV", "I", "V")),
            "chorus": (("IV", "V", "iii", "vi"), ("I", "V/V", "IV", "V7")),
            "pre_chorus": (("ii7", "IV", "V"),),
            "bridge": (("bVI", "bVII", "I/3", "V"),),
            "default": (("I", "vi", "IV", "V"),),
        },
        "grooves": {"default": "pop_basic", "chorus": "pop_driving", "intro": "pop_basic"},
        "bass": "pop_syncopated",
        "instruments": (DRUMS, BASS, PIANO, PAD, LEAD, STRINGS),
        "energy": {"intro": 0.3, "verse": 0.5, "chorus": 0.85},
        "fill": "toms",
    }
    values.update(overrides)
    return Genre(**values)


def make_style(genre: Genre | None = None, **overrides: Any) -> Style:
    g = genre or make_genre()
    values: dict[str, Any] = {
        "genre": g,
        "blend": ((g.key, 1.0),),
        "moods": (),
        "instruments": g.instruments,
        "tempo_range_bpm": g.tempo_bpm,
        "mode_weights": dict(g.modes),
        "energy_shift": 0.0,
        "register_shift": 0,
        "mix": MixSettings(),
        "swing": g.swing,
    }
    values.update(overrides)
    return Style(**values)


def spec(tags: str = "pop", seed: int = 7, **kwargs: Any) -> SongSpec:
    return make_spec(tags=tags, seed=seed, **kwargs)


def with_instruments(style: Style, *parts: InstrumentPart) -> Style:
    return replace(style, instruments=tuple(parts))
