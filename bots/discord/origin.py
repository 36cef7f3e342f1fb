"""Where an interaction came from: the conversation it belongs to, and whether the bot's own
token can post there once the interaction's token (15 minutes) has expired.

The conversation is keyed by its channel id. An interaction may come without a channel object
(discord.py then has no channel id): in a DM with the bot that is still one known conversation,
the bot's DM with the user, opened by id; anywhere else there is no safe key, and the
interaction is refused rather than filed under a made-up one that would merge strangers.

A user-installed app answers where the bot is not a member (someone else's server, a group DM):
there the interaction token is the only way in, so late answers go to the requester's DMs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import discord


@dataclass(frozen=True)
class Origin:
    """`chat_id` is None for a DM with the bot whose channel the interaction did not name."""

    chat_id: str | None
    bot_can_post: bool


def origin_of(interaction: discord.Interaction[Any]) -> Origin | None:
    """The interaction's conversation, or None when it cannot be told (refuse it)."""
    can_post = bot_can_post(interaction)
    if interaction.channel_id is not None:
        return Origin(str(interaction.channel_id), can_post)
    if interaction.guild_id is None and not interaction.context.private_channel:
        return Origin(None, can_post)
    return None


def bot_can_post(interaction: discord.Interaction[Any]) -> bool:
    """Whether the bot is a member where the interaction came from.

    In a server that means the app is installed to that server, not only to the user (an
    interaction without any installation owners predates user installs: the server's). Outside
    servers it is the bot's own DM, not a group DM or a DM between two people.
    """
    if interaction.guild_id is not None:
        return interaction.is_guild_integration() or not interaction.is_user_integration()
    return not interaction.context.private_channel


async def chat_id_of(interaction: discord.Interaction[Any], origin: Origin) -> str:
    """The conversation's channel id; for a DM with the bot, opened (or found) by user id."""
    if origin.chat_id is not None:
        return origin.chat_id
    channel = await interaction.client.create_dm(interaction.user)
    return str(channel.id)
