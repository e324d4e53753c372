"""Joining audio click-free, and measuring a join.

- :func:`join_audio` concatenates ``a[0, c1) + b[0, c2) + …``; at each join the outgoing piece
  fades out over the ``crossfade_s`` before its cut (raised cosine) and the incoming piece, which
  starts on a bar line from silence, gets a 1 ms guard fade-in: nothing is shifted in time, no
  sample steps, and neither the outgoing piece's next downbeat nor a softened incoming attack is
  heard.
- :func:`splice` replaces ``[start_s, end_s)`` of one buffer by the same span of another with
  crossfades just outside the window; everything further out is bit-identical to the base.
- :func:`seam_report` measures a join: the largest sample-to-sample step at the join relative to
  the largest steps the music makes around it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tunesmith.errors import InvalidParameter
from tunesmith.music.audio import AudioBuffer

__all__ = ["SeamReport", "join_audio", "seam_report", "splice"]

DEFAULT_CROSSFADE_S = 0.01
"""10 ms: long enough that no step survives, short enough to sound like a cut on the bar line."""
INCOMING_FADE_S = 0.001
"""The incoming piece's guard fade (1 ms): its first sample may not be exactly 0, but its
downbeat's attack must stay intact."""


def _fade(frames: int) -> np.ndarray[Any, np.dtype[np.float32]]:
    """Raised-cosine fade-in of ``frames`` samples, 0 → 1 (sums to one with its mirror)."""
    if frames <= 0:
        return np.ones(0, dtype=np.float32)
    t = (np.arange(frames, dtype=np.float64) + 0.5) / frames
    return np.asarray(np.sin(0.5 * np.pi * t) ** 2, dtype=np.float32)


def join_audio(
    pieces: list[tuple[AudioBuffer, float | None]], *, crossfade_s: float = DEFAULT_CROSSFADE_S
) -> AudioBuffer:
    """``p0[0, c0) + p1[0, c1) + … + last``, each ``(audio, cut_s)``; the last cut is ``None``.

    The output has ``Σ round(c_i × rate) + last.frames`` frames. At a join the outgoing piece
    fades out over the ``crossfade_s`` before its cut; the incoming piece fades in over its first
    millisecond. All pieces must share the sample rate; mono pieces are made stereo.
    """
    if not pieces:
        raise InvalidParameter("Nothing to join.", field="continue_clip_id")
    rate = pieces[0][0].sample_rate_hz
    if any(p.sample_rate_hz != rate for p, _ in pieces):
        raise InvalidParameter("Clips to join must share the sample rate.", field="continue_clip_id")
    fade_frames = max(0, round(crossfade_s * rate))
    guard_frames = max(0, round(min(crossfade_s, INCOMING_FADE_S) * rate))
    starts = [0]
    for audio, cut_s in pieces[:-1]:
        if cut_s is None:
            raise InvalidParameter("Every clip but the last needs a join point.", field="continue_at")
        cut = round(cut_s * rate)
        if not 0 < cut <= audio.frames:
            raise InvalidParameter(
                "continue_at should be within the source clip's duration.", field="continue_at"
            )
        starts.append(starts[-1] + cut)
    total = starts[-1] + pieces[-1][0].frames
    out = np.zeros((2, total), dtype=np.float32)
    fade_out = _fade(fade_frames)[::-1]
    fade_in = _fade(guard_frames)
    for index, ((audio, cut_s), start) in enumerate(zip(pieces, starts, strict=True)):
        x = audio.to_stereo().samples
        last = index == len(pieces) - 1
        stop = x.shape[1] if last or cut_s is None else round(cut_s * rate)
        seg = np.array(x[:, :stop], dtype=np.float32, copy=True)
        if index > 0:
            n = min(guard_frames, seg.shape[1])
            seg[:, :n] *= fade_in[:n]
        if not last:
            n = min(fade_frames, seg.shape[1])
            seg[:, seg.shape[1] - n :] *= fade_out[fade_frames - n :]
        out[:, start : start + seg.shape[1]] = seg
    return AudioBuffer(out, rate)


def splice(
    base: AudioBuffer,
    insert: AudioBuffer,
    start_s: float,
    end_s: float,
    *,
    crossfade_s: float = DEFAULT_CROSSFADE_S,
) -> AudioBuffer:
    """``base`` with ``[start_s, end_s)`` taken from ``insert`` (same timeline, same rate).

    Crossfades lie just outside the window: ``[start − crossfade, start)`` and
    ``[end, end + crossfade)``. Frames before ``start − crossfade`` and from ``end + crossfade``
    on are bit-identical to ``base``. The output has ``base.frames`` frames.
    """
    if base.sample_rate_hz != insert.sample_rate_hz:
        raise InvalidParameter("Audio to splice must share the sample rate.", field="audio")
    rate = base.sample_rate_hz
    a = base.to_stereo().samples
    b = insert.to_stereo().with_frames(base.frames).samples
    frames = a.shape[1]
    s, e = round(start_s * rate), round(end_s * rate)
    if not 0 <= s < e <= frames:
        raise InvalidParameter("The window is outside the clip.", field="infill_start_s")
    n = max(0, round(crossfade_s * rate))
    out = np.array(a, dtype=np.float32, copy=True)
    out[:, s:e] = b[:, s:e]
    fade = _fade(n)
    lo = max(0, s - n)
    k = s - lo
    if k:
        w = fade[n - k :]
        out[:, lo:s] = a[:, lo:s] * (1 - w) + b[:, lo:s] * w
    hi = min(frames, e + n)
    k = hi - e
    if k:
        w = fade[::-1][:k]
        out[:, e:hi] = b[:, e:hi] * w + a[:, e:hi] * (1 - w)
    return AudioBuffer(out, rate)


@dataclass(frozen=True)
class SeamReport:
    """How a join at ``at_s`` looks on the samples (all channels, full scale = 1.0).

    - ``step``: the largest sample-to-sample step within ±0.5 ms of the join.
    - ``typical_step``: the 99th percentile of the steps in the ±100 ms around it (outside ±2 ms),
      i.e. the largest steps the music itself makes there (drum attacks, bright content).
    - ``step_ratio``: ``step / typical_step``. A click is a step the music does not make: a hard
      cut of a sustained sound gives a ratio well above 1; a clean join stays at or below 1.
    """

    at_s: float
    step: float
    typical_step: float

    @property
    def step_ratio(self) -> float:
        return self.step / max(self.typical_step, 1e-9)


def seam_report(audio: AudioBuffer, at_s: float) -> SeamReport:
    """Measure the join at ``at_s`` seconds (see :class:`SeamReport`)."""
    rate = audio.sample_rate_hz
    x = audio.samples.astype(np.float64)
    at = round(at_s * rate)
    if not 0 < at < x.shape[1]:
        raise InvalidParameter("The seam is outside the audio.", field="at_s")
    step = np.abs(np.diff(x, axis=1)).max(axis=0)  # step[i] = |x[i+1] − x[i]|
    half, guard, span = max(1, rate // 2000), max(1, rate // 500), rate // 10
    near = step[max(0, at - 1 - half) : at + half]
    around = np.concatenate([step[max(0, at - span) : max(0, at - guard)], step[at + guard : at + span]])
    typical = float(np.percentile(around, 99)) if around.size else 0.0
    return SeamReport(at_s=at / rate, step=float(near.max()), typical_step=typical)
