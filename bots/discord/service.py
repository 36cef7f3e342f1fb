"""Running the Discord side: the client (sharded when asked), command sync, and the ports.

`point_at` applies the REST base and gateway URL settings to discord.py's class attributes
(`Route.BASE`, `DiscordWebSocket.DEFAULT_GATEWAY`), the smallest override discord.py has; it
serves operators behind a REST proxy, and lets tests reach a fake Discord.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
import httpx
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bots.discord.ingress import DiscordIngress
from bots.discord.settings import DiscordSettings
from bots.discord.sink import DiscordSink
from bots.discord.source import DiscordSource
from bots.discord.translator import CatalogTranslator
from bots.edit_throttle import EditThrottle
from core.app import Core
from core.ports import PlatformPorts

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 60


def ids(text: str) -> list[int]:
    return [int(part) for part in text.replace(" ", "").split(",") if part]


def point_at(settings: DiscordSettings) -> None:
    Route.BASE = settings.api_base.rstrip("/")
    if settings.gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)


def make_client(settings: DiscordSettings) -> discord.Client:
    intents = discord.Intents.none()
    intents.guilds = True
    # Nothing the client sends pings anyone unless a call allows it (the sink allows only the
    # requester): text the bot repeats may hold @everyone, a role or another member.
    quiet = discord.AllowedMentions.none()
    if settings.shard_count:
        shard_ids = ids(settings.shard_ids)
        if shard_ids:  # this process runs some of the shards; others run the rest
            return discord.AutoShardedClient(
                intents=intents,
                shard_count=settings.shard_count,
                shard_ids=shard_ids,
                allowed_mentions=quiet,
            )
        return discord.AutoShardedClient(
            intents=intents, shard_count=settings.shard_count, allowed_mentions=quiet
        )
    return discord.Client(intents=intents, allowed_mentions=quiet)


def token(settings: DiscordSettings) -> str:
    if settings.bot_token is None:
        raise ValueError("DISCORD_BOT_TOKEN is not set")
    return settings.bot_token.get_secret_value()


def discord_ports(core: Core, client: discord.Client, http: httpx.AsyncClient) -> PlatformPorts:
    """What any worker needs to answer Discord: the logged-in client's REST side."""
    return PlatformPorts(
        DiscordSource(http), DiscordSink(client.http, EditThrottle(core.redis, core.keys))
    )


class DiscordService:
    """The Discord ingress: the gateway connection, the commands, the buttons."""

    name = "discord"

    def __init__(self, settings: DiscordSettings, core: Core, client: discord.Client) -> None:
        self._settings = settings
        self.client = client
        # Installable in a server and by a person (then usable wherever they are: servers
        # without the bot, its DMs, group DMs); `bots.discord.origin` tells the contexts apart.
        self.tree: app_commands.CommandTree[Any] = app_commands.CommandTree(
            client,
            allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=True
            ),
        )
        self._ingress = DiscordIngress(core)
        self._ingress.register(self.tree)
        client.add_dynamic_items(self._ingress.buttons)  # presses of any message's buttons
        client.event(self._ingress.on_interaction)  # named on_interaction: discord.py's event
        self._connection: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Log in (REST), sync the commands, connect the gateway and wait until ready."""
        if not self.client.is_closed() and self.client.user is None:
            await self.client.login(token(self._settings))
        if self._settings.sync_commands:
            await self._sync()
        self._connection = asyncio.create_task(self.client.connect(reconnect=True))
        async with asyncio.timeout(READY_TIMEOUT_S):
            await self.client.wait_until_ready()
        log.info("discord ingress ready")

    async def _sync(self) -> None:
        await self.tree.set_translator(CatalogTranslator())  # names in every language we speak
        guilds = ids(self._settings.guild_ids)
        for guild_id in guilds:  # development: guild commands update at once
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        if not guilds:
            await self.tree.sync()

    async def ended(self) -> None:
        """Return (or raise: a token revoked, an intent refused) when the gateway connection
        ends by itself; it runs until `stop` otherwise."""
        if self._connection is not None:
            await asyncio.shield(self._connection)

    def healthy(self) -> bool:
        return self.client.is_ready() and not self.client.is_closed()

    async def stop(self) -> None:
        await self.client.close()
        if self._connection is not None:
            await asyncio.gather(self._connection, return_exceptions=True)
