"""The fake Discord's gateway: a websocket at ``/gateway`` speaking uncompressed JSON text frames.

HELLO, then IDENTIFY answered with READY (guilds as unavailable stubs) and one GUILD_CREATE per
guild of the shard, RESUME answered with RESUMED, heartbeats acknowledged, member requests
answered with one chunk. Tests push further events with ``dispatch``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord.ledger import Ledger
from tests.fakes.discord.payloads import Json
from tests.fakes.discord.records import Identify
from tests.fakes.discord.world import DiscordWorld

HELLO, HEARTBEAT, IDENTIFY, RESUME, RECONNECT = 10, 1, 2, 6, 7
REQUEST_MEMBERS, INVALID_SESSION, HEARTBEAT_ACK = 8, 9, 11


@dataclass
class GatewaySession:
    """One identified session; its socket changes when the client resumes on a new one."""

    session_id: str
    shard: tuple[int, int] | None
    intents: int | None
    ws: web.WebSocketResponse | None
    seq: int = 0
    ready: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def live(self) -> bool:
        return self.ready and self.ws is not None and not self.ws.closed

    def covers(self, guild_id: str | None) -> bool:
        """Discord's shard formula: (guild_id >> 22) % shard_count; DMs go to shard 0."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        return shard_id == (0 if guild_id is None else (int(guild_id) >> 22) % count)

    async def send(self, op: int, data: Any = None, event: str | None = None) -> None:
        async with self.lock:
            if self.ws is None or self.ws.closed:
                return
            seq = None
            if op == 0:
                self.seq += 1
                seq = self.seq
            await self.ws.send_str(json.dumps({"op": op, "d": data, "s": seq, "t": event}))


class Gateway:
    """Accepts discord.py's gateway connections and dispatches events to them."""

    def __init__(self, world: DiscordWorld, ledger: Ledger) -> None:
        self.world = world
        self.ledger = ledger
        self.url = ""
        self.heartbeat_interval_ms = 41_250
        self.sessions: dict[str, GatewaySession] = {}
        self._sockets: set[web.WebSocketResponse] = set()

    def install(self, app: web.Application) -> None:
        app.router.add_get("/gateway", self.connect)

    def live_sessions(self, guild_id: str | None = None) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if s.live and s.covers(guild_id)]

    async def dispatch(
        self, event: str, data: Json, *, guild_id: str | None = None, within_s: float = 10
    ) -> int:
        """Send a DISPATCH to every live session covering `guild_id`, waiting for one to exist."""
        sessions = await self.ledger.wait_for(
            lambda: self.live_sessions(guild_id), within_s=within_s
        )
        for session in sessions:
            await session.send(0, data, event)
        return len(sessions)

    async def request_reconnect(self) -> None:
        for session in self.live_sessions():
            await session.send(RECONNECT)

    async def close_sockets(self, code: int = 1001) -> None:
        for ws in list(self._sockets):
            await ws.close(code=code)

    async def connect(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.add(ws)
        session: GatewaySession | None = None
        try:
            hello = {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["fake-gateway"]}
            await ws.send_str(json.dumps({"op": HELLO, "d": hello, "s": None, "t": None}))
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    session = await self._on_frame(ws, json.loads(msg.data), session)
        finally:
            self._sockets.discard(ws)
            await self.ledger.changed()
        return ws

    async def _on_frame(
        self, ws: web.WebSocketResponse, frame: Json, session: GatewaySession | None
    ) -> GatewaySession | None:
        op, data = frame.get("op"), frame.get("d")
        if op == HEARTBEAT:
            if session is not None:
                await session.send(HEARTBEAT_ACK)
            else:
                await ws.send_str(
                    json.dumps({"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
                )
        elif op == IDENTIFY and isinstance(data, dict):
            return await self._identify(ws, data)
        elif op == RESUME and isinstance(data, dict):
            return await self._resume(ws, data)
        elif op == REQUEST_MEMBERS and isinstance(data, dict) and session is not None:
            await self._members_chunk(session, data)
        return session

    async def _identify(self, ws: web.WebSocketResponse, data: Json) -> GatewaySession | None:
        if data.get("token") != self.world.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return None
        raw = data.get("shard")
        shard = (int(raw[0]), int(raw[1])) if raw else None
        session = GatewaySession(secrets.token_hex(16), shard, data.get("intents"), ws)
        self.sessions[session.session_id] = session
        at = self.ledger.now()
        self.ledger.identifies.append(
            Identify(session.session_id, session.shard, session.intents, False, at)
        )
        guilds = [g for g in self.world.guilds.values() if session.covers(g["id"])]
        ready: Json = {
            "v": 10,
            "user": self.world.bot_user,
            "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.url,
            "application": {"id": str(self.world.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "_trace": ["fake-gateway"],
        }
        if shard is not None:
            ready["shard"] = list(shard)
        await session.send(0, ready, "READY")
        for guild in guilds:
            await session.send(0, self.world.guild_create(guild), "GUILD_CREATE")
        session.ready = True
        await self.ledger.changed()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: Json) -> GatewaySession | None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.world.token:
            await ws.send_str(json.dumps({"op": INVALID_SESSION, "d": False, "s": None, "t": None}))
            return None
        session.ws = ws
        at = self.ledger.now()
        self.ledger.identifies.append(
            Identify(session.session_id, session.shard, session.intents, True, at)
        )
        await session.send(0, {}, "RESUMED")
        session.ready = True
        await self.ledger.changed()
        return session

    async def _members_chunk(self, session: GatewaySession, data: Json) -> None:
        guild = self.world.guilds.get(str(data.get("guild_id")))
        if guild is None:
            return
        wanted = {str(u) for u in data.get("user_ids") or []}
        query = str(data.get("query") or "")
        members = [
            m
            for m in guild["members"]
            if (m["user"]["id"] in wanted)
            or (not wanted and m["user"]["username"].startswith(query))
        ]
        chunk: Json = {
            "guild_id": guild["id"],
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        await session.send(0, chunk, "GUILD_MEMBERS_CHUNK")
