"""Which network addresses the engine may fetch an upload from: public ones only.

A URL upload makes the engine open a connection on a client's behalf. Pointed at loopback, a
private network, a cloud metadata service (169.254.169.254) or any other address that is not on
the public internet, that would let a client reach what only the engine can reach. The rule is
`ipaddress`'s ``is_global``, plus what that misses in some Python releases (multicast, site-local,
reserved), applied as well to an IPv4 address carried inside an IPv6 one (IPv4-mapped, 6to4,
Teredo, NAT64), since the network would deliver those to the IPv4 address.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address
AddressPolicy = Callable[[IPAddress], bool]

_NAT64 = IPv6Network("64:ff9b::/96")  # RFC 6052: the last 32 bits are the IPv4 address


def is_public_address(address: IPAddress) -> bool:
    """True only for a globally routable unicast address, and one that embeds none other."""
    if isinstance(address, IPv6Address):
        translated = _translated_ipv4(address)
        if translated is not None:  # the network delivers it to this IPv4 address, and only
            return _plainly_public(translated)
        tunnelled = [address.sixtofour, *(address.teredo or ())]
        return _plainly_public(address) and all(
            _plainly_public(inner) for inner in tunnelled if inner is not None
        )
    return _plainly_public(address)


def parse_address(text: str) -> IPAddress | None:
    """The address `text` spells (a scope suffix such as ``%eth0`` kept), or None."""
    try:
        return ip_address(text)
    except ValueError:
        return None


def _plainly_public(address: IPAddress) -> bool:
    refused = (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, IPv6Address) and address.is_site_local)
    )
    return address.is_global and not refused


def _translated_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv4-mapped or NAT64 address stands for (``::/8`` and
    ``64:ff9b::/96`` are reserved ranges, so the IPv6 address itself cannot be judged)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None
