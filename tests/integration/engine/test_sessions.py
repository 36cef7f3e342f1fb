"""Sessions and their state over real HTTP: code 1002 for unknown, foreign and idle sessions."""

from __future__ import annotations

import httpx

from engine.api.server import RunningEngine
from tests.fixtures.engine import EngineAdmin, EngineFactory
from tests.integration.engine.support import Caller


async def test_session_has_numeric_id_task_and_user(caller: Caller) -> None:
    body = await caller.post_json(
        "/api/tasks/me/with-session/nemo_agent", {"task_name": "project", "language": "zh-CN"}
    )

    assert body["code"] == 0
    assert body["data"]["session_id"].isdigit()
    assert body["data"]["task_id"].startswith("task_")
    assert body["data"]["user_id"].startswith("anon_")


async def test_fresh_state_has_every_documented_field(caller: Caller) -> None:
    sid = await caller.session()

    state = await caller.state(sid)

    assert set(state) >= {
        "draft",
        "video_infos",
        "canvas_config",
        "video_analyses",
        "generated_media",
    }
    assert state["canvas_config"] == {"width": 1920, "height": 1080, "aspect": "16:9"}
    assert state["draft"]["t"] == []
    assert state["video_infos"] == [] and state["generated_media"] == []


async def test_state_lists_uploads_and_their_analysis(caller: Caller) -> None:
    sid, uploaded = await caller.photo_session()

    state = await caller.state(sid)

    assert state["video_infos"] == [uploaded]
    analysis = state["video_analyses"][0]
    assert analysis["orientation"] == "landscape"
    assert analysis["colours"] and "blue" in analysis["colours"][0]


async def test_unknown_session_is_1002(caller: Caller) -> None:
    body = await caller.get_json("/api/state/nemo_agent/me/123456789/latest")

    assert body["code"] == 1002


async def test_another_users_session_is_1002(client: httpx.AsyncClient, caller: Caller) -> None:
    sid = await caller.session()
    stranger = await Caller.anonymous(client)

    assert (await stranger.get_json(f"/api/state/nemo_agent/me/{sid}/latest"))["code"] == 1002
    response = await stranger.upload(sid, ("a.png", b"x"))
    assert response.json()["code"] == 1002


async def test_idle_session_ends_with_1002(
    make_engine: EngineFactory,
) -> None:
    engine: RunningEngine = make_engine(session_idle_s=600)
    admin = EngineAdmin(engine.base_url)
    async with httpx.AsyncClient(base_url=engine.base_url) as client:
        caller = await Caller.anonymous(client)
        busy, idle = await caller.session(), await caller.session()
        await admin.advance_clock(400)
        await caller.state(busy)  # used: its idle time starts again
        await admin.advance_clock(400)

        assert (await caller.state(busy))["draft"]["t"] == []
        assert (await caller.get_json(f"/api/state/nemo_agent/me/{idle}/latest"))["code"] == 1002
        # It stays gone, even when asked again.
        assert (await caller.get_json(f"/api/state/nemo_agent/me/{idle}/latest"))["code"] == 1002
