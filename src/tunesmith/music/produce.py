"""From a SongSpec to a finished bundle: style → compose → sing → render → master → encode.

:func:`produce_song` is the whole engine pipeline in one pure function (bytes out, no paths). It
reports progress per stage and records each stage's wall time in ``Bundle.stage_times_s``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from tunesmith.music import bundle as files
from tunesmith.music.analyze.summary import summarize
from tunesmith.music.audio import AudioBuffer, encode_flac, encode_mp3, encode_wav
from tunesmith.music.bundle import Bundle
from tunesmith.music.compose import compose
from tunesmith.music.progress import Progress, no_progress
from tunesmith.music.render import RenderedSong, render_song
from tunesmith.music.render.cover import draw_cover
from tunesmith.music.render.video import make_video
from tunesmith.music.score import Score, StemGroup
from tunesmith.music.spec import SongSpec
from tunesmith.music.style.tags import resolve_style

INSTRUMENTAL_LYRICS = "[Instrumental]"
"""What a clip's ``lyrics`` says when nothing is sung (the contract's exact text)."""


@dataclass(frozen=True)
class ProducedSong:
    """The bundle plus the Score it was rendered from."""

    score: Score
    bundle: Bundle


def produce_song(
    spec: SongSpec,
    *,
    progress: Progress = no_progress,
    with_video: bool = True,
    sample_rate_hz: int = 44_100,
) -> ProducedSong:
    """Compose, render, master and encode one song; deterministic in ``spec``.

    Stages reported through ``progress``: style, compose, vocals, render, encode, analyze. The
    mastered mix lasts exactly ``round(score.duration_s * sample_rate_hz)`` frames.
    """
    bundle = Bundle()
    stages = ("style", "compose", "vocals", "render", "encode", "analyze")

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        progress(name, stages.index(name), len(stages))
        started = time.perf_counter()
        yield
        bundle.stage_times_s[name] = round(time.perf_counter() - started, 4)

    with stage("style"):
        style = resolve_style(spec.tags, spec.negative_tags)
    with stage("compose"):
        score = compose(spec, style)
    with stage("vocals"):
        vocal_stems = _render_vocals(score, sample_rate_hz)
    with stage("render"):
        rendered = render_song(
            score, sample_rate_hz=sample_rate_hz, quality=spec.quality, extra_stems=vocal_stems
        )
    progress("encode", stages.index("encode"), len(stages))
    packaged = package_song(score, rendered.master, rendered.stems, with_video=with_video)
    bundle.files.update(packaged.files)
    bundle.stage_times_s.update(packaged.stage_times_s)
    progress("done", len(stages), len(stages))
    return ProducedSong(score=score, bundle=bundle)


def render_score(
    score: Score,
    *,
    quality: str = "standard",
    sample_rate_hz: int = 44_100,
    progress: Progress = no_progress,
) -> RenderedSong:
    """Sing and render an already composed (or edited) Score: the vocals and render stages of
    :func:`produce_song`. Deterministic: the same Score gives identical audio."""
    progress("vocals", 0, 1)
    vocal_stems = _render_vocals(score, sample_rate_hz)
    return render_song(
        score, sample_rate_hz=sample_rate_hz, quality=quality, extra_stems=vocal_stems, progress=progress
    )


def package_song(
    score: Score,
    master: AudioBuffer,
    stems: Mapping[StemGroup, AudioBuffer],
    *,
    with_video: bool = True,
) -> Bundle:
    """Encode and analyse rendered audio into a bundle: the encode and analyze stages of
    :func:`produce_song`, for audio made elsewhere (edits that splice audio, for instance).
    ``master`` must last ``round(score.duration_s × rate)`` frames.

    The analysis runs in a thread beside the encoders (ffmpeg, libsndfile and most of numpy
    release the GIL), so on two cores the two overlap. ``stage_times_s["encode"]`` is the wall
    time of the whole phase; ``stage_times_s["analyze"]`` the analysis thread's share of it.
    """
    bundle = Bundle()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        analysis = pool.submit(_timed, _analysis_files, score, master)
        bundle.files.update(_encode_all(score, master, dict(stems), with_video=with_video, pool=pool))
        analysis_files, analysis_s = analysis.result()
    bundle.files.update(analysis_files)
    bundle.stage_times_s["encode"] = round(time.perf_counter() - started, 4)
    bundle.stage_times_s["analyze"] = round(analysis_s, 4)
    return bundle


def _timed(
    function: Callable[[Score, AudioBuffer], dict[str, bytes]], score: Score, master: AudioBuffer
) -> tuple[dict[str, bytes], float]:
    started = time.perf_counter()
    return function(score, master), time.perf_counter() - started


def _analysis_files(score: Score, master: AudioBuffer) -> dict[str, bytes]:
    """``analysis.json`` (measured facts plus the Score's) and, with vocals, ``lyrics.json``."""
    out: dict[str, bytes] = {}
    analysis = summarize(master)
    analysis["score"] = {
        "tempo_bpm": round(score.tempo_bpm, 3),
        "key": score.key.name,
        "time_signature": score.time_signature,
        "duration_s": score.duration_s,
        "sections": [
            {
                "label": s.label,
                "kind": s.kind,
                "start_s": round(score.seconds_at(score.bar_start_beat(s.start_bar)), 3),
            }
            for s in score.sections
        ],
    }
    out[files.ANALYSIS] = json.dumps(analysis, sort_keys=True, ensure_ascii=False).encode("utf-8")
    timeline = _lyrics_timeline(score)
    if timeline is not None:
        out[files.LYRICS] = json.dumps(timeline, ensure_ascii=False).encode("utf-8")
    return out


def sung_lyrics(score: Score) -> str:
    """The clip's ``lyrics`` field: as sung with section tags, or exactly ``[Instrumental]``."""
    return score.lyrics if score.vocals and score.lyrics.strip() else INSTRUMENTAL_LYRICS


def _encode_all(
    score: Score,
    master: AudioBuffer,
    stems: dict[StemGroup, AudioBuffer],
    *,
    with_video: bool,
    pool: ThreadPoolExecutor,
) -> dict[str, bytes]:
    """Encode every file of the bundle on ``pool``'s threads (ffmpeg and libsndfile release the
    GIL, so the encoders overlap on two cores)."""
    jobs: dict[str, Callable[[], bytes]] = {
        files.SCORE: score.to_json,
        files.MIDI: score.to_midi,
        files.MIX_WAV: lambda: encode_wav(master),
        files.MIX_MP3: lambda: encode_mp3(master),
        files.COVER: lambda: draw_cover(score),
    }
    for group, audio in stems.items():
        jobs[files.stem_file(group)] = lambda audio=audio: encode_flac(audio)  # type: ignore[misc]
    futures = {name: pool.submit(job) for name, job in jobs.items()}
    if with_video:
        # Submitted after the cover and the WAV, so the pool starts those first (FIFO): the
        # video's AAC encode then runs beside the MP3 and FLAC encoders instead of after them.
        cover, wav = futures[files.COVER], futures[files.MIX_WAV]
        futures[files.VIDEO] = pool.submit(
            lambda: make_video(cover.result(), wav.result(), duration_s=score.duration_s)
        )
    return {name: future.result() for name, future in futures.items()}


def _render_vocals(score: Score, sample_rate_hz: int) -> dict[str, AudioBuffer]:
    """The singer's stems, when the Score has a vocal line and the singer is available."""
    if not score.vocals:
        return {}
    from tunesmith.music.render.voice import render_vocals

    return render_vocals(score, sample_rate_hz=sample_rate_hz)


def _lyrics_timeline(score: Score) -> list[dict[str, object]] | None:
    if not score.vocals:
        return None
    from tunesmith.music.lyrics.timeline import lyrics_timeline

    return lyrics_timeline(score)
