"""Extend a song from a join point, and concatenate an extension chain.

- :func:`snap_continue_at` moves a requested join point to the nearest bar line of the source
  (never 0, never past the last bar), so the beat grid runs on across the join.
- :func:`extend` composes **only the new part**: new sections in the source's style, tempo (the
  tempo in effect at the join, exactly), key, meter, instrumentation (same programs, levels, pans
  and effects for tracks the source has), mix and voice; it sings ``lyrics`` when given, else a
  reprise of the source's chorus lines when the source sings, else stays instrumental.
- :func:`concat` assembles ``root[0, c1) + ext1[0, c2) + … + last`` as one Score.
"""

from __future__ import annotations

import copy
import math
from dataclasses import replace

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose import compose
from tunesmith.music.edit.common import (
    EPS,
    bar_at_s,
    check_seed,
    check_source,
    kept_lyrics,
    retime,
    shift_notes,
    source_style,
    tempo_at_bar,
    truncate,
)
from tunesmith.music.lyrics.sections import LyricSection, ParsedLyrics, parse_lyrics, sung_text
from tunesmith.music.score import Score, Section, TempoChange, Track
from tunesmith.music.spec import MAX_DURATION_S, MIN_DURATION_S, SongSpec

__all__ = ["concat", "extend", "snap_continue_at"]

_RING_S = 2.0


def snap_continue_at(source: Score, continue_at_s: float) -> float:
    """The bar line nearest ``continue_at_s`` (seconds), between bar 1 and the last bar's end.

    Raises InvalidParameter(field="continue_at") unless ``0 < continue_at_s ≤ source.duration_s``.
    """
    check_source(source)
    if not isinstance(continue_at_s, (int, float)) or not 0 < continue_at_s <= source.duration_s + EPS:
        raise InvalidParameter(
            "continue_at should be within the source clip's duration.", field="continue_at"
        )
    bar = round(bar_at_s(source, float(continue_at_s)))
    bar = min(source.total_bars, max(1, bar))
    return source.seconds_at(source.bar_start_beat(bar))


def _reprise(source: Score) -> str:
    """Lyrics for an extension that was given none: the source's chorus (else its last section)."""
    parsed = parse_lyrics(source.lyrics)
    sung = [s for s in parsed.sections if s.lead_lines]
    if not sung:
        return ""
    chorus = next((s for s in reversed(sung) if s.kind == "chorus"), sung[-1])
    return sung_text(
        ParsedLyrics(sections=[LyricSection(kind=chorus.kind, label=chorus.label, lines=chorus.lines)])
    )


def extend(
    source: Score,
    *,
    continue_at_s: float,
    seed: int,
    lyrics: str | None = None,
    tags: str | None = None,
    negative_tags: str = "",
    duration_s: float | None = None,
    title: str | None = None,
    instrumental: bool = False,
    quality: str = "standard",
) -> Score:
    """The extension of ``source`` from ``continue_at_s`` (snapped with :func:`snap_continue_at`).

    The returned Score holds only the new part: its beat 0 is the join. Its tempo is exactly the
    source's tempo at the join, its key and meter the source's; tracks named like the source's
    take the source's program, group, gain, pan, send and effects; ``mix``, ``vocal_gender`` and
    ``title`` are inherited. ``duration_s`` (10–360 s) is honoured exactly; without it the length
    follows the lyrics, or 150–210 s. Deterministic in ``seed``.
    """
    check_seed(seed)
    check_source(source)
    if duration_s is not None and not MIN_DURATION_S <= float(duration_s) <= MAX_DURATION_S:
        raise InvalidParameter(
            f"duration should be between {MIN_DURATION_S:g} and {MAX_DURATION_S:g} seconds.", field="duration"
        )
    cut_s = snap_continue_at(source, continue_at_s)
    cut_bar = round(bar_at_s(source, cut_s))
    tempo = tempo_at_bar(source, min(cut_bar, source.total_bars - 1))
    style = source_style(source, tags, negative_tags)
    sing_text = (
        lyrics if lyrics is not None and lyrics.strip() else ("" if instrumental else _reprise(source))
    )
    bar_s = source.beats_per_bar * 60.0 / tempo
    compose_duration: float | None = None
    if duration_s is not None:
        # ask the composer for whole bars plus a 2 s ring-out, the length it fits at our exact tempo
        bars = max(1, math.floor((float(duration_s) - 1.0) / bar_s))
        compose_duration = min(MAX_DURATION_S, max(MIN_DURATION_S, round(bars * bar_s + _RING_S, 2)))
    spec = SongSpec(
        tags=tags if tags is not None and tags.strip() else source.tags,
        seed=seed,
        negative_tags=negative_tags,
        title=title if title is not None else source.title,
        lyrics=sing_text,
        instrumental=instrumental or not sing_text.strip(),
        duration_s=compose_duration,
        vocal_gender=source.vocal_gender,
        key=source.key,
        tempo_bpm=round(tempo, 6),
        quality=quality,  # type: ignore[arg-type]
    )
    new = compose(spec, style)
    composed_tempo = new.tempo_map[0].tempo_bpm
    ring_out = new.duration_s - new.total_beats * 60.0 / composed_tempo
    final_s = float(duration_s) if duration_s is not None else new.total_beats * 60.0 / tempo + ring_out
    new = retime(new, [TempoChange(0.0, tempo)], final_s)
    return in_source_sound(new, source, restyled=tags is not None)


def in_source_sound(new: Score, source: Score, *, restyled: bool) -> Score:
    """``new`` (composed to continue or lead into ``source``) played by ``source``'s band: each
    track the source also has takes the source's instrument, effects and level with the new
    notes; other tracks are kept only when ``restyled`` (new tags) or the source has no tracks.
    The mix, voice, swing and (unless ``restyled``) tags, genre and moods are the source's.
    Changes and returns ``new``."""
    by_name = {t.name: t for t in source.tracks}
    tracks: list[Track] = []
    for track in new.tracks:
        model = by_name.get(track.name)
        if model is not None:
            kept = copy.copy(model)
            kept.notes = track.notes
            tracks.append(kept)
        elif restyled or not source.tracks:
            tracks.append(track)
    new.tracks = tracks
    new.mix = source.mix
    new.vocal_gender = source.vocal_gender if new.vocals else None
    new.swing = source.swing
    new.estimated = False
    if not restyled:
        new.tags, new.genre, new.moods = source.tags, source.genre, source.moods
    return new


def concat(parts: list[tuple[Score, float | None]]) -> Score:
    """``root[0, c1) + ext1[0, c2) + … + last``: one Score from an extension chain.

    ``parts`` are ``(score, cut_s)`` in chain order; each ``cut_s`` (seconds, snapped to the
    nearest bar line like :func:`snap_continue_at`) is where the next part joins; the last part's
    cut is ``None`` (kept whole, ring-out included). The result's bars, chords, notes, vocals and
    tempo changes are those of the pieces, shifted; track lists are merged by name; word and line
    indices continue across pieces; ``duration_s`` is the sum of the cut times plus the last part's
    duration.
    """
    if not parts:
        raise InvalidParameter("concat needs at least one clip.", field="continue_clip_id")
    pieces: list[Score] = []
    for i, (score, cut_s) in enumerate(parts):
        check_source(score)
        last = i == len(parts) - 1
        if cut_s is None:
            if not last:
                raise InvalidParameter("Every clip but the last needs a join point.", field="continue_at")
            pieces.append(score)
        else:
            bar = round(bar_at_s(score, snap_continue_at(score, cut_s)))
            pieces.append(truncate(score, bar))
    head = pieces[0]
    out = copy.copy(head)
    sections: list[Section] = []
    tracks: dict[str, Track] = {}
    out.chords, out.vocals, out.tempo_map = [], [], []
    lyric_blocks: list[str] = []
    bar_offset = 0
    beat_offset = 0.0
    time_offset = 0.0
    word_offset = line_offset = 0
    for piece in pieces:
        if piece.meter != head.meter:
            raise InvalidParameter("Clips in a chain must share the meter.", field="continue_clip_id")
        for section in piece.sections:
            sections.append(replace(section, start_bar=section.start_bar + bar_offset))
        out.chords += [replace(c, start_beat=round(c.start_beat + beat_offset, 6)) for c in piece.chords]
        for change in piece.tempo_map:
            moved = TempoChange(round(change.beat + beat_offset, 6), change.tempo_bpm)
            if not out.tempo_map or abs(out.tempo_map[-1].tempo_bpm - moved.tempo_bpm) > 1e-9:
                out.tempo_map.append(moved)
        for track in piece.tracks:
            target = tracks.get(track.name)
            if target is None:
                target = copy.copy(track)
                target.notes = []
                tracks[track.name] = target
            target.notes = target.notes + shift_notes(track.notes, beat_offset)
        text, vocals = kept_lyrics(piece, piece.vocals) if piece.vocals else ("", [])
        out.vocals += [
            replace(
                v,
                start_beat=round(v.start_beat + beat_offset, 6),
                word_index=v.word_index + word_offset,
                line_index=v.line_index + line_offset,
            )
            for v in vocals
        ]
        if text:
            lyric_blocks.append(text)
        word_offset += max((v.word_index for v in vocals), default=-1) + 1
        line_offset += len(parse_lyrics(text).lines)
        bar_offset += piece.total_bars
        beat_offset += piece.total_beats
        time_offset += piece.duration_s
    out.sections = sections
    out.tracks = list(tracks.values())
    out.lyrics = "\n\n".join(b for b in lyric_blocks if b)
    out.duration_s = round(time_offset, 6)
    out.vocal_gender = next((p.vocal_gender for p in pieces if p.vocal_gender), None)
    return out
