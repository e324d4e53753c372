"""The bundle: every artefact of one clip, as bytes (DESIGN.md "The one idea").

File names inside a bundle (the store lays them out under ``clips/<clip_id>/``):

- ``score.json``: the Score, the source of truth.
- ``mix.wav`` (16-bit 44.1 kHz stereo, mastered) and ``mix.mp3`` (192 kbit/s).
- ``stems/<group>.flac``: one per stem group the Score uses (see ``score.STEM_GROUPS``).
- ``song.mid``: type-1 MIDI of the Score.
- ``cover.jpg`` (square, ≥ 512 px) and ``video.mp4`` (cover + audio).
- ``analysis.json``: measured facts (tempo, key, loudness, true peak, waveform peaks).
- ``lyrics.json``: the word-level lyrics timeline (songs with vocals).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCORE = "score.json"
MIX_WAV = "mix.wav"
MIX_MP3 = "mix.mp3"
MIDI = "song.mid"
COVER = "cover.jpg"
VIDEO = "video.mp4"
ANALYSIS = "analysis.json"
LYRICS = "lyrics.json"
STEMS_DIR = "stems"


def stem_file(group: str) -> str:
    """The bundle path of a stem, e.g. ``stems/drums.flac``."""
    return f"{STEMS_DIR}/{group}.flac"


@dataclass
class Bundle:
    """A clip's files by bundle path, plus the timing of each stage that made them (seconds)."""

    files: dict[str, bytes] = field(default_factory=dict)
    stage_times_s: dict[str, float] = field(default_factory=dict)

    @property
    def stem_names(self) -> list[str]:
        prefix = STEMS_DIR + "/"
        return sorted(p[len(prefix) :].removesuffix(".flac") for p in self.files if p.startswith(prefix))
