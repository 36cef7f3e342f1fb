"""Running the Telegram side: the bot client, long polling or a webhook, and the ports.

`telegram_ports` is all a worker needs (it only sends); `TelegramService` is the ingress: it
receives updates by long polling (`bots.telegram.polling`), or, when `TELEGRAM_WEBHOOK_URL` is
set, on its own small HTTP server (`bots.telegram.webhook`). Either way Telegram is told an
update arrived only once the core has recorded it, so a failure to record (Redis refusing
writes) has Telegram deliver it again instead of losing it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
from telegram import (
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
)
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from bots.edit_throttle import EditThrottle
from bots.failures import OperatorError
from bots.http_server import Served, serve
from bots.telegram.ingress import TelegramIngress
from bots.telegram.parse import PLATFORM, Limits
from bots.telegram.polling import Poller
from bots.telegram.settings import TelegramSettings
from bots.telegram.sink import TelegramSink
from bots.telegram.source import TelegramSource
from bots.telegram.transport import AiohttpRequest
from bots.telegram.webhook import webhook_app
from core.app import Core
from core.exports import ffmpeg_path
from core.languages import LANGUAGES
from core.ports import PlatformPorts
from core.store import REDIS_ERRORS, Albums
from core.store.connection import as_str
from core.texts import text

log = logging.getLogger(__name__)

UPDATES = ["message", "callback_query"]
# Telegram's command menu, per audience: private chats, group members, group admins (a group's
# settings are its admins'). Each is set per reply language; English is also the default.
PRIVATE, MEMBERS, ADMINS = "private", "members", "admins"
EVERYONE = frozenset({PRIVATE, MEMBERS, ADMINS})
COMMANDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("help", EVERYONE),
    ("new", EVERYONE),
    ("export", EVERYONE),
    ("status", EVERYONE),
    ("credits", EVERYONE),
    ("cancel", EVERYONE),
    ("lang", EVERYONE),  # each person's own; `/lang group` (the group's) is for admins
    ("aspect", frozenset({PRIVATE, ADMINS})),
    ("access", frozenset({ADMINS})),
    ("photos", frozenset({ADMINS})),
    ("ack", frozenset({ADMINS})),
)
SCOPES: dict[str, BotCommandScope] = {
    PRIVATE: BotCommandScopeAllPrivateChats(),
    MEMBERS: BotCommandScopeAllGroupChats(),
    ADMINS: BotCommandScopeAllChatAdministrators(),
}


def command_menu(audience: str, language: str) -> list[BotCommand]:
    """The commands `audience` sees, described in `language`."""
    return [
        BotCommand(name, text(f"command.{name}", language))
        for name, audiences in COMMANDS
        if audience in audiences
    ]


Menus = dict[tuple[str, str], list[BotCommand]]


def command_menus() -> Menus:
    """Every audience's menu in every reply language, by (audience, language)."""
    return {
        (audience, language): command_menu(audience, language)
        for language in LANGUAGES
        for audience in SCOPES
    }


def menus_digest(menus: Menus) -> str:
    """What the menus say: the same digest, the same menus."""
    said = {
        f"{audience}:{language}": [c.to_dict() for c in menu]
        for (audience, language), menu in menus.items()
    }
    return hashlib.sha256(json.dumps(said, sort_keys=True).encode()).hexdigest()


async def set_command_menus(bot: ExtBot[Any], menus: Menus) -> None:
    for (audience, language), menu in menus.items():
        code = None if language == "en" else language
        await bot.set_my_commands(menu, scope=SCOPES[audience], language_code=code)


async def menus_changed(bot: ExtBot[Any], core: Core, digest: str) -> bool:
    """Whether the menus differ from those last set for this bot (a restart sends none)."""
    try:
        last = await core.redis.get(core.keys.command_menus(PLATFORM, str(bot.id)))
    except REDIS_ERRORS:
        return True
    return as_str(last) != digest


async def setting_command_menus(bot: ExtBot[Any], core: Core, menus: Menus, digest: str) -> None:
    """The menus, behind the service's start: a few dozen calls take a moment, and a menu not
    yet set never stops a message."""
    try:
        await set_command_menus(bot, menus)
        await core.redis.set(core.keys.command_menus(PLATFORM, str(bot.id)), digest)
    except (TelegramError, *REDIS_ERRORS) as error:
        log.warning("command menus not set", extra={"error": type(error).__name__})


def limits_for(settings: TelegramSettings) -> Limits:
    upload_mb = settings.upload_limit_mb or (2000 if settings.local_mode else 50)
    return Limits(upload_bytes=int(upload_mb * 1000 * 1000))


def make_bot(settings: TelegramSettings) -> ExtBot[Any]:
    if settings.bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base = settings.api_base.rstrip("/")
    request = AiohttpRequest(connections=32, read_timeout=30, write_timeout=300)
    return ExtBot(
        settings.bot_token.get_secret_value(),
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        local_mode=settings.local_mode,
        # One pool for every call: the long poll goes through it too (bots.telegram.polling
        # reads getUpdates as JSON through `bot.request`), so PTB's second slot gets the same.
        request=request,
        get_updates_request=request,
        rate_limiter=AIORateLimiter(
            overall_max_rate=settings.max_rate,
            group_max_rate=settings.group_max_per_minute,
            max_retries=3,
        ),
    )


@asynccontextmanager
async def opened_bot(settings: TelegramSettings) -> AsyncIterator[ExtBot[Any]]:
    """The bot, initialized (getMe answered), and its connections closed on the way out: also
    when getMe fails, where PTB's own shutdown leaves them open."""
    bot = make_bot(settings)
    try:
        await bot.initialize()
        yield bot
    finally:
        await bot.shutdown()
        await bot.request.shutdown()


def telegram_ports(
    settings: TelegramSettings, core: Core, bot: ExtBot[Any], http: httpx.AsyncClient
) -> PlatformPorts:
    sink = TelegramSink(
        bot,
        EditThrottle(core.redis, core.keys),
        ffmpeg=ffmpeg_path(core.settings.ffmpeg_binary),
        local_mode=settings.local_mode,
    )
    return PlatformPorts(TelegramSource(bot, http, local_mode=settings.local_mode), sink)


class TelegramService:
    """The Telegram ingress: receives updates and hands them to the core."""

    name = "telegram"

    def __init__(self, settings: TelegramSettings, core: Core, bot: ExtBot[Any]) -> None:
        self._settings = settings
        self._core = core
        self._bot = bot
        self._webhook = bool(settings.webhook_url)
        albums = Albums(core.redis, core.keys, quiet_s=settings.album_quiet_s)
        self._ingress = TelegramIngress(core, bot, limits_for(settings), albums)
        self._poller: Poller | None = None
        self._served: Served | None = None
        self._menus: asyncio.Task[None] | None = None

    async def start(self) -> None:
        bot = self._bot
        menus = command_menus()
        digest = menus_digest(menus)
        # The default menu first, awaited: a token Telegram refuses stops the start here.
        await bot.set_my_commands(menus[PRIVATE, "en"])
        if await menus_changed(bot, self._core, digest):
            self._menus = asyncio.create_task(setting_command_menus(bot, self._core, menus, digest))
        try:
            if self._webhook:
                await self._start_webhook()
            else:
                await bot.delete_webhook()
                self._poller = Poller(bot, self._ingress.take, allowed_updates=UPDATES)
                self._poller.start()
        except BaseException:
            await self.stop()  # the menus too: the bot's connections close behind a failed start
            raise
        log.info(
            "telegram ingress started", extra={"mode": "webhook" if self._webhook else "polling"}
        )

    async def _start_webhook(self) -> None:
        settings = self._settings
        secret = settings.webhook_secret
        if secret is None:
            raise OperatorError(
                "TELEGRAM_WEBHOOK_URL is set without TELEGRAM_WEBHOOK_SECRET",
                "set TELEGRAM_WEBHOOK_SECRET to a random string (A-Z, a-z, 0-9, _ and -; "
                "up to 256 characters), or unset TELEGRAM_WEBHOOK_URL to poll",
            )
        path = urlsplit(settings.webhook_url).path or "/"
        app = webhook_app(self._ingress.take, self._core.metrics, secret.get_secret_value(), path)
        self._served = await serve(
            app,
            settings.webhook_listen,
            settings.webhook_port,
            setting="TELEGRAM_WEBHOOK_PORT",
        )
        await self._bot.set_webhook(
            settings.webhook_url,
            secret_token=secret.get_secret_value(),
            allowed_updates=UPDATES,
        )

    async def ended(self) -> None:
        """Return (or raise) when the ingress stops by itself; it runs until `stop` otherwise."""
        if self._poller is not None:
            await self._poller.ended()
        elif self._served is not None:
            await asyncio.shield(self._served.task)

    def healthy(self) -> bool:
        if self._webhook:
            return self._served is not None and not self._served.task.done()
        return self._poller is not None and self._poller.running

    async def stop(self) -> None:
        if self._menus is not None:
            self._menus.cancel()
            await asyncio.gather(self._menus, return_exceptions=True)
        if self._poller is not None:
            await self._poller.stop()
        if self._served is not None:
            await self._served.stop()
