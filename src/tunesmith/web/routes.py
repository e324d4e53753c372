"""The playground's routes: the page at ``/``, its static files at ``/static/<name>`` and a small
JSON description of what this server can do at ``/playground/config``.

The page is plain HTML, CSS and ES modules shipped as package data (no build step, no CDN). The
config endpoint lets the page show only the operations this server really offers: it reads the
app's own routes and the sonic task types at request time, and lists the style knowledge base's
tag words for suggestions. None of these routes needs a key and none is in the OpenAPI document.
"""

from __future__ import annotations

import importlib
import warnings
from functools import lru_cache
from importlib import resources
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

router = APIRouter(include_in_schema=False)

STATIC_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
"""Content types of the files under ``web/static`` (anything else is not served)."""

OPERATIONS: dict[str, tuple[str, str | None]] = {
    # name: (path that must exist, sonic task_type that must be built or None)
    "extend": ("/api/v1/sonic/create", "extend_music"),
    "cover": ("/api/v1/sonic/create", "cover_music"),
    "remaster": ("/api/v1/sonic/create", "remaster"),
    "stems": ("/api/v1/sonic/stems/full", None),
    "stems_basic": ("/api/v1/sonic/stems/basic", None),
    "replace_section": ("/api/v1/sonic/replace-section", None),
    "aligned_lyrics": ("/api/v1/sonic/aligned-lyrics", None),
    "upsample_tags": ("/api/v1/sonic/upsample-tags", None),
    "midi": ("/api/v1/sonic/midi", None),
    "upload": ("/api/v1/sonic/upload", None),
    "tasks": ("/api/v1/tasks", None),
}
"""Operations the page can offer, and what the server must have for each."""


def _static_file(name: str) -> bytes | None:
    """The bytes of ``web/static/<name>``, or None when it is not a served file."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    if not any(name.endswith(suffix) for suffix in STATIC_TYPES):
        return None
    path = resources.files("tunesmith.web").joinpath("static", name)
    if not path.is_file():
        return None
    return path.read_bytes()


@lru_cache(maxsize=1)
def _tags() -> tuple[str, ...]:
    from tunesmith.music.style.tags import known_tags

    return tuple(known_tags())


def _sonic_task_types() -> list[str]:
    """The sonic ``task_type`` values this server performs (``create_music`` at least)."""
    try:
        module = importlib.import_module("tunesmith.api.schemas.sonic")
    except ImportError:  # pragma: no cover - a partial checkout
        return ["create_music"]
    types = getattr(module, "BUILT_TASK_TYPES", None)
    return [str(t) for t in types] if types else ["create_music"]


def api_paths(app: Any) -> set[str]:
    """The paths of the app's OpenAPI document (what the API really serves)."""
    with warnings.catch_warnings():  # a duplicate operation id is a warning, not our business here
        warnings.simplefilter("ignore")
        schema = app.openapi()
    return set(schema.get("paths", {}))


def capabilities(paths: set[str], task_types: list[str]) -> dict[str, bool]:
    """Which of :data:`OPERATIONS` are available, given the app's route paths and task types."""
    return {
        name: path in paths and (task_type is None or task_type in task_types)
        for name, (path, task_type) in OPERATIONS.items()
    }


@router.api_route("/", methods=["GET", "HEAD"])
def index() -> HTMLResponse:
    """The playground page."""
    body = _static_file("index.html")
    assert body is not None, "tunesmith/web/static/index.html is missing from the package"
    return HTMLResponse(body, headers={"Cache-Control": "no-cache"})


@router.api_route("/static/{name}", methods=["GET", "HEAD"])
def static(name: str) -> Response:
    """A playground asset (CSS, JS module, icon)."""
    body = _static_file(name)
    if body is None:
        return JSONResponse({"code": 404, "message": "Not Found.", "error": "Not Found."}, status_code=404)
    suffix = name[name.rindex(".") :]
    return Response(body, media_type=STATIC_TYPES[suffix], headers={"Cache-Control": "no-cache"})


@router.get("/playground/config")
def config(request: Request) -> JSONResponse:
    """What the page may offer: ``operations`` (name → bool), ``task_types`` and ``tags``."""
    paths = api_paths(request.app)
    task_types = _sonic_task_types()
    answer: dict[str, Any] = {
        "operations": capabilities(paths, task_types),
        "task_types": task_types,
        "tags": list(_tags()),
    }
    return JSONResponse(answer)


@router.get("/playground/tags")
def tags(q: str = "", limit: int = 20) -> JSONResponse:
    """Tag words of the style knowledge base starting with (then containing) ``q``."""
    needle = q.strip().lower()
    limit = max(1, min(limit, 100))
    words = _tags()
    if not needle:
        return JSONResponse({"tags": list(words[:limit])})
    starts = [w for w in words if w.startswith(needle)]
    within = [w for w in words if needle in w and not w.startswith(needle)]
    return JSONResponse({"tags": (starts + within)[:limit]})
