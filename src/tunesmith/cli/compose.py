"""``tunesmith compose``: turn tags (and lyrics) into a finished song bundle in a folder."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from tunesmith.errors import TunesmithError


def compose_command(
    tags: Annotated[
        str, typer.Option("--tags", "-t", help="Style: genres, moods, instruments, tempo, key, voice.")
    ],
    output_dir: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the bundle into.")],
    title: Annotated[str, typer.Option(help="Song title (generated when empty).")] = "",
    lyrics: Annotated[
        Path | None, typer.Option(help="Lyrics file with [Verse]/[Chorus] tags; sung unless --instrumental.")
    ] = None,
    duration: Annotated[
        float | None, typer.Option(help="Exact length in seconds, 10–360 (default 2–4 min).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (0–4294967295); same seed, same song.")
    ] = None,
    instrumental: Annotated[bool, typer.Option("--instrumental", help="No voice.")] = False,
    negative_tags: Annotated[str, typer.Option(help="Styles and instruments to avoid.")] = "",
    vocal_gender: Annotated[str | None, typer.Option(help="'f' or 'm'.")] = None,
    key: Annotated[str | None, typer.Option(help="Key, e.g. 'A minor' or 'Bb major'.")] = None,
    bpm: Annotated[float | None, typer.Option(help="Tempo in BPM (overrides the tags).")] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Faster render with lighter mastering.")] = False,
    video: Annotated[bool, typer.Option("--video/--no-video", help="Also write video.mp4.")] = True,
) -> None:
    """Compose, render and master a song; write its bundle (score, mix, stems, MIDI, cover, video)."""
    console = Console(stderr=True)
    try:
        lyrics_text = lyrics.read_text(encoding="utf-8") if lyrics else ""
    except OSError as exc:
        console.print(f"[red]error:[/red] cannot read lyrics file {lyrics}: {exc.strerror}")
        raise typer.Exit(2) from exc
    from tunesmith.music.produce import produce_song
    from tunesmith.music.spec import make_spec

    try:
        spec = make_spec(
            tags=tags,
            seed=seed if seed is not None else random.randrange(2**32),
            negative_tags=negative_tags,
            title=title,
            lyrics=lyrics_text,
            instrumental=instrumental,
            duration_s=duration,
            vocal_gender=vocal_gender,
            key=key,
            tempo_bpm=bpm,
            quality="draft" if draft else "standard",
        )
        if sys.stderr.isatty():
            with Progress(
                TextColumn("{task.description:<8}"), BarColumn(), TimeElapsedColumn(), console=console
            ) as bar:
                task = bar.add_task("start", total=6)

                def report(stage: str, done: int, total: int) -> None:
                    bar.update(task, description=stage, completed=done, total=total)

                produced = produce_song(spec, progress=report, with_video=video)
        else:
            produced = produce_song(spec, with_video=video)
    except TunesmithError as exc:
        field = f" ({exc.field})" if exc.field else ""
        console.print(f"[red]error{field}:[/red] {exc.message}")
        raise typer.Exit(2) from exc

    output_dir.mkdir(parents=True, exist_ok=True)
    for name, data in produced.bundle.files.items():
        path = output_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    score = produced.score
    out = Console()
    out.print(f"title:    {score.title}")
    out.print(f"seed:     {spec.seed}")
    out.print(f"genre:    {score.genre}   tags: {score.tags}")
    out.print(f"tempo:    {score.tempo_bpm:.2f} bpm   meter: {score.time_signature}   key: {score.key.name}")
    out.print(f"duration: {score.duration_s:.2f} s   bars: {score.total_bars}")
    out.print("form:     " + " | ".join(f"{s.label} ({s.bars})" for s in score.sections))
    out.print("stems:    " + ", ".join(produced.bundle.stem_names))
    times = produced.bundle.stage_times_s
    out.print(
        "stages:   "
        + "  ".join(f"{k} {v:.2f}s" for k, v in times.items())
        + f"  total {sum(times.values()):.2f}s"
    )
    out.print(f"written:  {output_dir}")
