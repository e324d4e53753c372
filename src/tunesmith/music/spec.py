"""SongSpec: what a request asks the composer for, validated.

Built by the CLI, the engines and the jobs layer from user input; :func:`make_spec` checks every
field and raises :class:`~tunesmith.errors.InvalidParameter` naming the field at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tunesmith.errors import InvalidParameter
from tunesmith.music.theory.keys import Key, parse_key

MIN_DURATION_S = 10.0
MAX_DURATION_S = 360.0
MAX_TAGS_CHARS = 1000
MAX_LYRICS_CHARS = 5000
MAX_TITLE_CHARS = 80
MAX_SEED = 4_294_967_295

Quality = Literal["standard", "draft"]


@dataclass(frozen=True)
class SongSpec:
    """A validated request for one song.

    - ``tags``: free-text style (genres, moods, instruments, tempo, key, meter, voice).
    - ``negative_tags``: styles and instruments to avoid; named instruments are never used.
    - ``lyrics``: the lyrics to sing with section tags, or ``""`` for an instrumental.
    - ``instrumental``: no voice even when lyrics are given.
    - ``duration_s``: exact length of the rendered song, or ``None`` to let the composer pick
      (about 2–4 minutes).
    - ``seed``: every random choice derives from it (0 … 2**32-1).
    - ``key`` / ``tempo_bpm``: explicit overrides (they win over anything in ``tags``).
    - ``style_weight`` (0–1): adherence to the tags; ``weirdness`` (0–1): adventurousness.
    - ``quality``: ``draft`` renders faster with fewer voices and lighter mastering.
    """

    tags: str
    seed: int
    negative_tags: str = ""
    title: str = ""
    lyrics: str = ""
    instrumental: bool = False
    duration_s: float | None = None
    vocal_gender: Literal["f", "m"] | None = None
    key: Key | None = None
    tempo_bpm: float | None = None
    style_weight: float = 0.5
    weirdness: float = 0.3
    quality: Quality = "standard"

    @property
    def sings(self) -> bool:
        """True when the song has a voice (lyrics given and not instrumental)."""
        return bool(self.lyrics.strip()) and not self.instrumental


def make_spec(
    *,
    tags: str,
    seed: int,
    negative_tags: str = "",
    title: str = "",
    lyrics: str = "",
    instrumental: bool = False,
    duration_s: float | None = None,
    vocal_gender: str | None = None,
    key: str | None = None,
    tempo_bpm: float | None = None,
    style_weight: float = 0.5,
    weirdness: float = 0.3,
    quality: str = "standard",
) -> SongSpec:
    """Validate raw values into a :class:`SongSpec`; raises InvalidParameter naming the field."""
    if len(tags) > MAX_TAGS_CHARS:
        raise InvalidParameter(f"tags should be less than {MAX_TAGS_CHARS} characters.", field="tags")
    if len(negative_tags) > MAX_TAGS_CHARS:
        raise InvalidParameter(
            f"negative_tags should be less than {MAX_TAGS_CHARS} characters.", field="negative_tags"
        )
    if len(title) > MAX_TITLE_CHARS:
        raise InvalidParameter(f"title should be less than {MAX_TITLE_CHARS} characters.", field="title")
    if len(lyrics) > MAX_LYRICS_CHARS:
        raise InvalidParameter(f"lyrics should be less than {MAX_LYRICS_CHARS} characters.", field="lyrics")
    if duration_s is not None and not MIN_DURATION_S <= float(duration_s) <= MAX_DURATION_S:
        raise InvalidParameter(
            f"duration should be between {MIN_DURATION_S:g} and {MAX_DURATION_S:g} seconds.", field="duration"
        )
    if not 0 <= int(seed) <= MAX_SEED:
        raise InvalidParameter(f"seed should be between 0 and {MAX_SEED}.", field="seed")
    if vocal_gender not in (None, "f", "m"):
        raise InvalidParameter("vocal_gender should be 'f' or 'm'.", field="vocal_gender")
    if tempo_bpm is not None and not 30.0 <= float(tempo_bpm) <= 300.0:
        raise InvalidParameter("tempo_bpm should be between 30 and 300.", field="tempo_bpm")
    for name, value in (("style_weight", style_weight), ("weirdness_constraint", weirdness)):
        if not 0.0 <= float(value) <= 1.0:
            raise InvalidParameter(f"{name} should be between 0 and 1.", field=name)
    if quality not in ("standard", "draft"):
        raise InvalidParameter("quality should be 'standard' or 'draft'.", field="quality")
    parsed_key = parse_key(key) if key else None
    return SongSpec(
        tags=tags,
        seed=int(seed),
        negative_tags=negative_tags,
        title=title,
        lyrics=lyrics,
        instrumental=instrumental,
        duration_s=None if duration_s is None else round(float(duration_s), 2),
        vocal_gender=vocal_gender,  # type: ignore[arg-type]
        key=parsed_key,
        tempo_bpm=None if tempo_bpm is None else float(tempo_bpm),
        style_weight=float(style_weight),
        weirdness=float(weirdness),
        quality=quality,  # type: ignore[arg-type]
    )
