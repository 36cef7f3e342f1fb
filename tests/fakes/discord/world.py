"""The fake Discord's world: the bot, users, guilds with channels, threads, roles and members,
DM channels, group DMs between users (the bot not among them), stored attachment bytes,
registered commands and live interactions.

Guild dicts are the GUILD_CREATE payloads themselves (channels, members... grow in place), so
what a test got from ``add_guild`` is what the client receives.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from tests.fakes.discord import payloads as shapes
from tests.fakes.discord.payloads import Json
from tests.fakes.discord.records import DiscordApiError

TEN_MIB = 10 * 1024 * 1024


@dataclass(frozen=True)
class Blob:
    """Bytes served at an attachment's url, as Discord's CDN would."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class InteractionState:
    """One dispatched interaction and what the bot has done with it so far."""

    id: str
    token: str
    payload: Json
    size_limit: int
    expired: bool = False
    response_type: int | None = None
    original_id: str | None = None
    source_message_id: str | None = None
    message_ids: set[str] = field(default_factory=set)

    @property
    def acknowledged(self) -> bool:
        return self.response_type is not None


class DiscordWorld:
    """Everything the fake Discord knows, addressed by snowflake id."""

    def __init__(self, *, upload_limit_bytes: int, attachment_size_limit: int) -> None:
        self.ids = shapes.Snowflakes()
        self._dms: dict[str, str] = {}
        self._without_bot: set[str] = set()  # channels the bot is no member of (group DMs)
        self._permissions: dict[tuple[str, str], int] = {}
        self.upload_limit_bytes = upload_limit_bytes
        self.attachment_size_limit = attachment_size_limit
        self.public_base = ""  # "http://127.0.0.1:PORT", set once the server listens
        self.bot_user = shapes.user_payload(self.ids.next(), "clipbridge", bot=True)
        self.application_id = int(self.bot_user["id"])
        self.token = shapes.bot_token(self.bot_user["id"])
        self.bot_permissions = shapes.BOT_PERMISSIONS
        self.recommended_shards = 1
        self.users: dict[str, Json] = {self.bot_user["id"]: self.bot_user}
        self.app_owner = self.add_user("clipbridge-owner")
        self.guilds: dict[str, Json] = {}
        self.channels: dict[str, Json] = {}
        self.messages: dict[str, Json] = {}
        self.blobs: dict[str, Blob] = {}
        self.global_commands: list[Json] = []
        self.guild_commands: dict[str, list[Json]] = {}
        self.interactions: dict[str, InteractionState] = {}

    # -- users, guilds, channels -------------------------------------------------------------

    def add_user(self, name: str) -> Json:
        user = shapes.user_payload(self.ids.next(), name)
        self.users[user["id"]] = user
        return user

    def add_guild(
        self, name: str, *, channels: Iterable[str] = ("general",), owner_id: str | None = None
    ) -> Json:
        guild_id = self.ids.next()
        owner = self.users[owner_id] if owner_id else self.add_user(f"{name}-owner")
        everyone = shapes.role_payload(guild_id, "@everyone", shapes.MEMBER_PERMISSIONS)
        bot_role = shapes.role_payload(
            self.ids.next(), "clipbridge", self.bot_permissions, bot_id=self.bot_user["id"]
        )
        guild: Json = {
            **{key: None for key in ("icon", "splash", "discovery_splash", "banner")},
            **{key: None for key in ("afk_channel_id", "rules_channel_id", "description")},
            "id": guild_id,
            "name": name,
            "owner_id": owner["id"],
            "roles": [everyone, bot_role],
            "channels": [],
            "threads": [],
            "members": [],
            "member_count": 0,
            "large": False,
            "unavailable": False,
            "features": [],
            "joined_at": shapes.now_iso(),
            "preferred_locale": "en-US",
            **{key: 0 for key in ("verification_level", "default_message_notifications")},
            **{key: 0 for key in ("premium_tier", "mfa_level", "nsfw_level")},
            **{key: [] for key in ("emojis", "stickers", "voice_states", "presences")},
            **{key: [] for key in ("stage_instances", "guild_scheduled_events")},
            "soundboard_sounds": [],
        }
        self.guilds[guild_id] = guild
        for channel_name in channels:
            self.add_channel(guild, channel_name)
        guild["system_channel_id"] = guild["channels"][0]["id"] if guild["channels"] else None
        self.add_member(guild, self.bot_user, roles=[bot_role])
        self.add_member(guild, owner)
        return guild

    def add_role(self, guild: Json, name: str, *, permissions: int = 0) -> Json:
        role = shapes.role_payload(self.ids.next(), name, permissions)
        self.guilds[guild["id"]]["roles"].append(role)
        return role

    def add_member(
        self,
        guild: Json,
        user: Json,
        *,
        roles: Iterable[Json | str] = (),
        permissions: int | None = None,
    ) -> Json:
        """Add `user` to `guild`; `permissions` overrides what the roles would grant."""
        guild = self.guilds[guild["id"]]
        role_ids = [role if isinstance(role, str) else role["id"] for role in roles]
        member = shapes.member_payload(user, role_ids)
        guild["members"] = [m for m in guild["members"] if m["user"]["id"] != user["id"]]
        guild["members"].append(member)
        guild["member_count"] = len(guild["members"])
        if permissions is None:
            granted = [r for r in guild["roles"] if r["id"] in role_ids or r["id"] == guild["id"]]
            permissions = 0
            for role in granted:
                permissions |= int(role["permissions"])
        self._permissions[guild["id"], user["id"]] = permissions
        return member

    def add_channel(self, guild: Json, name: str) -> Json:
        position = len(guild["channels"])
        channel = shapes.text_channel_payload(self.ids.next(), guild["id"], name, position)
        self.guilds[guild["id"]]["channels"].append(channel)
        self.channels[channel["id"]] = channel
        return channel

    def add_thread(self, parent: Json, name: str, *, owner: Json | None = None) -> Json:
        owner_id = (owner or self.bot_user)["id"]
        thread = shapes.thread_payload(self.ids.next(), parent, name, owner_id)
        self.guilds[parent["guild_id"]]["threads"].append(thread)
        self.channels[thread["id"]] = thread
        return thread

    def open_dm(self, user: Json) -> Json:
        """The DM channel between the bot and `user`, created on first use."""
        if user["id"] not in self._dms:
            channel = shapes.dm_channel_payload(self.ids.next(), user)
            self.channels[channel["id"]] = channel
            self._dms[user["id"]] = channel["id"]
        return self.channels[self._dms[user["id"]]]

    def add_group_dm(self, name: str, *users: Json) -> Json:
        """A group DM between `users`, without the bot: where only a user-installed app is
        used, and the bot's own token cannot post."""
        channel = shapes.group_dm_payload(self.ids.next(), name, list(users))
        self.channels[channel["id"]] = channel
        self._without_bot.add(channel["id"])
        return channel

    def bot_is_in(self, channel: Json) -> bool:
        """For channels outside guilds (DMs, group DMs); guild channels go by membership."""
        return channel["id"] not in self._without_bot

    def channel(self, channel_id: str) -> Json:
        if channel_id not in self.channels:
            raise DiscordApiError(404, 10003, "Unknown Channel")
        return self.channels[channel_id]

    def guild_of(self, channel: Json) -> Json | None:
        guild_id = channel.get("guild_id")
        return self.guilds.get(guild_id) if guild_id else None

    def member(self, guild: Json, user_id: str) -> Json | None:
        found = [m for m in guild["members"] if m["user"]["id"] == user_id]
        return found[0] if found else None

    def permissions(self, guild: Json, user_id: str) -> int:
        return self._permissions.get((guild["id"], user_id), 0)

    def guild_create(self, guild: Json) -> Json:
        return {**guild, "member_count": len(guild["members"])}

    # -- attachments ---------------------------------------------------------------------------

    def add_attachment(self, data: bytes, *, filename: str, content_type: str) -> Json:
        """Store bytes served without auth at the returned attachment's url and proxy_url."""
        if not self.public_base:
            raise RuntimeError("start the fake Discord before adding attachments")
        attachment_id = self.ids.next()
        self.blobs[attachment_id] = Blob(filename, content_type, data)
        now = int(time.time())
        signature = f"ex={now + 86400:x}&is={now:x}&hm={secrets.token_hex(32)}"
        path = f"/attachments/{attachment_id}/{quote(filename)}?{signature}"
        return shapes.attachment_payload(
            attachment_id,
            filename,
            len(data),
            content_type,
            f"{self.public_base}{path}",
            f"{self.public_base}/media{path}",
        )

    # -- application commands --------------------------------------------------------------------

    def put_commands(self, guild_id: str | None, commands: list[Json]) -> list[Json]:
        """Replace a command list (bulk overwrite), keeping ids of commands that stay."""
        old = {(c["name"], c["type"]): c for c in self.commands(guild_id)}
        version = self.ids.next()
        stored: list[Json] = []
        for sent in commands:
            command = {
                "type": 1,
                "description": "",
                "options": [],
                "default_member_permissions": None,
                "dm_permission": True,
                "nsfw": False,
                **sent,
                "application_id": str(self.application_id),
                "version": version,
            }
            previous = old.get((command["name"], command["type"]))
            command["id"] = previous["id"] if previous else self.ids.next()
            if guild_id is not None:
                command["guild_id"] = guild_id
            stored.append(command)
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        return stored

    def commands(self, guild_id: str | None) -> list[Json]:
        if guild_id is None:
            return self.global_commands
        return self.guild_commands.get(guild_id, [])

    def find_command(self, name: str, guild_id: str | None, command_type: int) -> Json | None:
        for scope in (guild_id, None) if guild_id else (None,):
            for command in self.commands(scope):
                if command["name"] == name and command["type"] == command_type:
                    return command
        return None

    # -- interactions --------------------------------------------------------------------------

    def interaction(self, token: str) -> InteractionState | None:
        return self.interactions.get(token)
