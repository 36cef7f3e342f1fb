"""The part of ``FakeDiscord``'s control API that plays the user's side of interactions:
slash and message commands, button presses, modal submits, token expiry, and the look-ups of
what the bot answered to one interaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.interactions import (
    APPLICATION_COMMAND,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionFactory,
    Options,
)
from tests.fakes.discord.ledger import Ledger
from tests.fakes.discord.payloads import Json
from tests.fakes.discord.records import MessageRecord
from tests.fakes.discord.world import DiscordWorld, InteractionState


class InteractionControls:
    """Mixin of ``FakeDiscord``: dispatches INTERACTION_CREATE as a user's action would."""

    world: DiscordWorld
    ledger: Ledger
    gateway: Gateway
    _interactions: InteractionFactory

    def records_for(self, interaction: Json) -> list[MessageRecord]:
        """Message changes made through `interaction`'s token."""
        return [m for m in self.ledger.messages if m.interaction_token == interaction["token"]]

    def original_message(self, interaction: Json) -> Json | None:
        state = self.world.interaction(interaction["token"])
        if state is None or state.original_id is None:
            return None
        return self.world.messages.get(state.original_id)

    async def invoke(
        self,
        command_name: str,
        *,
        channel: Json,
        user: Json,
        guild: Json | None = None,
        options: Options = (),
        resolved: Json | None = None,
        **context: Any,
    ) -> Json:
        """Dispatch a slash command; `options` maps names to values (str, int, float, bool, an
        attachment from ``add_attachment``, a user, a channel, a role) or is raw option dicts.
        `context` takes ``locale``, ``attachment_size_limit``, ``user_install`` (installed to
        the user only) and ``channel_object`` (False: the payload carries no channel object)."""
        guild = guild or self.world.guild_of(channel)
        data = self._interactions.command_data(
            command_name, 1, guild, options, dict(resolved or {})
        )
        state = self._interactions.create(
            APPLICATION_COMMAND, data, user=user, guild=guild, channel=channel, **context
        )
        return await self._send(state)

    async def invoke_message_command(
        self, command_name: str, message: Json, *, user: Json, **context: Any
    ) -> Json:
        """Dispatch a message context-menu command targeting `message`."""
        channel = self.world.channel(message["channel_id"])
        guild = self.world.guild_of(channel)
        resolved = {"messages": {message["id"]: message}}
        data = self._interactions.command_data(command_name, 3, guild, (), resolved)
        data["target_id"] = message["id"]
        state = self._interactions.create(
            APPLICATION_COMMAND, data, user=user, guild=guild, channel=channel, **context
        )
        return await self._send(state)

    async def press(
        self,
        message: Json,
        custom_id: str,
        user: Json,
        *,
        component_type: int = 2,
        values: Iterable[str] | None = None,
        **context: Any,
    ) -> Json:
        """Dispatch a component interaction (a button by default) on `message`."""
        current = self.world.messages.get(message["id"], message)
        channel = self.world.channel(current["channel_id"])
        data: Json = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = list(values)
        state = self._interactions.create(
            MESSAGE_COMPONENT, data, user=user, channel=channel, message=current, **context
        )
        return await self._send(state)

    async def submit_modal(
        self,
        custom_id: str,
        values: Mapping[str, str | list[str]],
        user: Json,
        *,
        channel: Json | None = None,
        **context: Any,
    ) -> Json:
        """Dispatch a modal submit shaped like the modal the bot opened with `custom_id`; it
        comes from that interaction's channel (and message) unless `channel` is given."""
        opener = self._interactions.modal_opener(custom_id)
        message = None
        if opener is not None:
            channel = channel or self.world.channels.get(opener.payload["channel_id"])
            if opener.source_message_id is not None:
                message = self.world.messages.get(opener.source_message_id)
        data = {
            "custom_id": custom_id,
            "components": self._interactions.modal_components(custom_id, values),
        }
        state = self._interactions.create(
            MODAL_SUBMIT, data, user=user, channel=channel, message=message, **context
        )
        return await self._send(state)

    def expire_interaction(self, interaction: Json | str) -> None:
        """From now on the interaction's token answers as after Discord's 15 minutes."""
        token = interaction if isinstance(interaction, str) else interaction["token"]
        state = self.world.interaction(token)
        if state is None:
            raise KeyError("unknown interaction token")
        state.expired = True

    async def _send(self, state: InteractionState) -> Json:
        guild_id = state.payload.get("guild_id")
        await self.gateway.dispatch("INTERACTION_CREATE", state.payload, guild_id=guild_id)
        return state.payload
