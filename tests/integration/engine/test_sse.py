"""``/run_sse`` over real HTTP: event shapes, heartbeats, seeded silence and GUI talk, credits."""

from __future__ import annotations

import json

import httpx

from tests.fixtures.engine import EngineFactory
from tests.integration.engine.support import Caller

GUI_WORDS = ("Click", "Open the timeline", "drag", "Preview it in the timeline")


async def test_explain_streams_tool_events_and_builds_the_draft(caller: Caller) -> None:
    sid, uploaded = await caller.photo_session()

    reply = await caller.message(sid, "explain what an AI image is")

    assert None not in reply.events  # every data line is JSON
    names = [event["name"] for event in reply.tool_calls]
    assert names == ["analyze_media", "build_explainer"]
    results = [event for event in reply.events if event.get("type") == "tool_result"]
    assert [result["name"] for result in results] == names
    assert all(isinstance(event["args"], dict) for event in reply.tool_calls)
    assert all(isinstance(text, str) and text for text in reply.texts)
    draft = (await caller.state(sid))["draft"]
    assert draft["d"] == 5000
    assert draft["t"][0]["sg"][0]["src"] == uploaded["cdn_url"]
    texts = [segment["text"] for segment in draft["t"][1]["sg"]]
    assert texts[0] == "What is an AI image?"
    assert any("640×360" in text and "blue" in text for text in texts)


async def test_without_an_upload_the_agent_asks_for_a_photo(caller: Caller) -> None:
    sid = await caller.session()

    reply = await caller.message(sid, "hello there")

    assert reply.tool_calls == []
    assert len(reply.texts) == 1 and "photo" in reply.texts[0]
    assert (await caller.state(sid))["draft"]["t"] == []


async def test_edits_in_english_and_chinese_reach_the_state(caller: Caller) -> None:
    sid, _ = await caller.photo_session()
    await caller.message(sid, "explain")

    await caller.message(sid, '竖屏, add a title "Urban Dreams", make it 20 seconds, add music')
    state = await caller.state(sid)
    assert state["canvas_config"] == {"width": 1080, "height": 1920, "aspect": "9:16"}
    draft = state["draft"]
    assert draft["d"] == 20000 and draft["m"]["title"] == "Urban Dreams"
    assert [track["tt"] for track in draft["t"]] == [0, 7, 1]

    await caller.message(sid, "undo")
    assert (await caller.state(sid))["draft"]["d"] == 5000


async def test_heartbeats_during_a_long_step(make_engine: EngineFactory) -> None:
    engine = make_engine(think_s=0.6, heartbeat_s=0.1)
    async with httpx.AsyncClient(base_url=engine.base_url, timeout=30) as client:
        caller = await Caller.anonymous(client)
        sid, _ = await caller.photo_session()

        reply = await caller.message(sid, "explain")

    assert reply.keep_alives >= 6  # two steps of 0.6 s, a beat every 0.1 s
    assert reply.heartbeats == reply.keep_alives
    assert '{"type": "heartbeat"}' in "\n".join(reply.lines)


async def test_adk_and_plain_shapes(make_engine: EngineFactory) -> None:
    adk = make_engine(sse_shape="adk", silent_edit_ratio=0.0)
    plain = make_engine(sse_shape="plain", silent_edit_ratio=0.0)
    for running, shape in ((adk, "adk"), (plain, "plain")):
        async with httpx.AsyncClient(base_url=running.base_url, timeout=30) as client:
            caller = await Caller.anonymous(client)
            sid, _ = await caller.photo_session()
            reply = await caller.message(sid, "explain")
        data = [line[5:].strip() for line in reply.lines if line.startswith("data:")]
        if shape == "adk":
            parts = [json.loads(item)["content"]["parts"][0] for item in data]
            assert [next(iter(part)) for part in parts][:2] == ["functionCall", "functionResponse"]
            assert parts[0]["functionCall"]["name"] == "analyze_media"
            assert "text" in parts[-1]
        else:
            assert data[-1].startswith("I made a ")  # the text as a plain line, not JSON
            assert json.loads(data[0])["type"] == "tool_call"


async def test_silent_edits_and_gui_talk_are_seeded(make_engine: EngineFactory) -> None:
    async def run() -> list[str | None]:
        engine = make_engine(anonymous_credits=1000, seed=11)
        async with httpx.AsyncClient(base_url=engine.base_url, timeout=30) as client:
            caller = await Caller.anonymous(client)
            sid, _ = await caller.photo_session()
            await caller.message(sid, "explain")
            replies = []
            for number in range(50):
                reply = await caller.message(sid, f"make it {5 + number % 50} seconds")
                assert reply.tool_calls  # every one of them is an edit
                replies.append(reply.texts[0] if reply.texts else None)
            return replies

    first, second = await run(), await run()

    assert first == second
    silent = sum(text is None for text in first)
    assert 0.15 * 50 <= silent <= 0.45 * 50
    gui = [text for text in first if text and any(word in text for word in GUI_WORDS)]
    assert 0 < len(gui) < 50 - silent


async def test_credits_are_frozen_during_a_message_and_charged_after(
    make_engine: EngineFactory,
) -> None:
    engine = make_engine(think_s=0.5, edit_cost=5)
    async with httpx.AsyncClient(base_url=engine.base_url, timeout=30) as client:
        caller = await Caller.anonymous(client)
        sid, _ = await caller.photo_session()
        payload = {"session_id": sid, "new_message": {"parts": [{"text": "explain"}]}}
        async with client.stream("POST", "/run_sse", json=payload, headers=caller.headers) as sse:
            lines = sse.aiter_lines()
            assert (await anext(lines)).startswith("data:")  # the first tool call: work started
            assert await caller.credits() == {"available": 95, "frozen": 5, "total": 100}
            rest = [line async for line in lines]
        assert any('"tool_result"' in line for line in rest)
        assert await caller.credits() == {"available": 95, "frozen": 0, "total": 95}


async def test_out_of_credits_is_2001_json_before_any_stream(make_engine: EngineFactory) -> None:
    engine = make_engine(anonymous_credits=10, edit_cost=5)
    async with httpx.AsyncClient(base_url=engine.base_url, timeout=30) as client:
        caller = await Caller.anonymous(client)
        sid, _ = await caller.photo_session()
        await caller.message(sid, "explain")
        await caller.message(sid, "add music")
        draft_before = (await caller.state(sid))["draft"]

        response = await client.post(
            "/run_sse",
            json={"session_id": sid, "new_message": {"parts": [{"text": "no music"}]}},
            headers=caller.headers,
        )

        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["code"] == 2001
        assert (await caller.credits())["available"] == 0
        assert (await caller.state(sid))["draft"] == draft_before
