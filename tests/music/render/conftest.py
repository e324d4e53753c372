"""Hand-built Scores for the renderer tests (no composer involved)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tunesmith.music.score import MixSettings, Note, Score, Section, TempoChange, Track
from tunesmith.music.theory.keys import parse_key

PROGRESSION = ((60, 64, 67), (57, 60, 64), (53, 57, 60), (55, 59, 62))  # C Am F G


def build_score(
    *,
    bars: int = 6,
    tempo_bpm: float = 120.0,
    seed: int = 1,
    tail_s: float = 1.0,
    guitar_effects: tuple[str, ...] = (),
    with_strings: bool = True,
    with_guitar: bool = False,
    lead_repeats: bool = True,
    title: str = "Test Song",
    genre: str = "pop",
) -> Score:
    """A 4/4 song: piano chords, bass roots, drums (kick/snare/hats) and optional strings/guitar.

    The piano plays in bars 0..bars-2 and rests in the last bar, so silence can be checked.
    """
    rng = np.random.default_rng(seed)
    piano, bass, drums, strings, guitar = [], [], [], [], []
    for bar in range(bars):
        chord = PROGRESSION[bar % 4]
        beat0 = bar * 4.0
        if bar < bars - 1:
            for beat in (0.0, 2.0):
                for pitch in chord:
                    piano.append(Note(pitch, beat0 + beat, 1.5, 80 + int(rng.integers(0, 8))))
        bass.append(Note(chord[0] - 24, beat0, 1.75, 100))
        bass.append(Note(chord[0] - 24, beat0 + 2.0, 1.75, 96))
        for beat in range(4):
            drums.append(Note(36 if beat % 2 == 0 else 38, beat0 + beat, 0.25, 110))
            drums.append(Note(42, beat0 + beat + 0.5, 0.25, 70))
        if with_strings:
            for pitch in chord:
                strings.append(Note(pitch - 12, beat0, 4.0, 70))
        if with_guitar:
            for eighth in range(8):
                guitar.append(Note(chord[0] - 12, beat0 + eighth * 0.5, 0.45, 100))
                guitar.append(Note(chord[0] - 5, beat0 + eighth * 0.5, 0.45, 100))
    tracks = [
        Track("piano", "chords", "keyboard", 0, notes=piano, pan=-0.2, reverb_send=0.25),
        Track("bass", "bass", "bass", 33, notes=bass, reverb_send=0.0),
        Track("drums", "drums", "drums", 0, is_drum=True, notes=drums, reverb_send=0.1),
    ]
    if with_strings:
        tracks.append(Track("strings", "pad", "strings", 48, notes=strings, pan=0.3, reverb_send=0.4))
    if with_guitar:
        tracks.append(Track("guitar", "chords", "guitar", 29, notes=guitar, pan=0.4, effects=guitar_effects))
    duration_s = bars * 4 * 60.0 / tempo_bpm + tail_s
    return Score(
        title=title,
        tags=f"{genre}, happy",
        genre=genre,
        key=parse_key("C major"),
        meter=(4, 4),
        tempo_map=[TempoChange(0.0, tempo_bpm)],
        sections=[Section("verse", "Verse 1", 0, bars, 0.6)],
        chords=[],
        tracks=tracks,
        duration_s=duration_s,
        seed=seed,
        mix=MixSettings(),
        moods=("happy",),
    )


@pytest.fixture(scope="session")
def small_score() -> Score:
    return build_score()


@pytest.fixture(scope="session")
def make_score() -> Callable[..., Score]:
    """The :func:`build_score` factory (test modules cannot import conftest in importlib mode)."""
    return build_score
