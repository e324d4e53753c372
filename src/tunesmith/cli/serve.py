"""Service commands: ``tunesmith run`` (API + embedded worker processes), ``tunesmith worker``
(queue consumer for scaled-out deployments) and ``tunesmith migrate``.

Every command takes ``--data-dir`` (env ``TUNESMITH_DATA_DIR``, default ``./data``) holding the
SQLite files and blobs, so several instances can run side by side.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from tunesmith.settings import Settings, load_settings

serve_app = typer.Typer(help="Serve the API and run workers.")

DataDir = Annotated[
    Path,
    typer.Option("--data-dir", envvar="TUNESMITH_DATA_DIR", help="Folder for the SQLite files and blobs."),
]


def settings_for(data_dir: Path, **overrides: object) -> Settings:
    """Settings from the environment with ``data_dir`` (and ``overrides``) applied."""
    settings = load_settings(data_dir=data_dir)
    update = {k: v for k, v in overrides.items() if v is not None}
    return settings.model_copy(update=update) if update else settings


def ensure_first_key(settings: Settings) -> str | None:
    """On an empty database create one key; returns its plaintext (None if keys already exist)."""
    from tunesmith.auth.keys import create_key
    from tunesmith.store.repos import Store

    store = Store.open(settings.database_url, busy_timeout_ms=settings.database.busy_timeout_ms)
    try:
        store.migrate()
        if store.count_keys():
            return None
        _, plaintext = create_key(store, name="first", credits=settings.billing.first_key_credits)
        return plaintext
    finally:
        store.close()


def _die_with_parent() -> None:
    """In the worker child: ask Linux to send SIGTERM when ``tunesmith run`` dies, however it dies.

    uvicorn re-raises SIGTERM after its graceful shutdown, which ends ``run`` before its
    ``finally`` can stop the worker; without this the worker pool would be orphaned.
    """
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@serve_app.command("run")
def run(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: queue.workers).")] = None,
    data_dir: DataDir = Path("./data"),
    no_workers: Annotated[bool, typer.Option("--no-workers", help="Serve the API only.")] = False,
) -> None:
    """Serve the API with an embedded worker pool; prints the URL (and a first key on an empty DB)."""
    import uvicorn

    from tunesmith.api.app import create_app

    settings = load_settings(data_dir=data_dir)
    if "TUNESMITH_PUBLIC_BASE_URL" not in os.environ:
        settings = settings.model_copy(update={"public_base_url": f"http://{host}:{port}"})
    first = ensure_first_key(settings)
    if first is not None:
        typer.echo(f"Created the first API key with {settings.billing.first_key_credits} credits:")
        typer.echo(f"  {first}")
    worker: subprocess.Popen[bytes] | None = None
    if not no_workers:
        env = {
            **os.environ,
            "TUNESMITH_DATA_DIR": str(data_dir),
            "TUNESMITH_PUBLIC_BASE_URL": settings.public_base_url,
        }
        count = workers or settings.queue.workers
        worker = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from tunesmith.cli import main; main()",
                "worker",
                "--workers",
                str(count),
            ],
            env=env,
            preexec_fn=_die_with_parent,
        )
    typer.echo(f"tunesmith is serving at {settings.public_base_url}  (docs: {settings.public_base_url}/docs)")
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


@serve_app.command("worker")
def worker(
    data_dir: DataDir = Path("./data"),
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: queue.workers).")] = None,
) -> None:
    """Consume the task queue with worker processes (plus the lease reaper)."""
    from tunesmith.jobs import leases
    from tunesmith.jobs.context import build_services, worker_services
    from tunesmith.jobs.queue import HueyQueue

    settings = settings_for(data_dir)
    services = build_services(settings)
    queue = services.queue
    if not isinstance(queue, HueyQueue):
        raise typer.BadParameter("the worker needs the huey queue backend (queue.backend=huey)")
    # Compile the analysis kernels here, once, before forking: worker processes compiling them
    # at the same moment can race on numba's cache and crash.
    from tunesmith.music.analyze.warmup import warm_up

    warm_up()
    requeued = leases.requeue_pending(services)
    stop = threading.Event()

    def reaper() -> None:
        while not stop.wait(settings.queue.reaper_interval_s):
            try:
                leases.reap(worker_services(settings))
            except Exception as exc:  # keep reaping whatever one pass did
                typer.echo(f"reaper: {exc}", err=True)

    threading.Thread(target=reaper, name="tunesmith-reaper", daemon=True).start()
    count = workers or settings.queue.workers
    typer.echo(f"tunesmith worker: {count} processes, {requeued} pending task(s) re-queued")
    consumer = queue.huey.create_consumer(
        workers=count, worker_type="process", periodic=False, check_worker_health=True
    )
    try:
        consumer.run()
    finally:
        stop.set()


@serve_app.command("migrate")
def migrate(data_dir: DataDir = Path("./data")) -> None:
    """Create or upgrade the database schema."""
    from tunesmith.store.repos import Store

    settings = settings_for(data_dir)
    store = Store.open(settings.database_url, busy_timeout_ms=settings.database.busy_timeout_ms)
    try:
        store.migrate()
    finally:
        store.close()
    typer.echo(f"database is up to date: {settings.database_url}")
