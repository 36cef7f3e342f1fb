"""REDIS_URL forms: what each becomes, and plain-word refusals that never repeat a password."""

from __future__ import annotations

import pytest
from redis.asyncio import BlockingConnectionPool
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import SSLConnection, UnixDomainSocketConnection

from core.store import RedisUrlError, check_redis_url, close_client, describe, redis_client
from core.store.urls import (
    CLUSTER_POOL_FACTOR,
    DEFAULT_REDIS_PORT,
    DEFAULT_SENTINEL_PORT,
    SENTINEL_TIMEOUT_S,
    BlockingSentinelConnectionPool,
    ClusterUrl,
    SentinelUrl,
    parse_cluster_url,
    parse_sentinel_url,
)

SECRET = "s3cr%40t-pw"  # percent-encoded "s3cr@t-pw"
PLAIN_SECRET = "s3cr@t-pw"


def test_a_sentinel_url_names_every_sentinel_the_service_and_the_database() -> None:
    parsed = parse_sentinel_url(
        f"redis+sentinel://app:{SECRET}@10.0.0.1:26380,sentinel-b,[::1]:26381/cache/3"
        "?sentinel_password=side%26pw&sentinel_username=watcher"
    )
    assert parsed == SentinelUrl(
        sentinels=(("10.0.0.1", 26380), ("sentinel-b", DEFAULT_SENTINEL_PORT), ("::1", 26381)),
        service="cache",
        db=3,
        username="app",
        password=PLAIN_SECRET,
        sentinel_username="watcher",
        sentinel_password="side&pw",
    )
    assert PLAIN_SECRET not in repr(parsed) and "side&pw" not in repr(parsed)


def test_a_sentinel_url_without_password_or_database() -> None:
    parsed = parse_sentinel_url("redis+sentinel://127.0.0.1:26379/mymaster")
    assert (parsed.service, parsed.db, parsed.password, parsed.sentinel_password) == (
        "mymaster",
        0,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        (f"redis+cluster://:{SECRET}@h1:7000/1", "only database 0"),
        (f"redis+cluster://:{SECRET}@h1:7000?ssl=1", "no parameters"),
        (f"redis+cluster://:{SECRET}@h1:7000,:7001", "cluster node address in REDIS_URL has no"),
        (f"rediss+cluster://:{SECRET}@h1:99999", "from 1 to 65535"),
        (f"redis+cluster://:{SECRET}@", "at least one node"),
        (f"memcached://:{SECRET}@h1:11211", "REDIS_URL must have one of these forms"),
        (f"redis-sentinel://:{SECRET}@h1/svc", "REDIS_URL must have one of these forms"),
        (f":{SECRET}@h1:6379", "REDIS_URL must have one of these forms"),
        (f"redis://:{SECRET}@h1:port/0", "not a valid Redis URL"),
        (f"redis+sentinel://:{SECRET}@h1:26379", "/<service name>"),
        (f"redis+sentinel://:{SECRET}@h1:26379/svc/0/extra", "/<service name>"),
        (f"redis+sentinel://:{SECRET}@h1:26379/svc/zero", "must be a number"),
        (f"redis+sentinel://:{SECRET}@h1:70000/svc", "from 1 to 65535"),
        (f"redis+sentinel://:{SECRET}@h1:x/svc", "from 1 to 65535"),
        (f"redis+sentinel://:{SECRET}@:26379/svc", "has no host"),
        (f"redis+sentinel://:{SECRET}@/svc", "at least one Sentinel"),
        (f"redis+sentinel://h1/svc?password={SECRET}", "unknown Sentinel URL parameter"),
    ],
)
def test_unusable_urls_are_refused_in_plain_words_without_the_password(url: str, says: str) -> None:
    with pytest.raises(RedisUrlError) as caught:
        check_redis_url(url)
    text = str(caught.value)
    assert says in text
    assert SECRET not in text and PLAIN_SECRET not in text
    error = caught.value  # nothing chained: a traceback shows no other exception's text either
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_a_cluster_url_names_the_nodes_discovery_starts_from() -> None:
    parsed = parse_cluster_url(f"rediss+cluster://app:{SECRET}@10.0.0.1:7000,node-b,[::1]:7002/0")
    assert parsed == ClusterUrl(
        nodes=(("10.0.0.1", 7000), ("node-b", DEFAULT_REDIS_PORT), ("::1", 7002)),
        tls=True,
        username="app",
        password=PLAIN_SECRET,
    )
    assert PLAIN_SECRET not in repr(parsed)
    assert not parse_cluster_url("redis+cluster://h1:7000").tls


@pytest.mark.parametrize(
    "url", ["redis://h1:6379/0", "rediss://:pw@h1:6380/1", "unix:///run/redis.sock"]
)
def test_plain_forms_are_accepted(url: str) -> None:
    check_redis_url(url)


async def test_a_plain_url_gets_a_pool_that_waits_for_a_free_connection() -> None:
    client = redis_client(f"rediss://:{SECRET}@h1:6380/2", max_connections=7, wait_s=4)
    pool = client.connection_pool
    try:
        assert isinstance(pool, BlockingConnectionPool)
        assert (pool.max_connections, pool.timeout) == (7, 4)
        assert pool.connection_class is SSLConnection
        assert pool.connection_kwargs["password"] == PLAIN_SECRET
        assert pool.connection_kwargs["db"] == 2
    finally:
        await client.aclose(close_connection_pool=True)
    unix = redis_client("unix:///run/redis.sock", max_connections=3)
    assert unix.connection_pool.connection_class is UnixDomainSocketConnection
    await unix.aclose(close_connection_pool=True)


async def test_a_sentinel_url_gets_a_waiting_pool_on_the_named_master() -> None:
    url = f"redis+sentinel://:{SECRET}@s1:26379,s2:26380/orders/4?sentinel_password=watch-pw"
    client = redis_client(url, max_connections=9, wait_s=2, socket_connect_timeout=1.5)
    pool = client.connection_pool
    try:
        assert isinstance(pool, BlockingSentinelConnectionPool)
        assert (pool.service_name, pool.is_master) == ("orders", True)
        assert (pool.max_connections, pool.timeout) == (9, 2)
        assert pool.connection_kwargs["password"] == PLAIN_SECRET
        assert pool.connection_kwargs["db"] == 4
        assert pool.connection_kwargs["socket_connect_timeout"] == 1.5
        sentinels = pool.sentinel_manager.sentinels
        addresses = [
            (
                s.connection_pool.connection_kwargs["host"],
                s.connection_pool.connection_kwargs["port"],
            )
            for s in sentinels
        ]
        assert addresses == [("s1", 26379), ("s2", 26380)]
        options = sentinels[0].connection_pool.connection_kwargs
        assert options["password"] == "watch-pw"
        assert options["socket_connect_timeout"] == 1.5
        assert options["socket_timeout"] == SENTINEL_TIMEOUT_S
    finally:
        await client.aclose(close_connection_pool=True)


async def test_a_cluster_url_gets_redis_pys_cluster_client_on_the_named_nodes() -> None:
    client = redis_client(f"redis+cluster://:{SECRET}@n1:7000,n2:7001", max_connections=5)
    try:
        assert isinstance(client, RedisCluster)  # built, not yet connected
        nodes = list(client.nodes_manager.startup_nodes.values())
        assert sorted((node.host, node.port) for node in nodes) == [("n1", 7000), ("n2", 7001)]
        assert nodes[0].max_connections == 5 * CLUSTER_POOL_FACTOR
        assert nodes[0].connection_kwargs["password"] == PLAIN_SECRET
    finally:
        await close_client(client)


def test_describe_names_the_kind_of_redis_without_hosts_or_secrets() -> None:
    assert describe(f"redis://:{SECRET}@h1:6379/0") == "Redis"
    assert describe("rediss://h1:6380/0") == "Redis over TLS"
    assert describe("unix:///run/redis.sock") == "Redis on a Unix socket"
    sentinel = describe(f"redis+sentinel://:{SECRET}@s1,s2,s3/mymaster")
    assert sentinel == "the master of 'mymaster' via 3 Sentinels"
    assert describe("redis+sentinel://s1/mymaster").endswith("via 1 Sentinel")
    cluster = describe(f"rediss+cluster://:{SECRET}@n1:7000,n2:7001")
    assert cluster == "a Redis Cluster over TLS found from 2 nodes"
