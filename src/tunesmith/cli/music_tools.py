"""Offline music tools on the command line: write lyrics, upsample tags, analyse audio files,
split stems and transcribe MIDI — no server needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from tunesmith.errors import TunesmithError

_err = Console(stderr=True)


def _fail(exc: TunesmithError) -> typer.Exit:
    field = f" ({exc.field})" if exc.field else ""
    _err.print(f"[red]error{field}:[/red] {exc.message}")
    return typer.Exit(2)


def _read_audio(path: Path) -> Any:
    from tunesmith.music.audio import decode_audio

    try:
        data = path.read_bytes()
    except OSError as exc:
        _err.print(f"[red]error:[/red] cannot read {path}: {exc.strerror}")
        raise typer.Exit(2) from exc
    try:
        return decode_audio(data, filename_hint=path.name)
    except TunesmithError as exc:
        raise _fail(exc) from exc


def lyrics_command(
    description: Annotated[
        str, typer.Argument(help="What the song is about, e.g. 'a sad ballad about rain'.")
    ],
    seed: Annotated[int, typer.Option(help="Same seed, same lyrics.")] = 0,
    duration: Annotated[float | None, typer.Option(help="Song length in seconds, sizes the form.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (title, tags, lyrics) instead.")
    ] = False,
) -> None:
    """Write two sets of lyrics (with titles and style tags) for a description, offline."""
    from tunesmith.music.lyrics.write import write_lyric_pair

    try:
        pair = write_lyric_pair(description, seed, duration_s=duration)
    except TunesmithError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(
            json.dumps([{"title": w.title, "tags": w.tags, "lyrics": w.lyrics_text} for w in pair], indent=2)
        )
        return
    for i, written in enumerate(pair):
        if i:
            typer.echo("\n" + "-" * 40 + "\n")
        typer.echo(f"# {written.title}\ntags: {written.tags}\n\n{written.lyrics_text}")


def tags_command(
    tags: Annotated[str, typer.Argument(help="Style tags to enrich, e.g. 'pop, happy'.")],
) -> None:
    """Upsample style tags into a richer production description the composer honours."""
    from tunesmith.music.style.upsample import upsample_tags

    try:
        typer.echo(upsample_tags(tags))
    except TunesmithError as exc:
        raise _fail(exc) from exc


def analyze_command(
    file: Annotated[Path, typer.Argument(help="Audio file: MP3, WAV, FLAC, OGG or M4A.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full analysis as JSON.")] = False,
) -> None:
    """Measure an audio file: tempo, key, meter, sections, loudness and true peak."""
    from tunesmith.music.analyze.meter import estimate_meter
    from tunesmith.music.analyze.structure import estimate_sections
    from tunesmith.music.analyze.summary import summarize

    audio = _read_audio(file)
    try:
        summary = summarize(audio)
        meter = estimate_meter(audio)
        sections = estimate_sections(audio, downbeats_s=meter.downbeats_s)
    except TunesmithError as exc:
        raise _fail(exc) from exc
    summary.pop("peaks", None)
    summary["meter"] = f"{meter.meter[0]}/{meter.meter[1]}"
    summary["sections"] = [
        {"label": s.label, "kind": s.kind, "start_s": round(s.start_s, 2), "end_s": round(s.end_s, 2)}
        for s in sections
    ]
    if as_json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    typer.echo(f"file:       {file}")
    typer.echo(f"duration:   {summary['duration_s']:.2f} s")
    typer.echo(
        f"tempo:      {summary['tempo_bpm']} bpm (min {summary['bpm_min']}, avg {summary['bpm_avg']}, "
        f"max {summary['bpm_max']})   meter: {summary['meter']}"
    )
    typer.echo(f"key:        {summary['key']} (confidence {summary['key_confidence']})")
    typer.echo(f"loudness:   {summary['loudness_lufs']} LUFS   true peak: {summary['true_peak_dbtp']} dBTP")
    typer.echo(
        "sections:   "
        + " | ".join(f"{s['label']} {s['kind']} {s['start_s']:.1f}s" for s in summary["sections"])
    )


def stems_command(
    file: Annotated[Path, typer.Argument(help="Audio file to split.")],
    output_dir: Annotated[Path, typer.Option("--output", "-o", help="Folder for the stem files.")],
    basic: Annotated[bool, typer.Option("--basic", help="Only vocals + instrumental.")] = False,
) -> None:
    """Split an audio file into stems (vocals, drums, bass, other) with DSP separation."""
    from tunesmith.music.analyze.separate import separate_stems, separate_vocals
    from tunesmith.music.audio import encode_flac

    audio = _read_audio(file)
    try:
        if basic:
            split = separate_vocals(audio)
            stems = {"vocals": split.vocals, "instrumental": split.accompaniment}
        else:
            stems = separate_stems(audio)
    except TunesmithError as exc:
        raise _fail(exc) from exc
    output_dir.mkdir(parents=True, exist_ok=True)
    for name, stem in stems.items():
        (output_dir / f"{name}.flac").write_bytes(encode_flac(stem))
        typer.echo(str(output_dir / f"{name}.flac"))


def midi_command(
    file: Annotated[Path, typer.Argument(help="Audio file to transcribe.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="MIDI file to write.")],
) -> None:
    """Transcribe the notes of an audio file to MIDI (basic-pitch, offline)."""
    from tunesmith.music.analyze.tempo import estimate_tempo
    from tunesmith.music.analyze.transcribe import notes_to_midi, transcribe_notes

    audio = _read_audio(file)
    try:
        notes = transcribe_notes(audio)
        tempo_bpm = estimate_tempo(audio).tempo_bpm or 120.0
    except TunesmithError as exc:
        raise _fail(exc) from exc
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(notes_to_midi(notes, tempo_bpm=tempo_bpm))
    typer.echo(f"{len(notes)} notes at {tempo_bpm:.1f} bpm → {output}")
