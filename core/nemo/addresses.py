"""Where a render's download may lead: off the backend's own origin, only the public internet.

The output URL comes from the backend's answer. Followed as it is, it could make a worker fetch
from its own network (a cloud metadata service, Redis, an admin page) and post what it got to a
chat. So a URL on another origin is resolved first, every address it resolves to must be
globally routable, and the request then goes to the address that was checked (the name is kept
for the Host header and TLS), so a second lookup cannot lead somewhere else. Redirects are not
followed (httpx's default): a 3xx ends the download, and the documented fallback is tried.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from core.errors import BackendUnavailable

DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class PinnedUrl:
    """A URL rewritten to the address it was checked at, with what the request still needs."""

    url: str
    host_header: str
    server_name: str  # for TLS: the certificate is checked against the name, not the address


async def pin_public(url: str) -> PinnedUrl:
    """Resolve `url`'s host and pin it to a public address; BackendUnavailable otherwise."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in DEFAULT_PORTS or not host:
        raise BackendUnavailable("the download URL is not an http(s) URL")
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise BackendUnavailable("the download URL's host does not resolve") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found]
    if not addresses or not all(address.is_global for address in addresses):
        raise BackendUnavailable("the download URL leads to a private or local address")
    address = addresses[0]
    literal = f"[{address}]" if address.version == 6 else str(address)
    pinned = parts._replace(netloc=f"{literal}:{port}").geturl()
    return PinnedUrl(pinned, parts.netloc.rsplit("@", 1)[-1], host)
