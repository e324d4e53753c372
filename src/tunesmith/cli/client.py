"""CLI commands that talk to a tunesmith server (or the original service) through the SDK.

``tunesmith create`` submits a song and can wait for it and download its files,
``tunesmith status`` shows a task's clips, ``tunesmith download`` fetches a clip's files or a URL.
The server is ``--base-url`` / ``TUNESMITH_BASE_URL`` (default ``http://127.0.0.1:8000``) and the
key ``--api-key`` / ``TUNESMITH_API_KEY``.

Exit codes: 0 success; 1 the server refused the request or the task failed; 2 bad command-line
input; 3 the server could not be reached; 4 waiting timed out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tunesmith.client import (
    DEFAULT_BASE_URL,
    FAMILIES,
    APIError,
    Client,
    Clip,
    ConnectionFailed,
    TunesmithClientError,
    WaitProgress,
    WaitTimeout,
)
from tunesmith.client._core import poll_items, poll_states
from tunesmith.client.models import derive_state

__all__ = ["client_commands", "create_command", "download_command", "status_command"]

EXIT_API = 1
EXIT_USAGE = 2
EXIT_CONNECTION = 3
EXIT_TIMEOUT = 4
FILE_KINDS = ("mp3", "wav", "cover", "video")

BaseUrlOption = Annotated[
    str,
    typer.Option(
        "--base-url",
        envvar="TUNESMITH_BASE_URL",
        help="Server root URL (a trailing /api/v1 is accepted).",
        show_default=True,
    ),
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option("--api-key", envvar="TUNESMITH_API_KEY", help="API key, sent as a Bearer token."),
]


def _stderr() -> Console:
    return Console(stderr=True, highlight=False)


def _fail(message: str, code: int) -> typer.Exit:
    _stderr().print(f"[red]error:[/red] {message}", soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def _reported_errors() -> Iterator[None]:
    """Turn SDK exceptions into one clear line on stderr and an exit code (never a traceback)."""
    try:
        yield
    except WaitTimeout as exc:
        raise _fail(exc.message, EXIT_TIMEOUT) from exc
    except ConnectionFailed as exc:
        raise _fail(exc.message, EXIT_CONNECTION) from exc
    except APIError as exc:
        raise _fail(f"the server answered {exc.status_code}: {exc.message}", EXIT_API) from exc
    except TunesmithClientError as exc:
        raise _fail(exc.message, EXIT_API) from exc
    except ValueError as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc
    except OSError as exc:
        raise _fail(f"{exc.filename or 'file'}: {exc.strerror or exc}", EXIT_API) from exc


_TRANSPORT: httpx.BaseTransport | None = None
"""The httpx transport the commands use (None: the network). Tests put a fake server here."""


def _client(base_url: str, api_key: str | None, *, need_key: bool = True) -> Client:
    if need_key and not api_key:
        raise _fail("no API key: pass --api-key or set TUNESMITH_API_KEY", EXIT_USAGE)
    try:
        return Client(base_url, api_key or "", transport=_TRANSPORT)
    except ValueError as exc:
        raise _fail(str(exc), EXIT_USAGE) from exc


def _item_row(item: Any) -> tuple[str, str, str, str, str]:
    """(id, state, title, duration, audio URL or error) for any family's clip object."""
    clip_id = str(getattr(item, "clip_id", None) or getattr(item, "id", "") or "")
    state = str(getattr(item, "state", ""))
    title = str(getattr(item, "title", "") or "")
    duration = getattr(item, "duration", None)
    shown_duration = f"{duration:.2f} s" if isinstance(duration, int | float) else "-"
    error = getattr(item, "error_message", None)
    last = f"[red]{error}[/red]" if error else str(getattr(item, "audio_url", None) or "")
    return clip_id, state, title, shown_duration, last


def _print_items(items: list[Any], *, heading: str) -> None:
    table = Table(title=heading, title_justify="left")
    for column in ("clip", "state", "title", "duration", "audio / error"):
        table.add_column(column, overflow="fold")
    for item in items:
        table.add_row(*_item_row(item))
    Console(highlight=False).print(table)


def _download_clip(client: Client, clip: Clip, directory: Path, kinds: tuple[str, ...]) -> list[Path]:
    folder = directory / clip.clip_id
    written = list(client.download_clip(clip, folder, kinds=kinds).values())
    folder.mkdir(parents=True, exist_ok=True)
    meta = folder / "clip.json"
    meta.write_text(json.dumps(clip.raw, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [*written, meta]


def _wait_with_progress(client: Client, task_id: str, timeout_s: float) -> list[Clip]:
    console = _stderr()
    if not console.is_terminal:
        last: list[str] = []

        def log(progress: WaitProgress) -> None:
            if progress.states != last:
                last[:] = progress.states
                console.print(f"{progress.elapsed_s:6.1f} s  {progress.state}: {', '.join(progress.states)}")

        return client.wait_for(task_id, timeout_s=timeout_s, on_progress=log)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        handle = bar.add_task("pending", total=1.0)

        def update(progress: WaitProgress) -> None:
            bar.update(handle, completed=progress.fraction, description=", ".join(progress.states))

        return client.wait_for(task_id, timeout_s=timeout_s, on_progress=update)


def _parse_kinds(value: str) -> tuple[str, ...]:
    kinds = tuple(k.strip().lower() for k in value.split(",") if k.strip())
    unknown = [k for k in kinds if k not in FILE_KINDS]
    if unknown or not kinds:
        raise _fail(f"--files takes a comma-separated subset of {','.join(FILE_KINDS)}", EXIT_USAGE)
    return kinds


def create_command(
    tags: Annotated[
        str, typer.Option("--tags", "-t", help="Style: genres, moods, instruments, tempo feel, voice.")
    ],
    lyrics: Annotated[
        Path | None,
        typer.Option("--lyrics", "-l", help="Lyrics file with [Verse]/[Chorus] tags (custom mode)."),
    ] = None,
    description: Annotated[
        str | None,
        typer.Option("--description", "-d", help="Describe the song instead; the server writes lyrics."),
    ] = None,
    title: Annotated[str | None, typer.Option(help="Title, ≤80 characters (generated if absent).")] = None,
    instrumental: Annotated[bool, typer.Option("--instrumental", help="No voice.")] = False,
    duration: Annotated[float | None, typer.Option(help="Exact length in seconds, 10–360.")] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed 0–4294967295; clip i uses seed+i. Random if absent.")
    ] = None,
    negative_tags: Annotated[str | None, typer.Option(help="Styles and instruments to avoid.")] = None,
    vocal_gender: Annotated[str | None, typer.Option(help="'f' or 'm'.")] = None,
    mv: Annotated[str, typer.Option(help="Model, e.g. sonic-v5 or chirp-v4 (-mini: draft).")] = "sonic-v5",
    wait: Annotated[bool, typer.Option("--wait", help="Wait until both clips are finished.")] = False,
    output_dir: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Save each clip's files in DIR/<clip_id>/ (implies --wait)."),
    ] = None,
    files: Annotated[
        str, typer.Option("--files", help="Which files to download: mp3,wav,cover,video.")
    ] = "mp3,wav,cover,video",
    timeout: Annotated[float, typer.Option(help="Seconds to wait before giving up.")] = 900.0,
    base_url: BaseUrlOption = DEFAULT_BASE_URL,
    api_key: ApiKeyOption = None,
) -> None:
    """Create a song (two variations) on the server; optionally wait and download MP3/WAV/cover/video.

    Give --lyrics FILE (sung), --description TEXT (the server writes lyrics), or --instrumental.
    Prints the task id on stdout.
    """
    kinds = _parse_kinds(files)
    if lyrics is None and description is None and not instrumental:
        raise _fail("give --lyrics FILE, --description TEXT or --instrumental", EXIT_USAGE)
    if lyrics is not None and description is not None:
        raise _fail("--lyrics and --description exclude each other", EXIT_USAGE)
    prompt: str | None = None
    if lyrics is not None:
        try:
            prompt = lyrics.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _fail(f"cannot read lyrics file {lyrics}: {exc}", EXIT_USAGE) from exc
    with _client(base_url, api_key) as client, _reported_errors():
        submitted = client.sonic_create(
            task_type="create_music",
            mv=mv,
            custom_mode=description is None,
            prompt=prompt,
            gpt_description_prompt=description,
            title=title,
            tags=tags,
            negative_tags=negative_tags,
            make_instrumental=instrumental,
            vocal_gender=vocal_gender,
            duration=duration,
            seed=seed,
        )
        typer.echo(submitted.task_id)
        if not wait and output_dir is None:
            return
        clips = _wait_with_progress(client, submitted.task_id, timeout)
        _print_items(clips, heading=f"task {submitted.task_id}")
        for clip in clips:
            if clip.state == "failed":
                _stderr().print(f"[yellow]clip {clip.clip_id} failed:[/yellow] {clip.error_message or ''}")
        if output_dir is not None:
            for clip in clips:
                if clip.succeeded:
                    for path in _download_clip(client, clip, output_dir, kinds):
                        _stderr().print(f"wrote {path}")
        if not any(c.succeeded for c in clips):
            raise _fail(f"task {submitted.task_id} failed", EXIT_API)


def status_command(
    task_id: Annotated[str, typer.Argument(help="The task id printed by `tunesmith create`.")],
    family: Annotated[str, typer.Option(help=f"API family of the task: {', '.join(FAMILIES)}.")] = "sonic",
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw poll answer as JSON.")] = False,
    base_url: BaseUrlOption = DEFAULT_BASE_URL,
    api_key: ApiKeyOption = None,
) -> None:
    """Show a task's state and each clip's state, title, duration and audio URL (or error)."""
    if family not in FAMILIES:
        raise _fail(f"--family must be one of {', '.join(FAMILIES)}", EXIT_USAGE)
    polls: dict[str, Callable[[Client, str], Any]] = {
        "sonic": Client.sonic_task,
        "riffusion": Client.riffusion_task,
        "producer": Client.producer_task,
        "studio": Client.studio_task,
        "nuro": Client.nuro_task,
    }
    with _client(base_url, api_key) as client, _reported_errors():
        poll = polls[family](client, task_id)
    if as_json:
        typer.echo(json.dumps(poll.raw, indent=2, ensure_ascii=False))
        return
    state = derive_state(poll_states(poll))
    _print_items(poll_items(poll), heading=f"task {task_id}: {state}")


def download_command(
    target: Annotated[str, typer.Argument(help="A clip id, or a file URL to fetch as is.")],
    output_dir: Annotated[Path, typer.Option("--output", "-o", help="Directory to write into.")] = Path("."),
    files: Annotated[
        str, typer.Option("--files", help="For a clip: which files, from mp3,wav,cover,video.")
    ] = "mp3,wav,cover,video",
    base_url: BaseUrlOption = DEFAULT_BASE_URL,
    api_key: ApiKeyOption = None,
) -> None:
    """Download a finished clip's files into DIR/<clip_id>/, or one file URL into DIR."""
    kinds = _parse_kinds(files)
    is_url = target.startswith(("http://", "https://"))
    with _client(base_url, api_key, need_key=not is_url) as client, _reported_errors():
        if is_url:
            output_dir.mkdir(parents=True, exist_ok=True)
            path = client.download(target, output_dir)
            _stderr().print(f"wrote {path}")
            return
        clip = client.get_clip(target)
        if not clip.succeeded:
            detail = f": {clip.error_message}" if clip.error_message else ""
            raise _fail(f"clip {clip.clip_id} is {clip.state}{detail}; nothing to download", EXIT_API)
        for path in _download_clip(client, clip, output_dir, kinds):
            _stderr().print(f"wrote {path}")


client_commands: dict[str, Callable[..., None]] = {
    "create": create_command,
    "status": status_command,
    "download": download_command,
}
"""Command name → function, for ``tunesmith.cli`` to register on its Typer app."""
