"""``tunesmith keys create/list/revoke`` and ``tunesmith credits add``.

``keys create`` prints the new key alone on the last line of its output, so scripts can capture
it with ``| tail -n 1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tunesmith.cli.serve import DataDir, settings_for
from tunesmith.store.repos import ApiKey, Store

keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
credits_app = typer.Typer(help="Grant credits to a key.", no_args_is_help=True)


def _store(data_dir: Path) -> Store:
    settings = settings_for(data_dir)
    store = Store.open(settings.database_url, busy_timeout_ms=settings.database.busy_timeout_ms)
    store.migrate()
    return store


def _find(store: Store, ref: str) -> ApiKey:
    from tunesmith.auth.keys import hash_key

    found = store.key_by_hash(hash_key(ref))
    if found is not None:
        return found[0]
    matches = store.find_keys(ref)
    if len(matches) != 1:
        typer.echo(f"no single key matches {ref!r} (use the key, its id or its prefix)", err=True)
        raise typer.Exit(code=1)
    return matches[0]


@keys_app.command("create")
def create(
    credits: Annotated[int, typer.Option("--credits", min=0, help="Monthly credits to start with.")] = 0,
    name: Annotated[str, typer.Option("--name", help="A label for the key.")] = "",
    extra_credits: Annotated[int, typer.Option("--extra-credits", min=0, help="One-time credits.")] = 0,
    data_dir: DataDir = Path("./data"),
) -> None:
    """Create a key; its plaintext is printed once, alone on the last line."""
    from tunesmith.auth.keys import create_key

    store = _store(data_dir)
    try:
        record, plaintext = create_key(store, name=name, credits=credits, extra_credits=extra_credits)
    finally:
        store.close()
    typer.echo(f"id: {record.id}")
    typer.echo(f"name: {record.name}")
    typer.echo(f"credits: {record.credits}  extra_credits: {record.extra_credits}")
    typer.echo(f"webhook secret: {record.webhook_secret}")
    typer.echo(plaintext)


@keys_app.command("list")
def list_keys(data_dir: DataDir = Path("./data")) -> None:
    """List keys (prefix, name, credits, status)."""
    store = _store(data_dir)
    try:
        keys = store.list_keys()
    finally:
        store.close()
    typer.echo(f"{'prefix':<12} {'name':<20} {'credits':>8} {'extra':>8} {'status':<10} id")
    for k in keys:
        status = "revoked" if k.revoked else "suspended" if k.suspended else "active"
        typer.echo(
            f"{k.prefix:<12} {k.name[:20]:<20} {k.credits:>8} {k.extra_credits:>8} {status:<10} {k.id}"
        )


@keys_app.command("revoke")
def revoke(
    ref: Annotated[str, typer.Argument(help="The key, its id or its prefix.")],
    data_dir: DataDir = Path("./data"),
) -> None:
    """Revoke a key: it answers 401 from now on."""
    store = _store(data_dir)
    try:
        record = _find(store, ref)
        store.set_key_flags(record.id, revoked=True)
    finally:
        store.close()
    typer.echo(f"revoked {record.prefix} ({record.id})")


@credits_app.callback()
def _credits() -> None:
    """Grant credits to a key."""


@credits_app.command("add")
def add(
    key: Annotated[str, typer.Argument(help="The key, its id or its prefix.")],
    amount: Annotated[int, typer.Argument(help="Credits to add (negative to remove, never below 0).")],
    extra: Annotated[bool, typer.Option("--extra", help="Add to extra_credits instead.")] = False,
    data_dir: DataDir = Path("./data"),
) -> None:
    """Add credits to a key and print the new balance."""
    store = _store(data_dir)
    try:
        record = store.grant_credits(_find(store, key).id, amount, extra=extra)
    finally:
        store.close()
    typer.echo(f"{record.prefix}: credits {record.credits}, extra_credits {record.extra_credits}")
