"""REDIS_URL in every form clipbridge accepts, turned into one kind of client.

The forms: `redis://` (one Redis), `rediss://` (the same over TLS), `unix://` (a socket file),
`redis+sentinel://` (the master a set of Sentinels watches, followed across failovers) and
`redis+cluster://` / `rediss+cluster://` (a Redis Cluster, found from one or more of its nodes).

On a cluster every key clipbridge touches together shares a hash tag (`core.store.keys`), so
each Lua script and transaction runs on one node. The cluster client answers every command
clipbridge sends with the same signature as `Redis`, and is handed to the core under that type.

A plain or Sentinel client waits for a free connection when its pool is busy instead of
failing, so a burst of work slows down rather than errors out; redis-py's cluster client cannot
wait, so it is given several times the connections per node. Error texts never repeat the URL:
it may hold a password.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast
from urllib.parse import parse_qs, unquote, urlsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool, SentinelManagedConnection
from redis.backoff import ExponentialWithJitterBackoff, NoBackoff
from redis.exceptions import AuthenticationError, AuthorizationError, ResponseError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

SENTINEL_SCHEME = "redis+sentinel"
CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")
PLAIN_SCHEMES = ("redis", "rediss", "unix")
DEFAULT_SENTINEL_PORT = 26379
DEFAULT_REDIS_PORT = 6379
CLUSTER_POOL_FACTOR = 4  # the cluster client fails when a node's pool is full: make room
POOL_WAIT_S = 30.0  # how long a command waits for a free connection before it fails

# redis-py annotates Sentinel's constructor from 8.2 on; before that, calling it is an untyped
# call to mypy --strict. A typed name for the class holds on both sides (no `type: ignore` that
# becomes unused with the next release).
new_sentinel: Callable[..., Sentinel] = Sentinel

SENTINEL_TIMEOUT_S = 5.0  # a Sentinel that does not answer in time is skipped for the next one
FORMS = (
    "redis://[:password@]host:6379/0, rediss://... (TLS), unix:///path/redis.sock, "
    "redis+sentinel://[:password@]host:26379[,host:26379...]/service[/db], "
    "redis+cluster://[:password@]host:6379[,host:6379...] (rediss+cluster:// for TLS)"
)
T = TypeVar("T")
_SENTINEL_QUERY = ("sentinel_username", "sentinel_password")
# A command that meets a dropped connection (Redis restarted, a failover, a network blip) is
# sent again on a new one, backing off from 50 ms to 2 s: about 12 s of outage ride through
# before the error reaches the code. Without it, every pooled connection fails once after a
# restart and each failure surfaces as an error in a job or a webhook.
RECONNECT_RETRIES = 10


class _Reconnect(Retry):
    """Retries connection errors, except a refused name or password: asking again with the
    same credentials gets the same answer, and the user should read it at once."""

    async def call_with_retry(
        self,
        do: Callable[[], Awaitable[T]],
        fail: Callable[[Exception], Any] | Callable[[Exception, int], Any],
        is_retryable: Callable[[Exception], bool] | None = None,
        with_failure_count: bool = False,
    ) -> T:
        def retryable(error: Exception) -> bool:
            if isinstance(error, (AuthenticationError, AuthorizationError)):
                return False
            return is_retryable is None or is_retryable(error)

        return await super().call_with_retry(do, fail, retryable, with_failure_count)


def reconnecting() -> dict[str, Any]:
    """redis-py options that retry a command on a new connection after a connection error."""
    return {
        "retry": _Reconnect(ExponentialWithJitterBackoff(base=0.05, cap=2.0), RECONNECT_RETRIES),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
    }


class RedisUrlError(ValueError):
    """REDIS_URL names a form clipbridge cannot use. The text never contains the URL."""


@dataclass(frozen=True)
class SentinelUrl:
    """A parsed `redis+sentinel://` URL; the secrets are kept out of its repr."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    sentinel_username: str | None = field(default=None, repr=False)
    sentinel_password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ClusterUrl:
    """A parsed `redis+cluster://` URL: the nodes to start from; secrets kept out of its repr."""

    nodes: tuple[tuple[str, int], ...]
    tls: bool = False
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)


def scheme_of(url: str) -> str:
    return url.partition("://")[0].lower() if "://" in url else ""


ENCODINGS = {"@": "%40", "/": "%2F", "?": "%3F", "#": "%23", "%": "%25"}


def unencoded_in_password(url: str) -> str:
    """Advice when the user or password part of `url` holds characters a URL reserves, as
    typed ('' when it holds none): the URL then splits somewhere the operator did not mean.
    The advice names the characters, never the password."""
    userinfo, at, _ = url.partition("://")[2].rpartition("@")
    raw = [char for char in "@/?#" if char in userinfo]
    if not at or not raw:
        return ""
    codes = ", ".join(f"{char} as {ENCODINGS[char]}" for char in raw)
    return f"the password in REDIS_URL holds {' '.join(raw)} as typed: percent-encode it ({codes})"


class PasswordNotEncoded(RedisUrlError):
    """REDIS_URL splits in the wrong place because its password holds a reserved character."""

    def __init__(self, advice: str) -> None:
        what, _, fix = advice.partition(": ")
        super().__init__(what)
        self.fix = fix


def check_redis_url(url: str) -> None:
    """Raise RedisUrlError when `url` is not a form clipbridge can use; it opens no connection."""
    advice = unencoded_in_password(url)
    try:
        _check_form(url)
    except RedisUrlError:
        if not advice:
            raise
        raise PasswordNotEncoded(advice) from None


def _check_form(url: str) -> None:
    scheme = scheme_of(url)
    if scheme in CLUSTER_SCHEMES:
        parse_cluster_url(url)
        return
    if scheme == SENTINEL_SCHEME:
        parse_sentinel_url(url)
        return
    if scheme not in PLAIN_SCHEMES:
        raise RedisUrlError(f"REDIS_URL must have one of these forms: {FORMS}")
    try:
        parse_url(url)
    except ValueError:  # redis-py's own text is safe, but chaining would keep the URL around
        raise RedisUrlError(f"REDIS_URL is not a valid Redis URL; the forms: {FORMS}") from None


def parse_sentinel_url(url: str) -> SentinelUrl:
    """`redis+sentinel://[user:password@]host[:port][,host[:port]...]/service[/db][?query]`.

    The password in the URL is the Redis master's; a Sentinel that has its own password takes
    it from `?sentinel_password=` (and `?sentinel_username=` for an ACL user).
    """
    if scheme_of(url) != SENTINEL_SCHEME:
        raise RedisUrlError(f"a Sentinel URL starts with {SENTINEL_SCHEME}://")
    parts = urlsplit(url)
    username, password, hosts = _userinfo(parts.netloc)
    sentinels = _addresses(hosts, DEFAULT_SENTINEL_PORT, "Sentinel")
    if not sentinels:
        raise RedisUrlError("a Sentinel URL names at least one Sentinel: host:26379")
    path = [unquote(piece) for piece in parts.path.split("/") if piece]
    if not path or len(path) > 2:
        raise RedisUrlError("a Sentinel URL ends with /<service name> or /<service name>/<db>")
    service = path[0]
    db = 0
    if len(path) == 2:
        if not path[1].isdigit():
            raise RedisUrlError("the database after the Sentinel service name must be a number")
        db = int(path[1])
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = sorted(set(query) - set(_SENTINEL_QUERY))
    if unknown:
        raise RedisUrlError(
            f"unknown Sentinel URL parameter {unknown[0]!r}; known: {', '.join(_SENTINEL_QUERY)}"
        )
    return SentinelUrl(
        sentinels=sentinels,
        service=service,
        db=db,
        username=username,
        password=password,
        sentinel_username=query.get("sentinel_username") or None,
        sentinel_password=query.get("sentinel_password") or None,
    )


def parse_cluster_url(url: str) -> ClusterUrl:
    """`redis+cluster://[user:password@]host[:port][,host[:port]...][/0]`; `rediss+cluster://`
    for TLS. A cluster has one database, 0; the nodes named are where discovery starts."""
    scheme = scheme_of(url)
    if scheme not in CLUSTER_SCHEMES:
        raise RedisUrlError("a Redis Cluster URL starts with redis+cluster:// or rediss+cluster://")
    parts = urlsplit(url)
    username, password, hosts = _userinfo(parts.netloc)
    nodes = _addresses(hosts, DEFAULT_REDIS_PORT, "cluster node")
    if not nodes:
        raise RedisUrlError("a Redis Cluster URL names at least one node: host:6379")
    if parts.path.strip("/") not in ("", "0"):
        raise RedisUrlError("a Redis Cluster has only database 0: end the URL with /0 or nothing")
    if parts.query:
        raise RedisUrlError("a Redis Cluster URL takes no parameters after '?'")
    return ClusterUrl(nodes, scheme == "rediss+cluster", username, password)


def _userinfo(netloc: str) -> tuple[str | None, str | None, str]:
    """The user name and password before '@' (percent-decoded), and the hosts after it."""
    userinfo, _, hosts = netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    return unquote(username) or None, unquote(password) or None, hosts


def _addresses(hosts: str, default_port: int, what: str) -> tuple[tuple[str, int], ...]:
    return tuple(_host_port(item, default_port, what) for item in hosts.split(",") if item.strip())


def _host_port(item: str, default_port: int, what: str) -> tuple[str, int]:
    item = item.strip()
    if item.startswith("["):  # an IPv6 address: [::1]:26379
        host, _, rest = item[1:].partition("]")
        port_text = rest.removeprefix(":")
    else:
        host, _, port_text = item.partition(":")
    if not host:
        raise RedisUrlError(f"a {what} address in REDIS_URL has no host")
    if not port_text:
        return unquote(host), default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise RedisUrlError(f"a {what} port in REDIS_URL is not a number from 1 to 65535")
    return unquote(host), int(port_text)


class FollowingMasterConnection(SentinelManagedConnection):
    """redis-py's Sentinel connection, which takes READONLY from the master it knew for a
    failover and re-asks the Sentinels, also when the READONLY comes from inside a script (a
    job queue's enqueue, say): there redis-py sees only an error of the script, and the first
    commands after a failover failed instead of following the new master."""

    async def read_response(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().read_response(*args, **kwargs)
        except ResponseError as exc:
            if self.connection_pool.is_master and "READONLY" in str(exc):
                await self.disconnect()
                raise RedisConnectionError("the previous master is now a replica") from exc
            raise


class BlockingSentinelConnectionPool(SentinelConnectionPool, BlockingConnectionPool):
    """redis-py's Sentinel pool (it asks the Sentinels for the master on every new connection,
    and drops idle ones when the master moved) with the blocking pool's wait for a free one.

    The Sentinel clients belong to this pool alone, so closing the pool closes them too.
    """

    async def aclose(self) -> None:
        await super().aclose()
        await self.sentinel_manager.aclose()


def redis_client(
    url: str, *, max_connections: int, wait_s: float = POOL_WAIT_S, **connection: Any
) -> Redis:
    """A client for any accepted REDIS_URL whose pool waits for a free connection when busy.

    `connection` holds extra redis-py connection options (a connect timeout, say); for a
    Sentinel URL its `socket_*` options also apply to the Sentinels.
    """
    check_redis_url(url)
    connection = {**reconnecting(), **connection}
    if scheme_of(url) in CLUSTER_SCHEMES:
        return _cluster_client(parse_cluster_url(url), max_connections, connection)
    if scheme_of(url) != SENTINEL_SCHEME:
        pool = BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=wait_s, **connection
        )
        return Redis(connection_pool=pool)
    target = parse_sentinel_url(url)
    sentinel_options: dict[str, Any] = {
        "socket_connect_timeout": SENTINEL_TIMEOUT_S,
        "socket_timeout": SENTINEL_TIMEOUT_S,
        **{name: value for name, value in connection.items() if name.startswith("socket_")},
        "username": target.sentinel_username,
        "password": target.sentinel_password,
        # One try per Sentinel: the next Sentinel is asked at once, and the master's client
        # retries the whole discovery with its backoff.
        "retry": Retry(NoBackoff(), 0),
    }
    sentinel = new_sentinel(list(target.sentinels), sentinel_kwargs=sentinel_options)
    client: Redis = sentinel.master_for(
        target.service,
        connection_pool_class=BlockingSentinelConnectionPool,
        connection_class=FollowingMasterConnection,
        max_connections=max_connections,
        timeout=wait_s,
        db=target.db,
        username=target.username,
        password=target.password,
        **connection,
    )
    return client


def _cluster_client(target: ClusterUrl, max_connections: int, connection: dict[str, Any]) -> Redis:
    """redis-py's cluster client: it learns the slots from the nodes named, follows MOVED and
    ASK replies, and finds the slots again after a failover."""
    client = RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
        username=target.username,
        password=target.password,
        ssl=target.tls,
        max_connections=max_connections * CLUSTER_POOL_FACTOR,
        **connection,
    )
    return cast(Redis, client)


async def close_client(client: Redis) -> None:
    """Close a client from `redis_client` with its connections, whatever its kind."""
    if isinstance(client, RedisCluster):
        await client.aclose()
    else:
        await client.aclose(close_connection_pool=True)


def describe(url: str) -> str:
    """What kind of Redis the URL names, in words fit for a log line (no host, no secret)."""
    scheme = scheme_of(url)
    if scheme == SENTINEL_SCHEME:
        target = parse_sentinel_url(url)
        count = len(target.sentinels)
        return f"the master of {target.service!r} via {count} Sentinel{'s' * (count != 1)}"
    if scheme in CLUSTER_SCHEMES:
        count = len(parse_cluster_url(url).nodes)
        tls = " over TLS" * (scheme == "rediss+cluster")
        return f"a Redis Cluster{tls} found from {count} node{'s' * (count != 1)}"
    return {"rediss": "Redis over TLS", "unix": "Redis on a Unix socket"}.get(scheme, "Redis")
