"""The Engine port.

An engine turns a validated :class:`~tunesmith.music.spec.SongSpec` into a
:class:`~tunesmith.music.bundle.Bundle` of files plus the facts the API reports. The procedural
engine (``engines/procedural.py``) is the default; third-party engines register under the entry
point group ``tunesmith.engines`` and implement the same protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tunesmith.music.bundle import Bundle
from tunesmith.music.progress import Progress
from tunesmith.music.spec import SongSpec


@dataclass(frozen=True)
class SongFacts:
    """What the API reports about a finished clip (exact for composed songs)."""

    title: str
    tags: str
    lyrics: str
    """As sung, with section tags; exactly ``"[Instrumental]"`` when there is no voice."""
    duration_s: float
    tempo_bpm: float
    key: str
    time_signature: str
    estimated: bool = False


@dataclass(frozen=True)
class EngineResult:
    bundle: Bundle
    facts: SongFacts


class Engine(Protocol):
    """What every engine provides. ``name`` appears in clip metadata as ``engine``."""

    name: str
    version: str

    def create(self, spec: SongSpec, progress: Progress) -> EngineResult:
        """Compose and render one song; deterministic in ``spec`` (including its seed)."""
        ...
