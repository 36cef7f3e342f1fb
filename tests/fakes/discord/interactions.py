"""INTERACTION_CREATE payloads as Discord sends them: slash and message commands, component
presses and modal submits, with the fields discord.py 2.7 reads (``attachment_size_limit``,
``app_permissions``, ``context``, ``authorizing_integration_owners``, resolved data...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from tests.fakes.discord import payloads as shapes
from tests.fakes.discord.ledger import Ledger
from tests.fakes.discord.payloads import Json
from tests.fakes.discord.world import DiscordWorld, InteractionState

APPLICATION_COMMAND, MESSAGE_COMPONENT, MODAL_SUBMIT = 2, 3, 5
GUILD_CONTEXT, BOT_DM_CONTEXT, PRIVATE_CHANNEL_CONTEXT = 0, 1, 2
Options = Mapping[str, object] | Sequence[Json]


class InteractionFactory:
    """Builds interaction payloads and registers them (by token) in the world."""

    def __init__(self, world: DiscordWorld, ledger: Ledger) -> None:
        self.world = world
        self.ledger = ledger

    def create(
        self,
        interaction_type: int,
        data: Json,
        *,
        user: Json,
        guild: Json | None = None,
        channel: Json | None = None,
        message: Json | None = None,
        locale: str = "en-US",
        attachment_size_limit: int | None = None,
        user_install: bool = False,
        channel_object: bool = True,
    ) -> InteractionState:
        """`user_install`: the app is installed to the user only (not to the guild, if any).
        `channel_object=False` leaves out the ``channel`` object (``channel_id`` stays), as
        some interactions come."""
        world = self.world
        if guild is None and channel is not None:
            guild = world.guild_of(channel)
        channel = channel or world.open_dm(user)
        interaction_id = world.ids.next()
        limit = attachment_size_limit or world.attachment_size_limit
        payload: Json = {
            "id": interaction_id,
            "application_id": str(world.application_id),
            "type": interaction_type,
            "data": data,
            "token": shapes.interaction_token(interaction_id),
            "version": 1,
            "locale": locale,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "attachment_size_limit": limit,
            "channel_id": channel["id"],
        }
        if guild is not None:
            member = world.member(guild, user["id"]) or world.add_member(guild, user)
            permissions = world.permissions(guild, user["id"])
            bot_permissions = world.permissions(guild, world.bot_user["id"])
            payload["guild_id"] = guild["id"]
            payload["guild"] = {
                "id": guild["id"],
                "locale": guild["preferred_locale"],
                "features": [],
            }
            payload["guild_locale"] = guild["preferred_locale"]
            payload["member"] = {**member, "permissions": str(permissions)}
            payload["channel"] = {**channel, "permissions": str(permissions)}
            payload["context"] = GUILD_CONTEXT
        else:
            bot_permissions = world.bot_permissions
            payload["user"] = user
            payload["channel"] = channel
            in_bot_dm = world.bot_is_in(channel)
            payload["context"] = BOT_DM_CONTEXT if in_bot_dm else PRIVATE_CHANNEL_CONTEXT
        payload["app_permissions"] = str(bot_permissions)
        if user_install:
            payload["authorizing_integration_owners"] = {"1": user["id"]}
        else:
            payload["authorizing_integration_owners"] = {"0": guild["id"] if guild else "0"}
        if message is not None:
            payload["message"] = message
        if not channel_object:
            del payload["channel"]
        state = InteractionState(interaction_id, payload["token"], payload, limit)
        state.source_message_id = message["id"] if message is not None else None
        world.interactions[state.token] = state
        return state

    def command_data(
        self, name: str, command_type: int, guild: Json | None, options: Options, resolved: Json
    ) -> Json:
        command = self.world.find_command(name, guild["id"] if guild else None, command_type)
        data: Json = {"id": command["id"] if command else self.world.ids.next(), "name": name}
        data["type"] = command_type
        if command is not None and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if command_type == 1:
            data["options"] = self._options(options, guild, resolved)
        if any(resolved.values()):
            data["resolved"] = {key: value for key, value in resolved.items() if value}
        return data

    def _options(self, options: Options, guild: Json | None, resolved: Json) -> list[Json]:
        if not isinstance(options, Mapping):
            return list(options)
        built: list[Json] = []
        for name, value in options.items():
            option_type, option_value = self._option(value, guild, resolved)
            built.append({"name": name, "type": option_type, "value": option_value})
        return built

    def _option(self, value: object, guild: Json | None, resolved: Json) -> tuple[int, object]:
        if isinstance(value, bool):
            return 5, value
        if isinstance(value, int):
            return 4, value
        if isinstance(value, float):
            return 10, value
        if isinstance(value, str):
            return 3, value
        if not isinstance(value, dict):
            raise TypeError(f"cannot turn {value!r} into an option")
        if "url" in value and "filename" in value:
            resolved.setdefault("attachments", {})[value["id"]] = {**value, "ephemeral": True}
            return 11, value["id"]
        if "username" in value:
            resolved.setdefault("users", {})[value["id"]] = value
            member = self.world.member(guild, value["id"]) if guild else None
            if member is not None:
                permissions = str(self.world.permissions(guild or {}, value["id"]))
                without_user = {k: v for k, v in member.items() if k != "user"}
                resolved.setdefault("members", {})[value["id"]] = {
                    **without_user,
                    "permissions": permissions,
                }
            return 6, value["id"]
        if "managed" in value:
            resolved.setdefault("roles", {})[value["id"]] = value
            return 8, value["id"]
        resolved.setdefault("channels", {})[value["id"]] = {**value, "permissions": "0"}
        return 7, value["id"]

    def modal_components(self, custom_id: str, values: Mapping[str, str | list[str]]) -> list[Json]:
        """Submitted components shaped like the modal the bot opened (action rows if none)."""
        opened = [
            c for c in self.ledger.callbacks if c.type == 9 and c.data.get("custom_id") == custom_id
        ]
        if not opened:
            return [
                {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
                for key, value in values.items()
            ]
        return _fill(opened[-1].data.get("components") or [], values)

    def modal_opener(self, custom_id: str) -> InteractionState | None:
        """The interaction the bot answered with the modal `custom_id`, if any."""
        for callback in reversed(self.ledger.callbacks):
            if callback.type == 9 and callback.data.get("custom_id") == custom_id:
                return self.world.interaction(callback.token)
        return None


def _fill(components: list[Json], values: Mapping[str, str | list[str]]) -> list[Json]:
    filled: list[Json] = []
    for component in components:
        kind = component.get("type")
        if kind == 1:
            filled.append(
                {"type": 1, "components": _fill(component.get("components") or [], values)}
            )
        elif kind == 18 and component.get("component"):
            inner = _fill([component["component"]], values)
            if inner:
                filled.append({"type": 18, "component": inner[0]})
        elif kind == 4 and component.get("custom_id"):
            value = values.get(component["custom_id"], "")
            filled.append({"type": 4, "custom_id": component["custom_id"], "value": value})
        elif component.get("custom_id"):  # selects inside a modal
            chosen = values.get(component["custom_id"], [])
            selected = [chosen] if isinstance(chosen, str) else list(chosen)
            filled.append({"type": kind, "custom_id": component["custom_id"], "values": selected})
    return filled
