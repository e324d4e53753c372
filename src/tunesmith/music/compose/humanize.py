"""Cheap humanisation noise drawn in blocks from the song's Generator (deterministic)."""

from __future__ import annotations

import numpy as np

_BLOCK = 1024


class Jitter:
    """Normal noise from ``rng``, drawn 1024 values at a time (one numpy call per block instead of
    one per note): the same Generator state always yields the same sequence."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._values: list[float] = []
        self._next = 0

    def __call__(self, sd: float) -> float:
        """The next draw of a normal with mean 0 and standard deviation ``sd``."""
        if self._next >= len(self._values):
            self._values = self._rng.standard_normal(_BLOCK).tolist()
            self._next = 0
        value = self._values[self._next]
        self._next += 1
        return value * sd


__all__ = ["Jitter"]
