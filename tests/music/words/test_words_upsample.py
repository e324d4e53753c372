"""Tag upsampling: every added phrase is honoured by the composer, richer output, coherent moods."""

from __future__ import annotations

import pytest

from tunesmith.errors import InvalidParameter
from tunesmith.music.style.loader import knowledge_base
from tunesmith.music.style.tags import resolve_style
from tunesmith.music.style.upsample import upsample_tags

INPUTS = [
    "pop, happy",
    "pop",
    "jazz",
    "trap, dark",
    "lofi, chill",
    "ambient",
    "rock",
    "piano ballad, sad",
    "edm",
    "country, nostalgic",
    "bossa nova",
    "metal, aggressive",
    "reggae",
]


@pytest.mark.parametrize("tags", INPUTS)
def test_every_phrase_is_recognised_and_the_genre_kept(tags: str) -> None:
    out = upsample_tags(tags)
    phrases = out.split(", ")
    style = resolve_style(out)
    assert not style.unknown
    assert set(phrases) <= set(style.recognised)
    assert style.genre.key == resolve_style(tags).genre.key
    assert len(phrases) >= len(tags.split(", ")) + 5


def test_one_word_becomes_a_production_description() -> None:
    out = upsample_tags("pop")
    phrases = out.split(", ")
    assert len(phrases) >= 6
    style = resolve_style(out)
    kb = knowledge_base()
    assert (
        style.tempo_bpm is not None
        and kb.genres["pop"].tempo_bpm[0] <= style.tempo_bpm <= kb.genres["pop"].tempo_bpm[1]
    )
    assert style.vocal_gender in ("f", "m")
    assert style.moods  # a production mood
    assert any(p in phrases for p in ("major key", "minor key"))


def test_the_mode_follows_the_mood() -> None:
    assert "major key" in upsample_tags("pop, happy").split(", ")
    assert "minor key" in upsample_tags("pop, sad").split(", ")
    slow = resolve_style(upsample_tags("pop, sad")).tempo_bpm
    fast = resolve_style(upsample_tags("pop, energetic")).tempo_bpm
    assert slow is not None and fast is not None and slow < fast


def test_contradictory_moods_resolve_to_one_coherent_choice() -> None:
    out = upsample_tags("happy, sad")
    phrases = out.split(", ")
    assert "happy" in phrases and "sad" not in phrases
    style = resolve_style(out)
    assert "sad" not in [m.key for m in style.moods]
    assert "major key" in phrases


def test_deterministic_and_seeded() -> None:
    assert upsample_tags("pop, happy") == upsample_tags("pop, happy")
    outs = {upsample_tags("jazz", seed=s) for s in range(6)}
    assert all(o.startswith("jazz, ") for o in outs)


def test_named_instruments_and_voice_are_kept() -> None:
    out = upsample_tags("rock, saxophone, female vocals")
    phrases = out.split(", ")
    assert "saxophone" in phrases and "female vocals" in phrases and "male vocals" not in phrases


@pytest.mark.parametrize("bad", ["", "   ", "x" * 1001])
def test_bad_input(bad: str) -> None:
    with pytest.raises(InvalidParameter) as err:
        upsample_tags(bad)
    assert err.value.field == "tags"
