"""Chord voicings with voice leading.

:func:`voice_lead` picks, for a chord's pitch classes, the voicing inside a register that moves
least from the previous voicing (sum of semitone movements between sorted voices), while keeping
the chord's character (third and seventh present, root in the voicing when there is room) and a
playable spacing. Results are cached: the arranger calls it for every chord of every part.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations, pairwise

from tunesmith.errors import InvalidParameter

MAX_SPAN = 19
"""Widest voicing in semitones (a tenth plus a sixth): keeps voicings in one or two hands."""


def _required(pcs: tuple[int, ...], voices: int) -> tuple[frozenset[int], frozenset[int]]:
    """(pitch classes that must sound, pitch classes that may sound) for ``voices`` voices."""
    allowed = frozenset(pcs)
    if len(pcs) <= voices:
        return frozenset(pcs), allowed
    # Too many tones: keep root, third and the colour tones; drop the fifth first, then the root.
    root, rest = pcs[0], list(pcs[1:])
    if len(rest) >= 2 and (rest[1] - root) % 12 in (6, 7, 8):
        rest.pop(1)  # the fifth
    keep = [root, *rest] if len(rest) + 1 <= voices else rest[:voices]
    return frozenset(keep[:voices]), allowed


def _search(
    candidates: list[int],
    previous: tuple[int, ...] | None,
    pcs: tuple[int, ...],
    must: int,
    voices: int,
    centre: float,
) -> tuple[int, ...] | None:
    """The cheapest admissible voicing among ``candidates`` (``must`` is a pitch-class bitmask)."""
    best: tuple[int, ...] | None = None
    best_cost = float("inf")
    led = previous is not None and len(previous) == voices
    root = pcs[0]
    for combo in combinations(candidates, voices):
        if combo[-1] - combo[0] > MAX_SPAN:
            continue
        present = 0
        for p in combo:
            present |= 1 << (p % 12)
        if present & must != must:
            continue
        ok = True
        for a, b in pairwise(combo):
            gap = b - a
            # No semitone clashes; no seconds/thirds below C3 (muddy low clusters).
            if gap == 1 or (gap < 3 and a < 48):
                ok = False
                break
        if not ok:
            continue
        mean = sum(combo) / voices
        if led:
            assert previous is not None
            cost = float(sum(abs(a - b) for a, b in zip(combo, previous, strict=True)))
            cost += 0.15 * abs(mean - centre)
        else:
            cost = abs(mean - centre) + 0.3 * (combo[-1] - combo[0])
        cost += 1.5 * (voices - present.bit_count())
        if combo[0] % 12 != root:
            cost += 0.75  # prefer the root at the bottom of the voicing, but not at any price
        if cost < best_cost:
            best_cost, best = cost, combo
    return best


@lru_cache(maxsize=65_536)
def _voice_lead(
    previous: tuple[int, ...] | None, pcs: tuple[int, ...], low: int, high: int, voices: int
) -> tuple[int, ...]:
    must_set, allowed = _required(pcs, voices)
    must = 0
    for pc in must_set:
        must |= 1 << pc
    centre = (low + high) / 2.0
    # Search near the previous voicing (or the register's centre) first: smooth voice leading
    # rarely moves a voice more than a fourth, and it keeps the search small in wide registers.
    if previous is not None:
        lo, hi = max(low, previous[0] - 5), min(high, previous[-1] + 5)
    else:
        lo, hi = max(low, int(centre) - 10), min(high, int(centre) + 10)
    best = _search([p for p in range(lo, hi + 1) if p % 12 in allowed], previous, pcs, must, voices, centre)
    if best is None:
        best = _search(
            [p for p in range(low, high + 1) if p % 12 in allowed], previous, pcs, must, voices, centre
        )
    if best is None:
        # Degenerate register: stack the tones upwards from the bottom of the register.
        start = low
        out: list[int] = []
        for i in range(voices):
            pc = pcs[i % len(pcs)]
            p = start + (pc - start) % 12
            out.append(p)
            start = p + 1
        return tuple(sorted(out))
    return best


def voice_lead(
    previous: tuple[int, ...] | None,
    pcs: tuple[int, ...],
    register: tuple[int, int],
    *,
    voices: int = 4,
) -> tuple[int, ...]:
    """The voicing (sorted MIDI pitches) of chord ``pcs`` (root first) in ``register``.

    ``previous`` is the voicing of the chord before (or ``None`` for the first chord: then the
    voicing sits around the register's centre, closely spaced). With ``voices`` larger than the
    number of chord tones, tones are doubled; with fewer, the fifth is dropped first. Every pitch
    lies within ``register`` unless the register is narrower than an octave.
    """
    low, high = register
    if not pcs:
        raise InvalidParameter("A chord needs at least one pitch class.", field="chord")
    if high - low < 5 or voices < 1:
        raise InvalidParameter("A voicing register must span at least 5 semitones.", field="register")
    prev = tuple(sorted(previous)) if previous else None
    return _voice_lead(prev, tuple(p % 12 for p in pcs), low, high, voices)


def voice_movement(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Average semitone movement per voice between two voicings of equal size (sorted)."""
    if len(a) != len(b) or not a:
        raise InvalidParameter("Voicings must have the same number of voices.", field="voicing")
    return sum(abs(x - y) for x, y in zip(sorted(a), sorted(b), strict=True)) / len(a)


__all__ = ["MAX_SPAN", "voice_lead", "voice_movement"]
