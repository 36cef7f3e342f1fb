"""Servers on loopback that URL upload tests point the engine at: an HTTP(S) origin that records
every request it gets, and a port that speaks something other than HTTP."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integration.engine.support import png_bytes

PHOTO = png_bytes(320, 200)
MB = 1024 * 1024


@dataclass
class Origin:
    """A running origin: its port and the (path, Host header) of every request it answered."""

    port: int
    scheme: str = "http"
    requests: list[tuple[str, str]] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"


@asynccontextmanager
async def origin_server(tls: ssl.SSLContext | None = None) -> AsyncIterator[Origin]:
    """``/photo.png`` (a PNG), ``/redirect`` (302 to it), ``/large`` (2 MB, chunked, no length),
    ``/declared`` (a Content-Length of 2 MB, then nothing), anything else 404."""
    origin = Origin(port=0, scheme="https" if tls else "http")

    async def handle(request: web.Request) -> web.StreamResponse:
        origin.requests.append((request.path, request.headers.get("Host", "")))
        if request.path == "/photo.png":
            return web.Response(body=PHOTO, content_type="image/png")
        if request.path == "/redirect":
            return web.Response(status=302, headers={"Location": "/photo.png"})
        if request.path in ("/large", "/declared"):
            response = web.StreamResponse()
            if request.path == "/declared":
                response.content_length = 2 * MB
            else:
                response.enable_chunked_encoding()
            await response.prepare(request)
            if request.path == "/large":
                for _ in range(32):
                    await response.write(b"\x89PNG\r\n\x1a\n" + b"\x00" * (64 * 1024 - 8))
            return response
        return web.Response(status=404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls)
        await site.start()
        origin.port = int(runner.addresses[0][1])
        yield origin
    finally:
        await runner.cleanup()


@asynccontextmanager
async def not_http_server() -> AsyncIterator[int]:
    """A port that greets in another protocol and hangs up; yields the port."""

    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(greet, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for one name: the server's context and a client's trust."""

    server: ssl.SSLContext
    client: ssl.SSLContext


def self_signed(name: str, folder: Path) -> Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    return Certificate(server, ssl.create_default_context(cafile=str(cert_path)))
