"""The SDK is light: importing it pulls in neither numpy nor any server module."""

from __future__ import annotations

import subprocess
import sys

SERVER_PARTS = ("api", "jobs", "store", "music", "engines", "settings", "errors", "billing", "blobs", "auth")


def test_import_is_light() -> None:
    roots = "('numpy', 'tunesmith', 'pydantic', 'fastapi', 'sqlalchemy')"
    code = (
        "import sys, json, tunesmith.client, tunesmith.client.webhooks;"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {roots})))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    import json

    loaded = json.loads(out)
    assert "tunesmith.client" in loaded
    assert not [m for m in loaded if m == "numpy" or m.startswith("numpy.")]
    assert not [m for m in loaded if m.split(".")[0] in ("pydantic", "fastapi", "sqlalchemy")]
    assert not [m for m in loaded if m.startswith("tunesmith.") and m.split(".")[1] in SERVER_PARTS]
