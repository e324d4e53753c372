"""``compose(spec, style) -> Score``: the whole song, symbolically, deterministic from the seed."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.compose.bass import bass_line
from tunesmith.music.compose.form import (
    INSTRUMENTAL_KINDS,
    PlannedSection,
    fit_bars_and_tempo,
    form_from_bars,
    form_from_lyrics,
    lyric_form_bars,
    place_sections,
)
from tunesmith.music.compose.grooves import drum_parts
from tunesmith.music.compose.harmony import build_chords
from tunesmith.music.compose.parts import (
    Motif,
    comp_part,
    counter_part,
    empty_track,
    melody_part,
    part_register,
    voicings_for,
)
from tunesmith.music.lyrics.sections import LyricSection, ParsedLyrics, parse_lyrics, sung_text
from tunesmith.music.score import Chord, Note, Score, Section, TempoChange, Track
from tunesmith.music.spec import MAX_DURATION_S, MAX_SEED, MIN_DURATION_S, SongSpec
from tunesmith.music.style.model import BASS_STYLES, COMP_PATTERNS, GROOVES, InstrumentPart, Style
from tunesmith.music.theory.chords import chord_pcs
from tunesmith.music.theory.keys import MODE_INTERVALS, Key, parse_key
from tunesmith.music.theory.meter import beats_per_bar, swing_position, validate_meter

DEFAULT_DURATION_S = (150, 210)
"""Range (s) a song's length is drawn from when the request names none."""
EXPLICIT_TEMPO_TOLERANCE = 0.015
"""An explicitly requested tempo moves at most ±1.5 % to land the duration exactly."""
STYLE_TEMPO_TOLERANCE = 0.03

_GROOVE_ALIAS = {
    "post_chorus": "chorus",
    "drop": "chorus",
    "pre_chorus": "verse",
    "solo": "chorus",
    "instrumental": "verse",
    "breakdown": "bridge",
    "intro": "verse",
    "outro": "verse",
}
_VOICES = {"chords": 4, "pad": 4, "arp": 3}
_BASE_VELOCITY = {"chords": 86.0, "pad": 70.0, "arp": 78.0}

_TITLE_WORDS: dict[str, tuple[str, ...]] = {
    "first": (
        "Midnight",
        "Golden",
        "Silver",
        "Electric",
        "Velvet",
        "Neon",
        "Paper",
        "Crystal",
        "Endless",
        "Summer",
        "Winter",
        "Wild",
        "Quiet",
        "Burning",
        "Distant",
        "Hidden",
        "Falling",
        "Broken",
        "Northern",
        "Open",
    ),
    "second": (
        "Skies",
        "Roads",
        "Hearts",
        "Lights",
        "Waves",
        "Dreams",
        "Echoes",
        "Rivers",
        "Streets",
        "Horizons",
        "Signals",
        "Shadows",
        "Fires",
        "Gardens",
        "Stars",
        "Windows",
        "Tides",
        "Nights",
    ),
}
_MOOD_WORDS: dict[str, str] = {
    "happy": "Sunny",
    "sad": "Blue",
    "dark": "Dark",
    "dreamy": "Dreaming",
    "energetic": "Running",
    "chill": "Slow",
    "epic": "Rising",
    "romantic": "Tender",
    "nostalgic": "Yesterday's",
    "angry": "Burning",
    "calm": "Still",
    "melancholic": "Fading",
    "uplifting": "Rising",
    "mysterious": "Hidden",
}


def _validate(spec: SongSpec, style: Style) -> None:
    if spec.duration_s is not None and not MIN_DURATION_S <= spec.duration_s <= MAX_DURATION_S:
        raise InvalidParameter(
            f"duration should be between {MIN_DURATION_S:g} and {MAX_DURATION_S:g} seconds.", field="duration"
        )
    if not 0 <= spec.seed <= MAX_SEED:
        raise InvalidParameter(f"seed should be between 0 and {MAX_SEED}.", field="seed")
    if spec.tempo_bpm is not None and not 30.0 <= spec.tempo_bpm <= 300.0:
        raise InvalidParameter("tempo_bpm should be between 30 and 300.", field="tempo_bpm")
    low, high = style.tempo_range_bpm
    if not 20.0 <= low <= high <= 320.0:
        raise InvalidParameter(f"Style tempo range {low}-{high} BPM is not usable.", field="tempo_bpm")
    if style.tempo_bpm is not None and not 30.0 <= style.tempo_bpm <= 300.0:
        raise InvalidParameter("tempo_bpm should be between 30 and 300.", field="tempo_bpm")
    genre = style.genre
    if genre.bass not in BASS_STYLES:
        raise InvalidParameter(f"Unknown bass style '{genre.bass}' in genre '{genre.key}'.", field="bass")
    for groove in genre.grooves.values():
        if groove not in GROOVES:
            raise InvalidParameter(f"Unknown groove '{groove}' in genre '{genre.key}'.", field="groove")
    for part in style.instruments:
        if part.comp not in COMP_PATTERNS:
            raise InvalidParameter(f"Unknown comp pattern '{part.comp}' for '{part.name}'.", field="comp")


def _pick_key(spec: SongSpec, style: Style, rng: np.random.Generator) -> Key:
    if spec.key is not None:
        return spec.key
    if style.key_name:
        return parse_key(style.key_name)
    weights = {m: float(w) for m, w in style.mode_weights.items() if m in MODE_INTERVALS and w > 0}
    if not weights:
        weights = {m: float(w) for m, w in style.genre.modes.items() if m in MODE_INTERVALS and w > 0}
    modes = sorted(weights) or ["major"]
    p = np.array([weights.get(m, 1.0) for m in modes])
    tonic = int(rng.integers(12))
    mode = str(modes[int(rng.choice(len(modes), p=p / p.sum()))])
    return Key(tonic, mode)


def _title(style: Style, rng: np.random.Generator) -> str:
    mood_words = [_MOOD_WORDS[m.key] for m in style.moods if m.key in _MOOD_WORDS]
    first = (
        mood_words[int(rng.integers(len(mood_words)))]
        if mood_words
        else str(rng.choice(_TITLE_WORDS["first"]))
    )
    return f"{first} {rng.choice(_TITLE_WORDS['second'])}"


def _groove_for(style: Style, kind: str) -> str:
    grooves = style.genre.grooves
    return (
        grooves.get(kind) or grooves.get(_GROOVE_ALIAS.get(kind, "verse")) or grooves.get("default") or "none"
    )


def _middle_kinds(style: Style) -> tuple[str, ...]:
    genre = style.genre
    named = set(genre.progressions) | set(genre.energy)
    kinds = [k for k in ("bridge", "breakdown", "solo") if k in named]
    if not kinds:
        kinds = ["bridge"]
        if any(p.role == "lead" for p in style.instruments):
            kinds.append("solo")
    return tuple(kinds)


def _vocal_fitter() -> Callable[..., Any] | None:
    """``compose.melody.fit_vocal_line`` when the singer's module provides it."""
    if importlib.util.find_spec("tunesmith.music.compose.melody") is None:
        return None
    module = importlib.import_module("tunesmith.music.compose.melody")
    fitter = getattr(module, "fit_vocal_line", None)
    return fitter if callable(fitter) else None


def _unique_names(parts: list[InstrumentPart]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for part in parts:
        seen[part.name] = seen.get(part.name, 0) + 1
        out.append(part.name if seen[part.name] == 1 else f"{part.name}_{seen[part.name]}")
    return out


def _ending(
    track: Track,
    final_chord: Chord,
    last_bar_beat: float,
    hold_end_beat: float,
    register: tuple[int, int],
    voicing: tuple[int, ...] | None,
) -> None:
    """Replace the last bar by the tonic chord held into the ring-out."""
    kept: list[Note] = []
    for note in track.notes:
        if note.start_beat >= last_bar_beat - 1e-6:
            continue
        if note.end_beat > last_bar_beat:
            note = replace(note, length_beats=max(0.05, last_bar_beat - note.start_beat))
        kept.append(note)
    was_playing = any(n.end_beat > last_bar_beat - 4.0 for n in kept)
    track.notes = kept
    if not was_playing:
        return
    length = hold_end_beat - last_bar_beat
    if track.role == "bass":
        pitch = register[0] + (final_chord.root_pc - register[0]) % 12
        pitch = pitch if pitch <= 55 else pitch - 12
        track.notes.append(Note(pitch, last_bar_beat, length, 100))
        return
    if track.role in ("lead", "counter"):
        last = kept[-1].pitch if kept else (register[0] + register[1]) // 2
        pcs = set(chord_pcs(final_chord.root_pc, final_chord.quality))
        pitch = min(
            (p for p in range(register[0], register[1] + 1) if p % 12 in pcs),
            key=lambda p: (abs(p - last), p),
            default=last,
        )
        track.notes.append(Note(pitch, last_bar_beat, length, 92))
        return
    for pitch in voicing or ():
        track.notes.append(Note(pitch, last_bar_beat, length, 84))


def compose(spec: SongSpec, style: Style) -> Score:
    """Compose the whole song ``spec`` asks for in ``style``; deterministic from ``spec.seed``.

    Guarantees: ``Score.duration_s == spec.duration_s`` when given (else 150–210 s, or what the
    lyrics need); the last bar ends ``ring_out`` (1–3 s; 0.5–2.5 s for songs under 15 s) before
    ``duration_s`` and every note ends before it; the tempo is the requested one (±1.5 %), else
    within the style's range ±3 %; tracks come only from ``style.instruments`` (minus
    ``style.groups_excluded``) with unique names. Raises InvalidParameter naming the field for
    bad input.
    """
    _validate(spec, style)
    rng = np.random.default_rng(spec.seed)
    genre = style.genre
    meter = validate_meter(style.meter or genre.meter)
    bar_beats = beats_per_bar(meter)

    explicit = spec.tempo_bpm or style.tempo_bpm
    low, high = style.tempo_range_bpm
    base_tempo = float(explicit) if explicit else float(round(rng.uniform(low, high)))
    tolerance = EXPLICIT_TEMPO_TOLERANCE if explicit else STYLE_TEMPO_TOLERANCE
    key = _pick_key(spec, style, rng)

    # ---- form -----------------------------------------------------------------------------
    parsed: ParsedLyrics | None = None
    if spec.sings:
        parsed = parse_lyrics(spec.lyrics)
        if not any(s.lead_lines for s in parsed.sections):
            parsed = None
    if parsed is not None:
        if spec.duration_s is None:
            need_s = lyric_form_bars(parsed) * bar_beats * 60.0 / base_tempo + 2.0
            duration_s = float(min(MAX_DURATION_S, max(MIN_DURATION_S, round(need_s))))
        else:
            duration_s = float(spec.duration_s)
        fit = fit_bars_and_tempo(duration_s, base_tempo, bar_beats, tolerance=tolerance)
        planned = form_from_lyrics(parsed, fit.bars)
    else:
        if spec.duration_s is None:
            duration_s = float(rng.integers(DEFAULT_DURATION_S[0], DEFAULT_DURATION_S[1] + 1))
        else:
            duration_s = float(spec.duration_s)
        fit = fit_bars_and_tempo(duration_s, base_tempo, bar_beats, tolerance=tolerance)
        named = set(genre.progressions) | set(genre.energy)
        planned = form_from_bars(fit.bars, rng, middle_kinds=_middle_kinds(style), use_drop="drop" in named)
    sections = place_sections(planned, genre.energy, energy_shift=style.energy_shift)
    tempo = fit.tempo_bpm
    total_beats = fit.bars * bar_beats

    # ---- harmony --------------------------------------------------------------------------
    chords = build_chords(sections, genre, key, bar_beats, rng)

    # ---- parts ----------------------------------------------------------------------------
    parts = [p for p in style.instruments if p.group not in style.groups_excluded]
    if not parts and parsed is None:
        raise InvalidParameter("No instruments are left to play: check negative_tags.", field="negative_tags")
    names = _unique_names(parts)
    section_grooves = [_groove_for(style, s.kind) for s in sections]
    has_kit = any(p.role == "drums" for p in parts) and "drums" not in style.groups_excluded
    has_perc = any(p.role == "percussion" for p in parts) and "percussion" not in style.groups_excluded
    drums = drum_parts(sections, section_grooves, meter, fill=genre.fill, rng=rng, percussion_track=has_perc)
    sung_sections = {i for i, p in enumerate(planned) if p.lyric is not None and p.lyric.lead_lines}

    def active_for(part: InstrumentPart) -> list[bool]:
        flags = [s.energy + 1e-9 >= part.enter_energy for s in sections]
        if part.role == "lead" and sung_sections:
            flags = [
                f and (i not in sung_sections or s.kind in INSTRUMENTAL_KINDS)
                for i, (f, s) in enumerate(zip(flags, sections, strict=True))
            ]
        if not any(flags) and part.role != "lead":
            top = max(s.energy for s in sections)
            flags = [s.energy >= top - 1e-9 for s in sections]
        return flags

    actives = [active_for(p) for p in parts]
    pitched = [
        i for i, p in enumerate(parts) if p.role in ("chords", "pad", "arp", "bass", "lead", "counter")
    ]
    harmonic = [i for i in pitched if parts[i].role in ("chords", "pad", "arp")] or pitched
    if harmonic:
        # Never leave a section without harmony: the most willing part plays there.
        fallback = min(harmonic, key=lambda i: (parts[i].enter_energy, i))
        for si in range(len(sections)):
            if not any(actives[i][si] for i in harmonic):
                actives[fallback][si] = True

    melody_host: int | None = None
    if parsed is None and not any(p.role == "lead" for p in parts):
        hosts = [i for i in pitched if parts[i].role in ("chords", "pad", "arp")]
        melody_host = hosts[0] if hosts else None

    motifs: dict[str, Motif] = {}
    tracks: list[Track] = []
    final_voicings: dict[int, tuple[int, ...]] = {}
    registers: dict[int, tuple[int, int]] = {}
    for i, part in enumerate(parts):
        register = part_register(part, style.register_shift)
        registers[i] = register
        track = empty_track(part, names[i])
        active = actives[i]
        if part.role == "drums":
            if not has_kit or all(g == "none" for g in section_grooves):
                continue
            track.program = genre.drum_kit
            track.is_drum = True
            track.group = "drums"
            track.notes = list(drums.kit)
        elif part.role == "percussion":
            if all(g == "none" for g in section_grooves) and not drums.percussion:
                continue
            track.is_drum = True
            track.group = "percussion"
            track.notes = list(drums.percussion) if has_perc else []
            if not track.notes:
                continue
        elif part.role == "bass":
            track.notes = bass_line(
                genre.bass, sections, active, chords, bar_beats, drums.kicks, register=register, rng=rng
            )
        elif part.role in ("chords", "pad", "arp"):
            comp_register = register
            if i == melody_host and register[1] - register[0] >= 30:
                split = (register[0] + register[1]) // 2 + 2
                comp_register = (register[0], split)
            voicings = voicings_for(chords, comp_register, voices=_VOICES[part.role])
            final_voicings[i] = voicings[-1]
            pattern = part.comp
            if part.role == "arp" and pattern == "sustain":
                pattern = "arpeggio_up"
            track.notes = comp_part(
                pattern,
                sections,
                active,
                chords,
                voicings,
                bar_beats,
                register=comp_register,
                rng=rng,
                base_velocity=_BASE_VELOCITY[part.role],
            )
            if i == melody_host:
                mel_register = (max(register[0], comp_register[1] + 1), register[1])
                if mel_register[1] - mel_register[0] < 12:
                    mel_register = (register[1] - 14, register[1])
                track.notes += melody_part(
                    sections, active, chords, key, meter, register=mel_register, rng=rng, motifs=motifs
                )
        elif part.role == "lead":
            track.notes = melody_part(
                sections, active, chords, key, meter, register=register, rng=rng, motifs=motifs
            )
        elif part.role == "counter":
            track.notes = counter_part(sections, active, chords, bar_beats, register=register, rng=rng)
        elif part.role == "fx":
            track.notes = _fx_notes(sections, active, key, bar_beats, register)
        tracks.append(track)

    # ---- ending, swing, tidy --------------------------------------------------------------
    ring_out = fit.ring_out_s
    release_s = min(0.6, ring_out * 0.4)
    hold_end = total_beats + (ring_out - release_s) * tempo / 60.0
    last_bar_beat = total_beats - bar_beats
    if chords and fit.bars >= 1:
        for i, part in enumerate(parts):
            found = next((t for t in tracks if t.name == names[i]), None)
            if found is None or found.is_drum or part.role == "fx":
                continue
            _ending(found, chords[-1], last_bar_beat, hold_end, registers[i], final_voicings.get(i))
    swing = float(style.swing)
    unit = genre.swing_unit_beats
    for track in tracks:
        track.notes = _tidy(track.notes, swing, unit, hold_end)
    tracks = [t for t in tracks if t.notes]

    title = spec.title or _title(style, rng)
    score = Score(
        title=title,
        tags=spec.tags,
        genre=genre.key,
        key=key,
        meter=meter,
        tempo_map=[TempoChange(0.0, round(tempo, 6))],
        sections=sections,
        chords=chords,
        tracks=tracks,
        duration_s=duration_s,
        seed=spec.seed,
        swing=swing,
        mix=style.mix,
        moods=tuple(m.key for m in style.moods),
        vocal_gender=(spec.vocal_gender or style.vocal_gender or genre.default_vocal_gender)
        if parsed
        else None,
    )
    if parsed is not None:
        fitter = _vocal_fitter()
        if fitter is not None:
            sung = ParsedLyrics(sections=[_lyric_of(p) for p in planned if p.lyric is not None])
            score.vocals = list(fitter(score, sung, rng=rng))
            score.lyrics = sung_text(sung)
    return score


def _lyric_of(planned: PlannedSection) -> LyricSection:
    assert planned.lyric is not None
    return planned.lyric


def _fx_notes(
    sections: list[Section], active: list[bool], key: Key, bar_beats: float, register: tuple[int, int]
) -> list[Note]:
    """Risers: a held high tonic over the bar before each chorus/drop, and a swell into the song."""
    notes: list[Note] = []
    pitch = register[0] + (key.tonic_pc - register[0]) % 12 + 12
    pitch = pitch if pitch <= register[1] else pitch - 12
    for i, section in enumerate(sections[1:], start=1):
        if section.kind in ("chorus", "drop") and (active[i] or active[i - 1]):
            start = (section.start_bar - 1) * bar_beats
            if start >= 0:
                notes.append(Note(pitch, start, bar_beats * 0.98, 72))
    return notes


def _tidy(notes: list[Note], swing: float, unit: float, hold_end: float) -> list[Note]:
    """Swing, clip to the song, drop duplicates (same pitch and onset: the loudest stays), sort by
    time then pitch; times rounded to 1e-6 beat so the JSON stays readable."""
    best: dict[tuple[float, int], tuple[float, int]] = {}
    limit = hold_end - 1e-6
    for note in notes:
        start, end = note.start_beat, note.start_beat + note.length_beats
        if swing > 0:
            start = swing_position(start, swing, unit_beats=unit)
            end = swing_position(end, swing, unit_beats=unit)
        if end > hold_end:
            end = hold_end
        if start >= limit or end - start < 0.02:
            continue
        key = (round(start, 6), note.pitch)
        previous = best.get(key)
        if previous is None or previous[1] < note.velocity:
            best[key] = (round(end - key[0], 6), note.velocity)
    return [
        Note(pitch, start, length, velocity) for (start, pitch), (length, velocity) in sorted(best.items())
    ]


__all__ = ["DEFAULT_DURATION_S", "compose"]
