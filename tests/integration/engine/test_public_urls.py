"""Every URL the engine hands out starts at its own base (ENGINE_PUBLIC_URL, else the address
it listens on), whatever Host header a request carries."""

from __future__ import annotations

from typing import Any

import httpx

from engine.api.server import RunningEngine
from tests.fixtures.engine import EngineFactory
from tests.integration.engine.support import Caller

EVIL = {"Host": "evil.example"}


async def _urls_handed_out(caller: Caller) -> tuple[str, str, list[Any]]:
    """A photo uploaded, explained and exported: its cdn_url, the render's outputUrl and the
    state's generated_media, all asked for with the client's (forged) Host header."""
    sid, stored = await caller.photo_session()
    await caller.message(sid, "explain")
    draft = (await caller.state(sid))["draft"]
    await caller.submit(sid, draft, "render_host")
    statuses, final = await caller.poll_until_done("render_host")
    assert statuses[-1] == "completed", final
    generated = (await caller.state(sid))["generated_media"]
    return stored["cdn_url"], final["data"]["outputUrl"], generated


async def test_a_forged_host_header_does_not_move_the_urls(engine: RunningEngine) -> None:
    async with httpx.AsyncClient(base_url=engine.base_url, headers=EVIL, timeout=30) as client:
        caller = await Caller.anonymous(client)
        cdn_url, output_url, generated = await _urls_handed_out(caller)

        assert cdn_url.startswith(f"{engine.base_url}/files/uploads/")
        assert output_url.startswith(f"{engine.base_url}/files/renders/")
        assert [item["url"] for item in generated] == [output_url]
        assert (await client.get(output_url)).status_code == 200


async def test_urls_start_at_the_configured_public_base(make_engine: EngineFactory) -> None:
    public = "https://videos.example:8443/engine"
    engine = make_engine(public_url=f"{public}/")
    async with httpx.AsyncClient(base_url=engine.base_url, headers=EVIL, timeout=30) as client:
        caller = await Caller.anonymous(client)
        # The draft's media is named by the public URL; the render still finds the upload.
        cdn_url, output_url, generated = await _urls_handed_out(caller)
        file_path = output_url.removeprefix(public)

        assert cdn_url.startswith(f"{public}/files/uploads/")
        assert output_url.startswith(f"{public}/files/renders/")
        assert [item["url"] for item in generated] == [output_url]
        assert (await client.get(file_path)).status_code == 200
