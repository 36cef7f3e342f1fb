"""URL uploads over the API: refused unless ENGINE_URL_UPLOAD is on, and then never fetched from
loopback, private or other non-public addresses, with one answer for every URL that cannot be
fetched. (What happens after the address check is tested in test_url_fetch.py.)"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.errors import URL_FETCH_FAILED, URL_UPLOAD_OFF
from tests.fixtures.engine import EngineFactory
from tests.fixtures.ports import free_port
from tests.integration.engine.origin import Origin, origin_server
from tests.integration.engine.support import Caller

FAILED = {"code": 4001, "msg": URL_FETCH_FAILED}


@pytest.fixture
async def origin() -> AsyncIterator[Origin]:
    """A real HTTP server on a loopback port that records whatever reaches it."""
    async with origin_server() as running:
        yield running


@pytest.fixture
async def url_caller(make_engine: EngineFactory) -> AsyncIterator[Caller]:
    """A user of an engine with URL uploads on (its data folder: engine-0)."""
    engine = make_engine(url_upload=True)
    async with httpx.AsyncClient(base_url=engine.base_url, timeout=60) as client:
        yield await Caller.anonymous(client)


async def _upload_urls(caller: Caller, sid: str, urls: Any) -> Any:
    path = f"/api/upload-video/nemo_agent/me/{sid}"
    return await caller.post_json(path, {"urls": urls, "source_type": "url"})


async def test_url_upload_is_off_by_default(caller: Caller, origin: Origin) -> None:
    sid = await caller.session()

    answers = [
        await _upload_urls(caller, sid, urls)
        for urls in ([origin.url("/photo.png")], ["https://example.com/photo.png"], "x")
    ]

    assert answers == [{"code": 4001, "msg": URL_UPLOAD_OFF}] * 3
    assert origin.requests == []
    assert (await caller.state(sid))["video_infos"] == []


async def test_loopback_private_and_redirecting_urls_are_refused_unfetched(
    url_caller: Caller, origin: Origin, tmp_path: Path
) -> None:
    sid = await url_caller.session()
    port = origin.port
    urls = [
        origin.url("/photo.png"),
        origin.url("/photo.png", host="localhost"),  # a name that resolves to loopback
        origin.url("/redirect"),
        f"http://[::1]:{port}/photo.png",
        f"http://[::ffff:127.0.0.1]:{port}/photo.png",  # loopback inside an IPv6 address
        f"http://0.0.0.0:{port}/photo.png",
        "http://10.0.0.1/photo.png",
        "http://192.168.1.20:8080/photo.png",
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
    ]

    started = time.monotonic()
    answers = [await _upload_urls(url_caller, sid, [url]) for url in urls]
    elapsed = time.monotonic() - started

    assert answers == [FAILED] * len(urls)
    assert origin.requests == []
    assert elapsed < 10  # refused before connecting: 10.0.0.1 would wait for the timeout
    assert list((tmp_path / "engine-0" / "staging").iterdir()) == []
    assert (await url_caller.state(sid))["video_infos"] == []


async def test_a_closed_port_and_an_open_one_get_the_same_answer(
    url_caller: Caller, origin: Origin
) -> None:
    sid = await url_caller.session()

    closed = await _upload_urls(url_caller, sid, [f"http://127.0.0.1:{free_port()}/photo.png"])
    serving = await _upload_urls(url_caller, sid, [origin.url("/photo.png")])
    not_found = await _upload_urls(url_caller, sid, [origin.url("/missing.png")])

    assert closed == serving == not_found == FAILED


async def test_only_http_urls_are_taken(url_caller: Caller) -> None:
    sid = await url_caller.session()

    not_http = await _upload_urls(url_caller, sid, ["file:///etc/passwd"])
    too_many = await _upload_urls(url_caller, sid, ["https://example.com/a.png"] * 11)

    assert not_http["code"] == too_many["code"] == 4001
    assert "not an http(s) URL" in not_http["msg"]
