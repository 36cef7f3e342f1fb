"""Uploads given as URLs, fetched without opening a way into the engine's own network.

`UrlFetcher.fetch` (reached only when ``ENGINE_URL_UPLOAD`` is on):

1. takes http(s) URLs only;
2. looks the host up once and refuses it unless every address it has passes the policy
   (`engine.state.address_policy.is_public_address`: no loopback, private, link-local...);
3. connects to the address it checked, never to the name again: the request goes to the IP with
   the name in ``Host`` and in TLS (SNI and the certificate check), so a second DNS answer
   (rebinding) cannot send it elsewhere;
4. follows no redirect: a 3xx fails like any other answer but 200;
5. streams into staging and stops past the upload cap (4002, as a multipart upload would);
6. answers every failure to fetch with one text (`engine.errors.URL_FETCH_FAILED`); the reason
   goes to the log only, so answers never tell an open port from a closed one.

Its HTTP client comes from `fetch_client`: no redirects, no proxy settings read from the
environment, and no kept connection (a pooled TLS connection to one address would serve a second
name without its certificate being checked).
"""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import anyio
import anyio.to_thread
import httpx

from engine.errors import unsupported_file, url_fetch_failed
from engine.state.address_policy import AddressPolicy, IPAddress, is_public_address, parse_address
from engine.state.uploads import Oversize, Received, Staging

logger = logging.getLogger(__name__)

Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


def fetch_client(timeout_s: float, verify: ssl.SSLContext | bool = True) -> httpx.AsyncClient:
    """The HTTP client `UrlFetcher` needs (see the module's docstring); `verify` as httpx's."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout_s),
        verify=verify,
        follow_redirects=False,
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


async def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address `host` has for a TCP connection, from one lookup."""
    found: list[IPAddress] = []
    for *_, sockaddr in await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = parse_address(str(sockaddr[0]))
        if address is not None and address not in found:
            found.append(address)
    return found


class NotFetched(Exception):
    """Why a URL was not fetched: written to the log, never shown to the client."""


@dataclass(frozen=True)
class _Target:
    url: httpx.URL
    host: str  # the name in ASCII (IDNA), or the address without brackets
    port: int

    @classmethod
    def parse(cls, raw: str) -> _Target:
        try:
            url = httpx.URL(raw)
        except (httpx.InvalidURL, ValueError):
            url = httpx.URL()
        if url.scheme not in ("http", "https") or not url.raw_host:
            raise unsupported_file(f"not an http(s) URL: {raw[:200]}")
        port = url.port or (443 if url.scheme == "https" else 80)
        return cls(url, url.raw_host.decode("ascii"), port)


class UrlFetcher:
    """Fetches URL uploads into staging under the upload cap, from allowed addresses only."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        staging_dir: Path,
        *,
        max_upload_mb: int,
        timeout_s: float,
        allow: AddressPolicy = is_public_address,
        resolve: Resolver = resolve_host,
    ) -> None:
        self._client = client
        self._staging_dir = staging_dir
        self._limit_mb = max_upload_mb
        self._cap = max_upload_mb * 1024 * 1024
        self._timeout_s = timeout_s
        self._allow = allow
        self._resolve = resolve

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(self, raw_url: str) -> Received:
        """Stream `raw_url` into staging within the timeout; 4001 with the one failure text
        when it cannot be fetched, 4002 past the cap."""
        target = _Target.parse(raw_url)
        staging = Staging(self._staging_dir, self._cap)
        staging.open(target.url.path or "download")
        try:
            with anyio.fail_after(self._timeout_s):
                addresses = await self.addresses(target.host, target.port)
                await self._download(target, addresses, staging)
            staging.close_current()
        except (NotFetched, TimeoutError, httpx.HTTPError, OSError, ValueError) as exc:
            staging.discard()
            reason = str(exc) if isinstance(exc, NotFetched) else type(exc).__name__
            logger.info("a URL upload from %s was not fetched: %s", target.host, reason)
            raise url_fetch_failed() from exc
        except BaseException:
            staging.discard()
            raise
        return staging.files[0]

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses to connect to, from one lookup; NotFetched unless all are allowed."""
        literal = parse_address(host)
        found = [literal] if literal is not None else await self._resolve(host, port)
        if not found:
            raise NotFetched("the name has no address")
        refused = [address for address in found if not self._allow(address)]
        if refused:
            raise NotFetched(f"{refused[0]} is not a public address")
        return found

    async def _download(
        self, target: _Target, addresses: list[IPAddress], staging: Staging
    ) -> None:
        for number, address in enumerate(addresses):
            try:
                await self._get(target, address, staging)
                return
            except httpx.ConnectError:
                if number + 1 == len(addresses):
                    raise

    async def _get(self, target: _Target, address: IPAddress, staging: Staging) -> None:
        url = target.url.copy_with(host=str(address))
        headers = {"Host": target.url.netloc.decode("ascii"), "Accept-Encoding": "identity"}
        # TLS checks the certificate against the name given here, not against the address.
        extensions = {} if parse_address(target.host) else {"sni_hostname": target.host}
        async with self._client.stream(
            "GET", url, headers=headers, extensions=extensions, follow_redirects=False
        ) as response:
            if response.status_code != 200:
                raise NotFetched(f"answered HTTP {response.status_code}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self._cap:
                raise Oversize(self._limit_mb, close_connection=False)
            async for chunk in response.aiter_raw():
                await anyio.to_thread.run_sync(staging.write, chunk)
                if staging.too_large:
                    raise Oversize(self._limit_mb, close_connection=False)
