"""Swap the voice of a song: the same vocal melody re-sung by another voice (riffusion/producer
``swap_music_vocals``).

:func:`swap_voice` keeps every accompaniment track note for note (so a re-render gives the same
instrument stems) and keeps the vocal line's rhythm and melody:

- the new voice is ``vocal_gender`` (``"f"``/``"m"``); without one, the other gender than the
  source's, so the swap is always audible;
- a gender change moves the whole line by whole octaves (never otherwise) so its median pitch
  lands nearest the new voice's centre (female G4 = 67, male G3 = 55): the pitch sequence is the
  source's, transposed by a multiple of 12 semitones;
- with ``lyrics``, new words are set on the same notes: lead line *k* of the new lyrics goes on
  the source's sung phrase *k* (cycling when the lyrics have fewer lines), one syllable per
  note-onset spread evenly over the phrase (the notes between become melismas); when a line has
  more syllables than the phrase has notes, the longest notes are split in two at the same pitch,
  so onsets are added but the pitch sequence (repeats collapsed) stays the source's. Backing
  vocals are dropped then (they sang the old words); without ``lyrics`` they are kept (moved too).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from statistics import median

from tunesmith.errors import InvalidParameter
from tunesmith.music.edit.common import EPS, check_seed, check_source, copy_track
from tunesmith.music.lyrics.phonemes import SyllabifiedWord, syllabify_words
from tunesmith.music.lyrics.sections import LyricLine, LyricSection, ParsedLyrics, parse_lyrics, sung_text
from tunesmith.music.lyrics.words import words_of_line
from tunesmith.music.score import Score, VocalNote

__all__ = ["VOICE_CENTRE", "octave_shift", "sing_transcribed", "swap_voice"]

VOICE_CENTRE = {"f": 67, "m": 55}
"""The median MIDI pitch each voice sings most comfortably (G4 / G3)."""


def octave_shift(pitches: list[int], gender: str) -> int:
    """Semitones (a multiple of 12 in −24..24) that bring the median of ``pitches`` nearest the
    centre of ``gender``'s voice."""
    if not pitches:
        return 0
    centre = VOICE_CENTRE[gender]
    mid = median(pitches)
    return min((12 * k for k in (-2, -1, 0, 1, 2)), key=lambda s: (abs(mid + s - centre), abs(s)))


def _phrases(vocals: list[VocalNote]) -> list[list[VocalNote]]:
    """Lead notes grouped by lyric line, in time order."""
    groups: dict[int, list[VocalNote]] = {}
    for note in sorted((v for v in vocals if not v.backing), key=lambda v: v.start_beat):
        groups.setdefault(note.line_index, []).append(note)
    return sorted(groups.values(), key=lambda g: g[0].start_beat)


def _split_longest(notes: list[VocalNote], needed: int) -> list[VocalNote]:
    """Split the longest notes in two (same pitch) until there are ``needed`` notes."""
    out = list(notes)
    while len(out) < needed:
        index = max(range(len(out)), key=lambda i: (out[i].length_beats, -i))
        note = out[index]
        half = round(note.length_beats / 2, 6)
        if half < 0.05:
            break
        first = replace(note, length_beats=half)
        second = replace(note, start_beat=round(note.start_beat + half, 6), length_beats=half)
        out[index : index + 1] = [first, second]
    return out


def _set_words(
    phrase: list[VocalNote], words: list[SyllabifiedWord], line_index: int, word_offset: int
) -> list[VocalNote]:
    """``words`` sung on ``phrase``'s notes (see the module docstring)."""
    syllables = [(w, i, s) for i, w in enumerate(words) for s in w.syllables]
    if not syllables:
        return []
    notes = _split_longest(phrase, len(syllables))
    count = min(len(syllables), len(notes))
    # note j carries syllable floor(j * count / len(notes)); repeats become melismas ("")
    out: list[VocalNote] = []
    previous = -1
    for j, note in enumerate(notes):
        k = min(count - 1, j * count // len(notes))
        word, index, syllable = syllables[k]
        first = k != previous
        previous = k
        out.append(
            replace(
                note,
                syllable=syllable.text if first else "",
                word=word.display,
                word_index=word_offset + index,
                line_index=line_index,
                phonemes=syllable.phonemes if first else (),
                backing=False,
            )
        )
    return out


def _new_words(source: Score, lead: list[VocalNote], lyrics: str) -> tuple[str, list[VocalNote]]:
    lines = [line for line in parse_lyrics(lyrics).lines if not line.backing]
    if not lines:
        raise InvalidParameter("The lyrics have no line to sing.", field="lyrics")
    phrases = _phrases(lead)
    sections: list[LyricSection] = []
    out: list[VocalNote] = []
    word_offset = 0
    for k, phrase in enumerate(phrases):
        line = lines[k % len(lines)]
        words = syllabify_words(words_of_line(line.text))
        sung = _set_words(phrase, words, k, word_offset)
        word_offset += len(words)
        out += sung
        bar = int(phrase[0].start_beat // source.beats_per_bar + EPS)
        home = next((s for s in source.sections if s.start_bar <= bar < s.end_bar), source.sections[-1])
        if not sections or sections[-1].label != home.label:
            sections.append(LyricSection(kind=home.kind, label=home.label, lines=[]))
        sections[-1].lines.append(LyricLine(text=line.text))
    return sung_text(ParsedLyrics(sections=sections)), out


def swap_voice(
    source: Score,
    *,
    seed: int,
    vocal_gender: str | None = None,
    lyrics: str | None = None,
) -> Score:
    """``source`` with its vocal line re-sung by another voice; see the module docstring.

    The result has the source's tracks, chords, sections, tempo map and duration unchanged; its
    ``vocal_gender`` is the new voice, its ``seed`` is ``seed`` (the singer's vibrato and breaths).
    Raises InvalidParameter: ``field="continue_clip_id"`` when the source sings nothing,
    ``field="lyrics"`` when ``lyrics`` has no line to sing.
    """
    check_seed(seed)
    check_source(source)
    lead = [v for v in source.vocals if not v.backing]
    if not lead:
        raise InvalidParameter("The clip has no vocals.", field="continue_clip_id")
    if vocal_gender not in (None, "f", "m"):
        raise InvalidParameter("vocal_gender should be 'f' or 'm'.", field="vocal_gender")
    old = source.vocal_gender or "f"
    new = vocal_gender or ("m" if old == "f" else "f")
    shift = octave_shift([v.pitch for v in lead], new) if new != old else 0
    out = copy.copy(source)
    out.tracks = [copy_track(t) for t in source.tracks]
    vocals = list(source.vocals)
    if lyrics is not None and lyrics.strip():
        out.lyrics, vocals = _new_words(source, lead, lyrics)
    out.vocals = [replace(v, pitch=v.pitch + shift) for v in vocals]
    out.vocal_gender = new  # type: ignore[assignment]
    out.seed = seed
    return out


MALE_CENTRE_MAX = 52
"""A transcribed line whose median pitch is at most E3 (≈ 165 Hz) was sung by a male voice."""
_VOCALISE = "ah"


def sing_transcribed(
    source: Score,
    notes: Sequence[tuple[int, float, float]],
    *,
    seed: int,
    vocal_gender: str | None = None,
    lyrics: str | None = None,
    phrase_gap_s: float = 0.6,
) -> Score:
    """``source`` (e.g. an upload's estimated Score) with a vocal line made of transcribed
    ``notes`` (``(midi_pitch, start_s, end_s)``, seconds from the song's start), then re-sung as
    :func:`swap_voice` does: the original singer's gender is read from the line's median pitch
    (≤ E3: male), the new voice is ``vocal_gender`` or the other one; notes closer than
    ``phrase_gap_s`` form one phrase (one lyric line). Without ``lyrics`` the line is sung on
    "ah" (the words of a recording are not known). Raises InvalidParameter(field="continue_clip_id")
    when ``notes`` is empty."""
    check_seed(seed)
    check_source(source)
    ordered = sorted((n for n in notes if n[2] > n[1]), key=lambda n: n[1])
    if not ordered:
        raise InvalidParameter("The clip has no vocals.", field="continue_clip_id")
    phonemes = syllabify_words(words_of_line(_VOCALISE))[0].syllables[0].phonemes
    vocals: list[VocalNote] = []
    line = 0
    for i, (pitch, start_s, end_s) in enumerate(ordered):
        if i and start_s - ordered[i - 1][2] > phrase_gap_s:
            line += 1
        start = source.beat_at(start_s)
        length = max(0.05, source.beat_at(min(end_s, source.duration_s - 0.05)) - start)
        vocals.append(
            VocalNote(
                pitch=int(pitch), start_beat=round(start, 6), length_beats=round(length, 6), velocity=90,
                syllable=_VOCALISE, word=_VOCALISE, word_index=i, line_index=line, phonemes=phonemes,
            )
        )  # fmt: skip
    sung = copy.copy(source)
    sung.vocals = vocals
    sung.lyrics = sung_text(
        ParsedLyrics(
            sections=[
                LyricSection(
                    kind="verse",
                    label="Verse",
                    lines=[
                        LyricLine(text=" ".join(_VOCALISE for v in vocals if v.line_index == k))
                        for k in range(line + 1)
                    ],
                )
            ]
        )
    )
    sung.vocal_gender = "m" if median(v.pitch for v in vocals) <= MALE_CENTRE_MAX else "f"
    return swap_voice(sung, seed=seed, vocal_gender=vocal_gender, lyrics=lyrics)
