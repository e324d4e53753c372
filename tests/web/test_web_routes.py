"""The playground routes on the real app (over ASGI): the page, its assets, the config that hides
operations the server lacks, and tag suggestions from the style knowledge base."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from tunesmith.api.app import create_app
from tunesmith.music.style.tags import known_tags
from tunesmith.settings import Settings
from tunesmith.web.routes import OPERATIONS, api_paths, capabilities

STATIC = Path(__file__).resolve().parents[2] / "src" / "tunesmith" / "web" / "static"


class Client:
    """Synchronous calls into the real app over ASGI (no server, no lifespan: no services needed)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                return await c.request(method, url, **kwargs)

        return asyncio.run(go())

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: str) -> httpx.Response:
        return self.request("HEAD", url)


@pytest.fixture
def client(tmp_path: Path) -> Client:
    return Client(create_app(Settings(data_dir=tmp_path)))


def test_index_serves_the_page_with_local_modules_only(client: Client) -> None:
    answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert '<script type="module" src="/static/app.js">' in html
    # every referenced asset is local and served
    for ref in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        asset = client.get(ref)
        assert asset.status_code == 200, ref
    assert "http://" not in html and "https://" not in html
    # every form control has a label
    ids = set(re.findall(r'<(?:input|textarea|select)[^>]*\bid="([^"]+)"', html))
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    assert ids - labelled == set()


def test_js_modules_import_only_local_files(client: Client) -> None:
    for path in STATIC.glob("*.js"):
        source = path.read_text(encoding="utf-8")
        for target in re.findall(r'from\s+"([^"]+)"', source):
            assert target.startswith("./"), (path.name, target)
            assert (STATIC / target[2:]).is_file()
        answer = client.get(f"/static/{path.name}")
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/javascript")
        assert answer.content == path.read_bytes()


@pytest.mark.parametrize("name", ["../routes.py", "..%2Froutes.py", "routes.py", "nope.js", ".hidden.css"])
def test_static_serves_nothing_else(client: Client, name: str) -> None:
    answer = client.get(f"/static/{name}")
    assert answer.status_code == 404
    assert answer.json()["message"] == "Not Found."


def test_head_requests(client: Client) -> None:
    assert (client.head("/")).status_code == 200
    assert (client.head("/static/style.css")).status_code == 200


def test_config_reports_what_the_server_offers(client: Client) -> None:
    answer = (client.get("/playground/config")).json()
    paths = api_paths(client.app)
    assert "/api/v1/sonic/create" in paths
    assert answer["operations"] == capabilities(paths, answer["task_types"])
    assert set(answer["operations"]) == set(OPERATIONS)
    assert "create_music" in answer["task_types"]
    assert answer["operations"]["upload"] is ("/api/v1/sonic/upload" in paths)
    assert answer["operations"]["tasks"] is ("/api/v1/tasks" in paths)
    # this server performs every operation the page knows (edits, stems, aligned lyrics)
    assert all(answer["operations"].values()), answer["operations"]
    assert answer["tags"] == known_tags()
    # the playground's own routes stay out of the API document
    assert not any(p.startswith(("/playground", "/static")) or p == "/" for p in paths)


def test_capabilities_need_both_the_route_and_the_task_type() -> None:
    paths = {"/api/v1/sonic/create", "/api/v1/sonic/stems/full"}
    caps = capabilities(paths, ["create_music", "extend_music"])
    assert caps["extend"] is True
    assert caps["cover"] is False  # route exists, task type not built
    assert caps["stems"] is True
    assert caps["stems_basic"] is False  # only the full split is routed here
    assert caps["replace_section"] is False
    assert capabilities(set(), ["extend_music"])["extend"] is False


def test_tag_suggestions(client: Client) -> None:
    tags = (client.get("/playground/tags", params={"q": "pia", "limit": 5})).json()["tags"]
    assert 0 < len(tags) <= 5
    assert tags[0].startswith("pia")
    assert "piano" in tags
    everything = (client.get("/playground/tags", params={"q": "", "limit": 500})).json()["tags"]
    assert len(everything) == min(100, len(known_tags()))
    within = (client.get("/playground/tags", params={"q": "wave", "limit": 100})).json()["tags"]
    assert within and all("wave" in t for t in within)
