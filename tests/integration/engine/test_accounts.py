"""Tokens, credits and scopes over real HTTP: codes 1001, HTTP 400, 403 and 429."""

from __future__ import annotations

from datetime import datetime

import httpx

from engine.api.server import RunningEngine
from tests.fixtures.engine import EngineAdmin, EngineFactory
from tests.integration.engine.support import ATTRIBUTION, Caller

DAY = 24 * 3600


async def test_anonymous_token_has_the_documented_shape(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "c-1"})

    assert response.status_code == 200
    data = response.json()["data"]
    assert response.json()["code"] == 0
    assert data["token"].startswith("nmv_usr_") and len(data["token"]) > 20
    assert data["user_id"].startswith("anon_")
    assert data["credits"] == 100
    expires = datetime.fromisoformat(data["expires_at"].replace("Z", "+00:00"))
    assert 6.9 * DAY < (expires - datetime.now(expires.tzinfo)).total_seconds() <= 7 * DAY + 60


async def test_missing_client_id_is_http_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/auth/anonymous-token")

    assert response.status_code == 400
    assert "X-Client-Id" in response.json()["msg"]


async def test_second_token_for_a_client_id_is_429_until_the_first_expires(
    client: httpx.AsyncClient, engine_admin: EngineAdmin
) -> None:
    first = await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "same"})
    again = await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "same"})
    assert again.status_code == 429
    assert again.headers["retry-after"] == "30"

    old = Caller(client, first.json()["data"]["token"])
    sid = await old.session()
    await old.message(sid, "hello")  # spends 5 credits
    await engine_admin.advance_clock(7 * DAY + 1)

    expired = await old.get_json("/api/credits/balance/simple")
    assert expired["code"] == 1001
    renewed = await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "same"})
    data = renewed.json()["data"]
    assert data["user_id"] == first.json()["data"]["user_id"]
    assert data["credits"] == 95
    assert data["token"] != old.token


async def test_unknown_or_missing_token_is_1001(client: httpx.AsyncClient) -> None:
    for headers in ({"Authorization": "Bearer nmv_usr_nope"}, {}, {"Authorization": "Basic x"}):
        response = await client.get("/api/credits/balance/simple", headers=headers)
        assert response.status_code == 200
        assert response.json()["code"] == 1001


async def test_tokens_per_ip_per_hour_limit(make_engine: EngineFactory) -> None:
    engine = make_engine(anonymous_tokens_per_ip_per_hour=2)
    async with httpx.AsyncClient(base_url=engine.base_url) as client:
        codes = [
            (
                await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": f"ip-{n}"})
            ).status_code
            for n in range(3)
        ]
        assert codes == [200, 200, 429]
        await _admin(engine).advance_clock(3601)
        later = await client.post("/api/auth/anonymous-token", headers={"X-Client-Id": "ip-9"})
        assert later.status_code == 200


async def test_registered_token_scopes_and_credits(make_engine: EngineFactory) -> None:
    engine = make_engine(registered_tokens="full=500,reader=20:read")
    async with httpx.AsyncClient(base_url=engine.base_url) as client:
        full = Caller(client, "full")
        assert (await full.credits())["available"] == 500
        await full.session()

        reader = Caller(client, "reader")
        assert (await reader.credits()) == {"available": 20, "frozen": 0, "total": 20}
        refused = await client.post(
            "/api/tasks/me/with-session/nemo_agent",
            json={"task_name": "project"},
            headers=reader.headers,
        )
        assert refused.status_code == 403
        assert "'write'" in refused.json()["msg"]
        render = await client.post(
            "/api/render/proxy/lambda", json={}, headers={**reader.headers, **ATTRIBUTION}
        )
        assert render.status_code == 403
        assert "'render'" in render.json()["error"]


async def test_credits_balance_shape(caller: Caller) -> None:
    balance = await caller.credits()

    assert balance == {"available": 100, "frozen": 0, "total": 100}


def _admin(engine: RunningEngine) -> EngineAdmin:
    return EngineAdmin(engine.base_url)
