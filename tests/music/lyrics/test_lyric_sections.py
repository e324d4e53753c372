from __future__ import annotations

import pytest

from tunesmith.music.lyrics.sections import LyricLine, parse_lyrics, section_kind_for_tag, sung_text


@pytest.mark.parametrize(
    ("tag", "kind", "label"),
    [
        ("Intro", "intro", "Intro"),
        ("verse", "verse", "Verse"),
        ("VERSE 2", "verse", "Verse 2"),
        ("Pre-Chorus", "pre_chorus", "Pre-Chorus"),
        ("pre chorus", "pre_chorus", "Pre-Chorus"),
        ("Chorus", "chorus", "Chorus"),
        ("Post-Chorus", "post_chorus", "Post-Chorus"),
        ("Bridge", "bridge", "Bridge"),
        ("Hook", "chorus", "Hook"),
        ("Break", "breakdown", "Break"),
        ("Instrumental", "instrumental", "Instrumental"),
        ("Guitar Solo", "solo", "Guitar Solo"),
        ("Outro", "outro", "Outro"),
        ("End", "outro", "End"),
        ("Fade Out", "outro", "Fade Out"),
        ("fade-out", "outro", "Fade Out"),
        ("Spoken Word", "verse", "Spoken Word"),
        ("", "verse", "Verse"),
    ],
)
def test_every_tag_maps_to_a_kind(tag: str, kind: str, label: str) -> None:
    assert section_kind_for_tag(tag) == (kind, label)


def test_parse_full_lyric() -> None:
    text = """First line before any tag
Second line

[Verse 2]
City lights are calling me
(calling me)
I keep running (oh yeah) through the night (whoa)

[chorus]
We are the fire

[Instrumental]

[Guitar Solo]
[Outro]
Fade away
"""
    parsed = parse_lyrics(text)
    kinds = [s.kind for s in parsed.sections]
    assert kinds == ["verse", "verse", "chorus", "instrumental", "solo", "outro"]
    first, second = parsed.sections[0], parsed.sections[1]
    assert first.label == "Verse"
    assert [line.text for line in first.lines] == ["First line before any tag", "Second line"]
    assert second.label == "Verse 2"
    assert second.lines[1] == LyricLine(text="calling me", backing=True)
    assert second.lines[2] == LyricLine(text="I keep running through the night", adlibs=("oh yeah", "whoa"))
    assert [line.text for line in second.lead_lines] == [
        "City lights are calling me",
        "I keep running through the night",
    ]
    assert parsed.sections[3].lines == []
    assert parsed.sections[4].lines == []
    assert len(parsed.lines) == 7


def test_blank_and_empty_text() -> None:
    assert parse_lyrics("").sections == []
    assert parse_lyrics("\n\n   \n").sections == []
    parsed = parse_lyrics("[Verse]\n\n\n   \nhello\n\n\nworld\r\n")
    assert [line.text for line in parsed.sections[0].lines] == ["hello", "world"]


def test_unbalanced_parentheses_and_empty_parens() -> None:
    parsed = parse_lyrics("I said (yeah\n()\n( )\nwe go) on")
    texts = [line.text for line in parsed.lines]
    assert texts == ["I said yeah", "we go on"]
    assert not any(line.backing for line in parsed.lines)


def test_sung_text_round_trips() -> None:
    text = "[Verse]\nHello there (hey)\n(ooh ooh)\n\n[Chorus]\nSing it loud\n\n[Instrumental]\n"
    parsed = parse_lyrics(text)
    rendered = sung_text(parsed)
    assert rendered == "[Verse]\nHello there (hey)\n(ooh ooh)\n\n[Chorus]\nSing it loud\n\n[Instrumental]"
    assert parse_lyrics(rendered) == parsed
