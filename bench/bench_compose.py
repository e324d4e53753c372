"""Benchmark: a 180 s instrumental in 6 contrasting genres, all bundle outputs.

Prints the wall time of each stage and seconds of audio per wall second. Run with:

    .venv/bin/python bench/bench_compose.py [--duration 180] [--no-video]

The first song also pays one-off costs (SoundFont load, numba JIT in the analysis); they are
reported as a separate warm-up line.
"""

from __future__ import annotations

import argparse
import resource
import time

from tunesmith.music.produce import produce_song
from tunesmith.music.spec import make_spec

GENRES = ["pop", "heavy metal", "drum and bass", "lo-fi hip hop", "bossa nova", "cinematic orchestral"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=180.0)
    parser.add_argument("--no-video", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    produce_song(make_spec(tags="pop", seed=0, duration_s=10.0), with_video=False)
    print(f"warm-up (SoundFont load, JIT): {time.perf_counter() - started:.2f} s")

    totals: list[float] = []
    header = None
    for i, tags in enumerate(GENRES):
        spec = make_spec(tags=tags, seed=1000 + i, duration_s=args.duration, instrumental=True)
        t0 = time.perf_counter()
        song = produce_song(spec, with_video=not args.no_video)
        wall = time.perf_counter() - t0
        totals.append(wall)
        stages = song.bundle.stage_times_s
        if header is None:
            header = list(stages)
            print(f"{'genre':<22}" + "".join(f"{s:>9}" for s in header) + f"{'total':>9}{'x real':>9}")
        print(
            f"{tags:<22}"
            + "".join(f"{stages[s]:>9.2f}" for s in header)
            + f"{wall:>9.2f}{args.duration / wall:>9.1f}"
        )
    mean = sum(totals) / len(totals)
    print(f"mean wall per {args.duration:.0f} s song: {mean:.2f} s  ({args.duration / mean:.1f}x real time)")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
