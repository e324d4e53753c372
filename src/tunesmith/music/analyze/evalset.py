"""Deterministic evaluation audio with known tempo and key, for tests and benchmarks.

Two families, both generated offline in well under a second per clip:

- :func:`drum_pattern` synthesises kick / snare / hi-hat with numpy (no samples, no SoundFont) on a
  16-step-per-bar grid, with swing, half-time and 3/4 patterns (see :data:`DRUM_PATTERNS`).
- :func:`render_song` writes a small arrangement (chords, bass, optional melody, optional GM drum
  kit) as :mod:`pretty_midi` and renders it through ``tinysoundfont`` with the FluidR3 GM
  SoundFont, so the analysis sees real instrument timbres.

For the evaluation harness (``bench/eval_analysis.py``) two more families:

- **real music nobody here wrote**: :func:`corpus_pieces` draws Bach chorales from the music21
  corpus (it ships inside the music21 wheel, a ``dev`` dependency) at seeded random tempi,
  transpositions and GM programs, with the reference key from music21's analysis;
  :func:`corpus_notes` / :func:`render_corpus_piece` give their notes and audio;
  :func:`package_midi_files` finds the MIDI files that ship inside installed packages.
- **our own sung songs**: :func:`sung_mix` renders :data:`SUNG_CASES` with the engine, keeping
  the true stems and the Score's word timeline.

:func:`tempo_cases` and :func:`key_cases` list the standard evaluation sets used by
``tests/music/analyze`` and ``bench/bench_analysis.py``. Every random choice comes from a
``numpy.random.Generator`` seeded by the case, so the audio is identical on every run.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from tunesmith.music.audio import AudioBuffer
from tunesmith.music.theory.keys import Key

SOUNDFONT_PATH = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
"""The General MIDI SoundFont ``make install`` provides (Debian ``fluid-soundfont-gm``, MIT)."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DrumPattern:
    """One bar of drums on a grid of ``steps`` equal steps (16 for 4/4 sixteenths, 12 for 3/4).

    Each string has one character per step: ``x`` = hit, ``o`` = softer hit, ``.`` = rest.
    ``beats_per_bar`` quarter-note beats span the bar.
    """

    kick: str
    snare: str
    hat: str
    beats_per_bar: int = 4

    @property
    def steps(self) -> int:
        return len(self.kick)


DRUM_PATTERNS: dict[str, DrumPattern] = {
    # Backbeat: kick 1 and 3, snare 2 and 4, eighth hats.
    "backbeat": DrumPattern("x.......x.x.....", "....x.......x...", "x.o.x.o.x.o.x.o."),
    # Four on the floor with off-beat open hats (house / techno).
    "four_on_floor": DrumPattern("x...x...x...x...", "....x.......x...", "..x...x...x...x."),
    # Half-time (trap / dubstep): snare on beat 3 only, sixteenth hats.
    "half_time": DrumPattern("x.....x...x.....", "........x.......", "xoxoxoxoxoxoxoxo"),
    # Drum and bass two-step: kick 1 and the "and" of 3, snare 2 and 4.
    "two_step": DrumPattern("x.........x.....", "....x.......x...", "x.o.x.o.x.o.x.o."),
    # Boom bap / lo-fi (swing is applied on top).
    "boom_bap": DrumPattern("x......x..x.....", "....x.......x...", "x.x.x.x.x.x.x.x."),
    # Waltz: kick on 1, snare-ish hits on 2 and 3, eighth hats; 12 sixteenth steps per bar.
    "waltz": DrumPattern("x...........", "....o...o...", "x.o.x.o.x.o.", beats_per_bar=3),
    # Sparse ballad: kick on 1, snare on 3 (cross-stick feel), quarter hats.
    "ballad": DrumPattern("x.......x.......", "....x.......x...", "x...x...x...x..."),
}


def _kick(sample_rate_hz: int) -> FloatArray:
    t = np.arange(int(0.35 * sample_rate_hz)) / sample_rate_hz
    freq = 45.0 + 75.0 * np.exp(-t / 0.04)
    phase = 2 * np.pi * np.cumsum(freq) / sample_rate_hz
    out: FloatArray = np.sin(phase) * np.exp(-t / 0.12)
    return out


def _noise_hit(
    rng: np.random.Generator, sample_rate_hz: int, duration_s: float, decay_s: float, highpass: bool
) -> FloatArray:
    n = int(duration_s * sample_rate_hz)
    t = np.arange(n) / sample_rate_hz
    noise = rng.standard_normal(n)
    if highpass:
        noise = np.diff(noise, prepend=0.0)  # first difference: a crude +6 dB/oct high-pass
        noise = np.diff(noise, prepend=0.0)
        noise /= 2.0
    out: FloatArray = noise * np.exp(-t / decay_s)
    return out


def _snare(rng: np.random.Generator, sample_rate_hz: int) -> FloatArray:
    t = np.arange(int(0.25 * sample_rate_hz)) / sample_rate_hz
    body = np.sin(2 * np.pi * 185.0 * t) * np.exp(-t / 0.05)
    return 0.6 * body + 0.5 * _noise_hit(rng, sample_rate_hz, 0.25, 0.06, highpass=True)


def drum_pattern(
    tempo_bpm: float,
    pattern: str,
    *,
    duration_s: float = 12.0,
    swing: float = 0.5,
    sample_rate_hz: int = 22_050,
    seed: int = 0,
) -> AudioBuffer:
    """Mono synthetic drums playing :data:`DRUM_PATTERNS` ``[pattern]`` at ``tempo_bpm``.

    ``swing`` is the position of every off-beat sixteenth-pair's second step within its pair
    (0.5 = straight, 0.62 ≈ lo-fi swing, 0.667 = triplet swing); it is applied to eighth-note
    pairs (steps 2, 6, 10 … shift later). Velocities vary by ±10 % from ``seed``. Peak ≈ 0.9.
    """
    rng = np.random.default_rng(seed)
    spec = DRUM_PATTERNS[pattern]
    beat_s = 60.0 / tempo_bpm
    step_s = beat_s * spec.beats_per_bar / spec.steps
    n = round(duration_s * sample_rate_hz)
    out = np.zeros(n + sample_rate_hz)
    kick = _kick(sample_rate_hz)
    bar_s = beat_s * spec.beats_per_bar
    bars = int(np.ceil(duration_s / bar_s))
    for bar in range(bars):
        for step in range(spec.steps):
            # Swing the second eighth of each beat (sixteenth steps 2 mod 4).
            offset_steps = float(step)
            if step % 4 == 2:
                offset_steps = step - 2 + 4 * swing
            start_s = bar * bar_s + offset_steps * step_s
            if start_s >= duration_s:
                continue
            start = round(start_s * sample_rate_hz)
            for voice, row in (("kick", spec.kick), ("snare", spec.snare), ("hat", spec.hat)):
                mark = row[step]
                if mark == ".":
                    continue
                gain = (1.0 if mark == "x" else 0.55) * (0.9 + 0.2 * rng.random())
                if voice == "kick":
                    hit = 0.9 * kick
                elif voice == "snare":
                    hit = 0.7 * _snare(rng, sample_rate_hz)
                else:
                    hit = 0.25 * _noise_hit(rng, sample_rate_hz, 0.08, 0.02, highpass=True)
                out[start : start + hit.size] += gain * hit
    out = out[:n]
    out *= 0.9 / max(1e-9, float(np.max(np.abs(out))))
    return AudioBuffer.from_array(out, sample_rate_hz)


# --------------------------------------------------------------------------------------------
# SoundFont-rendered songs


@dataclass(frozen=True)
class SongCase:
    """A small arrangement with a known tempo and key.

    ``progression`` holds chord roots as scale degrees (0-based, of ``key``'s scale) with one
    chord per bar; triads are built from the scale. ``drums`` names a GM-kit groove
    (:data:`DRUM_PATTERNS`) or ``None``; ``swing`` as in :func:`drum_pattern`.
    """

    name: str
    tempo_bpm: float
    key: Key
    progression: tuple[int, ...]
    drums: str | None = "backbeat"
    bars: int = 8
    swing: float = 0.5
    chord_program: int = 0
    bass_program: int = 33
    melody: bool = True
    comp: str = "block"  # "block" (chords on each beat), "arp" (eighth arpeggios), "pad" (held)
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def beats_per_bar(self) -> int:
        return DRUM_PATTERNS[self.drums].beats_per_bar if self.drums else int(self.extra.get("beats", 4))


_GM_DRUM = {"kick": 36, "snare": 38, "hat": 42}


def song_midi(case: SongCase) -> Any:
    """The arrangement of ``case`` as a ``pretty_midi.PrettyMIDI`` (chords, bass, melody, drums)."""
    import pretty_midi

    rng = np.random.default_rng(case.seed)
    beat_s = 60.0 / case.tempo_bpm
    bpb = case.beats_per_bar
    bar_s = beat_s * bpb
    pm = pretty_midi.PrettyMIDI(initial_tempo=case.tempo_bpm)
    chords = pretty_midi.Instrument(program=case.chord_program)
    bass = pretty_midi.Instrument(program=case.bass_program)
    lead = pretty_midi.Instrument(program=73)
    scale = case.key.scale_pcs
    for bar in range(case.bars):
        degree = case.progression[bar % len(case.progression)]
        triad = [scale[(degree + k) % 7] for k in (0, 2, 4)]
        # Voice the triad in the octave above middle C's neighbourhood (MIDI 55–72).
        voicing = sorted(55 + ((pc - 55) % 12) for pc in triad)
        t0 = bar * bar_s
        if case.comp == "pad":
            for pitch in voicing:
                chords.notes.append(pretty_midi.Note(70, pitch, t0, t0 + bar_s * 0.98))
        elif case.comp == "arp":
            cycle = [*voicing, voicing[1] + 12 if len(voicing) > 1 else voicing[0] + 12]
            for k in range(bpb * 2):
                start = t0 + k * beat_s / 2
                chords.notes.append(pretty_midi.Note(75, cycle[k % len(cycle)], start, start + beat_s * 0.45))
        else:
            for b in range(bpb):
                start = t0 + b * beat_s
                vel = 85 if b == 0 else 70
                for pitch in voicing:
                    chords.notes.append(pretty_midi.Note(vel, pitch, start, start + beat_s * 0.9))
        root = 36 + ((triad[0] - 36) % 12)
        for b in range(bpb):
            start = t0 + b * beat_s
            pitch = root if b % 2 == 0 else root + (7 if b % 4 == 2 else 0)
            bass.notes.append(pretty_midi.Note(95 if b == 0 else 80, pitch, start, start + beat_s * 0.85))
        if case.melody:
            for b in range(bpb):
                if rng.random() < 0.25:
                    continue
                pc = triad[int(rng.integers(0, 3))] if b % 2 == 0 else scale[int(rng.integers(0, 7))]
                pitch = 72 + ((pc - 72) % 12)
                start = t0 + b * beat_s
                lead.notes.append(pretty_midi.Note(80, pitch, start, start + beat_s * 0.9))
    pm.instruments.extend([chords, bass])
    if case.melody:
        pm.instruments.append(lead)
    if case.drums:
        spec = DRUM_PATTERNS[case.drums]
        kit = pretty_midi.Instrument(program=0, is_drum=True)
        step_s = bar_s / spec.steps
        for bar in range(case.bars):
            for step in range(spec.steps):
                offset = float(step - 2 + 4 * case.swing) if step % 4 == 2 else float(step)
                start = bar * bar_s + offset * step_s
                for voice, row in (("kick", spec.kick), ("snare", spec.snare), ("hat", spec.hat)):
                    mark = row[step]
                    if mark != ".":
                        vel = (110 if mark == "x" else 75) - int(rng.integers(0, 10))
                        kit.notes.append(pretty_midi.Note(vel, _GM_DRUM[voice], start, start + 0.1))
        pm.instruments.append(kit)
    return pm


@lru_cache(maxsize=1)
def _soundfont_bytes() -> bytes:
    return SOUNDFONT_PATH.read_bytes()


def render_midi(pm: Any, *, sample_rate_hz: int = 22_050, tail_s: float = 1.0) -> AudioBuffer:
    """Render a ``pretty_midi.PrettyMIDI`` to stereo through tinysoundfont and the GM SoundFont.

    Non-drum instruments get MIDI channels 0–8, 10–15 in order; drums use channel 9 (bank 128).
    The output lasts the MIDI's end time plus ``tail_s`` seconds and is peak-normalised to 0.9.
    """
    import tinysoundfont

    synth = tinysoundfont.Synth(samplerate=sample_rate_hz)
    sfid = synth.sfload(_soundfont_bytes())
    events: list[tuple[float, int, int, int, int]] = []  # (time_s, order, channel, pitch, velocity)
    free_channels = [c for c in range(16) if c != 9]
    for inst in pm.instruments:
        if inst.is_drum:
            channel = 9
            synth.program_select(channel, sfid, 128, 0, is_drums=True)
        else:
            channel = free_channels.pop(0)
            synth.program_select(channel, sfid, 0, int(inst.program))
        for note in inst.notes:
            events.append((float(note.start), 1, channel, int(note.pitch), int(note.velocity)))
            events.append((float(note.end), 0, channel, int(note.pitch), 0))
    events.sort()
    total = round((pm.get_end_time() + tail_s) * sample_rate_hz)
    chunks: list[npt.NDArray[np.float32]] = []
    done = 0
    for time_s, is_on, channel, pitch, velocity in events:
        target = min(total, round(time_s * sample_rate_hz))
        if target > done:
            chunks.append(np.frombuffer(synth.generate(target - done), dtype=np.float32))
            done = target
        if is_on:
            synth.noteon(channel, pitch, velocity)
        else:
            synth.noteoff(channel, pitch)
    if total > done:
        chunks.append(np.frombuffer(synth.generate(total - done), dtype=np.float32))
    interleaved = np.concatenate(chunks) if chunks else np.zeros(2 * total, dtype=np.float32)
    stereo = interleaved.reshape(-1, 2).T
    stereo = stereo * (0.9 / max(1e-9, float(np.max(np.abs(stereo)))))
    return AudioBuffer.from_array(stereo, sample_rate_hz)


def render_song(case: SongCase, *, sample_rate_hz: int = 22_050) -> AudioBuffer:
    """:func:`song_midi` rendered with :func:`render_midi`."""
    return render_midi(song_midi(case), sample_rate_hz=sample_rate_hz)


# --------------------------------------------------------------------------------------------
# The standard evaluation sets


@dataclass(frozen=True)
class TempoCase:
    """A named clip generator with its true tempo (the Score's tempo, quarter-note beats)."""

    name: str
    tempo_bpm: float
    kind: str  # "drums" (numpy synthesis) or "song" (SoundFont render)
    pattern: str | None = None
    swing: float = 0.5
    song: SongCase | None = None
    duration_s: float = 12.0

    def audio(self) -> AudioBuffer:
        if self.kind == "drums":
            assert self.pattern is not None
            return drum_pattern(self.tempo_bpm, self.pattern, duration_s=self.duration_s, swing=self.swing)
        assert self.song is not None
        return render_song(self.song)


def _bars_for(tempo_bpm: float, beats_per_bar: int, duration_s: float) -> int:
    return max(4, round(duration_s * tempo_bpm / 60.0 / beats_per_bar))


def tempo_cases() -> list[TempoCase]:
    """Sixteen clips from 60 to 180 bpm: ballads, swung lo-fi, house, half-time trap and dubstep,
    drum and bass, waltzes, rock, and drumless piano arpeggios and pads."""
    c, a, g = Key(0, "major"), Key(9, "minor"), Key(7, "major")
    d_min, e_maj, f_maj = Key(2, "minor"), Key(4, "major"), Key(5, "major")

    def song(name: str, bpm: float, key: Key, prog: Sequence[int], drums: str | None, **kw: Any) -> TempoCase:
        beats = DRUM_PATTERNS[drums].beats_per_bar if drums else int(kw.get("extra", {}).get("beats", 4))
        case = SongCase(name, bpm, key, tuple(prog), drums, bars=_bars_for(bpm, beats, 12.0), **kw)
        return TempoCase(name, bpm, "song", song=case)

    return [
        TempoCase("drums ballad 60", 60.0, "drums", "backbeat", duration_s=16.0),
        TempoCase("drums ballad 70", 70.0, "drums", "ballad", duration_s=14.0),
        TempoCase("drums lo-fi swung 84", 84.0, "drums", "boom_bap", swing=0.62),
        TempoCase("drums waltz 3/4 96", 96.0, "drums", "waltz"),
        TempoCase("drums house 124", 124.0, "drums", "four_on_floor"),
        TempoCase("drums trap half-time 140", 140.0, "drums", "half_time"),
        TempoCase("drums dnb 174", 174.0, "drums", "two_step"),
        TempoCase("drums rock 160", 160.0, "drums", "backbeat"),
        song("song pop 100", 100.0, c, (0, 4, 5, 3), "backbeat"),
        song("song lo-fi swung 78", 78.0, a, (0, 5, 2, 6), "boom_bap", swing=0.62, chord_program=4),
        song("song waltz 3/4 150", 150.0, f_maj, (0, 3, 4, 0), "waltz", comp="block"),
        song("song dubstep half-time 140", 140.0, d_min, (0, 5, 6, 4), "half_time", bass_program=38),
        song("song dnb 172", 172.0, e_maj, (0, 5, 3, 4), "two_step", bass_program=38),
        song("song house 126", 126.0, g, (0, 3, 5, 4), "four_on_floor", chord_program=81),
        song("song piano arps 90 (no drums)", 90.0, c, (0, 5, 3, 4), None, comp="arp", melody=False),
        song("song ballad 66", 66.0, a, (0, 3, 4, 0), "ballad", comp="arp", chord_program=0),
    ]


def key_cases() -> list[SongCase]:
    """Sixteen SoundFont songs in major and minor keys around the circle of fifths, with drums,
    common progressions (I–V–vi–IV, i–VI–III–VII, i–iv–v–i …) and different instruments."""
    majors = [(0, 2, 0), (7, 0, 4), (2, 25, 0), (9, 4, 0), (10, 0, 81), (3, 48, 0), (5, 0, 24), (11, 0, 4)]
    minors = [(9, 0, 0), (4, 25, 0), (2, 48, 0), (7, 0, 81), (0, 0, 4), (11, 24, 0), (5, 0, 0), (6, 0, 48)]
    major_progs = [(0, 4, 5, 3), (0, 3, 4, 0), (0, 5, 3, 4), (0, 1, 4, 0)]
    minor_progs = [(0, 5, 2, 6), (0, 3, 4, 0), (0, 6, 5, 4), (0, 3, 6, 2)]
    tempos = [96.0, 120.0, 84.0, 132.0, 108.0, 72.0, 140.0, 100.0]
    cases: list[SongCase] = []
    for i, (tonic, prog_a, _prog_b) in enumerate(majors):
        program = prog_a if prog_a else _prog_b
        cases.append(
            SongCase(
                f"key {Key(tonic, 'major').name}",
                tempos[i],
                Key(tonic, "major"),
                major_progs[i % 4],
                "backbeat" if i % 3 else "four_on_floor",
                bars=8,
                chord_program=program,
                seed=i,
                comp=("block", "arp", "pad")[i % 3],
            )
        )
    for i, (tonic, prog_a, _prog_b) in enumerate(minors):
        program = prog_a if prog_a else _prog_b
        cases.append(
            SongCase(
                f"key {Key(tonic, 'minor').name}",
                tempos[-1 - i],
                Key(tonic, "minor"),
                minor_progs[i % 4],
                "backbeat" if i % 2 else "half_time",
                bars=8,
                chord_program=program,
                seed=100 + i,
                comp=("arp", "block", "pad")[i % 3],
            )
        )
    return cases


# --------------------------------------------------------------------------------------------
# Real music nobody on this project wrote: the music21 corpus (ships inside the music21 wheel, a
# development dependency) and MIDI files that ship inside installed packages.

CORPUS_PROGRAMS: tuple[int, ...] = (0, 0, 4, 19, 24, 46, 48, 52, 73)
"""GM programs a corpus piece may be rendered with for tempo and key (piano twice as likely):
acoustic and electric piano, church organ, nylon guitar, harp, strings, choir, flute."""


@dataclass(frozen=True)
class CorpusPiece:
    """One rendering of a music21-corpus score: ``source`` its corpus path (``"bach/bwv66.6"``),
    ``tempo_bpm`` the quarter-note tempo it is rendered at (constant; fermatas ignored),
    ``transpose_st`` semitones it is shifted by, ``key`` the reference key (music21's
    ``analyze('key')`` of the score, transposed), ``program`` the GM program, ``max_duration_s``
    the rendered length cap (s)."""

    source: str
    tempo_bpm: float
    transpose_st: int
    key: Key
    program: int
    max_duration_s: float = 30.0

    @property
    def name(self) -> str:
        return f"{self.source} @{self.tempo_bpm:.0f}bpm {self.transpose_st:+d}st p{self.program}"


def _m21_score(source: str) -> Any:
    from music21 import corpus

    return corpus.parse(source)


def corpus_sources(collection: str = "bach", *, chorales_only: bool = True) -> list[str]:
    """Corpus paths of ``collection`` (``"bach"``: the 4-part chorales ``bach/bwv….mxl``), sorted."""
    from music21 import corpus

    out: list[str] = []
    for path in corpus.getComposer(collection):
        name = Path(str(path)).name
        if chorales_only and not (name.startswith("bwv") and name.endswith(".mxl")):
            continue
        out.append(f"{collection}/{name.removesuffix('.mxl')}")
    return sorted(out)


def corpus_pieces(
    count: int,
    *,
    seed: int = 0,
    collection: str = "bach",
    tempo_range_bpm: tuple[float, float] = (60.0, 160.0),
    transpose_range_st: tuple[int, int] = (-5, 6),
    max_duration_s: float = 30.0,
) -> list[CorpusPiece]:
    """``count`` distinct corpus pieces with seeded random tempi (uniform in
    ``tempo_range_bpm``), transpositions (integers in ``transpose_range_st``, inclusive) and GM
    programs (:data:`CORPUS_PROGRAMS`). Parsing the scores for their reference keys takes about
    0.2 s each. Deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    sources = corpus_sources(collection)
    chosen = [sources[int(i)] for i in rng.permutation(len(sources))[:count]]
    pieces: list[CorpusPiece] = []
    for source in chosen:
        tempo = round(float(rng.uniform(*tempo_range_bpm)), 1)
        shift = int(rng.integers(transpose_range_st[0], transpose_range_st[1] + 1))
        program = int(CORPUS_PROGRAMS[int(rng.integers(0, len(CORPUS_PROGRAMS)))])
        analysed = _m21_score(source).analyze("key")
        mode = "minor" if str(analysed.mode) == "minor" else "major"
        key = Key((int(analysed.tonic.pitchClass) + shift) % 12, mode)
        pieces.append(CorpusPiece(source, tempo, shift, key, program, max_duration_s))
    return pieces


def corpus_notes(piece: CorpusPiece, *, part: int | None = None) -> list[tuple[int, float, float]]:
    """Reference notes ``(midi_pitch, start_s, end_s)`` of ``piece`` at its tempo and
    transposition, sorted; ties merged; notes starting after ``max_duration_s`` dropped and the
    rest cut there. ``part`` selects one part (0 = soprano) for a monophonic line."""
    score = _m21_score(piece.source)
    if part is not None:
        score = score.parts[part]
    flat = score.stripTies().flatten()
    beat_s = 60.0 / piece.tempo_bpm
    notes: list[tuple[int, float, float]] = []
    for element in flat.notes:
        start_s = float(element.offset) * beat_s
        length_s = float(element.duration.quarterLength) * beat_s
        if start_s >= piece.max_duration_s or length_s <= 0:
            continue
        end_s = min(start_s + length_s, piece.max_duration_s)
        for p in element.pitches:
            pitch = round(float(p.ps)) + piece.transpose_st
            if 0 <= pitch <= 127:
                notes.append((pitch, round(start_s, 6), round(end_s, 6)))
    return sorted(set(notes), key=lambda n: (n[1], n[0], n[2]))


def notes_midi(
    notes: Sequence[tuple[int, float, float]], *, program: int = 0, tempo_bpm: float = 120.0
) -> Any:
    """``(pitch, start_s, end_s)`` notes as a one-instrument ``pretty_midi.PrettyMIDI``
    (velocity 80; repeated notes are shortened by 10 ms so every onset is re-struck)."""
    import pretty_midi

    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo_bpm)
    inst = pretty_midi.Instrument(program=program)
    for pitch, start_s, end_s in notes:
        inst.notes.append(
            pretty_midi.Note(80, int(pitch), float(start_s), max(float(start_s) + 0.02, end_s - 0.01))
        )
    pm.instruments.append(inst)
    return pm


def render_corpus_piece(
    piece: CorpusPiece, *, program: int | None = None, part: int | None = None, sample_rate_hz: int = 22_050
) -> AudioBuffer:
    """``piece`` (or one ``part`` of it) rendered through the GM SoundFont with ``program``
    (default: the piece's), lasting at most ``max_duration_s`` plus a 1-s tail."""
    notes = corpus_notes(piece, part=part)
    pm = notes_midi(notes, program=piece.program if program is None else program, tempo_bpm=piece.tempo_bpm)
    return render_midi(pm, sample_rate_hz=sample_rate_hz)


def package_midi_files(*, min_notes: int = 8, max_duration_s: float = 60.0) -> list[Path]:
    """MIDI files that ship inside installed Python packages (music21's test files, and any other
    ``*.mid`` under a package of this interpreter's site-packages) with at least ``min_notes``
    pitched notes and at most ``max_duration_s`` seconds; sorted by path."""
    import site

    import pretty_midi

    roots = [Path(p) for p in [*site.getsitepackages(), site.getusersitepackages()] if Path(p).is_dir()]
    found: list[Path] = []
    for root in roots:
        for path in sorted([*root.glob("*/**/*.mid"), *root.glob("*/**/*.midi")]):
            try:
                with warnings.catch_warnings():  # test fixtures with odd tempo tracks warn
                    warnings.simplefilter("ignore")
                    pm = pretty_midi.PrettyMIDI(str(path))
            except Exception:  # not a standard MIDI file (some test fixtures are deliberately broken)
                continue
            pitched = sum(len(i.notes) for i in pm.instruments if not i.is_drum)
            if pitched >= min_notes and 0 < pm.get_end_time() <= max_duration_s:
                found.append(path)
    return sorted(set(found))


# --------------------------------------------------------------------------------------------
# Our own songs, sung, with their true stems and word timeline


@dataclass(frozen=True)
class SungMix:
    """A short song by the engine with a sung lead vocal.

    ``mix`` is the plain sum of ``stems`` (unmastered, all scaled together to peak 0.9), so
    ``stems["vocals"]`` is the exact vocal inside ``mix``; ``master`` is the mastered mix the engine
    would deliver (what an upload of the song contains). ``lyrics`` holds exactly the sung words,
    one lyric line per line; ``words`` their ``(word, start_s, end_s)`` from the Score."""

    name: str
    mix: AudioBuffer
    master: AudioBuffer
    stems: dict[str, AudioBuffer]
    lyrics: str
    words: list[tuple[str, float, float]]


SUNG_CASES: tuple[tuple[str, int, str], ...] = (
    ("pop", 1, "Walking down the empty road tonight\nStars are shining oh so bright"),
    ("rock", 3, "Paper boats along the river\nCarry every word I never said"),
    ("piano ballad", 5, "Lanterns in the harbor glowing\nQuiet voices call me home"),
    ("funk", 2, "Dancing on the silver ceiling\nEverybody feel the beat tonight"),
    ("country", 4, "Dusty boots beside the doorway\nSunday morning coffee on the stove"),
    ("synthwave", 6, "Neon rivers in the midnight\nChasing echoes down the avenue"),
)
"""(tags, seed, lyrics) of the sung evaluation songs: original lines, two per song."""


def sung_mix(
    tags: str, seed: int, lyrics: str, *, duration_s: float = 15.0, sample_rate_hz: int = 44_100
) -> SungMix:
    """Compose, sing and render ``lyrics`` (one verse) as a ``duration_s`` song in the style of
    ``tags``; only the words the singer reaches within the duration are kept in ``lyrics`` and
    ``words``. Deterministic in its arguments (a few seconds per 15-s song)."""
    return _sing(
        tags,
        seed,
        "[Verse]\n" + lyrics,
        duration_s=duration_s,
        sample_rate_hz=sample_rate_hz,
        keep_tags=False,
    )


def _sing(
    tags: str, seed: int, lyrics: str, *, duration_s: float, sample_rate_hz: int, keep_tags: bool
) -> SungMix:
    """The song of :func:`sung_mix` / :func:`sung_song`; ``keep_tags`` writes section tags into the
    result's lyrics."""
    from tunesmith.music.compose import compose
    from tunesmith.music.lyrics.timeline import lyrics_timeline
    from tunesmith.music.produce import render_score
    from tunesmith.music.spec import make_spec
    from tunesmith.music.style.tags import resolve_style

    spec = make_spec(tags=tags, seed=seed, duration_s=duration_s, lyrics=lyrics)
    score = compose(spec, resolve_style(spec.tags, spec.negative_tags))
    rendered = render_score(score, quality=spec.quality, sample_rate_hz=sample_rate_hz)
    stems = {str(k): v for k, v in rendered.stems.items()}
    total = np.sum([s.samples for s in stems.values()], axis=0)
    scale = 0.9 / max(1e-9, float(np.max(np.abs(total))))
    scaled = {k: AudioBuffer.from_array(v.samples * scale, v.sample_rate_hz) for k, v in stems.items()}
    timeline = lyrics_timeline(score)
    lines: dict[int, list[str]] = {}
    for item in timeline:
        lines.setdefault(int(str(item["line_index"])), []).append(str(item["word"]))
    if keep_tags:
        first_beat: dict[int, float] = {}
        for v in score.vocals:
            if not v.backing:
                first_beat[v.line_index] = min(first_beat.get(v.line_index, v.start_beat), v.start_beat)
        text: list[str] = []
        current: object = None
        for index, words_of in sorted(lines.items()):
            section = score.section_at_beat(first_beat[index])
            if section is None or section != current:
                kind = str(section.kind).capitalize() if section is not None else "Verse"
                text.append(f"[{kind}]")
                current = section
            text.append(" ".join(words_of))
        sung = "\n".join(text)
    else:
        sung = "\n".join(" ".join(words) for _, words in sorted(lines.items()))
    words = [(str(i["word"]), float(str(i["start_s"])), float(str(i["end_s"]))) for i in timeline]
    return SungMix(
        name=f"{tags} #{seed}",
        mix=AudioBuffer.from_array(total * scale, sample_rate_hz),
        master=rendered.master,
        stems=scaled,
        lyrics=sung,
        words=words,
    )


@dataclass(frozen=True)
class SongCaseWithSections:
    """A longer sung evaluation song: ``tags``, ``seed``, ``duration_s`` and ``lyrics`` with
    section tags (``[Verse]``, ``[Chorus]`` …) as a user would write them."""

    tags: str
    seed: int
    duration_s: float
    lyrics: str


def _song(tags: str, seed: int, duration_s: float, *sections: tuple[str, str]) -> SongCaseWithSections:
    text = "\n".join(f"[{tag}]\n{lines}" for tag, lines in sections)
    return SongCaseWithSections(tags, seed, duration_s, text)


CHORUS_TUNING_CASES: tuple[SongCaseWithSections, ...] = (
    _song(
        "pop rock, male vocals",
        21,
        30.0,
        ("Verse", "The river bends beneath the iron bridge\nWe left our names along the window ledge"),
        ("Chorus", "Carry me home tonight\nUnder the silver light"),
    ),
    _song(
        "country, female vocals, fiddle",
        33,
        30.0,
        ("Verse", "Dust is rising on the morning road\nI carry every letter that you wrote"),
        ("Chorus", "Sing it slow and sing it true\nEvery mile leads back to you"),
    ),
    _song(
        "synthpop, female vocals",
        45,
        30.0,
        ("Verse", "Neon rivers running through the rain\nI keep dialing numbers in my brain"),
        ("Chorus", "Stay with me till the morning\nStay with me through the storm"),
    ),
    _song(
        "indie folk, male vocals, acoustic guitar",
        52,
        45.0,
        ("Verse", "Pine smoke drifting over frozen fields\nGrandfather counting what the harvest yields"),
        ("Chorus", "Hold the lantern high\nLet the winter pass us by"),
        ("Verse", "Snow is piling at the cabin door\nWe have weathered colder nights before"),
        ("Chorus", "Hold the lantern high\nLet the winter pass us by"),
    ),
    _song(
        "r&b, female vocals, smooth",
        58,
        40.0,
        ("Verse", "Velvet curtains in a quiet room\nYour perfume lingers like a summer bloom"),
        ("Chorus", "Call my name again\nLike you did back then"),
    ),
    _song(
        "punk rock, male vocals, fast",
        61,
        50.0,
        ("Verse", "Broken amps inside a basement hall\nWe wrote our slogans on the concrete wall"),
        ("Chorus", "We will not go quiet\nWe will start a riot"),
        ("Verse", "Sirens wailing at the edge of town\nNobody here is gonna shut us down"),
        ("Chorus", "We will not go quiet\nWe will start a riot"),
    ),
    _song(
        "folk, female vocals, banjo",
        64,
        45.0,
        ("Verse", "Willow branches bending in the creek\nMama singing softly while we sleep"),
        ("Chorus", "Row the boat to shore\nWe won't wander anymore"),
        ("Verse", "Fireflies are dancing in the corn\nEvery evening since the day I was born"),
        ("Chorus", "Row the boat to shore\nWe won't wander anymore"),
    ),
    _song(
        "hard rock, male vocals",
        67,
        35.0,
        ("Verse", "Thunder rolling down the canyon wall\nI can hear the distant engines call"),
        ("Chorus", "Ride the storm tonight\nHold the wheel and hold on tight"),
    ),
    _song(
        "jazz pop, female vocals, piano",
        73,
        40.0,
        ("Verse", "Coffee cooling by the window seat\nSomeone whistling down the empty street"),
        ("Chorus", "Maybe it's the rain\nMaybe it's the train"),
    ),
    _song(
        "indie rock, male vocals",
        79,
        45.0,
        ("Verse", "Posters peeling off the bedroom door\nRecords scattered all across the floor"),
        ("Chorus", "We were young and loud\nSinging to the crowd"),
        ("Verse", "Now the city lights are fading slow\nStill I hum the songs we used to know"),
        ("Chorus", "We were young and loud\nSinging to the crowd"),
    ),
)
"""Sung songs with a verse and a chorus (some with a second verse and chorus) on which the lyric
aligner's line fitting was TUNED: its thresholds and choices were picked while looking at these.
:data:`CHORUS_REPORTED_CASES` (other seeds, styles and lyrics) is what the harness reports."""

CHORUS_REPORTED_CASES: tuple[SongCaseWithSections, ...] = (
    _song(
        "soul, female vocals",
        71,
        30.0,
        ("Verse", "Sunlight spilling on the kitchen floor\nSomebody humming by the open door"),
        ("Chorus", "Bring that feeling back\nKeep my heart on track"),
    ),
    _song(
        "alternative rock, male vocals",
        83,
        30.0,
        ("Verse", "Static humming on the midnight train\nEvery window streaked with copper rain"),
        ("Chorus", "Run until the sky turns gold\nNever let the fire go cold"),
    ),
    _song(
        "dance pop, female vocals",
        94,
        45.0,
        ("Verse", "Glitter falling from the ceiling lights\nWe were strangers only yesterday night"),
        ("Chorus", "Turn it up and let it go\nDancing faster than the radio"),
        ("Verse", "Every heartbeat is a drum machine\nPainting colors that we've never seen"),
        ("Chorus", "Turn it up and let it go\nDancing faster than the radio"),
    ),
    _song(
        "folk rock, male vocals, harmonica",
        105,
        45.0,
        ("Verse", "Wagon wheels across the prairie grass\nWatching every lonely season pass"),
        ("Chorus", "Take the long way round\nTill the morning finds the town"),
        ("Verse", "Mother waving from the garden gate\nSaying darling it is getting late"),
        ("Chorus", "Take the long way round\nTill the morning finds the town"),
    ),
    _song(
        "electropop, male vocals",
        116,
        55.0,
        ("Verse", "Pixels flicker on a paper screen\nI am living in a half remembered dream"),
        ("Chorus", "Light me up tonight\nMake the future bright"),
        ("Verse", "Satellites are singing in the dark\nEvery signal leaves another spark"),
        ("Chorus", "Light me up tonight\nMake the future bright"),
    ),
    _song(
        "blues rock, female vocals",
        127,
        40.0,
        ("Verse", "Whiskey glasses on a wooden bar\nI drove all night in my daddy's car"),
        ("Chorus", "Lord I need some rain\nWash away this pain"),
    ),
)
"""Sung songs with a verse and a chorus that ``bench/eval_analysis.py`` reports (30–55 s, both
voices, several styles; original lines). Nothing in the aligner was tuned on these; see
:data:`CHORUS_TUNING_CASES`."""


def sung_song(
    tags: str, seed: int, lyrics: str, *, duration_s: float = 30.0, sample_rate_hz: int = 44_100
) -> SungMix:
    """Like :func:`sung_mix`, for ``lyrics`` with section tags (``[Verse]``, ``[Chorus]`` …):
    the result's ``lyrics`` hold the sung lines under the tag of the section each is sung in
    (a tag written once per run of lines in the same section), as an upload's lyrics would."""
    return _sing(tags, seed, lyrics, duration_s=duration_s, sample_rate_hz=sample_rate_hz, keep_tags=True)


def chorus_song(case: SongCaseWithSections, *, sample_rate_hz: int = 44_100) -> SungMix:
    """:func:`sung_song` of one of :data:`CHORUS_TUNING_CASES` / :data:`CHORUS_REPORTED_CASES`."""
    return sung_song(
        case.tags, case.seed, case.lyrics, duration_s=case.duration_s, sample_rate_hz=sample_rate_hz
    )
