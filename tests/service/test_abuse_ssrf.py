"""Abuse: server-side request forgery (API.md §12 network rule, §10 delivery).

URL uploads and webhook deliveries refuse loopback, private, link-local (the cloud metadata
address), CGNAT, unspecified, multicast and ULA targets, in every spelling (decimal, octal, hex,
short IPv4, IPv4-mapped/NAT64/6to4 IPv6), host names that resolve to them, and redirects to them.
Every redirect hop is resolved and checked again; each hop's name is resolved once and the
connection goes to the checked address (a later, different DNS answer cannot redirect it).

The real resolver (``system_resolver``, getaddrinfo) is exercised with literal spellings and
``localhost``; a scripted resolver stands in behind the same ``Resolver`` port only to play a
rebinding DNS server. A loopback server plays the "public" host where a test passes it in
``allowed_networks`` (the operator's allow-list), so redirects from it to other loopback
addresses (127.0.0.2, ::1) are refused like any private target.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from tests.service.conftest import make_settings, tone_wav

from tunesmith.jobs.context import Services
from tunesmith.webhooks.net import (
    BlockedTarget,
    fetch,
    is_forbidden_address,
    post,
    resolve,
    system_resolver,
)

NOT_ACCESSIBLE = "Audio URL is not accessible. Please provide a public direct audio file URL."
LOOPBACK_ONLY = [ipaddress.ip_network("127.0.0.1/32")]

FORBIDDEN_LITERALS = [
    "127.0.0.1",
    "127.8.9.10",
    "0.0.0.0",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
]
PUBLIC = ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"]

# Spellings that the system resolver (inet_aton rules) turns into loopback or metadata addresses.
ODD_SPELLINGS = ["2130706433", "0177.0.0.1", "0x7f.0.0.1", "0x7f000001", "127.1", "0", "2852039166"]


@pytest.mark.parametrize("literal", FORBIDDEN_LITERALS)
def test_forbidden_addresses(literal: str) -> None:
    assert is_forbidden_address(ipaddress.ip_address(literal))
    with pytest.raises(BlockedTarget):
        resolve(literal, 80, allow_private=False)
    assert resolve(literal, 80, allow_private=True) == literal


@pytest.mark.parametrize("literal", PUBLIC)
def test_public_addresses_pass(literal: str) -> None:
    assert not is_forbidden_address(ipaddress.ip_address(literal))


@pytest.mark.parametrize("host", [*ODD_SPELLINGS, "localhost"])
def test_the_real_resolver_sees_through_spellings_and_names(host: str) -> None:
    try:
        addresses = system_resolver(host, 80)
    except OSError:
        pytest.skip(f"{host} does not resolve on this machine")
    assert addresses and all(is_forbidden_address(ipaddress.ip_address(a.split("%")[0])) for a in addresses)
    with pytest.raises(BlockedTarget):
        resolve(host, 80, allow_private=False)


class Web:
    """A loopback HTTP server with scripted answers per path; records (method, path, Host)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.seen: list[tuple[str, str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length", "0") or 0)
                if length:
                    self.rfile.read(length)
                outer.seen.append((self.command, self.path, self.headers.get("host", "")))
                status, headers, body = outer.routes.get(self.path, (404, {}, b""))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def log_message(self, *args: object) -> None:
                return None

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = (status, {"location": location}, b"")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def web() -> Iterator[Web]:
    server = Web()
    yield server
    server.close()


@pytest.fixture
def other_loopback() -> Iterator[Web]:
    """A second server on 127.0.0.2 (all of 127/8 is loopback on Linux): a private redirect target."""
    try:
        server = Web("127.0.0.2")
    except OSError:
        pytest.skip("cannot bind 127.0.0.2")
    yield server
    server.close()


def _fetch(url: str, **kwargs: Any) -> bytes:
    return fetch(
        url,
        allow_private=False,
        max_bytes=10_000_000,
        connect_timeout_s=5,
        total_timeout_s=10,
        allowed_networks=LOOPBACK_ONLY,
        **kwargs,
    ).content


def test_url_uploads_to_private_targets_in_any_spelling_are_refused(
    client: httpx.Client, auth: dict[str, str], services: Services, web: Web
) -> None:
    web.routes["/a.wav"] = (200, {}, tone_wav(1.5))
    services.settings.uploads.allow_private_networks = False
    port = web.port
    urls = [f"http://{host}:{port}/a.wav" for host in [*ODD_SPELLINGS, "127.0.0.1", "localhost"]]
    urls += [
        f"http://[::ffff:127.0.0.1]:{port}/a.wav",
        f"http://[::ffff:7f00:1]:{port}/a.wav",
        f"http://[::1]:{port}/a.wav",
        "http://169.254.169.254/latest/meta-data/iam/a.wav",
        "http://[fd00::1]/a.wav",
        "http://[fe80::1]/a.wav",
        "http://192.168.0.1/a.wav",
        "http://100.100.100.200/a.wav",
        f"http://user:pass@127.0.0.1:{port}/a.wav",
    ]
    for url in urls:
        response = client.post("/api/v1/sonic/upload", json={"url": url}, headers=auth)
        body = response.json()
        assert (response.status_code, body["message"]) == (400, NOT_ACCESSIBLE), url
    assert web.seen == []  # no request ever reached the loopback server
    assert client.get("/api/v1/get-credits", headers=auth).json()["credits"] == 1000


def test_a_checked_host_is_fetched_and_every_redirect_hop_is_checked_again(
    web: Web, other_loopback: Web
) -> None:
    wav = tone_wav(1.2)
    web.routes["/a.wav"] = (200, {}, wav)
    other_loopback.routes["/a.wav"] = (200, {}, wav)
    base = f"http://127.0.0.1:{web.port}"
    # allowed target, allowed redirect (relative and absolute): followed
    web.redirect("/rel", "/a.wav")
    web.redirect("/abs", f"{base}/a.wav", status=301)
    assert _fetch(base + "/rel") == wav
    assert _fetch(base + "/abs") == wav
    # redirects to private targets: refused at the hop, nothing sent there
    refused = {
        "/to-loopback2": f"http://127.0.0.2:{other_loopback.port}/a.wav",
        "/to-metadata": "http://169.254.169.254/latest/meta-data/",
        "/to-v6": f"http://[::1]:{web.port}/a.wav",
        "/to-mapped": f"http://[::ffff:127.0.0.2]:{other_loopback.port}/a.wav",
        "/to-decimal": f"http://2130706434:{other_loopback.port}/a.wav",
        "/to-private": "http://10.0.0.7/a.wav",
        "/to-file": "file:///etc/passwd",
        "/to-gopher": "gopher://127.0.0.1:6379/_INFO",
    }
    for path, location in refused.items():
        web.redirect(path, location)
        with pytest.raises(BlockedTarget):
            _fetch(base + path)
    assert other_loopback.seen == []
    # the chain limit: 5 redirects are followed, a 6th is refused
    for hop in range(7):
        web.redirect(f"/hop{hop}", f"/hop{hop + 1}")
    web.routes["/hop7"] = (200, {}, wav)
    assert _fetch(base + "/hop2") == wav  # 5 redirects
    with pytest.raises(BlockedTarget, match="too many redirects"):
        _fetch(base + "/hop1")  # 6 redirects


class RebindingDns:
    """A scripted resolver (the ``Resolver`` port): answers for each name in turn, recording calls."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = {name: list(seq) for name, seq in answers.items()}
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        sequence = self.answers.get(host)
        if not sequence:
            raise OSError(f"NXDOMAIN {host}")
        return sequence.pop(0) if len(sequence) > 1 else sequence[0]


def test_dns_is_resolved_once_per_hop_and_the_connection_pinned(web: Web) -> None:
    wav = tone_wav(1.2)
    web.routes["/a.wav"] = (200, {}, wav)
    # First answer passes the check; any later lookup would say 10.0.0.1 (a rebinding attack).
    dns = RebindingDns({"songs.example": [["127.0.0.1"], ["10.0.0.1"]]})
    assert _fetch(f"http://songs.example:{web.port}/a.wav", resolver=dns) == wav
    assert dns.calls == ["songs.example"]  # one lookup; the connection used its answer
    # the name exists nowhere else, so reaching the server proves the connection was pinned;
    # the Host header keeps the name
    assert web.seen[-1] == ("GET", "/a.wav", f"songs.example:{web.port}")
    # a redirect back to the same name is a new hop: resolved again (now 10.0.0.1) and refused
    web.redirect("/again", f"http://songs.example:{web.port}/a.wav")
    dns = RebindingDns({"songs.example": [["127.0.0.1"], ["10.0.0.1"]]})
    with pytest.raises(BlockedTarget, match="non-public"):
        _fetch(f"http://songs.example:{web.port}/again", resolver=dns)
    assert dns.calls == ["songs.example", "songs.example"]
    # a name with any private address among its answers is refused
    dns = RebindingDns({"mixed.example": [["127.0.0.1", "169.254.169.254"]]})
    with pytest.raises(BlockedTarget):
        _fetch(f"http://mixed.example:{web.port}/a.wav", resolver=dns)
    dns = RebindingDns({})
    with pytest.raises(BlockedTarget, match="cannot resolve"):
        _fetch("http://nowhere.example/a.wav", resolver=dns)


def test_webhook_posts_are_checked_pinned_and_never_follow_redirects(web: Web, other_loopback: Web) -> None:
    web.redirect("/hook", f"http://127.0.0.2:{other_loopback.port}/steal", status=307)
    status = post(
        f"http://127.0.0.1:{web.port}/hook",
        body=b"{}",
        headers={"content-type": "application/json"},
        allow_private=False,
        timeout_s=5,
        allowed_networks=LOOPBACK_ONLY,
    )
    assert status == 307 and other_loopback.seen == []
    for target in (
        f"http://127.0.0.2:{other_loopback.port}/hook",
        f"http://localhost:{web.port}/hook",
        f"http://2130706433:{web.port}/hook",
        f"http://[::ffff:127.0.0.1]:{web.port}/hook",
        "http://169.254.169.254/hook",
    ):
        with pytest.raises(BlockedTarget):
            post(target, body=b"{}", headers={}, allow_private=False, timeout_s=5)
    dns = RebindingDns({"hooks.example": [["127.0.0.1"], ["10.0.0.1"]]})
    ok = post(
        f"http://hooks.example:{web.port}/ok",
        body=b"{}",
        headers={},
        allow_private=False,
        timeout_s=5,
        allowed_networks=LOOPBACK_ONLY,
        resolver=dns,
    )
    assert ok == 404 and dns.calls == ["hooks.example"]
    assert web.seen[-1] == ("POST", "/ok", f"hooks.example:{web.port}")


def test_webhook_deliveries_to_private_names_fail_and_redirects_count_as_failures(
    tmp_path: Any, engine: Any, serve: Any, web: Web
) -> None:
    from tunesmith.auth.keys import create_key
    from tunesmith.jobs.context import build_services
    from tunesmith.jobs.queue import InlineQueue

    settings = make_settings(
        tmp_path / "d", webhooks={"allow_private_targets": False, "retry_schedule_s": [0.0]}
    )
    services = build_services(settings, queue=InlineQueue(), engine_factory=lambda name: engine)
    try:
        auth = {"Authorization": "Bearer " + create_key(services.store, name="k", credits=1000)[1]}
        with serve(services) as client:
            tasks = {}
            for url in (f"http://localhost:{web.port}/hook", f"http://0x7f.1:{web.port}/hook"):
                body = {"mv": "sonic-v5", "prompt": "[Verse]\nHi", "webhook_url": url}
                tasks[url] = client.post("/api/v1/sonic/create", json=body, headers=auth).json()["task_id"]
            queue = services.queue
            assert isinstance(queue, InlineQueue)
            queue.drain()
            for url, task_id in tasks.items():
                log = client.get("/api/v1/webhooks/deliveries", headers=auth, params={"task_id": task_id})
                (item,) = log.json()["data"]
                assert item["status"] == "failed", (url, item)
                assert all("refused" in (a["error"] or "") for a in item["attempts"]), item
            assert web.seen == []
            # allowed target that redirects: a failure, and the redirect is not followed
            services.settings.webhooks.allow_private_targets = True
            web.redirect("/moved", f"http://127.0.0.1:{web.port}/elsewhere")
            body = {
                "mv": "sonic-v5",
                "prompt": "[Verse]\nHi",
                "webhook_url": f"http://127.0.0.1:{web.port}/moved",
            }
            task_id = client.post("/api/v1/sonic/create", json=body, headers=auth).json()["task_id"]
            queue.drain()
            (item,) = client.get(
                "/api/v1/webhooks/deliveries", headers=auth, params={"task_id": task_id}
            ).json()["data"]
            assert item["status"] == "failed" and {a["status_code"] for a in item["attempts"]} == {302}
            assert [p for _, p, _ in web.seen] == ["/moved", "/moved"]
    finally:
        services.close()


def test_the_operator_allow_list_opens_only_its_networks(
    client: httpx.Client, auth: dict[str, str], services: Services, web: Web
) -> None:
    """``uploads.allowed_networks`` lets URL uploads reach the listed private networks, and only
    those; the setting parses CIDR strings from the environment's JSON list."""
    import ipaddress

    from tunesmith.settings import Settings

    parsed = Settings.model_validate({"uploads": {"allowed_networks": ["127.0.0.0/8", "fd00::/8"]}})
    assert parsed.uploads.allowed_networks == [
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("fd00::/8"),
    ]
    web.routes["/a.wav"] = (200, {}, tone_wav(1.5))
    services.settings.uploads.allow_private_networks = False
    url = f"http://127.0.0.1:{web.port}/a.wav"
    services.settings.uploads.allowed_networks = [ipaddress.ip_network("10.0.0.0/8")]
    refused = client.post("/api/v1/sonic/upload", json={"url": url}, headers=auth)
    assert (refused.status_code, refused.json()["message"]) == (400, NOT_ACCESSIBLE)
    assert web.seen == []
    services.settings.uploads.allowed_networks = [ipaddress.ip_network("127.0.0.0/8")]
    allowed = client.post("/api/v1/sonic/upload", json={"url": url}, headers=auth)
    assert allowed.status_code == 200, allowed.text
    assert len(web.seen) == 1
