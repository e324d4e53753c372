"""Meter, tempo and swing helpers.

A **beat** is a quarter note (the Score's convention): a bar of 4/4 has 4 beats, 3/4 has 3, 6/8
has 3 (six eighths), 12/8 has 6, 7/8 has 3.5. Tempos are quarter notes per minute.
"""

from __future__ import annotations

from tunesmith.errors import InvalidParameter

SUPPORTED_DENOMINATORS = (2, 4, 8, 16)


def validate_meter(meter: tuple[int, int]) -> tuple[int, int]:
    """Check a time signature; raises InvalidParameter (field ``meter``) when unusable."""
    try:
        numerator, denominator = int(meter[0]), int(meter[1])
    except (TypeError, ValueError, IndexError) as exc:
        raise InvalidParameter(f"Unknown meter {meter!r}.", field="meter") from exc
    if denominator not in SUPPORTED_DENOMINATORS or not 1 <= numerator <= 16:
        raise InvalidParameter(f"Unsupported meter {numerator}/{denominator}.", field="meter")
    return numerator, denominator


def beats_per_bar(meter: tuple[int, int]) -> float:
    """Quarter-note beats in one bar of ``meter`` (6/8 → 3.0)."""
    numerator, denominator = validate_meter(meter)
    return numerator * 4.0 / denominator


def is_compound(meter: tuple[int, int]) -> bool:
    """True for compound meters (6/8, 9/8, 12/8): beats group eighths in threes."""
    numerator, denominator = meter
    return denominator == 8 and numerator % 3 == 0 and numerator > 3


def pulse_beats(meter: tuple[int, int]) -> float:
    """Length in beats of the felt pulse: a dotted quarter (1.5) in compound meters, else a beat."""
    return 1.5 if is_compound(meter) else 4.0 / meter[1] if meter[1] == 2 else 1.0


def strong_beats(meter: tuple[int, int]) -> tuple[float, ...]:
    """Positions (beats from the bar start) of the strong pulses of a bar.

    4/4 → (0, 2); 3/4 → (0,); 6/8 → (0, 1.5); 12/8 → (0, 3); 2/4 → (0,); 5/4 → (0, 3); 7/8 → (0, 2).
    """
    numerator, denominator = validate_meter(meter)
    bar = numerator * 4.0 / denominator
    if is_compound(meter):
        pulses = numerator // 3
        return (0.0, bar / 2) if pulses in (2, 4) else (0.0,)
    if numerator == 4 and denominator == 4:
        return (0.0, 2.0)
    if numerator == 5:
        return (0.0, 3.0 * 4.0 / denominator)
    if numerator == 7 and denominator == 8:
        return (0.0, 2.0)
    return (0.0,)


def bar_seconds(tempo_bpm: float, meter: tuple[int, int]) -> float:
    """Length of one bar in seconds at ``tempo_bpm``."""
    if tempo_bpm <= 0:
        raise InvalidParameter("tempo_bpm must be positive.", field="tempo_bpm")
    return beats_per_bar(meter) * 60.0 / tempo_bpm


def tempo_for(bars: int, seconds: float, meter: tuple[int, int]) -> float:
    """The tempo (BPM) at which ``bars`` bars of ``meter`` last exactly ``seconds``."""
    if bars <= 0 or seconds <= 0:
        raise InvalidParameter("bars and seconds must be positive.", field="duration")
    return bars * beats_per_bar(meter) * 60.0 / seconds


def swing_position(beat: float, swing: float, *, unit_beats: float = 0.5) -> float:
    """Where ``beat`` lands after swinging the off-beat ``unit_beats`` notes by ``swing`` (0…1).

    Each pair of units is warped piecewise-linearly so that the off-beat unit moves from the
    middle of the pair to the triplet position at full swing (``unit × 4/3``); downbeats stay put
    and the map is monotonic, so notes keep their order and never overlap more than before.
    """
    if swing <= 0.0 or unit_beats <= 0.0:
        return beat
    pair = 2.0 * unit_beats
    delay = min(1.0, swing) * unit_beats / 3.0
    base = (beat // pair) * pair
    offset = beat - base
    if offset <= unit_beats:
        return base + offset * (unit_beats + delay) / unit_beats
    return base + unit_beats + delay + (offset - unit_beats) * (unit_beats - delay) / unit_beats


__all__ = [
    "bar_seconds",
    "beats_per_bar",
    "is_compound",
    "pulse_beats",
    "strong_beats",
    "swing_position",
    "tempo_for",
    "validate_meter",
]
