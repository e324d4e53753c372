"""render_vocals: the Score's vocal line → ``vocals`` and ``backing_vocals`` stems."""

from __future__ import annotations

import librosa
import numpy as np

from tunesmith.music.audio import AudioBuffer
from tunesmith.music.render.voice.chain import vocal_chain
from tunesmith.music.render.voice.singer import render_phrases, split_phrases
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
    for name, backing in (("vocals", False), ("backing_vocals", True)):
        phrases = split_phrases(score.vocals, backing=backing)
        if not phrases:
            continue
        rng = np.random.default_rng([score.seed, 7, int(backing)])
        mono, fs = render_phrases(score, phrases, gender=gender, rng=rng)
        stereo = vocal_chain(mono, fs, backing=backing)
        if fs != sample_rate_hz:
            stereo = np.ascontiguousarray(
                librosa.resample(stereo, orig_sr=fs, target_sr=sample_rate_hz, res_type="soxr_hq", axis=-1)
            )
        buffer = AudioBuffer.from_array(stereo, sample_rate_hz).with_frames(frames)
        out[name] = buffer
    return out
