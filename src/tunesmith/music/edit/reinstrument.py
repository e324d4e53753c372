"""Re-instrument a Score from a sound description (producer ``music_variation`` with ``sound``).

:func:`reinstrument` keeps every note, chord, section, vocal and the tempo map, and gives each
accompaniment track the instrument the ``sound`` text's style plays in the same role (program,
stem group, effects, level, pan and reverb send), as ``swap_music_sound`` takes its
instrumentation from ``sound``, but without re-writing the parts: the variation's own arrangement
details stay. Roles the sound's style has no instrument for keep theirs.
"""

from __future__ import annotations

import copy

from tunesmith.errors import InvalidParameter
from tunesmith.music.edit.common import check_source, source_style
from tunesmith.music.score import Score, Track
from tunesmith.music.style.model import InstrumentPart

__all__ = ["reinstrument"]


def reinstrument(source: Score, sound: str, *, negative_tags: str = "") -> Score:
    """``source`` played by the instruments ``sound`` names (see the module docstring).

    The k-th track of a role takes the style's k-th part of that role (cycling). ``tags`` and
    ``genre`` become the sound's. Raises InvalidParameter(field="sound") for an empty ``sound``.
    """
    check_source(source)
    if not sound.strip():
        raise InvalidParameter("The 'sound' field is required.", field="sound")
    style = source_style(source, sound, negative_tags)
    parts: dict[str, list[InstrumentPart]] = {}
    for part in style.instruments:
        parts.setdefault(part.role, []).append(part)
    seen: dict[str, int] = {}
    tracks: list[Track] = []
    for track in source.tracks:
        choices = parts.get(track.role)
        if not choices:
            tracks.append(track)
            continue
        k = seen.get(track.role, 0)
        seen[track.role] = k + 1
        part = choices[k % len(choices)]
        new = copy.copy(track)
        new.program = part.program
        new.group = part.group
        new.is_drum = track.is_drum
        new.effects = part.effects
        new.gain_db = part.gain_db
        new.pan = part.pan
        new.reverb_send = part.reverb_send
        tracks.append(new)
    out = copy.copy(source)
    out.tracks = tracks
    out.tags = sound
    out.genre = style.genre.key
    return out
