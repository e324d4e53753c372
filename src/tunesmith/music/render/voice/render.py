"""render_vocals: the Score's vocal line → ``vocals`` and ``backing_vocals`` stems."""

from __future__ import annotations

from tunesmith.music.audio import AudioBuffer
from tunesmith.music.render.voice.chain import vocal_chain
from tunesmith.music.render.voice.singer import render_parts
from tunesmith.music.score import Score

__all__ = ["render_vocals"]


def render_vocals(score: Score, *, sample_rate_hz: int = 44_100) -> dict[str, AudioBuffer]:
    """Sing the Score's vocal line.

    Returns ``{"vocals": …, "backing_vocals": …}`` with only the parts that have notes; each is a
    stereo :class:`AudioBuffer` of exactly ``round(score.duration_s * sample_rate_hz)`` frames at
    ``sample_rate_hz`` (44.1 kHz by default, the bundle's rate). The voice follows
    ``score.vocal_gender`` (female Festival HTS voice "slt" by default, male diphone voice "kal"
    for ``"m"``). Deterministic: vibrato phases and breaths draw from ``score.seed``. Raises
    :class:`~tunesmith.errors.JobFailed` when Festival is missing.
    """
    frames = round(score.duration_s * sample_rate_hz)
    gender = "m" if score.vocal_gender == "m" else "f"
    out: dict[str, AudioBuffer] = {}
    parts, fs = render_parts(score, gender=gender, seed=score.seed)
    for name, backing in (("vocals", False), ("backing_vocals", True)):
        if backing not in parts:
            continue
        mono = parts[backing]
        stereo = vocal_chain(mono, fs, backing=backing, out_rate_hz=sample_rate_hz)
        buffer = AudioBuffer.from_array(stereo, sample_rate_hz).with_frames(frames)
        out[name] = buffer
    return out
