"""Speed of the singer only: the vocals (lead + backing) of the 3-minute benchmark song, per stage.

The song is the one the last part of ``bench/bench_singer.py`` times (96 BPM, four choruses). For
each voice it prints the wall-clock and CPU seconds of the whole render, and a per-stage breakdown
(CPU seconds of this process, plus Festival's child processes for the Festival stage):

- ``festival``: ``speak_phrases`` (Festival subprocesses, wall and child CPU),
- ``analyse``: the vocoder's analysis of the spoken phrases (``vocoder.analyse``),
- ``plan``: time-warping the envelopes onto the notes (``singer._plan``),
- ``synth``: the vocoder's synthesis (``vocoder.synthesise``),
- ``other``: the rest of ``singer.render_parts`` (phrase splitting, f0 curves, breaths, mixing
  into the timeline),
- ``chain``: everything after ``render_parts``: the vocal chains of both stems and the stem
  buffers.

Stage times are measured by wrapping those functions for the duration of the run; CPU seconds
are those of this process (all threads) plus finished children (Festival). On a shared machine
the CPU seconds are the steadier number; the load average is printed with each line.

Each voice is rendered ``--repeat`` times (3) and the render with the least CPU is reported; the
first render in the process, which also pays first-use costs, is printed on its own line.

Run: ``.venv/bin/python bench/bench_singer_speed.py [--repeat N] [--voice f|m|both]``
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bench_singer import three_minute_song
from tunesmith.music.compose.melody import lead_sheet_score
from tunesmith.music.render.voice import render, singer, vocoder
from tunesmith.music.score import Score


def _cpu_s() -> float:
    """CPU seconds of this process (all threads) and its finished children, user + system."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class _Stages:
    """Accumulates wall and CPU seconds per stage name (outermost call only)."""

    def __init__(self) -> None:
        self.wall_s: dict[str, float] = defaultdict(float)
        self.cpu_s: dict[str, float] = defaultdict(float)
        self.depth = 0

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self.depth:
                return fn(*args, **kwargs)
            self.depth += 1
            w0, c0 = time.perf_counter(), _cpu_s()
            try:
                return fn(*args, **kwargs)
            finally:
                self.wall_s[name] += time.perf_counter() - w0
                self.cpu_s[name] += _cpu_s() - c0
                self.depth -= 1

        return timed


_INNER_STAGES: list[tuple[object, str, str]] = [
    (singer, "speak_phrases", "festival"),
    (vocoder, "analyse", "analyse"),
    (singer, "_plan", "plan"),
    (vocoder, "synthesise", "synth"),
]
"""(module, function, stage): wrapped where ``singer.render_parts`` looks them up."""


@contextmanager
def _patched(stages: _Stages, targets: list[tuple[object, str, str]]) -> Iterator[None]:
    """Wrap the stage functions where their callers look them up; restore them afterwards."""
    saved = [(obj, attr, getattr(obj, attr)) for obj, attr, _ in targets]
    for obj, attr, name in targets:
        setattr(obj, attr, stages.wrap(name, getattr(obj, attr)))
    try:
        yield
    finally:
        for obj, attr, original in saved:
            setattr(obj, attr, original)


def time_render(score: Score) -> tuple[float, float, _Stages]:
    """Render the score's vocals once; (wall s, CPU s, per-stage times)."""
    stages = _Stages()
    parts = _Stages()  # render_parts as a whole (its inner stages are timed by ``stages``)
    with _patched(stages, _INNER_STAGES), _patched(parts, [(render, "render_parts", "parts")]):
        w0, c0 = time.perf_counter(), _cpu_s()
        render.render_vocals(score)
        wall, cpu = time.perf_counter() - w0, _cpu_s() - c0
    stages.cpu_s["other"] = parts.cpu_s["parts"] - sum(stages.cpu_s.values())
    stages.wall_s["other"] = parts.wall_s["parts"] - sum(stages.wall_s.values())
    stages.cpu_s["chain"] = cpu - parts.cpu_s["parts"]
    stages.wall_s["chain"] = wall - parts.wall_s["parts"]
    return wall, cpu, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="renders per voice (the least CPU is kept)")
    parser.add_argument("--voice", choices=["f", "m", "both"], default="both")
    args = parser.parse_args()
    voices = ("f", "m") if args.voice == "both" else (args.voice,)
    cold_cpu_s: float | None = None
    for gender in voices:
        score = lead_sheet_score(three_minute_song(), seed=2, vocal_gender=gender, tempo_bpm=96)
        results = [time_render(score) for _ in range(max(1, args.repeat))]
        if cold_cpu_s is None:
            # the process's first render also pays first-use costs (page faults, FFT plans)
            cold_cpu_s = results[0][1]
            print(f"first_render_in_process voice={gender} cpu_s={cold_cpu_s:.2f}", flush=True)
        wall, cpu, stages = min(results, key=lambda r: r[1])
        parts = " ".join(
            f"{name}={stages.cpu_s[name]:.2f}cpu/{stages.wall_s[name]:.2f}wall"
            for name in ("festival", "analyse", "plan", "synth", "other", "chain")
        )
        print(
            f"three_minute_song voice={gender} song_s={score.duration_s:.1f} vocals_render_s={wall:.2f} "
            f"cpu_s={cpu:.2f} | {parts} load_avg={os.getloadavg()[0]:.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
