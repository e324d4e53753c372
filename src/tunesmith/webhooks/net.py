"""Outbound HTTP under the network rule of API.md §12.

Loopback, private (RFC 1918, ``fc00::/7``), link-local, CGNAT ``100.64.0.0/10``, unspecified,
multicast and reserved addresses are refused unless allowed; host names are resolved and every
address checked; the connection is pinned to the checked address (Host header and TLS SNI keep the
name). Redirects are followed by hand (each hop checked) only where the caller asks.

Each hop's host is resolved exactly once, through a :data:`Resolver` (the port; the system's
``getaddrinfo`` is the real adapter), every address it returns is checked, and the request is sent
to the checked address itself, so a DNS answer that changes between check and connect (rebinding)
cannot redirect the connection. IPv4 addresses embedded in IPv6 (mapped, NAT64, 6to4, Teredo) are
judged by the IPv4 address they carry.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

Resolver = Callable[[str, int], list[str]]
"""``(host, port) -> addresses`` (textual IPs, IPv6 without brackets). Raises OSError when the
name does not resolve."""


class BlockedTarget(Exception):
    """The URL's scheme or address is not allowed, or the host does not resolve."""


class TooLarge(Exception):
    """The body exceeded the byte limit while streaming."""


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def is_forbidden_address(ip: IPAddress) -> bool:
    """True for every address the network rule refuses (API.md §12): loopback, private,
    link-local, CGNAT, unspecified, multicast, reserved or otherwise not global — including an
    IPv6 address that carries such an IPv4 address."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and is_forbidden_address(embedded):
            return True
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    return bool(
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_unspecified
        or ip.is_reserved
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT)
        or not ip.is_global
    )


def system_resolver(host: str, port: int) -> list[str]:
    """The real :data:`Resolver`: every address ``getaddrinfo`` gives for a TCP connection."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:
        raise OSError(f"cannot encode {host}") from exc
    return [str(info[4][0]) for info in infos]


def resolve(
    host: str,
    port: int,
    *,
    allow_private: bool,
    allowed_networks: Sequence[Network] = (),
    resolver: Resolver = system_resolver,
) -> str:
    """Resolve ``host`` once; the first address if every address passes the rule (or lies in
    ``allowed_networks``, the operator's allow-list); BlockedTarget otherwise."""
    try:
        addresses = resolver(host, port)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise BlockedTarget(f"cannot resolve {host}") from exc
    if not addresses:
        raise BlockedTarget(f"cannot resolve {host}")
    for address in addresses:
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError as exc:
            raise BlockedTarget(f"{host} resolves to a malformed address") from exc
        if allow_private or any(ip in network for network in allowed_networks):
            continue
        if is_forbidden_address(ip):
            raise BlockedTarget(f"{host} resolves to a non-public address")
    return addresses[0]


def check_url(url: str) -> httpx.URL:
    """Parse an http(s) URL with a host, or raise BlockedTarget."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise BlockedTarget("malformed URL") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise BlockedTarget("only http and https URLs are allowed")
    return parsed


def _pinned(
    url: httpx.URL, *, allow_private: bool, allowed_networks: Sequence[Network], resolver: Resolver
) -> tuple[httpx.URL, dict[str, str], dict[str, str]]:
    port = url.port or (443 if url.scheme == "https" else 80)
    ip = resolve(
        url.host, port, allow_private=allow_private, allowed_networks=allowed_networks, resolver=resolver
    )
    host_header = url.host if url.port is None else f"{url.host}:{url.port}"
    extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
    return url.copy_with(host=ip), {"Host": host_header}, extensions


@dataclass(frozen=True)
class Fetched:
    content: bytes
    url: str
    status_code: int


def fetch(
    url: str,
    *,
    allow_private: bool,
    max_bytes: int,
    connect_timeout_s: float,
    total_timeout_s: float,
    max_redirects: int = 5,
    allowed_networks: Sequence[Network] = (),
    resolver: Resolver = system_resolver,
) -> Fetched:
    """GET ``url`` following up to ``max_redirects`` checked redirects; the body is capped at
    ``max_bytes`` while streaming (TooLarge). Non-2xx answers raise BlockedTarget; network errors
    and timeouts raise httpx errors."""
    deadline = time.monotonic() + total_timeout_s
    current = check_url(url)
    timeout = httpx.Timeout(total_timeout_s, connect=connect_timeout_s)
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        for _ in range(max_redirects + 1):
            target, headers, extensions = _pinned(
                current, allow_private=allow_private, allowed_networks=allowed_networks, resolver=resolver
            )
            request = client.build_request("GET", target, headers=headers, extensions=extensions)
            response = client.send(request, stream=True)
            try:
                if response.is_redirect:
                    location = response.headers.get("location", "")
                    current = check_url(str(current.join(location)))
                    continue
                if not response.is_success:
                    raise BlockedTarget(f"status {response.status_code}")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise TooLarge()
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge()
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("total timeout exceeded")
                    chunks.append(chunk)
                return Fetched(b"".join(chunks), str(current), response.status_code)
            finally:
                response.close()
    raise BlockedTarget("too many redirects")


def post(
    url: str,
    *,
    body: bytes,
    headers: dict[str, str],
    allow_private: bool,
    timeout_s: float,
    allowed_networks: Sequence[Network] = (),
    resolver: Resolver = system_resolver,
) -> int:
    """POST once without following redirects (a 3xx is returned as is, and the caller counts it
    as a failure); returns the status code (BlockedTarget if refused)."""
    parsed = check_url(url)
    target, host, extensions = _pinned(
        parsed, allow_private=allow_private, allowed_networks=allowed_networks, resolver=resolver
    )
    with httpx.Client(timeout=timeout_s, follow_redirects=False) as client:
        request = client.build_request(
            "POST", target, content=body, headers={**headers, **host}, extensions=extensions
        )
        response = client.send(request)
        return response.status_code
