"""A render's output URL is followed only to the backend's own origin or the public internet:
a backend's answer cannot make a worker fetch from its own network."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import httpx
import pytest

from core.backend.nemo.addresses import pin_public
from core.backend.nemo.client import Attribution, NemoClient
from core.errors import BackendUnavailable


class _Files(BaseHTTPRequestHandler):
    """Serves a few bytes for any path, and remembers that it was asked."""

    asked: list[str]

    def do_GET(self) -> None:
        self.asked.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"video")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server on port 0: its base URL and the paths it was asked for."""
    asked: list[str] = []
    handler = type("Handler", (_Files,), {"asked": asked})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", asked
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
async def test_an_output_url_into_the_workers_network_is_not_fetched(
    server: tuple[str, list[str]], tmp_path: Path, host: str
) -> None:
    internal_url, asked = server
    port = internal_url.rsplit(":", 1)[1]
    async with httpx.AsyncClient() as http:
        client = NemoClient(http, "http://backend.invalid", Attribution("1"))
        with pytest.raises(BackendUnavailable, match="private or local address"):
            await client.download(
                "tok", f"http://{host}:{port}/admin", tmp_path / "v.mp4", max_bytes=1 << 20
            )
    assert asked == []
    assert not (tmp_path / "v.mp4").exists()


async def test_the_backends_own_origin_is_fetched_as_before(
    server: tuple[str, list[str]], tmp_path: Path
) -> None:
    base_url, asked = server
    async with httpx.AsyncClient() as http:
        client = NemoClient(http, base_url, Attribution("1"))
        size = await client.download(
            "tok", f"{base_url}/files/renders/r.mp4", tmp_path / "v.mp4", max_bytes=1 << 20
        )
    assert (size, asked) == (5, ["/files/renders/r.mp4"])


async def test_a_public_address_is_pinned_with_its_name_kept_for_host_and_tls() -> None:
    pinned = await pin_public("https://93.184.215.14:8443/v.mp4?sig=1")
    assert pinned.url == "https://93.184.215.14:8443/v.mp4?sig=1"
    assert (pinned.host_header, pinned.server_name) == ("93.184.215.14:8443", "93.184.215.14")
    v6 = await pin_public("http://[2606:4700::1]/v.mp4")
    assert v6.url == "http://[2606:4700::1]:80/v.mp4"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://93.184.215.14/v.mp4",
        "http://10.0.0.8/v.mp4",
        "http://169.254.169.254/",
        "http://[64:ff9b::a00:8]/",  # NAT64 of 10.0.0.8
        "http://[2002:7f00:1::1]/",  # 6to4 of 127.0.0.1
        "http://224.0.0.1/",
    ],
)
async def test_other_schemes_and_private_ranges_are_refused(url: str) -> None:
    with pytest.raises(BackendUnavailable):
        await pin_public(url)
