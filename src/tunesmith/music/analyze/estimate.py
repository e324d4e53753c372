"""An estimated :class:`~tunesmith.music.score.Score` for uploaded audio.

:func:`estimate_score` folds every analysis into the Score the rest of tunesmith works on, marked
``estimated=True``: tempo map (one tempo, the measured one), meter, key, chords (beats
converted through the tempo map, with the first downbeat as beat 0 of bar 0 when it is near the
start), sections (rounded to whole bars) and a ``"melody"`` track of lead notes from the
transcription plus a ``"chords"`` pad track of the estimated triads. ``duration_s`` is the
audio's duration.
"""

from __future__ import annotations

from tunesmith.music.analyze.chords import estimate_chords
from tunesmith.music.analyze.key import estimate_key
from tunesmith.music.analyze.meter import estimate_meter
from tunesmith.music.analyze.structure import estimate_sections
from tunesmith.music.analyze.tempo import estimate_tempo
from tunesmith.music.analyze.transcribe import lead_line, transcribe_notes
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.score import SECTION_KINDS, Chord, Note, Score, Section, SectionKind, TempoChange, Track

DEFAULT_TEMPO_BPM = 120.0
"""Tempo (bpm) written when no pulse is found (the Score needs one)."""


def estimate_score(audio: AudioBuffer, *, title: str = "", transcribe: bool = True) -> Score:
    """The estimated Score of ``audio`` (any rate/channels; deterministic).

    ``transcribe=False`` skips basic-pitch (no melody track; about 2× faster). Times in the
    Score are beats of the measured tempo counted from t = 0 s.
    """
    tempo = estimate_tempo(audio)
    tempo_bpm = tempo.tempo_bpm if tempo.tempo_bpm > 0 else DEFAULT_TEMPO_BPM
    meter = estimate_meter(audio, tempo=tempo)
    key = estimate_key(audio)
    chords = estimate_chords(audio, beats_s=tempo.beats_s if tempo.beat_count >= 2 else None)
    sections = estimate_sections(audio, downbeats_s=meter.downbeats_s)
    beat_s = 60.0 / tempo_bpm

    def beats(seconds: float) -> float:
        return round(seconds / beat_s, 4)

    beats_per_bar = meter.meter[0] * 4.0 / meter.meter[1]
    score_chords = [
        Chord(
            start_beat=beats(c.start_s),
            length_beats=max(0.0001, beats(c.end_s) - beats(c.start_s)),
            root_pc=c.root_pc,
            quality=c.quality,
            symbol=c.symbol,
        )
        for c in chords
        if c.quality in ("maj", "min")
    ]
    score_sections: list[Section] = []
    bar = 0
    total_bars = max(1, round(audio.duration_s / beat_s / beats_per_bar))
    counts: dict[str, int] = {}
    for i, s in enumerate(sections):
        end_bar = total_bars if i == len(sections) - 1 else round(beats(s.end_s) / beats_per_bar)
        if end_bar <= bar:
            continue
        kind: SectionKind = next((k for k in SECTION_KINDS if k == s.kind), "verse")
        counts[kind] = counts.get(kind, 0) + 1
        label = f"{kind.replace('_', ' ').title()} {counts[kind]}"
        score_sections.append(Section(kind, label, bar, end_bar - bar, float(s.energy)))
        bar = end_bar
    if not score_sections:
        score_sections = [Section("verse", "Verse 1", 0, total_bars, 1.0)]
    tracks: list[Track] = []
    if transcribe:
        melody = lead_line(transcribe_notes(audio))
        tracks.append(
            Track(
                name="melody",
                role="lead",
                group="synth",
                program=0,
                notes=[
                    Note(
                        n.pitch, beats(n.start_s), max(0.0001, beats(n.end_s) - beats(n.start_s)), n.velocity
                    )
                    for n in melody
                ],
            )
        )
    chord_notes = [
        Note(48 + (c.root_pc + offset) % 12, c.start_beat, c.length_beats, 70)
        for c in score_chords
        for offset in (0, 3 if c.quality == "min" else 4, 7)
    ]
    tracks.append(Track(name="chords", role="pad", group="keyboard", program=0, notes=chord_notes))
    return Score(
        title=title,
        tags="",
        genre="",
        key=key.key,
        meter=meter.meter,
        tempo_map=[TempoChange(0.0, round(tempo_bpm, 3))],
        sections=score_sections,
        chords=score_chords,
        tracks=tracks,
        duration_s=audio.duration_s,
        seed=0,
        estimated=True,
    )
