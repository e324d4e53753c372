"""reinstrument: the accompaniment takes the sound's instruments; notes, vocals and form are kept."""

from __future__ import annotations

import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose import compose
from tunesmith.music.edit.reinstrument import reinstrument
from tunesmith.music.spec import make_spec
from tunesmith.music.style.model import InstrumentPart
from tunesmith.music.style.tags import resolve_style


def test_reinstrument_keeps_notes_and_takes_programs_from_the_sound() -> None:
    spec = make_spec(tags="pop, piano", seed=3, lyrics="[Verse]\nStars they shine above me", duration_s=10)
    source = compose(spec, resolve_style(spec.tags))
    out = reinstrument(source, "jazz, vibraphone, upright bass")
    parts = resolve_style("jazz, vibraphone, upright bass").instruments
    first: dict[str, InstrumentPart] = {}
    for part in parts:
        first.setdefault(part.role, part)
    assert [t.notes for t in out.tracks] == [t.notes for t in source.tracks]
    assert out.vocals == source.vocals and out.sections == source.sections
    changed = 0
    for old, new in zip(source.tracks, out.tracks, strict=True):
        if old.role in first and old.role not in ("drums", "percussion"):
            assert new.program in {p.program for p in parts if p.role == old.role}
            changed += new.program != old.program
    assert changed >= 1 and out.tags == "jazz, vibraphone, upright bass"
    with pytest.raises(InvalidParameter):
        reinstrument(source, "  ")
