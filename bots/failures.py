"""What an operator reads when a role cannot start or stops: one line saying what is wrong and
what to do, never a secret, never a traceback (`clipbridge -v` adds it, scrubbed).

Our own checks raise `OperatorError` with the words ready. Failures that come out of a library
(a rejected token, no route to a platform, Redis refusing a password) are recognised by
`explain`, which looks through the exception's causes and groups for one it can name.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit

from bots.settings import ProcessSettings
from core.store import FORMS, PasswordNotEncoded, RedisUrlError, describe

PORT_ERRORS = {
    errno.EADDRINUSE: "is in use by another program",
    errno.EACCES: "needs privileges this user does not have",
    errno.EADDRNOTAVAIL: "is not an address of this machine",
}


class OperatorError(Exception):
    """A failure the operator can fix. `what` and `fix` hold no secret."""

    def __init__(self, what: str, fix: str) -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix

    def line(self) -> str:
        return f"clipbridge: {self.what}. Fix: {self.fix}"


def port_error(exc: OSError, host: str, port: int, setting: str) -> OperatorError | None:
    """Binding `host:port` (chosen by `setting`) failed: which way, and what to set."""
    why = PORT_ERRORS.get(exc.errno or 0)
    if why is None:
        return None
    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if exc.errno == errno.EADDRNOTAVAIL:
        return OperatorError(f"{shown} ({setting}) {why}", f"set {setting} to an address it has")
    fix = (
        f"give {setting} a free port"
        if setting.startswith("--")
        else f"set {setting} to a free port"
    )
    if exc.errno == errno.EACCES:
        fix += " above 1023"
    if setting == "HEALTH_PORT":
        fix += ", or 0 for none"
    return OperatorError(f"port {shown} ({setting}) {why}", fix)


def explain(exc: BaseException, settings: ProcessSettings | None) -> OperatorError | None:
    """The operator's words for `exc`, or None when it is not a failure we can name."""
    for found in _causes(exc):
        named = _name(found, settings)
        if named is not None:
            return named
    return None


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, the members of its groups, and what caused each, once each."""
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)


def _name(exc: BaseException, settings: ProcessSettings | None) -> OperatorError | None:
    if isinstance(exc, OperatorError):
        return exc
    if isinstance(exc, PasswordNotEncoded):
        return OperatorError(f"REDIS_URL cannot be used: {exc}", exc.fix)
    if isinstance(exc, RedisUrlError):  # its text never holds the URL
        return OperatorError(f"REDIS_URL cannot be used: {exc}", f"use one of these forms: {FORMS}")
    return _telegram(exc, settings) or _discord(exc, settings) or _redis(exc, settings)


def _telegram(exc: BaseException, settings: ProcessSettings | None) -> OperatorError | None:
    errors = sys.modules.get("telegram.error")
    if errors is None:
        return None
    if isinstance(exc, errors.InvalidToken):  # its text holds the token: never shown
        return OperatorError(
            "Telegram does not accept TELEGRAM_BOT_TOKEN",
            "copy the bot's token again from @BotFather (/mybots, API Token)",
        )
    if isinstance(exc, errors.NetworkError):
        base = settings.telegram.api_base if settings else "https://api.telegram.org"
        return no_route("Telegram", base, "TELEGRAM_API_BASE")
    return None


def _discord(exc: BaseException, settings: ProcessSettings | None) -> OperatorError | None:
    discord = sys.modules.get("discord")
    if discord is None:
        return None
    if isinstance(exc, discord.LoginFailure):
        return OperatorError(
            "Discord does not accept DISCORD_BOT_TOKEN",
            "reset the token in the Developer Portal (your application, Bot, Reset Token) "
            "and set DISCORD_BOT_TOKEN to it",
        )
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return OperatorError(
            "Discord refused a privileged gateway intent",
            "clipbridge needs none: use its own client, with no intents added",
        )
    aiohttp = sys.modules.get("aiohttp")
    unreachable = (discord.GatewayNotFound,) + ((aiohttp.ClientError,) if aiohttp else ())
    if isinstance(exc, unreachable):
        base = settings.discord.api_base if settings else "https://discord.com/api/v10"
        return no_route("Discord", base, "DISCORD_API_BASE")
    return None


def _redis(exc: BaseException, settings: ProcessSettings | None) -> OperatorError | None:
    redis = sys.modules.get("redis.exceptions")
    if redis is None:
        return None
    where = _redis_where(settings)
    refused_password = isinstance(
        exc, redis.AuthenticationError | redis.AuthenticationWrongNumberOfArgsError
    ) or (
        isinstance(exc, redis.ResponseError)
        and str(exc).split(" ", 1)[0] in ("WRONGPASS", "NOAUTH", "NOPERM")
    )
    if refused_password:
        return OperatorError(
            f"{where} refuses the password (or user) in REDIS_URL",
            "put the right one in REDIS_URL, percent-encoded (@ as %40, : as %3A, / as %2F)",
        )
    sentinel = sys.modules.get("redis.asyncio.sentinel")
    if sentinel is not None and isinstance(exc, sentinel.MasterNotFoundError):
        return OperatorError(
            f"{where}: the Sentinels name no master for that service",
            "check the service name in REDIS_URL (after the Sentinels' addresses) and that "
            "the Sentinels monitor it",
        )
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError):
        return OperatorError(
            f"{where} does not answer",
            "start Redis, or correct REDIS_URL; unset it to run a private Redis in this process",
        )
    return None


def _redis_where(settings: ProcessSettings | None) -> str:
    url = settings.core.redis_url if settings else None
    if not url:
        return "Redis"
    try:
        what = describe(url)
    except RedisUrlError:
        return "Redis"
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss") and parts.hostname:  # host and port: no secret
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return f"{what} at {host}:{parts.port or 6379}"
    return what


def no_route(what: str, base: str, setting: str) -> OperatorError:
    return OperatorError(
        f"no route to {what} at {_host(base)}",
        f"check this machine's network and firewall, or {setting}",
    )


def _host(url: str) -> str:
    """The host of a URL, which is all of it an operator needs (and it holds no token)."""
    return urlsplit(url).hostname or url
