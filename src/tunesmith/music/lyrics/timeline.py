"""The lyrics timeline: word-level times of the sung lead words, exact from the Score."""

from __future__ import annotations

from tunesmith.music.score import Score, VocalNote

__all__ = ["lyrics_timeline"]


def lyrics_timeline(score: Score) -> list[dict[str, object]]:
    """Word-level timing of every sung lead word, exact from the Score.

    One dict per word, in order: ``word`` (as written), ``start_s`` (the word's first note
    onset), ``end_s`` (its last note's end), ``line_index``. Times are seconds from the song's
    start, rounded to the millisecond; words never overlap and lie inside ``[0, duration_s]``.
    """
    words: dict[int, list[VocalNote]] = {}
    for note in score.vocals:
        if not note.backing:
            words.setdefault(note.word_index, []).append(note)
    out: list[dict[str, object]] = []
    for index in sorted(words, key=lambda w: min(n.start_beat for n in words[w])):
        group = words[index]
        start = round(score.seconds_at(min(n.start_beat for n in group)), 3)
        end = round(score.seconds_at(max(n.end_beat for n in group)), 3)
        if out and start < float(str(out[-1]["end_s"])):
            out[-1]["end_s"] = start
        out.append(
            {
                "word": group[0].word,
                "start_s": start,
                "end_s": min(end, round(score.duration_s, 3)),
                "line_index": group[0].line_index,
            }
        )
    return out
