"""Overdubs on audio that has no stems (an upload): the source's own audio is kept, only the new
part is rendered from the edited (estimated) Score and laid into it.

- :func:`vocals_over_audio` (add_vocals): the source audio is the accompaniment, unchanged; the new
  vocal line of the window is sung (the Score's vocals only) and added over it, at
  ``vocal_level_db`` (default −1 dB) relative to the source's RMS in the window.
- :func:`remaster_audio` (remaster): the source audio through a new master chain with the
  remastered Score's mix settings (brightness, low end, compression; varied by
  ``variation_category``), to −14 LUFS and ≤ −1 dBTP. Nothing is re-arranged: an upload's notes
  are only estimated, so its own audio is the song.
- :func:`accompaniment_under_vocal` (add_instrumental): inside the window the source's separated
  vocal (``separate_vocals``) is kept and the new accompaniment (the Score's instruments) is
  rendered under it, at a level that keeps the window's RMS that of the source's; outside the
  window the source audio is unchanged.

In both, frames before ``start − crossfade_s`` and from ``end + crossfade_s`` on are bit-identical
to the source audio (the crossfades lie just outside the window, 20 ms by default); where the sum
would clip, the window (only: master and stems alike) is turned down to a 0.98 peak, so inside it
the source is kept up to that one gain. Times are seconds; the window is
``[start_s, end_s)`` of the song, normally whole bars of the Score.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tunesmith.errors import InvalidParameter
from tunesmith.music.audio import AudioBuffer
from tunesmith.music.edit.join import splice
from tunesmith.music.produce import render_score
from tunesmith.music.progress import Progress, no_progress
from tunesmith.music.score import Score, StemGroup

__all__ = [
    "SOURCE_AUDIO_STEM",
    "KeptAudio",
    "accompaniment_under_vocal",
    "remaster_audio",
    "vocals_over_audio",
]

SOURCE_AUDIO_STEM: StemGroup = "keyboard"
"""The stem group that carries the kept source audio (mashup's convention for audio without a
Score)."""
DEFAULT_CROSSFADE_S = 0.02
PEAK_CEILING = 0.98


@dataclass(frozen=True)
class KeptAudio:
    """The edited song's master (``round(score.duration_s × rate)`` frames) and its stems."""

    master: AudioBuffer
    stems: dict[StemGroup, AudioBuffer]


def _rms(x: npt.NDArray[Any]) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0


def _window_frames(audio: AudioBuffer, start_s: float, end_s: float) -> tuple[int, int]:
    rate = audio.sample_rate_hz
    s, e = round(start_s * rate), min(audio.frames, round(end_s * rate))
    if not 0 <= s < e:
        raise InvalidParameter("The window is outside the clip.", field="overpainting_start_s")
    return s, e


def _window_gain(full: AudioBuffer, start_s: float, end_s: float) -> float:
    """The gain (≤ 1) that brings the window's peak to :data:`PEAK_CEILING` when it would clip."""
    s, e = _window_frames(full, start_s, end_s)
    peak = float(np.max(np.abs(full.samples[:, s:e]))) if e > s else 0.0
    return 1.0 if peak <= PEAK_CEILING else PEAK_CEILING / peak


def _turned_down(audio: AudioBuffer, gain: float, start_s: float, end_s: float, xfade: float) -> AudioBuffer:
    """``audio`` with its window scaled by ``gain`` (crossfades outside the window)."""
    if gain >= 1.0:
        return audio
    quieter = AudioBuffer(np.asarray(audio.samples * gain, dtype=np.float32), audio.sample_rate_hz)
    return splice(audio, quieter, start_s, end_s, crossfade_s=xfade)


def _prepare(score: Score, source: AudioBuffer) -> AudioBuffer:
    rate = 44_100
    audio = source.to_stereo()
    if audio.sample_rate_hz != rate:
        audio = audio.resampled(rate)
    return audio.with_frames(round(score.duration_s * rate))


def vocals_over_audio(
    score: Score,
    source: AudioBuffer,
    *,
    start_s: float,
    end_s: float,
    vocal_level_db: float = -1.0,
    crossfade_s: float = DEFAULT_CROSSFADE_S,
    quality: str = "standard",
    progress: Progress = no_progress,
) -> KeptAudio:
    """The source audio with the Score's vocal line of ``[start_s, end_s)`` sung over it (see the
    module docstring). Stems: the kept audio (:data:`SOURCE_AUDIO_STEM`) and the new voice."""
    base = _prepare(score, source)
    rate = base.sample_rate_hz
    s, e = _window_frames(base, start_s, end_s)
    sung = copy.copy(score)
    sung.tracks = []
    rendered = render_score(sung, quality=quality, progress=progress)
    voice = {g: a.to_stereo().with_frames(base.frames) for g, a in rendered.stems.items()}
    total_voice = np.zeros_like(base.samples)
    for audio in voice.values():
        total_voice += audio.samples
    level = _rms(total_voice[:, s:e])
    target = _rms(base.samples[:, s:e]) * 10 ** (vocal_level_db / 20.0)
    gain = target / level if level > 0 and target > 0 else 1.0
    mask = np.zeros(base.frames, dtype=np.float32)
    mask[s:e] = 1.0
    tail = min(base.frames - e, max(1, round(crossfade_s * rate)))
    mask[e : e + tail] = np.cos(0.5 * np.pi * (np.arange(tail) + 0.5) / tail) ** 2  # the reverb fades out
    stems: dict[StemGroup, AudioBuffer] = {SOURCE_AUDIO_STEM: base}
    added = np.zeros_like(base.samples)
    for group, audio in voice.items():
        scaled = np.asarray(audio.samples * gain * mask, dtype=np.float32)
        stems[group] = AudioBuffer(scaled, rate)
        added += scaled
    full = AudioBuffer(np.asarray(base.samples + added, dtype=np.float32), rate)
    down = _window_gain(full, start_s, end_s)
    master = _turned_down(full, down, start_s, end_s, crossfade_s)
    stems = {g: _turned_down(a, down, start_s, end_s, crossfade_s) for g, a in stems.items()}
    return KeptAudio(master=master, stems=stems)


def accompaniment_under_vocal(
    score: Score,
    source: AudioBuffer,
    *,
    start_s: float,
    end_s: float,
    vocal: AudioBuffer | None = None,
    crossfade_s: float = DEFAULT_CROSSFADE_S,
    quality: str = "standard",
    progress: Progress = no_progress,
) -> KeptAudio:
    """The source's vocal with the Score's instruments under it in ``[start_s, end_s)``, the source
    audio elsewhere (see the module docstring). ``vocal``: the source's vocal if already known,
    else separated here. Stems: the kept audio outside the window (:data:`SOURCE_AUDIO_STEM`),
    the vocal inside it (``vocals``) and the new instruments' groups."""
    base = _prepare(score, source)
    rate = base.sample_rate_hz
    s, e = _window_frames(base, start_s, end_s)
    if vocal is None:
        from tunesmith.music.analyze.separate import separate_vocals

        progress("separate", 0, 1)
        vocal = separate_vocals(base).vocals
        progress("separate", 1, 1)
    kept_vocal = _prepare(score, vocal)
    band = copy.copy(score)
    band.vocals = []
    band.lyrics = ""
    rendered = render_score(band, quality=quality, progress=progress)
    groups = {g: a.to_stereo().with_frames(base.frames) for g, a in rendered.stems.items()}
    accomp = np.zeros_like(base.samples)
    for audio in groups.values():
        accomp += audio.samples
    v_rms, a_rms = _rms(kept_vocal.samples[:, s:e]), _rms(accomp[:, s:e])
    total = _rms(base.samples[:, s:e])
    want = float(np.sqrt(max(total**2 - v_rms**2, (0.7 * v_rms) ** 2, 1e-12)))
    gain = want / a_rms if a_rms > 0 else 1.0
    inside = AudioBuffer(np.asarray(kept_vocal.samples + accomp * gain, dtype=np.float32), rate)
    full = splice(base, inside, start_s, end_s, crossfade_s=crossfade_s)
    down = _window_gain(full, start_s, end_s)
    master = _turned_down(full, down, start_s, end_s, crossfade_s)
    silence = AudioBuffer(np.zeros_like(base.samples), rate)
    stems: dict[StemGroup, AudioBuffer] = {
        SOURCE_AUDIO_STEM: splice(base, silence, start_s, end_s, crossfade_s=crossfade_s),
        "vocals": splice(silence, kept_vocal, start_s, end_s, crossfade_s=crossfade_s),
    }
    for group, audio in groups.items():
        part = splice(
            silence,
            AudioBuffer(np.asarray(audio.samples * gain, dtype=np.float32), rate),
            start_s,
            end_s,
            crossfade_s=crossfade_s,
        )
        if group in stems:
            part = AudioBuffer(stems[group].samples + part.samples, rate)
        stems[group] = part
    stems = {g: _turned_down(a, down, start_s, end_s, crossfade_s) for g, a in stems.items()}
    return KeptAudio(master=master, stems=stems)


def remaster_audio(score: Score, source: AudioBuffer, *, quality: str = "standard") -> KeptAudio:
    """The source audio mastered anew with ``score.mix`` (see the module docstring). Stems: the
    source audio (:data:`SOURCE_AUDIO_STEM`)."""
    from tunesmith.music.render.master import master as master_audio

    base = _prepare(score, source)
    return KeptAudio(master=master_audio(base, score.mix, quality=quality), stems={SOURCE_AUDIO_STEM: base})
