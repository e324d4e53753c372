"""The measured analysis of a clip, as the bundle's ``analysis.json`` holds it."""

from __future__ import annotations

import math
from typing import Any

from tunesmith.music.analyze.key import estimate_key
from tunesmith.music.analyze.loudness import integrated_lufs, true_peak_dbtp
from tunesmith.music.analyze.peaks import waveform_peaks
from tunesmith.music.analyze.silence import find_silences
from tunesmith.music.analyze.tempo import estimate_tempo
from tunesmith.music.audio import AudioBuffer

SUMMARY_VERSION = 1
"""Bumped whenever a field of :func:`summarize`'s output changes meaning."""


def _finite(value: float, digits: int) -> float | None:
    return round(value, digits) if math.isfinite(value) else None


def summarize(audio: AudioBuffer, *, peak_points: int = 1000, vocals: bool = False) -> dict[str, Any]:
    """Every measurement of ``audio`` as a JSON-ready dict (plain str/int/float/list/None).

    Keys and units:

    - ``version``: :data:`SUMMARY_VERSION`
    - ``duration_s``, ``sample_rate_hz``, ``channels``
    - ``tempo_bpm`` (0.0 when no pulse), ``tempo_confidence`` (0..1), ``beats`` (count),
      ``bpm_min`` / ``bpm_avg`` / ``bpm_max`` (local tempo range over the song)
    - ``key`` (e.g. ``"A minor"``), ``key_confidence`` (0..1)
    - ``loudness_lufs`` (integrated, ITU-R BS.1770; ``None`` for silence), ``true_peak_dbtp``
      (``None`` for silence)
    - ``silences``: ``[[start_s, end_s], …]`` spans of ≥ 1 s below −50 dBFS RMS
    - ``peaks``: ``peak_points`` waveform peaks in 0..1 (see :func:`waveform_peaks`)
    - only with ``vocals=True``: ``vocal_spans`` (``[[start_s, end_s], …]`` sung spans of
      :func:`~tunesmith.music.analyze.vocals.vocal_activity`) and ``vocal_fraction`` (0..1)

    Deterministic. Costs about 1 s per minute of audio (tempo, key and loudness dominate);
    ``vocals=True`` adds one vocal separation (about 3 s per minute, unloaded).
    """
    tempo = estimate_tempo(audio)
    key = estimate_key(audio)
    out: dict[str, Any] = {
        "version": SUMMARY_VERSION,
        "duration_s": round(audio.duration_s, 4),
        "sample_rate_hz": audio.sample_rate_hz,
        "channels": audio.channels,
        "tempo_bpm": round(tempo.tempo_bpm, 2),
        "tempo_confidence": round(tempo.confidence, 3),
        "beats": tempo.beat_count,
        "bpm_min": round(tempo.min_bpm, 2),
        "bpm_avg": round(tempo.avg_bpm, 2),
        "bpm_max": round(tempo.max_bpm, 2),
        "key": key.name,
        "key_confidence": round(key.confidence, 3),
        "loudness_lufs": _finite(float(integrated_lufs(audio)), 2) if audio.frames else None,
        "true_peak_dbtp": _finite(float(true_peak_dbtp(audio)), 2) if audio.frames else None,
        "silences": [[start, end] for start, end in find_silences(audio)],
        "peaks": waveform_peaks(audio, points=peak_points),
    }
    if vocals:
        from tunesmith.music.analyze.vocals import vocal_activity

        activity = vocal_activity(audio)
        out["vocal_spans"] = [[start, end] for start, end in activity.spans_s]
        out["vocal_fraction"] = activity.vocal_fraction
    return out
