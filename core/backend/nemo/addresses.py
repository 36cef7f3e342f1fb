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
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # its last 32 bits are an IPv4 address

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public(address: Address) -> bool:
    """Globally routable unicast, judged by the IPv4 address an IPv6 one carries (mapped,
    NAT64, 6to4, Teredo), since that is where the network delivers it. The engine applies the
    same rule to URL uploads (it shares no code with the core)."""
    if isinstance(address, ipaddress.IPv6Address):
        carried = address.ipv4_mapped or (
            ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) if address in NAT64 else None
        )
        if carried is not None:
            return is_public(carried)
        inner = [address.sixtofour, *(address.teredo or ())]
        if not all(is_public(v4) for v4 in inner if v4 is not None):
            return False
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_unspecified
    )


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
    if not addresses or not all(is_public(address) for address in addresses):
        raise BackendUnavailable("the download URL leads to a private or local address")
    address = addresses[0]
    literal = f"[{address}]" if address.version == 6 else str(address)
    pinned = parts._replace(netloc=f"{literal}:{port}").geturl()
    return PinnedUrl(pinned, parts.netloc.rsplit("@", 1)[-1], host)
