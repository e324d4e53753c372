"""The ``tunesmith`` command line (Typer).

Commands: ``compose`` (make a song into a folder), plus the service commands ``run``, ``worker``,
``migrate``, ``keys`` and ``credits`` (registered from :mod:`tunesmith.cli.serve` and
:mod:`tunesmith.cli.keys`).
"""

from __future__ import annotations

import typer

from tunesmith.cli import music_tools
from tunesmith.cli.client import client_commands
from tunesmith.cli.compose import compose_command

app = typer.Typer(
    name="tunesmith",
    help="Self-hosted music generation and analysis: compose songs, serve the API.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("compose")(compose_command)
app.command("lyrics")(music_tools.lyrics_command)
app.command("tags")(music_tools.tags_command)
app.command("analyze")(music_tools.analyze_command)
app.command("stems")(music_tools.stems_command)
app.command("midi")(music_tools.midi_command)
for _name, _command in client_commands.items():  # create, status, download (through the SDK)
    app.command(_name)(_command)


def _register_service_commands() -> None:
    try:
        from tunesmith.cli.serve import serve_app
    except ModuleNotFoundError as exc:  # the service commands are optional in a partial checkout
        if exc.name != "tunesmith.cli.serve":
            raise
    else:
        app.registered_commands.extend(serve_app.registered_commands)
    try:
        from tunesmith.cli.keys import credits_app, keys_app
    except ModuleNotFoundError as exc:
        if exc.name != "tunesmith.cli.keys":
            raise
    else:
        app.add_typer(keys_app, name="keys", help="Create, list and revoke API keys.")
        app.add_typer(credits_app, name="credits", help="Add credits to a key.")


_register_service_commands()


def main() -> None:
    """Console-script entry point."""
    app()
