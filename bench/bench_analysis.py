"""Tempo and key accuracy of tunesmith's own analysis on the synthetic evaluation set.

One command: ``.venv/bin/python bench/bench_analysis.py``. Builds every clip of
:func:`tunesmith.music.analyze.evalset.tempo_cases` and :func:`~...key_cases` (numpy drums and
SoundFont renders, deterministic), runs :func:`estimate_tempo`, :func:`librosa_tempo` and
:func:`estimate_key`, and prints per-clip results, accuracies (exact within 2 %, octave errors
separately) and the analysis time per minute of audio. librosa's JIT warm-up is excluded.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from tunesmith.music.analyze.evalset import drum_pattern, key_cases, render_song, tempo_cases
from tunesmith.music.analyze.key import estimate_key, key_matches
from tunesmith.music.analyze.tempo import estimate_tempo, librosa_tempo, tempo_matches


def main() -> int:
    warm = drum_pattern(120.0, "backbeat", duration_s=4.0)
    estimate_tempo(warm)
    librosa_tempo(warm)
    estimate_key(warm)

    print("== tempo ==")
    ours: dict[str, int] = {"exact": 0, "octave": 0, "wrong": 0}
    ref: dict[str, int] = {"exact": 0, "octave": 0, "wrong": 0}
    errors: list[float] = []
    audio_s = tempo_s = 0.0
    for case in tempo_cases():
        audio = case.audio()
        start = time.perf_counter()
        est = estimate_tempo(audio)
        tempo_s += time.perf_counter() - start
        audio_s += audio.duration_s
        lib = librosa_tempo(audio)
        m_ours, m_ref = tempo_matches(est.tempo_bpm, case.tempo_bpm), tempo_matches(lib, case.tempo_bpm)
        ours[m_ours] += 1
        ref[m_ref] += 1
        if m_ours == "exact":
            errors.append(abs(est.tempo_bpm / case.tempo_bpm - 1))
        print(
            f"{case.name:34s} truth {case.tempo_bpm:6.1f}  ours {est.tempo_bpm:7.2f} {m_ours:6s}"
            f" (conf {est.confidence:.2f}, {est.min_bpm:.1f}-{est.max_bpm:.1f})"
            f"  librosa {lib:7.2f} {m_ref}"
        )
    n = len(tempo_cases())
    print(
        f"ours:    exact {ours['exact']}/{n}, octave {ours['octave']}, wrong {ours['wrong']};"
        f" median |error| of exact {100 * float(np.median(errors)) if errors else 0:.3f} %"
    )
    print(f"librosa: exact {ref['exact']}/{n}, octave {ref['octave']}, wrong {ref['wrong']}")
    print(f"estimate_tempo: {60 * tempo_s / audio_s:.2f} s per minute of audio")

    print("== key ==")
    counts: dict[str, int] = {}
    audio_s = key_s = 0.0
    for song in key_cases():
        audio = render_song(song)
        start = time.perf_counter()
        key = estimate_key(audio)
        key_s += time.perf_counter() - start
        audio_s += audio.duration_s
        match = key_matches(key, song.key)
        counts[match] = counts.get(match, 0) + 1
        print(f"{song.name:18s} -> {key.name:10s} {match:8s} conf {key.confidence:.2f}")
    total = len(key_cases())
    good = counts.get("exact", 0) + counts.get("relative", 0)
    print(f"key: exact {counts.get('exact', 0)}/{total}, exact-or-relative {good}/{total}; {counts}")
    print(f"estimate_key: {60 * key_s / audio_s:.2f} s per minute of audio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
