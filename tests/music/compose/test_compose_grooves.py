from __future__ import annotations

import numpy as np
import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose.grooves import DRUM_KEYS, drum_parts, groove_pattern, load_grooves
from tunesmith.music.score import Section
from tunesmith.music.style.model import GROOVES

METERS = [(4, 4), (3, 4), (6, 8), (12, 8), (7, 8)]


def test_every_groove_is_in_the_data_file_and_valid() -> None:
    grooves = load_grooves()
    assert set(grooves) == set(GROOVES) - {"none"}
    for groove in grooves.values():
        for lines in (groove.main, groove.lift, groove.sparse):
            for sound, steps in lines.items():
                assert sound in DRUM_KEYS
                numerator = groove.meter[0]
                # Steps divide the bar evenly into pulses of the written meter.
                assert steps == "" or len(steps) % numerator == 0, (groove.name, sound)


@pytest.mark.parametrize("name", [g for g in GROOVES if g != "none"])
@pytest.mark.parametrize("meter", METERS)
def test_every_groove_plays_in_every_meter(name: str, meter: tuple[int, int]) -> None:
    bar = meter[0] * 4 / meter[1]
    for tier in ("sparse", "main", "lift"):
        pattern = groove_pattern(name, meter, tier)
        events = [t for line in pattern.values() for t, _ in line]
        assert events, (name, meter, tier)
        assert all(0 <= t < bar for t in events)


def test_waltz_and_six_eight_are_in_their_meters() -> None:
    waltz = groove_pattern("waltz", (3, 4))
    assert [t for t, _ in waltz["kick"]] == [0.0]
    assert max(t for line in waltz.values() for t, _ in line) < 3.0
    # A 4/4 groove in 3/4 borrows the waltz.
    assert groove_pattern("pop_basic", (3, 4)) == waltz
    six = groove_pattern("six_eight", (6, 8))
    assert [t for t, _ in six["snare"]] == [1.5]


def test_unknown_groove() -> None:
    with pytest.raises(InvalidParameter) as info:
        groove_pattern("polka", (4, 4))
    assert info.value.field == "groove"


def _sections() -> list[Section]:
    return [
        Section("intro", "Intro", 0, 4, 0.3),
        Section("verse", "Verse", 4, 8, 0.5),
        Section("chorus", "Chorus", 12, 8, 0.9),
        Section("outro", "Outro", 20, 4, 0.4),
    ]


def test_fills_crashes_and_ending() -> None:
    sections = _sections()
    result = drum_parts(
        sections, ["pop_basic"] * 4, (4, 4), fill="toms", rng=np.random.default_rng(0), percussion_track=False
    )
    crash_times = {n.start_beat for n in result.kit if n.pitch == DRUM_KEYS["crash"]}
    assert {16.0, 48.0} <= crash_times  # verse and chorus downbeats
    toms = {DRUM_KEYS[t] for t in ("tom_hi", "tom_mid", "tom_low", "floor")}
    tom_times = [n.start_beat for n in result.kit if n.pitch in toms]
    assert any(44.0 <= t < 48.0 for t in tom_times)  # fill at the end of the verse
    last_bar = [n for n in result.kit if n.start_beat >= 92.0]
    assert {n.pitch for n in last_bar} == {DRUM_KEYS["crash"], DRUM_KEYS["kick"]}
    assert all(n.start_beat == 92.0 for n in last_bar)
    assert result.kicks == sorted(result.kicks) and 0.0 in result.kicks


def test_energy_changes_density_and_velocity() -> None:
    quiet = [Section("verse", "Verse", 0, 8, 0.2)]
    loud = [Section("verse", "Verse", 0, 8, 0.95)]
    rng = np.random.default_rng(0)
    a = drum_parts(quiet, ["rock_eighths"], (4, 4), fill="none", rng=rng, percussion_track=False)
    b = drum_parts(loud, ["rock_eighths"], (4, 4), fill="none", rng=rng, percussion_track=False)
    assert len(a.kit) < len(b.kit)
    assert np.mean([n.velocity for n in a.kit]) < np.mean([n.velocity for n in b.kit])


def test_percussion_lines_go_to_the_percussion_track() -> None:
    sections = [Section("chorus", "Chorus", 0, 4, 0.9)]
    with_perc = drum_parts(
        sections, ["latin"], (4, 4), fill="none", rng=np.random.default_rng(0), percussion_track=True
    )
    assert {n.pitch for n in with_perc.percussion} >= {DRUM_KEYS["cowbell"], DRUM_KEYS["clave"]}
    assert DRUM_KEYS["cowbell"] not in {n.pitch for n in with_perc.kit}
    without = drum_parts(
        sections, ["latin"], (4, 4), fill="none", rng=np.random.default_rng(0), percussion_track=False
    )
    assert not without.percussion and DRUM_KEYS["cowbell"] in {n.pitch for n in without.kit}


def test_build_fill_before_a_drop() -> None:
    sections = [Section("breakdown", "Breakdown", 0, 8, 0.5), Section("drop", "Drop", 8, 8, 0.95)]
    result = drum_parts(
        sections,
        ["four_on_floor"] * 2,
        (4, 4),
        fill="build",
        rng=np.random.default_rng(0),
        percussion_track=False,
    )
    snares = [n for n in result.kit if n.pitch == DRUM_KEYS["snare"] and 24 <= n.start_beat < 32]
    assert len(snares) == 8 + 16
    assert snares[-1].velocity > snares[0].velocity
