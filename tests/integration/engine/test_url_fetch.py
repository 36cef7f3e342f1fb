"""`UrlFetcher` against real servers on loopback.

Loopback is not a public address, so these tests hand the fetcher a policy that allows it (and,
where a name is needed, a resolver that maps it to loopback): what they test is everything
after the address check, which a fetch from the real internet would go through. The engine's
own policy is tested on literal addresses in tests/unit/engine/test_address_policy.py, and
through the API in test_url_uploads.py.
"""

from __future__ import annotations

import hashlib
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from engine.errors import URL_FETCH_FAILED, ApiError
from engine.state.address_policy import IPAddress
from engine.state.uploads import Oversize
from engine.state.url_fetch import Resolver, UrlFetcher, fetch_client, resolve_host
from tests.fixtures.ports import free_port
from tests.integration.engine.origin import (
    PHOTO,
    Origin,
    not_http_server,
    origin_server,
    self_signed,
)


def _anything(address: IPAddress) -> bool:
    return True


class _Names:
    """A resolver that knows a few names, and counts how often each was looked up."""

    def __init__(self, names: dict[str, str]) -> None:
        self._names = names
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.lookups.append(host)
        return [ipaddress.ip_address(self._names[host])] if host in self._names else []


@pytest.fixture
async def origin() -> AsyncIterator[Origin]:
    async with origin_server() as running:
        yield running


@pytest.fixture
def staging(tmp_path: Path) -> Path:
    folder = tmp_path / "staging"
    folder.mkdir()
    return folder


def _fetcher(
    staging: Path,
    *,
    resolve: Resolver = resolve_host,
    max_upload_mb: int = 1,
    verify: ssl.SSLContext | bool = True,
) -> UrlFetcher:
    return UrlFetcher(
        fetch_client(5.0, verify),
        staging,
        max_upload_mb=max_upload_mb,
        timeout_s=5.0,
        allow=_anything,
        resolve=resolve,
    )


async def _failure(fetcher: UrlFetcher, url: str) -> ApiError:
    with pytest.raises(ApiError) as refused:
        await fetcher.fetch(url)
    return refused.value


async def test_an_allowed_address_is_fetched_into_staging(origin: Origin, staging: Path) -> None:
    fetcher = _fetcher(staging)
    try:
        received = await fetcher.fetch(origin.url("/photo.png"))
    finally:
        await fetcher.aclose()

    assert received.path.read_bytes() == PHOTO
    assert received.display_name == "photo.png"
    assert received.digest == hashlib.sha256(PHOTO).hexdigest()
    assert received.path.parent == staging


async def test_the_name_is_looked_up_once_and_the_checked_address_is_the_one_reached(
    origin: Origin, staging: Path
) -> None:
    # files.example resolves nowhere but in this resolver: had the client looked the name up
    # again (the way a rebinding answer would get in), the fetch could not have succeeded.
    names = _Names({"files.example": "127.0.0.1"})
    fetcher = _fetcher(staging, resolve=names)
    try:
        received = await fetcher.fetch(origin.url("/photo.png", host="files.example"))
    finally:
        await fetcher.aclose()

    assert received.path.read_bytes() == PHOTO
    assert names.lookups == ["files.example"]
    assert origin.requests == [("/photo.png", f"files.example:{origin.port}")]


async def test_https_checks_the_certificate_against_the_name_not_the_address(
    staging: Path, tmp_path: Path
) -> None:
    certificate = self_signed("files.example", tmp_path)
    names = _Names({"files.example": "127.0.0.1", "other.example": "127.0.0.1"})
    fetcher = _fetcher(staging, resolve=names, verify=certificate.client)
    try:
        async with origin_server(tls=certificate.server) as origin:
            received = await fetcher.fetch(origin.url("/photo.png", host="files.example"))
            wrong_name = await _failure(fetcher, origin.url("/photo.png", host="other.example"))
    finally:
        await fetcher.aclose()

    assert received.path.read_bytes() == PHOTO
    assert wrong_name.message == URL_FETCH_FAILED
    assert origin.requests == [("/photo.png", f"files.example:{origin.port}")]


async def test_a_redirect_is_not_followed(origin: Origin, staging: Path) -> None:
    fetcher = _fetcher(staging)
    try:
        refused = await _failure(fetcher, origin.url("/redirect"))
    finally:
        await fetcher.aclose()

    assert (refused.code, refused.message) == (4001, URL_FETCH_FAILED)
    assert [path for path, _ in origin.requests] == ["/redirect"]
    assert list(staging.iterdir()) == []


async def test_closed_and_open_ports_get_the_same_answer(origin: Origin, staging: Path) -> None:
    fetcher = _fetcher(staging, resolve=_Names({}))
    try:
        async with not_http_server() as other_protocol:
            answers = [
                await _failure(fetcher, url)
                for url in (
                    f"http://127.0.0.1:{free_port()}/photo.png",  # nothing listens
                    origin.url("/missing.png"),  # HTTP 404
                    f"http://127.0.0.1:{other_protocol}/photo.png",  # not HTTP
                    f"http://unknown.example:{origin.port}/photo.png",  # no such name
                )
            ]
    finally:
        await fetcher.aclose()

    assert {(answer.code, answer.message) for answer in answers} == {(4001, URL_FETCH_FAILED)}
    assert list(staging.iterdir()) == []


@pytest.mark.parametrize("path", ["/large", "/declared"])
async def test_a_body_past_the_cap_is_4002_and_nothing_is_kept(
    origin: Origin, staging: Path, path: str
) -> None:
    fetcher = _fetcher(staging, max_upload_mb=1)
    try:
        with pytest.raises(Oversize) as refused:
            await fetcher.fetch(origin.url(path))
    finally:
        await fetcher.aclose()

    assert refused.value.code == 4002
    assert list(staging.iterdir()) == []
