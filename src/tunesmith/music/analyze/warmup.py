"""Compile the analysis code's numba kernels once, in one process.

librosa JIT-compiles its numba kernels on first use and caches them next to its sources. Two
processes compiling the same kernel at the same moment can race on that cache and crash (seen
as a segmentation fault in ``librosa.util.peak_pick`` when two test workers started together).
Running this module once, single-process, before starting several workers fills the cache; every
later process loads it instead of compiling. It takes ~15–30 s the first time, ~2 s after.

Run with ``python -m tunesmith.music.analyze.warmup``.
"""

from __future__ import annotations

import time

import numpy as np

from tunesmith.music.audio import AudioBuffer


def warm_up(*, duration_s: float = 6.0, sample_rate_hz: int = 22_050) -> float:
    """Run every analysis path that compiles numba code on a short synthetic groove.

    Returns the wall time in seconds. Deterministic and offline.
    """
    import librosa

    from tunesmith.music.analyze.chords import estimate_chords
    from tunesmith.music.analyze.meter import estimate_meter
    from tunesmith.music.analyze.separate import separate_vocals
    from tunesmith.music.analyze.summary import summarize
    from tunesmith.music.analyze.tempo import librosa_tempo

    started = time.perf_counter()
    t = np.arange(round(duration_s * sample_rate_hz)) / sample_rate_hz
    clicks = (np.sin(2 * np.pi * 60 * t) * np.exp(-((t % 0.5) * 30))).astype(np.float32)
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    audio = AudioBuffer.from_array(clicks + tone, sample_rate_hz)
    summarize(audio)
    librosa_tempo(audio)
    meter = estimate_meter(audio)
    estimate_chords(audio, beats_s=meter.beats_s)
    separate_vocals(audio)
    mono = audio.mono()
    librosa.onset.onset_detect(y=mono, sr=sample_rate_hz)
    librosa.pyin(mono[: sample_rate_hz * 2], fmin=80.0, fmax=800.0, sr=sample_rate_hz, resolution=0.1)
    return time.perf_counter() - started


if __name__ == "__main__":
    print(f"numba kernels ready in {warm_up():.1f} s")
