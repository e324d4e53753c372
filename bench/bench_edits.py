"""Benchmark: wall time of each edit operation on a 3-minute source, as a worker runs it for one clip
(the edit, the render and the bundle encode), for a generated song and for the same song uploaded.

    .venv/bin/python bench/bench_edits.py [--duration 180] [--quality draft] [--video] [--ops a,b]

Operations: extend (at 3/4 of the song, 60 s new part), concat, cover, remaster, add_vocals,
add_instrumental, replace (a 30 s window at 1/3), sample (a 30 s chop → a song of --duration),
then on the upload: analyze (the estimated Score, once per upload), upload_add_vocals,
upload_add_instrumental,
upload_replace, upload_sample. Prints one line per operation: seconds, and seconds of result audio
per wall second. The source's own production time is printed first as the baseline.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from tunesmith.music.analyze.estimate import estimate_score
from tunesmith.music.audio import decode_audio
from tunesmith.music.edit import (
    add_instrumental,
    add_vocals,
    cover,
    extend,
    join_audio,
    remaster,
    render_edit,
    replace_section,
    snap_continue_at,
)
from tunesmith.music.edit.keep_audio import accompaniment_under_vocal, vocals_over_audio
from tunesmith.music.edit.sample import sample_song
from tunesmith.music.produce import package_song, produce_song, render_score
from tunesmith.music.spec import make_spec

LYRICS = "\n".join(
    [
        "[Verse]",
        "Morning light across the water",
        "Every window burning gold",
        "I can hear the city waking",
        "Stories that were never told",
        "[Chorus]",
        "Hold on hold on tonight",
        "Everything will be alright",
        "[Verse]",
        "Streets are full of people running",
        "Nobody is looking back",
        "[Chorus]",
        "Hold on hold on tonight",
        "Everything will be alright",
    ]
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=180.0)
    parser.add_argument("--quality", default="standard", choices=["standard", "draft"])
    parser.add_argument("--video", action="store_true")
    parser.add_argument("--ops", default="")
    args = parser.parse_args()
    only = {o.strip() for o in args.ops.split(",") if o.strip()}
    q, video = args.quality, args.video

    t0 = time.perf_counter()
    spec = make_spec(tags="pop, piano", seed=7, lyrics=LYRICS, duration_s=args.duration, quality=q)
    produced = produce_song(spec, with_video=video)
    print(f"baseline: produce the {args.duration:g} s source: {time.perf_counter() - t0:.1f} s")
    source = produced.score
    mix = decode_audio(produced.bundle.files["mix.wav"], filename_hint="mix.wav")
    stems = render_score(source, quality=q).stems  # the bundle's stems, decoded
    state: dict[str, object] = {}
    d = args.duration
    join_s = 0.75 * d
    w0, w1 = d / 3, d / 3 + min(30.0, d / 4)  # replace window
    c0, c1 = d / 6, d / 6 + min(30.0, max(6.0, d / 3))  # sample chop

    def op_extend() -> float:
        ext = extend(source, continue_at_s=join_s, seed=1, duration_s=60.0, quality=q)
        bundle = render_edit(ext, quality=q, with_video=video).bundle
        state["ext"], state["ext_audio"] = ext, decode_audio(bundle.files["mix.wav"], filename_hint="mix.wav")
        return ext.duration_s

    def op_concat() -> float:
        """As the worker does it: the stored mixes joined at the bar line, then encoded (the
        extension's own render is not counted; it is made here once if extend did not run)."""
        from tunesmith.music.edit import concat

        if "ext" not in state:
            op_extend()
        started = time.perf_counter()
        ext, ext_audio = state["ext"], state["ext_audio"]
        cut = snap_continue_at(source, join_s)
        joined = join_audio([(mix, cut), (ext_audio, None)])  # type: ignore[list-item]
        score = concat([(source, join_s), (ext, None)])  # type: ignore[list-item]
        package_song(score, joined.with_frames(round(score.duration_s * 44_100)), {}, with_video=video)
        state["concat_s"] = time.perf_counter() - started
        return score.duration_s

    def rendered(score_fn: Callable[[], object]) -> Callable[[], float]:
        def run() -> float:
            score = score_fn()
            return render_edit(score, quality=q, with_video=video).score.duration_s  # type: ignore[arg-type]

        return run

    def op_replace() -> float:
        result = replace_section(
            source,
            stems,
            start_s=w0,
            end_s=w1,
            seed=2,
            lyrics="[Verse]\nNew words here",
            source_master=mix,
        )
        render_edit(result.score, master=result.master, stems=result.stems, quality=q, with_video=video)
        return result.score.duration_s

    def op_sample(audio: object, score_of: Callable[[], object]) -> Callable[[], float]:
        def run() -> float:
            s = make_spec(tags="hip hop", seed=3, lyrics=LYRICS, duration_s=args.duration, quality=q)
            out = sample_song(score_of(), audio, s, start_s=c0, end_s=c1)  # type: ignore[arg-type]
            package_song(out.score, out.master, out.stems, with_video=video)
            return out.score.duration_s

        return run

    def upload_score() -> object:
        if "est" not in state:
            state["est"] = estimate_score(mix)
        return state["est"]

    def op_analyze() -> float:
        state.pop("est", None)
        return upload_score().duration_s  # type: ignore[attr-defined, no-any-return]

    def op_upload_add_vocals() -> float:
        est = upload_score()
        score = add_vocals(est, lyrics=LYRICS, seed=4)  # type: ignore[arg-type]
        kept = vocals_over_audio(score, mix, start_s=0.0, end_s=score.duration_s, quality=q)
        render_edit(score, master=kept.master, stems=kept.stems, quality=q, with_video=video)
        return score.duration_s

    def op_upload_add_instrumental() -> float:
        est = upload_score()
        score = add_instrumental(est, seed=5, tags="rock")  # type: ignore[arg-type]
        kept = accompaniment_under_vocal(score, mix, start_s=0.0, end_s=score.duration_s, quality=q)
        render_edit(score, master=kept.master, stems=kept.stems, quality=q, with_video=video)
        return score.duration_s

    def op_upload_replace() -> float:
        est = upload_score()
        result = replace_section(
            est,
            {},
            start_s=w0,
            end_s=w1,
            seed=2,
            lyrics="[Verse]\nNew words here",
            source_master=mix,  # type: ignore[arg-type]
        )
        render_edit(result.score, master=result.master, stems=result.stems, quality=q, with_video=video)
        return result.score.duration_s

    ops: list[tuple[str, Callable[[], float]]] = [
        ("extend", op_extend),
        ("concat", op_concat),
        ("cover", rendered(lambda: cover(source, tags="reggae", seed=3))),
        ("remaster", rendered(lambda: remaster(source, variation="normal", seed=3))),
        ("add_vocals", rendered(lambda: add_vocals(source, lyrics=LYRICS, seed=4))),
        ("add_instrumental", rendered(lambda: add_instrumental(source, seed=5, tags="rock"))),
        ("replace", op_replace),
        ("sample", op_sample(mix, lambda: source)),
        ("analyze", op_analyze),
        ("upload_add_vocals", op_upload_add_vocals),
        ("upload_add_instrumental", op_upload_add_instrumental),
        ("upload_replace", op_upload_replace),
        ("upload_sample", op_sample(mix, upload_score)),
    ]
    for name, run in ops:
        if only and name not in only:
            continue
        if name.startswith("upload_") and "est" not in state and "analyze" not in only:
            upload_score()  # analysis is its own line
        started = time.perf_counter()
        audio_s = run()
        wall = float(state.pop("concat_s", time.perf_counter() - started))  # type: ignore[arg-type]
        print(
            f"{name:24s} {wall:7.1f} s   {audio_s / wall:5.2f}× real time ({audio_s:.0f} s of audio)",
            flush=True,
        )


if __name__ == "__main__":
    main()
