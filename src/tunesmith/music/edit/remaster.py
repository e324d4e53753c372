"""Remaster: the same song (lyrics, melody, form, harmony, tempo, key) with a new mix and master and
arrangement details varied by a measured, ordered amount.

How it varies: an *alternative arrangement* of the source's own style is drawn from the seed
(related comping patterns, another bass figure, drum grooves a tier up or down, new humanisation).
The song is cut into cells, one per (section, accompaniment track); the cells are ranked by a
seeded draw and the first ``share × cells`` take the alternative's notes:
``subtle`` 15 %, ``normal`` 40 %, ``high`` 80 % of the cells. The chosen sets are nested, so for
one seed subtle ⊂ normal ⊂ high. The vocals, the lead melody and the chords never change.

:func:`score_distance` measures the result: the share of accompaniment notes that differ.
The mix moves too: reverb, width, brightness, compression, pans and sends, by amounts that grow
with the variation.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import replace
from typing import Literal

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.edit.arrange import COMP_ALTERNATIVES, Variant, arrange
from tunesmith.music.edit.common import check_seed, check_source, section_beats, source_style, sung_sections
from tunesmith.music.score import MixSettings, Note, Score
from tunesmith.music.style.model import BASS_STYLES

__all__ = ["VARIATION_SHARE", "Variation", "remaster", "score_distance"]

Variation = Literal["subtle", "normal", "high"]
VARIATION_SHARE: dict[str, float] = {"subtle": 0.15, "normal": 0.4, "high": 0.8}
"""Share of (section, track) cells whose notes are re-drawn, per ``variation_category``."""
_MIX_AMOUNT: dict[str, float] = {"subtle": 0.3, "normal": 0.6, "high": 1.0}
_KEPT_ROLES = ("lead",)
_BASS_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "root_whole": ("root_fifth", "pedal_long"),
    "root_eighths": ("rock_pedal", "octave_eighths"),
    "root_fifth": ("root_whole", "pop_syncopated"),
    "octave_eighths": ("root_eighths", "funk_syncopated"),
    "walking": ("root_fifth",),
    "funk_syncopated": ("octave_eighths", "pop_syncopated"),
    "pop_syncopated": ("root_fifth", "root_eighths"),
    "rock_pedal": ("root_eighths",),
    "arpeggiated": ("octave_eighths", "root_eighths"),
    "pedal_long": ("root_whole",),
}


def _note_keys(score: Score) -> Counter[tuple[str, int, float, float]]:
    keys: Counter[tuple[str, int, float, float]] = Counter()
    for track in score.tracks:
        if track.role in _KEPT_ROLES:
            continue
        for n in track.notes:
            keys[(track.name, n.pitch, round(n.start_beat, 3), round(n.length_beats, 3))] += 1
    return keys


def score_distance(a: Score, b: Score) -> float:
    """Share of accompaniment notes (all tracks but lead melodies) that differ between ``a`` and
    ``b``: ``|A △ B| / |A ∪ B|`` over (track, pitch, onset, length) multisets; 0 = identical
    arrangement, 1 = nothing in common. Velocities are ignored (they are humanisation)."""
    ka, kb = _note_keys(a), _note_keys(b)
    union = ka | kb
    total = sum(union.values())
    if total == 0:
        return 0.0
    common = sum((ka & kb).values())
    return (total - common) / total


def _variant(score: Score, rng: np.random.Generator) -> Variant:
    style = source_style(score)
    comp: dict[str, str] = {}
    for part in style.instruments:
        options = COMP_ALTERNATIVES.get(part.comp, ())
        if part.role in ("chords", "pad", "arp") and options:
            comp[part.name] = str(options[int(rng.integers(len(options)))])
    bass_options = tuple(b for b in _BASS_ALTERNATIVES.get(style.genre.bass, ()) if b in BASS_STYLES)
    bass = str(bass_options[int(rng.integers(len(bass_options)))]) if bass_options else None
    shift = float(rng.choice([-0.25, 0.25]))
    return Variant(comp=comp, bass=bass, drum_energy_shift=shift)


def _new_mix(mix: MixSettings, amount: float, rng: np.random.Generator) -> MixSettings:
    def move(value: float, spread: float, low: float, high: float) -> float:
        return round(float(np.clip(value + rng.uniform(-spread, spread) * amount, low, high)), 4)

    return replace(
        mix,
        brightness_db=move(mix.brightness_db, 2.0, -6.0, 6.0),
        low_end_db=move(mix.low_end_db, 1.5, -6.0, 6.0),
        reverb_room=move(mix.reverb_room, 0.2, 0.0, 1.0),
        reverb_wet=move(mix.reverb_wet, 0.08, 0.0, 0.6),
        compression=move(mix.compression, 0.2, 0.0, 1.0),
        width=move(mix.width, 0.2, 0.5, 1.5),
    )


def remaster(source: Score, *, variation: str = "normal", seed: int) -> Score:
    """A remaster of ``source`` (see the module docstring); deterministic in ``seed``.

    Keeps ``vocals``, ``lyrics``, lead melodies, ``chords``, ``sections``, ``tempo_map``, ``key``,
    ``meter`` and ``duration_s`` exactly. Raises InvalidParameter(field="variation_category")
    for a variation other than subtle/normal/high.
    """
    check_seed(seed)
    check_source(source)
    if variation not in VARIATION_SHARE:
        raise InvalidParameter(
            "variation_category should be 'subtle', 'normal' or 'high'.", field="variation_category"
        )
    rng = np.random.default_rng([seed, 0x5E])
    alt_rng = np.random.default_rng([seed, 0xA1])
    style = source_style(source)
    variant = _variant(source, alt_rng)
    alternative = {
        t.name: t for t in arrange(source, style, alt_rng, sung=sung_sections(source), variant=variant)
    }

    tracks = [t for t in source.tracks if t.role not in _KEPT_ROLES]
    cells = [(si, ti) for si in range(len(source.sections)) for ti in range(len(tracks))]
    order = rng.permutation(len(cells))
    chosen_count = max(1, round(VARIATION_SHARE[variation] * len(cells))) if cells else 0
    chosen = {cells[int(i)] for i in order[:chosen_count]}

    out = copy.copy(source)
    new_tracks = []
    for track in source.tracks:
        kept = copy.copy(track)
        if track.role not in _KEPT_ROLES:
            ti = tracks.index(track)
            alt = alternative.get(track.name)
            notes: list[Note] = []
            for si, section in enumerate(source.sections):
                s0, s1 = section_beats(source, section)
                if si == len(source.sections) - 1:
                    s1 = float("inf")
                if si == 0:
                    s0 = float("-inf")
                pool = alt.notes if (si, ti) in chosen and alt is not None else track.notes
                notes += [n for n in pool if s0 <= n.start_beat < s1]
            kept.notes = sorted(notes, key=lambda n: (n.start_beat, n.pitch))
        new_tracks.append(kept)
    mix_rng = np.random.default_rng([seed, 0x3D])
    amount = _MIX_AMOUNT[variation]
    for track in new_tracks:
        track.pan = round(float(np.clip(track.pan + mix_rng.uniform(-0.2, 0.2) * amount, -1.0, 1.0)), 4)
        track.reverb_send = round(
            float(np.clip(track.reverb_send + mix_rng.uniform(-0.08, 0.08) * amount, 0.0, 1.0)), 4
        )
    out.tracks = [t for t in new_tracks if t.notes]
    out.mix = _new_mix(source.mix, amount, mix_rng)
    out.seed = seed
    return out
