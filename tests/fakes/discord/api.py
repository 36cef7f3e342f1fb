"""A fake Discord (REST under ``/api/v10`` and a gateway websocket) for driving the real
discord.py client end to end over loopback, plus the ``fake_discord`` fixture and
``pointed_at(fake)``, which points discord.py's REST base and gateway URL at a fake.

Typical use::

    guild = fake_discord.add_guild("Clips")
    user = fake_discord.add_user("ada")
    with pointed_at(fake_discord):
        ...start a discord.Client with fake_discord.token, wait for on_ready...
        interaction = await fake_discord.invoke("explain", channel=guild["channels"][0], user=user)
        await fake_discord.wait_for(lambda: fake_discord.callbacks)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TypeVar

import yarl
from aiohttp import web

from tests.fakes.discord import payloads as shapes
from tests.fakes.discord.controls import InteractionControls
from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.interactions import InteractionFactory
from tests.fakes.discord.ledger import Ledger
from tests.fakes.discord.messages import MessageBook
from tests.fakes.discord.payloads import Json
from tests.fakes.discord.records import Callback, Fault, Identify, MessageRecord, RestCall
from tests.fakes.discord.rest import RestApi
from tests.fakes.discord.webhooks import InteractionApi
from tests.fakes.discord.world import TEN_MIB, DiscordWorld

with warnings.catch_warnings():
    # discord.py imports audioop, deprecated since Python 3.11, and the suite's filterwarnings
    # turns that into an error; importing it here first keeps the warning out.
    warnings.simplefilter("ignore", DeprecationWarning)
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

T = TypeVar("T")


class FakeDiscord(InteractionControls):
    """A local Discord: the bot's REST API, interaction webhooks, an attachment CDN and a
    gateway, all on one loopback port, with a plain-Python control API for tests."""

    def __init__(
        self, *, upload_limit_bytes: int = TEN_MIB, attachment_size_limit: int = TEN_MIB
    ) -> None:
        self.world = DiscordWorld(
            upload_limit_bytes=upload_limit_bytes, attachment_size_limit=attachment_size_limit
        )
        self.ledger = Ledger()
        self.book = MessageBook(self.world, self.ledger)
        self.gateway = Gateway(self.world, self.ledger)
        self._rest = RestApi(self.world, self.ledger, self.book)
        self._webhooks = InteractionApi(self.world, self.ledger, self.book)
        self._interactions = InteractionFactory(self.world, self.ledger)
        self._runner: web.AppRunner | None = None
        self.rest_base = ""
        self.gateway_url = ""

    # -- identity and limits -------------------------------------------------------------------

    @property
    def token(self) -> str:
        return self.world.token

    @property
    def application_id(self) -> int:
        return self.world.application_id

    @property
    def bot_user(self) -> Json:
        return self.world.bot_user

    @property
    def upload_limit_bytes(self) -> int:
        return self.world.upload_limit_bytes

    @upload_limit_bytes.setter
    def upload_limit_bytes(self, value: int) -> None:
        self.world.upload_limit_bytes = value

    @property
    def attachment_size_limit(self) -> int:
        """The default ``attachment_size_limit`` of new interactions."""
        return self.world.attachment_size_limit

    @attachment_size_limit.setter
    def attachment_size_limit(self, value: int) -> None:
        self.world.attachment_size_limit = value

    # -- what the bot did --------------------------------------------------------------------

    @property
    def rest_calls(self) -> list[RestCall]:
        return self.ledger.rest_calls

    @property
    def callbacks(self) -> list[Callback]:
        return self.ledger.callbacks

    @property
    def messages(self) -> list[MessageRecord]:
        return self.ledger.messages

    @property
    def identifies(self) -> list[Identify]:
        return self.ledger.identifies

    async def wait_for(self, predicate: Callable[[], T], *, within_s: float = 30) -> T:
        """Wait (on a condition, no polling) until `predicate()` is truthy; return its value."""
        return await self.ledger.wait_for(predicate, within_s=within_s)

    def fail(
        self,
        route_pattern: str,
        status: int,
        code: int = 0,
        times: int = 1,
        retry_after: float | None = None,
        message: str = "Injected failure",
    ) -> Fault:
        """Answer the next `times` API calls matching `route_pattern` with an error.

        The pattern is fnmatch over ``"METHOD /path"`` or just ``/path`` (relative to
        ``/api/v10``), e.g. ``"POST /webhooks/*"``. A 429 carries ``Via`` and ``retry_after``
        (default 0.05 s), so discord.py waits and retries it.
        """
        fault = Fault(route_pattern, status, code, times, retry_after, message)
        self.ledger.faults.append(fault)
        return fault

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=4 * self.world.upload_limit_bytes + TEN_MIB)
        self._rest.install(app)
        self._webhooks.install(app)
        self.gateway.install(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.world.public_base = f"http://127.0.0.1:{port}"
        self.rest_base = f"{self.world.public_base}/api/v10"
        self.gateway_url = f"ws://127.0.0.1:{port}/gateway"
        self._rest.gateway_url = self.gateway.url = self.gateway_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self.gateway.close_sockets()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- the world -------------------------------------------------------------------------------

    def add_user(self, name: str) -> Json:
        return self.world.add_user(name)

    def add_guild(
        self, name: str, *, channels: Iterable[str] = ("general",), owner_id: str | None = None
    ) -> Json:
        """A guild with text channels named `channels`, its owner, the bot and their roles; the
        dict is the GUILD_CREATE payload (``guild["channels"][0]`` is the first channel)."""
        return self.world.add_guild(name, channels=channels, owner_id=owner_id)

    def add_member(
        self,
        guild: Json,
        user: Json,
        *,
        roles: Iterable[Json | str] = (),
        permissions: int | None = None,
    ) -> Json:
        return self.world.add_member(guild, user, roles=roles, permissions=permissions)

    def add_role(self, guild: Json, name: str, *, permissions: int = 0) -> Json:
        return self.world.add_role(guild, name, permissions=permissions)

    def add_channel(self, guild: Json, name: str) -> Json:
        return self.world.add_channel(guild, name)

    def add_thread(self, parent: Json, name: str, *, owner: Json | None = None) -> Json:
        return self.world.add_thread(parent, name, owner=owner)

    def open_dm(self, user: Json) -> Json:
        return self.world.open_dm(user)

    def add_group_dm(self, name: str, *users: Json) -> Json:
        """A group DM between `users` that the bot is not in (its token cannot post there)."""
        return self.world.add_group_dm(name, *users)

    def add_attachment(self, data: bytes, *, filename: str, content_type: str) -> Json:
        return self.world.add_attachment(data, filename=filename, content_type=content_type)

    def add_message(
        self,
        channel: Json,
        author: Json,
        *,
        content: str = "",
        attachments: Iterable[Json] = (),
        components: Iterable[Json] = (),
    ) -> Json:
        """A message already posted (for message commands and presses); not dispatched.
        `components` are its action rows (buttons), as the bot would have sent them."""
        fields = {"content": content, "components": list(components)}
        message = shapes.message_payload(
            self.world.ids.next(), channel, author, fields, list(attachments)
        )
        self.world.messages[message["id"]] = message
        return message

    async def dispatch(self, event: str, data: Json, *, guild_id: str | None = None) -> int:
        """Send a gateway event to the sessions covering `guild_id`; returns how many got it."""
        return await self.gateway.dispatch(event, data, guild_id=guild_id)

    async def join_guild(self, guild: Json) -> int:
        """Dispatch GUILD_CREATE for a guild added after the client connected."""
        return await self.dispatch(
            "GUILD_CREATE", self.world.guild_create(guild), guild_id=guild["id"]
        )


@contextmanager
def pointed_at(fake: FakeDiscord) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at `fake`; restore them afterwards."""
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = fake.rest_base
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway
