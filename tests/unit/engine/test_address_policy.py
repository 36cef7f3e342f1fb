"""Which addresses a URL upload may be fetched from, and the fetcher's decision on a host."""

from __future__ import annotations

from ipaddress import ip_address
from pathlib import Path

import pytest

from engine.errors import ApiError
from engine.state.address_policy import IPAddress, is_public_address
from engine.state.url_fetch import NotFetched, UrlFetcher, fetch_client

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "2606:4700:4700::1111",
    "2a00:1450:4001:81b::200e",
    "::ffff:8.8.8.8",  # IPv4-mapped, of a public address
    "2002:808:808::1",  # 6to4, of a public address
    "64:ff9b::808:808",  # NAT64, of a public address
]
NOT_PUBLIC = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "169.254.169.254",  # link-local: cloud metadata services
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",  # noqa: S104 - an address refused, not one bound
    "255.255.255.255",
    "224.0.0.1",  # multicast
    "240.0.0.1",  # reserved
    "198.18.0.1",  # benchmarking
    "192.0.2.1",  # documentation
    "::1",
    "::",
    "fe80::1",
    "fe80::1%eth0",
    "fc00::1",  # unique local
    "fec0::1",  # site-local
    "ff02::1",  # multicast
    "2001:db8::1",  # documentation
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible (deprecated)
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
]


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_are_allowed(text: str) -> None:
    assert is_public_address(ip_address(text))


@pytest.mark.parametrize("text", NOT_PUBLIC)
def test_other_addresses_are_refused(text: str) -> None:
    assert not is_public_address(ip_address(text))


class _Names:
    """A resolver with fixed answers, counting its lookups (no network)."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self._answers = answers
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.lookups.append(host)
        return [ip_address(text) for text in self._answers.get(host, [])]


def _fetcher(names: _Names) -> UrlFetcher:
    return UrlFetcher(
        fetch_client(1.0), Path("/nonexistent"), max_upload_mb=1, timeout_s=1.0, resolve=names
    )


async def test_a_name_is_allowed_only_when_every_address_it_has_is_public() -> None:
    names = _Names(
        {
            "cdn.example": ["93.184.215.14", "2606:4700::1"],
            "mixed.example": ["93.184.215.14", "10.0.0.7"],  # one good address is not enough
            "inside.example": ["192.168.0.5"],
        }
    )
    fetcher = _fetcher(names)
    try:
        allowed = await fetcher.addresses("cdn.example", 443)
        for refused in ("mixed.example", "inside.example", "nowhere.example"):
            with pytest.raises(NotFetched):
                await fetcher.addresses(refused, 443)
        literal = await fetcher.addresses("8.8.8.8", 80)
        with pytest.raises(NotFetched):
            await fetcher.addresses("::1", 80)
    finally:
        await fetcher.aclose()

    assert allowed == [ip_address("93.184.215.14"), ip_address("2606:4700::1")]
    assert literal == [ip_address("8.8.8.8")]
    assert names.lookups == ["cdn.example", "mixed.example", "inside.example", "nowhere.example"]


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/a.png", "http://", "not a url", "//x/y"]
)
async def test_only_http_urls_are_taken(url: str) -> None:
    fetcher = _fetcher(_Names({}))
    try:
        with pytest.raises(ApiError) as refused:
            await fetcher.fetch(url)
    finally:
        await fetcher.aclose()

    assert refused.value.code == 4001 and "not an http(s) URL" in refused.value.message
