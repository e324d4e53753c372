"""Sample: a new song built around a chopped window of a source (API.md §4.8).

1. **Chop** (:func:`chop_window`): the window ``[start_s, end_s)`` is cut on the source's beats —
   the start moves to the nearest beat, the length is the largest whole number of the source's
   bars that fits (at least one bar; whole beats if not even a bar fits). The beats are the
   Score's for our own songs and the measured ones (``estimate_tempo``) for estimated Scores
   (uploads), whose Score grid starts at t = 0 rather than on a beat.
2. **New song** (:func:`sample_song`): composed from ``spec`` in its tags' style (default: the
   source's tags), in the source's meter, at a tempo near the chop's (the style's range, or an
   explicit tempo in the tags, wins) and in the source's key unless the tags name one.
3. **Harmony and groove**: the chop's chords (transposed to the new key) are looped under the whole
   song; every part is re-arranged over them and the vocal line re-fitted to them.
4. **Beat-match and pitch-match** (:func:`conform_chop`): the chop is time-stretched
   (``pedalboard.time_stretch``) so that each of its beats lasts 1 (or ½ or 2, whichever needs the
   smaller stretch) of the new song's beats, and pitch-shifted by the smallest transposition
   (−6…+5 semitones) from the source's tonic to the new song's.
5. **Audio**: with ``audio_weight`` ≥ :data:`AUDIO_IN_MIX_WEIGHT` (0.7) the conformed chop is looped
   from beat 0 to the last bar line (5 ms crossfades at the loop points) as the ``fx`` stem, at a
   level from −6 dB (0.7) to 0 dB (1.0) relative to the rendered mix's RMS, with only the drums,
   percussion and bass of the new arrangement beside it (the chop carries the harmony) plus the
   voice. Below 0.7 the excerpt is only re-voiced: the full arrangement plays the chop's chords,
   and the chop's melody (the source's lead notes and lead vocal in the window) becomes a ``hook``
   lead track in the sections the voice does not sing.
6. **The hook sings**: whatever the weight, the chorus's lead vocal notes take the chop melody's
   pitches at the same point of the loop (:func:`chorus_on_hook`): a hummed or played excerpt
   becomes the chorus melody.

Deterministic in ``spec.seed``. Times ``*_s`` are seconds, ``*_beat`` quarter-note beats.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from tunesmith.errors import InvalidParameter
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.compose import compose
from tunesmith.music.compose.melody import VOICE_RANGES, fit_vocal_line
from tunesmith.music.edit.common import EPS, check_seed, transpose_chords
from tunesmith.music.edit.window import new_accompaniment
from tunesmith.music.lyrics.sections import parse_lyrics
from tunesmith.music.produce import render_score
from tunesmith.music.progress import Progress, no_progress
from tunesmith.music.render.master import master as master_audio
from tunesmith.music.score import Chord, Note, Score, StemGroup, Track, VocalNote
from tunesmith.music.spec import SongSpec
from tunesmith.music.style.model import Style
from tunesmith.music.style.tags import resolve_style
from tunesmith.music.theory.keys import parse_key

__all__ = [
    "AUDIO_IN_MIX_WEIGHT",
    "DEFAULT_AUDIO_WEIGHT",
    "MAX_CHOP_S",
    "MIN_CHOP_S",
    "SAMPLE_STEM",
    "Chop",
    "SampledSong",
    "chop_window",
    "chorus_on_hook",
    "conform_chop",
    "key_shift",
    "loop_audio",
    "sample_song",
]

MIN_CHOP_S = 6.0
MAX_CHOP_S = 60.0
AUDIO_IN_MIX_WEIGHT = 0.7
"""``audio_weight`` from which the chop's own audio is in the mix (API.md §4.8)."""
DEFAULT_AUDIO_WEIGHT = 0.85
"""``audio_weight`` when the request gives none: the chop is heard (−3 dB re the mix's RMS)."""
SAMPLE_STEM: StemGroup = "fx"
"""The stem group that carries the looped chop."""
LOOP_FADE_S = 0.005
_KEEP_ROLES_WITH_AUDIO = ("drums", "percussion", "bass")

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Chop:
    """The cut window: ``audio`` is ``source[start_s, end_s)``; it spans ``beats`` source beats
    (``tempo_bpm`` = its local tempo). ``chords`` are the source's chords inside it, in chop beats
    from 0 (untransposed); ``melody`` its lead notes (vocal and lead instruments), same units."""

    audio: AudioBuffer
    start_s: float
    end_s: float
    beats: int
    beats_per_bar: float
    tempo_bpm: float
    chords: list[Chord]
    melody: list[Note]


@dataclass(frozen=True)
class SampledSong:
    """The new song: Score; unmastered stems (the loop in :data:`SAMPLE_STEM` when in the mix) and
    mix; mastered mix. ``loop`` is the conformed chop as placed in the song (unscaled, silent when
    not in the mix), ``conformed`` one conformed copy of the chop; ``stretch`` the speed factor
    (> 1 faster), ``semitones`` the transposition, ``beats_per_chop_beat`` 0.5, 1 or 2;
    ``sample_gain_db`` the loop's gain in the mix (None when not in the mix)."""

    score: Score
    stems: dict[StemGroup, AudioBuffer]
    mix: AudioBuffer
    master: AudioBuffer
    chop: Chop
    conformed: AudioBuffer
    loop: AudioBuffer
    stretch: float
    semitones: int
    beats_per_chop_beat: float
    sample_gain_db: float | None


def key_shift(from_pc: int, to_pc: int) -> int:
    """The transposition (−6…+5 semitones) taking tonic ``from_pc`` to ``to_pc``."""
    shift = (to_pc - from_pc) % 12
    return shift - 12 if shift > 5 else shift


def _source_beats_s(source: Score, audio: AudioBuffer) -> FloatArray:
    """Beat times (s) of the source: measured for an estimated Score, else the Score's grid."""
    if source.estimated:
        from tunesmith.music.analyze.tempo import estimate_tempo

        measured = np.asarray(estimate_tempo(audio).beats_s, dtype=np.float64)
        if measured.size >= 2:
            return measured
    total = math.floor(source.beat_at(audio.duration_s) + EPS)
    return np.array([source.seconds_at(float(b)) for b in range(total + 1)], dtype=np.float64)


def _beat_times(beats_s: FloatArray, first: int, count: int) -> FloatArray:
    """Times of beats ``first … first + count`` (extrapolated past the list at the last spacing)."""
    out = np.empty(count + 1)
    spacing = float(np.median(np.diff(beats_s))) if beats_s.size >= 2 else 0.5
    last = beats_s.size - 1
    for i in range(count + 1):
        j = first + i
        out[i] = beats_s[j] if j <= last else beats_s[last] + (j - last) * spacing
    return out


def chop_window(source: Score, audio: AudioBuffer, *, start_s: float, end_s: float) -> Chop:
    """Cut ``[start_s, end_s)`` of ``audio`` (the source's mix) on the source's beats (see the module
    docstring). Raises InvalidParameter naming ``chop_sample_start_s``/``chop_sample_end_s``
    for a window outside the audio or shorter than one beat."""
    for name, value in (("chop_sample_start_s", start_s), ("chop_sample_end_s", end_s)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidParameter(f"The '{name}' field should be a number.", field=name)
    if not 0 <= start_s < end_s <= audio.duration_s + 1e-6:
        raise InvalidParameter("The chop window is outside the source.", field="chop_sample_end_s")
    beats_s = _source_beats_s(source, audio)
    first = int(np.argmin(np.abs(beats_s - start_s)))
    if beats_s[first] < 0:
        first += 1
    spacing = float(np.median(np.diff(beats_s))) if beats_s.size >= 2 else 0.5
    max_beats = math.floor((end_s - beats_s[min(first, beats_s.size - 1)]) / spacing + 0.25) + 1
    bpb = source.beats_per_bar
    per_bar = max(1, round(bpb))
    chosen = 0
    for count in range(max(1, max_beats), 0, -1):
        times = _beat_times(beats_s, first, count)
        if times[-1] <= min(end_s + 0.25 * spacing, audio.duration_s) and count % per_bar == 0:
            chosen = count
            break
    if chosen == 0:  # not even one bar: whole beats
        for count in range(max(1, max_beats), 0, -1):
            if _beat_times(beats_s, first, count)[-1] <= audio.duration_s:
                chosen = count
                break
    if chosen == 0:
        raise InvalidParameter("The chop window holds no whole beat.", field="chop_sample_end_s")
    times = _beat_times(beats_s, first, chosen)
    t0, t1 = float(times[0]), min(float(times[-1]), audio.duration_s)
    rate = audio.sample_rate_hz
    cut = AudioBuffer(
        np.ascontiguousarray(audio.to_stereo().samples[:, round(t0 * rate) : round(t1 * rate)]), rate
    )
    tempo = chosen * 60.0 / (t1 - t0)
    b0, b1 = source.beat_at(t0), source.beat_at(t1)
    scale = chosen / max(b1 - b0, 1e-6)
    chords = []
    for c in source.chords:
        s, e = max(c.start_beat, b0), min(c.end_beat, b1)
        if e - s > 0.05:
            chords.append(
                replace(c, start_beat=round((s - b0) * scale, 6), length_beats=round((e - s) * scale, 6))
            )
    melody: list[Note] = []
    for v in source.vocals:
        if not v.backing and b0 - EPS <= v.start_beat < b1 - 0.05:
            length = min(v.length_beats, b1 - v.start_beat) * scale
            melody.append(Note(v.pitch, round((v.start_beat - b0) * scale, 6), round(length, 6), 96))
    if not melody:
        for track in source.tracks:
            if track.role == "lead":
                for n in track.notes:
                    if b0 - EPS <= n.start_beat < b1 - 0.05:
                        length = min(n.length_beats, b1 - n.start_beat) * scale
                        melody.append(
                            replace(
                                n,
                                start_beat=round((n.start_beat - b0) * scale, 6),
                                length_beats=round(length, 6),
                            )
                        )
    melody.sort(key=lambda n: (n.start_beat, n.pitch))
    return Chop(
        audio=cut,
        start_s=t0,
        end_s=t1,
        beats=chosen,
        beats_per_bar=bpb,
        tempo_bpm=tempo,
        chords=chords,
        melody=melody,
    )


def beats_per_chop_beat(chop: Chop, tempo_bpm: float) -> float:
    """1, 0.5 or 2: how many new-song beats one chop beat lasts, whichever needs the smallest
    stretch (0.5 only when the chop then still spans whole bars)."""
    options = [1.0, 2.0]
    if (chop.beats * 0.5) % max(1, round(chop.beats_per_bar)) == 0:
        options.append(0.5)
    return min(options, key=lambda m: abs(math.log(tempo_bpm / (chop.tempo_bpm * m))))


def conform_chop(chop: Chop, *, tempo_bpm: float, semitones: int, beats_per_beat: float = 1.0) -> AudioBuffer:
    """The chop time-stretched to last ``chop.beats × beats_per_beat`` beats of ``tempo_bpm`` and
    moved by ``semitones``; exactly that many frames long."""
    if not 20.0 <= tempo_bpm <= 400.0:
        raise InvalidParameter("tempo_bpm should be between 20 and 400.", field="tempo_bpm")
    rate = chop.audio.sample_rate_hz
    target_s = chop.beats * beats_per_beat * 60.0 / tempo_bpm
    frames = round(target_s * rate)
    stretch = chop.audio.duration_s / target_s
    audio = chop.audio
    if abs(stretch - 1.0) > 1e-4 or semitones != 0:
        import pedalboard

        out = pedalboard.time_stretch(
            np.ascontiguousarray(audio.samples, dtype=np.float32),
            float(rate),
            stretch_factor=float(stretch),
            pitch_shift_in_semitones=float(semitones),
        )
        audio = AudioBuffer.from_array(np.asarray(out, dtype=np.float32), rate)
    return audio.to_stereo().with_frames(frames)


def loop_audio(piece: AudioBuffer, *, period_s: float, until_s: float, total_frames: int) -> AudioBuffer:
    """``piece`` repeated every ``period_s`` from 0 until ``until_s`` (the last copy cut there), in a
    buffer of ``total_frames``; each copy fades in over 1 ms and out over 5 ms so no loop point
    clicks. Copies start at ``round(k × period_s × rate)``, so the grid never drifts."""
    rate = piece.sample_rate_hz
    out = np.zeros((2, total_frames), dtype=np.float32)
    x = piece.to_stereo().samples
    fade_out = np.linspace(1.0, 0.0, max(1, round(LOOP_FADE_S * rate)), dtype=np.float32)
    fade_in = np.linspace(0.0, 1.0, max(1, round(0.001 * rate)), dtype=np.float32)
    end = min(total_frames, round(until_s * rate))
    k = 0
    while True:
        start = round(k * period_s * rate)
        if start >= end:
            break
        seg = np.array(x[:, : min(x.shape[1], end - start)], dtype=np.float32, copy=True)
        n_in = min(fade_in.size, seg.shape[1])
        seg[:, :n_in] *= fade_in[:n_in]
        n_out = min(fade_out.size, seg.shape[1])
        seg[:, seg.shape[1] - n_out :] *= fade_out[fade_out.size - n_out :]
        out[:, start : start + seg.shape[1]] += seg
        k += 1
    return AudioBuffer(out, rate)


def _target_tempo(style: Style, chop_tempo: float) -> float:
    """The new song's tempo: the tags' explicit tempo, else the tempo in the style's range nearest
    the chop's tempo, its half or its double (so the chop needs the least stretch)."""
    if style.tempo_bpm:
        return float(style.tempo_bpm)
    low, high = style.tempo_range_bpm
    best = (math.inf, float(round((low + high) / 2)))
    for m in (1.0, 0.5, 2.0):
        want = chop_tempo * m
        got = min(max(want, float(low)), float(high))
        cost = abs(math.log(got / want))
        if cost < best[0] - 1e-9:
            best = (cost, got)
    return round(best[1], 2)


def _tile_chords(chords: list[Chord], period_beats: float, scale: float, total_beats: float) -> list[Chord]:
    out: list[Chord] = []
    k = 0
    while k * period_beats < total_beats - EPS:
        for c in chords:
            start = k * period_beats + c.start_beat * scale
            if start >= total_beats - EPS:
                break
            length = min(c.length_beats * scale, total_beats - start)
            if length > 0.05:
                out.append(replace(c, start_beat=round(start, 6), length_beats=round(length, 6)))
        k += 1
    return out


def _hook_track(score: Score, chop: Chop, style: Style, semitones: int, scale: float) -> Track | None:
    """The chop's melody as a lead instrument looped through the sections the voice does not sing."""
    if not chop.melody:
        return None
    period = chop.beats * scale
    sung_bars = {int(v.start_beat // score.beats_per_bar) for v in score.vocals if not v.backing}
    part = next((p for p in style.instruments if p.role == "lead"), None)
    notes: list[Note] = []
    total = score.total_beats
    k = 0
    while k * period < total - EPS:
        for n in chop.melody:
            start = k * period + n.start_beat * scale
            if start >= total - 0.1:
                break
            if int(start // score.beats_per_bar) in sung_bars:
                continue
            pitch = n.pitch + semitones
            while pitch > 84:
                pitch -= 12
            while pitch < 55:
                pitch += 12
            length = min(n.length_beats * scale, total - start)
            notes.append(Note(pitch, round(start, 6), round(max(0.05, length), 6), 90))
        k += 1
    if not notes:
        return None
    return Track(
        name="hook",
        role="lead",
        group=part.group if part else "keyboard",
        program=part.program if part else 0,
        notes=notes,
        gain_db=part.gain_db if part else 0.0,
        pan=part.pan if part else 0.0,
    )


def _hook_pitch_at(chop: Chop, beat_in_loop: float, scale: float) -> int | None:
    """The chop melody's pitch at ``beat_in_loop`` (new-song beats from a loop start): the note
    sounding there, else the last one begun (from the previous loop before the first)."""
    sounding = [
        n for n in chop.melody if n.start_beat * scale - EPS <= beat_in_loop < n.end_beat * scale - EPS
    ]
    if sounding:
        return max(sounding, key=lambda n: n.start_beat).pitch
    before = [n for n in chop.melody if n.start_beat * scale <= beat_in_loop + EPS]
    if before:
        return before[-1].pitch
    return chop.melody[-1].pitch if chop.melody else None  # held over from the previous loop


def chorus_on_hook(score: Score, chop: Chop, *, semitones: int, scale: float) -> list[VocalNote]:
    """The lead vocal with its chorus (or drop) notes re-pitched to the chop's melody: each note takes
    the pitch the (transposed) chop melody has at the same point of the loop, moved by whole octaves
    into the singer's range — the excerpt's hook (a hum, a riff) becomes the chorus melody. Notes
    elsewhere, backing notes and all timings and syllables are unchanged."""
    low, high = VOICE_RANGES.get(score.vocal_gender or "f", VOICE_RANGES["f"])
    period = chop.beats * scale
    hook_sections = [s for s in score.sections if s.kind in ("chorus", "drop", "post_chorus")]
    spans = [(score.bar_start_beat(s.start_bar), score.bar_start_beat(s.end_bar)) for s in hook_sections]
    out: list[VocalNote] = []
    for v in score.vocals:
        if v.backing or not any(a - EPS <= v.start_beat < b for a, b in spans):
            out.append(v)
            continue
        pitch = _hook_pitch_at(chop, v.start_beat % period, scale)
        if pitch is None:
            out.append(v)
            continue
        pitch += semitones
        while pitch > high:
            pitch -= 12
        while pitch < low:
            pitch += 12
        out.append(replace(v, pitch=pitch if pitch <= high else pitch - 12))
    return out


def _rms(x: npt.NDArray[Any]) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def sample_song(
    source: Score,
    source_audio: AudioBuffer,
    spec: SongSpec,
    *,
    start_s: float,
    end_s: float,
    audio_weight: float | None = None,
    progress: Progress = no_progress,
) -> SampledSong:
    """A new song from ``spec`` built around ``source_audio[start_s, end_s)`` (see the module
    docstring). ``spec.tags`` empty → the source's tags; ``spec.key``/``spec.tempo_bpm`` are set
    here (source key unless the tags name one; a tempo near the chop's). The result's
    ``score.tempo_bpm`` is the tempo the chop was stretched to. Raises InvalidParameter naming the
    field for a bad window or ``audio_weight``."""
    check_seed(spec.seed)
    weight = DEFAULT_AUDIO_WEIGHT if audio_weight is None else audio_weight
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0.0 <= weight <= 1.0:
        raise InvalidParameter("The 'audio_weight' field should be between 0 and 1.", field="audio_weight")
    if source_audio.sample_rate_hz != 44_100:
        source_audio = source_audio.resampled(44_100)
    progress("analyze", 0, 1)
    chop = chop_window(source, source_audio, start_s=start_s, end_s=end_s)
    tags = spec.tags.strip() or source.tags.strip() or source.genre
    style = resolve_style(tags, spec.negative_tags)
    style = replace(style, meter=source.meter)
    key = parse_key(style.key_name) if style.key_name else source.key
    tempo = _target_tempo(style, chop.tempo_bpm)
    song_spec = replace(spec, tags=tags, key=key, tempo_bpm=tempo)
    score = compose(song_spec, style)
    tempo = score.tempo_bpm
    semitones = key_shift(source.key.tonic_pc, score.key.tonic_pc)
    m = beats_per_chop_beat(chop, tempo)
    period_beats = chop.beats * m
    rng = np.random.default_rng([spec.seed, 0x5A])

    # ---- harmony: the chop's chords under the whole song ---------------------------------------
    total_bars = score.total_bars
    if chop.chords:
        moved = transpose_chords(chop.chords, semitones, score.key)
        score = copy.copy(score)
        score.chords = _tile_chords(moved, period_beats, m, score.bar_start_beat(total_bars))
        score = new_accompaniment(score, 0, total_bars, style, rng)
        if score.vocals:
            score.vocals = fit_vocal_line(score, parse_lyrics(score.lyrics), rng=rng)
    if score.vocals and chop.melody:
        score.vocals = chorus_on_hook(score, chop, semitones=semitones, scale=m)
    with_audio = weight >= AUDIO_IN_MIX_WEIGHT - 1e-9
    if with_audio:
        score.tracks = [t for t in score.tracks if t.role in _KEEP_ROLES_WITH_AUDIO]
    else:
        hook = _hook_track(score, chop, style, semitones, m)
        if hook is not None:
            score.tracks = [*score.tracks, hook]
    progress("analyze", 1, 1)

    # ---- audio ------------------------------------------------------------------------------
    rendered = render_score(score, quality=spec.quality, progress=progress)
    rate = rendered.mix.sample_rate_hz
    frames = rendered.mix.frames
    conformed = conform_chop(chop, tempo_bpm=tempo, semitones=semitones, beats_per_beat=m)
    stems = dict(rendered.stems)
    gain_db: float | None = None
    if with_audio:
        last_bar_s = score.seconds_at(score.bar_start_beat(total_bars))
        loop = loop_audio(
            conformed, period_s=period_beats * 60.0 / tempo, until_s=last_bar_s, total_frames=frames
        )
        gain_db = -6.0 + 6.0 * (weight - AUDIO_IN_MIX_WEIGHT) / (1.0 - AUDIO_IN_MIX_WEIGHT)
        bed = _rms(rendered.mix.samples)
        level = _rms(loop.samples)
        gain = (bed / level if bed > 0 and level > 0 else 1.0) * 10 ** (gain_db / 20.0)
        scaled = AudioBuffer(np.asarray(loop.samples * gain, dtype=np.float32), rate)
        old = stems.get(SAMPLE_STEM)
        stems[SAMPLE_STEM] = (
            scaled if old is None else AudioBuffer(old.to_stereo().samples + scaled.samples, rate)
        )
        mix = AudioBuffer(np.asarray(rendered.mix.samples + scaled.samples, dtype=np.float32), rate)
    else:
        loop = AudioBuffer(np.zeros((2, frames), dtype=np.float32), rate)
        mix = rendered.mix
    progress("master", 0, 1)
    mastered = master_audio(mix, score.mix, quality=spec.quality) if with_audio else rendered.master
    progress("master", 1, 1)
    score.estimated = False
    return SampledSong(
        score=score,
        stems=stems,
        mix=mix,
        master=mastered,
        chop=chop,
        conformed=conformed,
        loop=loop,
        stretch=chop.audio.duration_s / max(conformed.duration_s, 1e-9),
        semitones=semitones,
        beats_per_chop_beat=m,
        sample_gain_db=gain_db,
    )
