"""render_vocals: the Score's vocal line → ``vocals`` and ``backing_vocals`` stems."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tunesmith.music.audio import AudioBuffer
from tunesmith.music.render.voice.chain import vocal_chain
from tunesmith.music.render.voice.singer import render_parts
from tunesmith.music.score import Score

__all__ = ["render_vocals"]

_STEMS = (("vocals", False), ("backing_vocals", True))


def render_vocals(score: Score, *, sample_rate_hz: int = 44_100) -> dict[str, AudioBuffer]:
    """Sing the Score's vocal line.

    Returns ``{"vocals": …, "backing_vocals": …}`` with only the parts that have notes; each is a
    stereo :class:`AudioBuffer` of exactly ``round(score.duration_s * sample_rate_hz)`` frames at
    ``sample_rate_hz`` (44.1 kHz by default, the bundle's rate). The voice follows
    ``score.vocal_gender`` (female Festival HTS voice "slt" by default, male diphone voice "kal"
    for ``"m"``). Deterministic: vibrato phases and breaths draw from ``score.seed``. Raises
    :class:`~tunesmith.errors.JobFailed` when Festival is missing.

    The two stems' vocal chains run in two threads (pedalboard, soxr and numpy release the GIL),
    so on two cores the chain costs the wall time of one stem.
    """
    frames = round(score.duration_s * sample_rate_hz)
    gender = "m" if score.vocal_gender == "m" else "f"
    parts, fs = render_parts(score, gender=gender, seed=score.seed)
    stems = [(name, backing) for name, backing in _STEMS if backing in parts]

    def finish(backing: bool) -> AudioBuffer:
        stereo = vocal_chain(parts[backing], fs, backing=backing, out_rate_hz=sample_rate_hz)
        return AudioBuffer.from_array(stereo, sample_rate_hz).with_frames(frames)

    if len(stems) < 2:
        return {name: finish(backing) for name, backing in stems}
    with ThreadPoolExecutor(max_workers=len(stems), thread_name_prefix="vocal-chain") as pool:
        futures = {name: pool.submit(finish, backing) for name, backing in stems}
        return {name: future.result() for name, future in futures.items()}
