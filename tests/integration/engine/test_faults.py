"""Every fault-injection mode, observed by a real HTTP client."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.fixtures.engine import EngineAdmin, EngineFactory, FaultMode
from tests.integration.engine.support import Caller

BALANCE = "/api/credits/balance/simple"


@pytest.mark.parametrize("mode", ["1002", "2001", "4001", "4002"])
async def test_result_codes_arrive_in_the_envelope(
    caller: Caller, engine_admin: EngineAdmin, mode: FaultMode
) -> None:
    await engine_admin.arm("credits", mode)

    faulted = await caller.client.get(BALANCE, headers=caller.headers)

    assert faulted.status_code == 200
    assert faulted.json()["code"] == int(mode) and faulted.json()["msg"]
    assert (await caller.credits())["available"] == 100  # one call only


async def test_an_injected_1001_kills_the_token_and_the_same_client_id_gets_a_new_one(
    caller: Caller, engine_admin: EngineAdmin
) -> None:
    await engine_admin.arm("credits", "1001")

    faulted = await caller.client.get(BALANCE, headers=caller.headers)
    again = await caller.client.get(BALANCE, headers=caller.headers)
    renewed = await caller.client.post(
        "/api/auth/anonymous-token", headers={"X-Client-Id": caller.client_id}
    )

    assert faulted.json()["code"] == 1001
    assert again.json()["code"] == 1001  # dead for good, as on the cloud
    assert renewed.json()["code"] == 0
    assert renewed.json()["data"]["credits"] == 100


async def test_result_codes_on_render_endpoints_use_the_success_shape(
    caller: Caller, engine_admin: EngineAdmin
) -> None:
    await engine_admin.arm("render_poll", "1001")

    body = await caller.get_json("/api/render/proxy/lambda/render_1")

    assert body["success"] is False and body["code"] == 1001


@pytest.mark.parametrize("status", [400, 402, 403, 429, 500, 503])
async def test_http_statuses(caller: Caller, engine_admin: EngineAdmin, status: int) -> None:
    await engine_admin.arm("session", f"http_{status}")  # type: ignore[arg-type]

    response = await caller.client.post(
        "/api/tasks/me/with-session/nemo_agent", json={"task_name": "p"}, headers=caller.headers
    )

    assert response.status_code == status
    assert response.headers.get("retry-after") == ("30" if status == 429 else None)
    assert (await caller.session()).isdigit()


async def test_reset_drops_the_connection_without_a_response(
    caller: Caller, engine_admin: EngineAdmin
) -> None:
    sid, uploaded = await caller.photo_session()
    await engine_admin.arm("state", "reset")
    await engine_admin.arm("files", "reset")

    with pytest.raises(httpx.TransportError):
        await caller.client.get(f"/api/state/nemo_agent/me/{sid}/latest", headers=caller.headers)
    with pytest.raises(httpx.TransportError):
        await caller.client.get(uploaded["cdn_url"])

    assert (await caller.state(sid))["video_infos"] == [uploaded]
    assert (await caller.client.get(uploaded["cdn_url"])).status_code == 200


async def test_stall_sends_headers_then_nothing(caller: Caller, engine_admin: EngineAdmin) -> None:
    await engine_admin.arm("credits", "stall", stall_s=1.0)
    await engine_admin.arm("credits", "stall", stall_s=0.4)

    with pytest.raises(httpx.ReadTimeout):
        await caller.client.get(BALANCE, headers=caller.headers, timeout=httpx.Timeout(5, read=0.3))
    started = time.monotonic()
    slow = await caller.client.get(BALANCE, headers=caller.headers)

    assert time.monotonic() - started >= 0.35
    assert slow.json()["data"]["available"] == 100


async def test_stall_mid_stream(caller: Caller, engine_admin: EngineAdmin) -> None:
    sid, _ = await caller.photo_session()
    await engine_admin.arm("sse", "stall", after_events=1, stall_s=1.0)
    payload = {"session_id": sid, "new_message": {"parts": [{"text": "explain"}]}}
    received: list[str] = []

    async def read() -> None:
        timeout = httpx.Timeout(5, read=0.4)
        async with caller.client.stream(
            "POST", "/run_sse", json=payload, headers=caller.headers, timeout=timeout
        ) as stream:
            async for line in stream.aiter_lines():
                received.append(line)  # kept as they come: the read ends in a timeout

    with pytest.raises(httpx.ReadTimeout):
        await read()

    assert [line for line in received if line.startswith("data:")] == [received[0]]


async def test_malformed_bodies(caller: Caller, engine_admin: EngineAdmin) -> None:
    sid, _ = await caller.photo_session()
    await engine_admin.arm("credits", "malformed")
    await engine_admin.arm("sse", "malformed", after_events=2)

    garbled = await caller.client.get(BALANCE, headers=caller.headers)
    reply = await caller.message(sid, "explain")

    assert garbled.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        garbled.json()
    assert reply.events[2] is None  # the third data line is not JSON
    assert [event for event in reply.events if event is None] == [None]
    assert len(reply.tool_calls) == 2  # the real events all still came


async def test_cut_sse_closes_after_k_events_and_the_edit_still_lands(
    caller: Caller, engine_admin: EngineAdmin
) -> None:
    sid, _ = await caller.photo_session()
    await engine_admin.arm("sse", "cut_sse", after_events=2)

    reply = await caller.message(sid, "explain")

    assert len(reply.events) == 2
    deadline = time.monotonic() + 10
    while not (await caller.state(sid))["draft"]["t"]:  # the agent finishes without the client
        assert time.monotonic() < deadline
    assert (await caller.credits())["total"] == 95


async def test_times_any_clear_and_stats(caller: Caller, engine_admin: EngineAdmin) -> None:
    await engine_admin.arm("credits", "2001", times=2)
    codes = [(await caller.get_json(BALANCE))["code"] for _ in range(3)]
    assert codes == [2001, 2001, 0]

    await engine_admin.arm("any", "http_503")
    assert (await caller.client.get(BALANCE, headers=caller.headers)).status_code == 503
    assert (await caller.get_json(BALANCE))["code"] == 0

    await engine_admin.arm("credits", "http_500", times=5)
    await engine_admin.clear_faults()
    assert (await caller.get_json(BALANCE))["code"] == 0

    sid, _ = await caller.photo_session()
    await caller.message(sid, "explain")
    stats = await engine_admin.stats()
    assert stats.call_count("upload") == 1 and stats.call_count("sse") == 1
    assert stats.call_count("credits") == 6
    assert stats.events["fault_2001"] == 2 and stats.events["uploads_stored"] == 1


async def test_admin_rejects_unknown_faults_and_is_off_by_default(
    client: httpx.AsyncClient, make_engine: EngineFactory
) -> None:
    bad = await client.post("/_admin/faults", json={"endpoint": "credits", "mode": "explode"})
    assert bad.status_code == 400

    closed = make_engine(admin_enabled=False)
    async with httpx.AsyncClient(base_url=closed.base_url) as other:
        response = await other.post("/_admin/faults", json={"endpoint": "any", "mode": "reset"})
    assert response.status_code == 404
