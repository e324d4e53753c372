"""CLI: keys create/list/revoke, credits add, migrate — against a real data dir."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tunesmith.auth.keys import authenticate
from tunesmith.cli import app
from tunesmith.errors import Unauthorized
from tunesmith.settings import load_settings
from tunesmith.store.repos import Store


def test_keys_and_credits(tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(tmp_path / "d")
    assert runner.invoke(app, ["migrate", "--data-dir", data]).exit_code == 0
    created = runner.invoke(app, ["keys", "create", "--credits", "40", "--name", "ci", "--data-dir", data])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("ts_") and len(key) == 46
    added = runner.invoke(app, ["credits", "add", key, "25", "--data-dir", data])
    assert added.exit_code == 0 and "credits 65" in added.output
    listed = runner.invoke(app, ["keys", "list", "--data-dir", data])
    assert key[:10] in listed.output and "active" in listed.output and key not in listed.output
    store = Store.open(load_settings(data_dir=Path(data)).database_url)
    try:
        assert authenticate(store, f"Bearer {key}").credits == 65
        assert runner.invoke(app, ["keys", "revoke", key[:10], "--data-dir", data]).exit_code == 0
        try:
            authenticate(store, f"Bearer {key}")
        except Unauthorized as exc:
            assert exc.message == "Invalid API key."
        else:
            raise AssertionError("revoked key still works")
    finally:
        store.close()
    assert runner.invoke(app, ["credits", "add", "nobody", "5", "--data-dir", data]).exit_code == 1
