"""Docs can't drift: every setting, CLI command and wire error message is documented, and the
generated reference pages (docs/reference/*.md) match what ``docs/gen_reference.py`` renders now.

When a test here fails after a code change, run ``.venv/bin/python docs/gen_reference.py`` (for
the reference pages) or add the new error message to ``docs/errors.md``.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "tunesmith"
WIRE_LAYERS_EXCLUDED = {"music", "client", "cli", "web"}
"""Packages whose exception messages do not reach the wire as such (the domain, the SDK, the CLI)."""
ERROR_CLASSES = {
    "TunesmithError",
    "InvalidParameter",
    "Unauthorized",
    "Forbidden",
    "InsufficientCredits",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "ServiceUnavailable",
    "Gone",
    "JobFailed",
    "Cancelled",
}
PLACEHOLDER = "\x00"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_reference", DOCS / "gen_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_reference", module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return load_generator()


# ------------------------------------------------------------------------------------------ reference


def test_generated_reference_is_up_to_date(gen: ModuleType) -> None:
    stale = []
    for name, text in gen.rendered().items():
        path = DOCS / "reference" / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    assert not stale, f"docs/reference/{stale} out of date: run .venv/bin/python docs/gen_reference.py"


def test_generator_check_mode_detects_a_stale_file(gen: ModuleType, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(gen, "REFERENCE_DIR", tmp_path)
    assert gen.main([]) == 0  # writes every file
    assert gen.main(["--check"]) == 0
    (tmp_path / "settings.md").write_text("stale\n", encoding="utf-8")
    assert gen.main(["--check"]) == 1
    assert (tmp_path / "settings.md").read_text(encoding="utf-8") == "stale\n"


# ------------------------------------------------------------------------------------------ settings


def test_every_setting_is_documented(gen: ModuleType) -> None:
    from tunesmith.settings import Settings

    page = (DOCS / "reference" / "settings.md").read_text(encoding="utf-8")
    settings = list(gen.iter_settings(Settings))
    assert len(settings) >= 20
    for dotted, env, info in settings:
        assert info.description, f"setting {dotted} has no description in tunesmith/settings.py"
        assert f"| `{dotted}` | `{env}` |" in page, (
            f"setting {dotted} missing from docs/reference/settings.md"
        )


def test_settings_environment_names_really_work(gen: ModuleType, monkeypatch: Any) -> None:
    """The documented variable of a nested setting really sets it (the docs tell the truth)."""
    from tunesmith.settings import load_settings

    monkeypatch.setenv("TUNESMITH_QUEUE__WORKERS", "7")
    monkeypatch.setenv("TUNESMITH_PUBLIC_BASE_URL", "https://music.example.org")
    settings = load_settings()
    assert settings.queue.workers == 7
    assert settings.public_base_url == "https://music.example.org"


# ------------------------------------------------------------------------------------------ CLI


def test_every_cli_command_is_documented_and_has_complete_help(gen: ModuleType) -> None:
    from tunesmith.cli import app

    page = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    commands = list(gen.iter_commands(gen.cli_root()))
    names = [line for line, _ in commands]
    for required in ("tunesmith run", "tunesmith worker", "tunesmith keys create", "tunesmith create"):
        assert required in names
    runner = CliRunner()
    for line, command in commands:
        assert (command.help or "").strip(), f"`{line}` has no help text"
        assert f"`{line}`" in page, f"`{line}` missing from docs/reference/cli.md"
        for param in command.params:
            label = param.name if param.param_type_name == "argument" else "/".join(param.opts)
            assert (getattr(param, "help", "") or "").strip(), f"`{line}` {label} has no help text"
            if param.param_type_name == "option":
                assert f"`{param.opts[0]}`" in page, f"`{line} {param.opts[0]}` missing from cli.md"
        result = runner.invoke(app, [*line.split()[1:], "--help"])
        assert result.exit_code == 0, (line, result.output)
        first_words = " ".join((command.help or "").split()[:3])
        assert first_words in " ".join(result.output.split()), (line, result.output)


# ------------------------------------------------------------------------------------------ errors


def _pattern(node: ast.AST, constants: dict[str, str]) -> list[str]:
    """Message texts an expression can produce; f-string fields become PLACEHOLDER."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts = [v.value if isinstance(v, ast.Constant) else PLACEHOLDER for v in node.values]
        return ["".join(str(p) for p in parts)]
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, ast.BoolOp):
        return [p for value in node.values for p in _pattern(value, constants)]
    return []


def _is_message(text: str) -> bool:
    return " " in text and text.rstrip().endswith(".")


def code_messages() -> dict[str, set[str]]:
    """Every error message the wire layers can send → the files that use it.

    Collected from the source: the first argument of every ``tunesmith.errors`` exception raised,
    upper-case module constants holding a message, the texts returned by ``*_message`` helpers,
    and the status texts of ``api/errors.py``.
    """
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if relative.parts[0] in WIRE_LAYERS_EXCLUDED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants: dict[str, str] = {}
        texts: list[str] = []
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
            ):
                name = node.targets[0].id
                values = _pattern(node.value, {})
                if len(values) == 1:
                    constants[name] = values[0]
                    if name.isupper() and _is_message(values[0]):
                        texts.append(values[0])
                if relative.as_posix() == "api/errors.py" and isinstance(node.value, ast.Dict):
                    texts += [v.value for v in node.value.values if isinstance(v, ast.Constant)]
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                name = (
                    func.id
                    if isinstance(func, ast.Name)
                    else func.attr
                    if isinstance(func, ast.Attribute)
                    else ""
                )
                if name in ERROR_CLASSES:
                    texts += _pattern(node.args[0], constants)
            if isinstance(node, ast.FunctionDef) and node.name.endswith("_message"):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return) and inner.value is not None:
                        texts += _pattern(inner.value, constants)
        for text in texts:
            found.setdefault(text, set()).add(relative.as_posix())
    return found


def documented_messages() -> list[str]:
    """The messages in the tables of docs/errors.md (second column, each in backticks)."""
    messages: list[str] = []
    for line in (DOCS / "errors.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3 and not set(cells[0]) <= {"-"}:
            messages += re.findall(r"`([^`]+)`", cells[1])
    return messages


def _regex(text: str, placeholder: str) -> re.Pattern[str]:
    pieces = re.split(placeholder, text)
    return re.compile(".+".join(re.escape(p) for p in pieces), re.DOTALL)


def is_documented(message: str, documented: list[str]) -> bool:
    code_re = _regex(message, re.escape(PLACEHOLDER))
    literal = message.replace(PLACEHOLDER, "<x>")
    return any(
        code_re.fullmatch(doc) is not None or _regex(doc, r"<[a-z_]+>").fullmatch(literal) is not None
        for doc in documented
    )


def test_error_message_harvest_finds_the_contract_messages() -> None:
    found = code_messages()
    for message in (
        "Authorization header is missing.",
        "Invalid API key.",
        "task not found.",
        "Invalid JSON body.",
        "The remaining credits are not enough. You can buy more one-time credit packs or subscribe.",
        f"The '{PLACEHOLDER}' field should be a string.",
    ):
        assert message in found, sorted(found)


def test_every_error_message_is_documented() -> None:
    documented = documented_messages()
    assert len(documented) >= 50
    missing = {
        m.replace(PLACEHOLDER, "<…>"): sorted(files)
        for m, files in code_messages().items()
        if not is_documented(m, documented)
    }
    assert not missing, f"add these messages to docs/errors.md: {missing}"


def test_matching_is_strict() -> None:
    documented = ["The '<f>' field should be a string.", "Invalid API key."]
    assert is_documented(f"The '{PLACEHOLDER}' field should be a string.", documented)
    assert is_documented("The 'mv' field should be a string.", documented)
    assert not is_documented("Invalid API token.", documented)
    assert not is_documented(f"The '{PLACEHOLDER}' field should be a number.", documented)


# ------------------------------------------------------------------------------------------ pages


def test_docs_pages_exist_and_links_resolve() -> None:
    for page in ("index.md", "quickstart.md", "concepts.md", "deployment.md", "errors.md", "playground.md"):
        assert (DOCS / page).is_file(), page
    for page in DOCS.rglob("*.md"):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+://", target):
                continue
            assert (page.parent / target).resolve().exists(), f"{page.relative_to(DOCS)} links to {target}"
