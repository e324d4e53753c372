"""Cover: the same song re-arranged in another style.

Kept from the source: the form (sections and bars), the harmony (chords, transposed with the
song), the vocal line (every note, syllable and word) and the lead instrument's melody, and the
lyrics — unless ``lyrics`` replace them: then the vocal line is re-fitted to the new words line by
line, keeping each line's span and pitch contour (:mod:`tunesmith.music.edit.relyric`).
New: drums, bass, comping, pads and counter-lines from the new style's parts, its
instruments, swing, mix and genre. ``audio_weight`` (0–1) says how close to stay:

- tempo: ≥ 0.5 keeps the source's tempo map exactly; below, the tempo moves towards the new
  style's (its explicit tempo, else a tempo drawn in its range), linearly: 0 → the style's tempo.
- key: ≥ 0.7, or tags that name no key, keep the source's key; below 0.7 a key named in the tags
  moves the whole song (vocals, lead, chords) to that tonic, by the smallest interval. The mode
  is always the source's, so the melody's intervals are unchanged.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose.melody import VOICE_RANGES
from tunesmith.music.edit.arrange import arrange, tidy
from tunesmith.music.edit.common import check_seed, check_source, copy_track, sung_sections, transpose_chords
from tunesmith.music.edit.relyric import refit_lyrics
from tunesmith.music.score import Score, TempoChange, Track
from tunesmith.music.style.tags import resolve_style
from tunesmith.music.theory.keys import Key, parse_key

__all__ = ["cover"]

KEEP_TEMPO_WEIGHT = 0.5
KEEP_KEY_WEIGHT = 0.7


def _interval(src_pc: int, dst_pc: int) -> int:
    """The smallest move from one pitch class to another, −5 … +6 semitones."""
    d = (dst_pc - src_pc) % 12
    return d - 12 if d > 6 else d


def cover(
    source: Score,
    *,
    tags: str,
    seed: int,
    audio_weight: float = 0.5,
    negative_tags: str = "",
    title: str | None = None,
    vocal_gender: str | None = None,
    lyrics: str | None = None,
) -> Score:
    """A cover of ``source`` in the ``tags`` style (see the module docstring); deterministic in
    ``seed``. ``vocal_gender`` ("f"/"m") changes the singer; the vocal line moves by octaves only
    (so the melody stays the same up to transposition) to sit in that voice's range. ``lyrics``
    (non-empty) replace the words: the same line is re-fitted to them line by line
    (:func:`~tunesmith.music.edit.relyric.refit_lyrics`), same form, rhythm span and contour."""
    check_seed(seed)
    check_source(source)
    if not isinstance(audio_weight, (int, float)) or not 0.0 <= float(audio_weight) <= 1.0:
        raise InvalidParameter("audio_weight should be between 0 and 1.", field="audio_weight")
    if vocal_gender not in (None, "f", "m"):
        raise InvalidParameter("vocal_gender should be 'f' or 'm'.", field="vocal_gender")
    weight = float(audio_weight)
    style = resolve_style(tags, negative_tags)
    rng = np.random.default_rng([seed, 0xC0])

    # ---- tempo and key ------------------------------------------------------------------------
    src_tempo = source.tempo_bpm
    target = style.tempo_bpm or float(round(rng.uniform(*style.tempo_range_bpm)))
    tempo = (
        src_tempo
        if weight >= KEEP_TEMPO_WEIGHT
        else target + (src_tempo - target) * weight / KEEP_TEMPO_WEIGHT
    )
    scale = tempo / src_tempo
    shift = 0
    if weight < KEEP_KEY_WEIGHT and style.key_name:
        shift = _interval(source.key.tonic_pc, parse_key(style.key_name).tonic_pc)
    key = Key((source.key.tonic_pc + shift) % 12, source.key.mode)

    # ---- the kept song ------------------------------------------------------------------------
    out = copy.copy(source)
    out.key = key
    out.tempo_map = [TempoChange(t.beat, round(t.tempo_bpm * scale, 6)) for t in source.tempo_map]
    out.chords = transpose_chords(source.chords, shift, key)
    gender = vocal_gender or style.vocal_gender or source.vocal_gender
    vocal_shift = shift
    lead_pitches = [v.pitch for v in source.vocals if not v.backing]
    if lead_pitches and gender in VOICE_RANGES:
        low, high = VOICE_RANGES[gender]
        centre = (low + high) / 2
        mid = float(np.median(lead_pitches)) + shift
        vocal_shift = shift + 12 * round((centre - mid) / 12)
    out.vocals = [replace(v, pitch=v.pitch + vocal_shift) for v in source.vocals]
    out.vocal_gender = gender if source.vocals else None  # type: ignore[assignment]
    if lyrics is not None and lyrics.strip():
        if out.vocal_gender is None:
            out.vocal_gender = gender or "f"  # type: ignore[assignment]
        out = refit_lyrics(out, lyrics, np.random.default_rng([seed, 0x1E]))

    # ---- the new arrangement ------------------------------------------------------------------
    new_tracks = arrange(out, style, rng, sung=sung_sections(out), with_lead=False)
    lead_parts = [p for p in style.instruments if p.role == "lead" and p.group not in style.groups_excluded]
    kept_leads: list[Track] = []
    for i, track in enumerate(t for t in source.tracks if t.role == "lead" and t.notes):
        notes = [replace(n, pitch=n.pitch + shift) for n in track.notes]
        lead = copy_track(track, tidy(notes, 0.0, 0.5, out.total_beats + 1.0))
        if i < len(lead_parts):
            part = lead_parts[i]
            lead.name, lead.program, lead.group = f"{part.name}_melody", part.program, part.group
            lead.gain_db, lead.pan, lead.reverb_send, lead.effects = (
                part.gain_db,
                part.pan,
                part.reverb_send,
                tuple(part.effects),
            )
        kept_leads.append(lead)
    out.tracks = new_tracks + kept_leads

    # ---- labels, mix, length ------------------------------------------------------------------
    ring_out = max(0.5, source.duration_s - source.seconds_at(source.total_beats))
    out.duration_s = round(out.seconds_at(out.total_beats) + ring_out, 6)
    out.tags = tags
    out.genre = style.genre.key
    out.moods = tuple(m.key for m in style.moods)
    out.mix = style.mix
    out.swing = style.swing
    out.seed = seed
    out.estimated = False
    if title is not None:
        out.title = title
    return out
