"""Discord interactions into the core: slash commands, the message context menu, buttons and
the Refine form.

Every interaction is acknowledged first (deferred, "thinking"), before anything touches Redis,
the backend or a file, so the 3-second window holds however busy the process is. Buttons and
the Refine form carry what they need in their custom ids (`bots.discord.components`), so any
ingress process takes them, also one that never saw the message they belong to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from bots.discord.components import FollowUpButton, RefineForm, answered_by, refine_answer
from bots.discord.origin import chat_id_of, origin_of
from bots.discord.reply_ref import ReplyRef
from bots.discord.translator import localized
from core.app import Core
from core.events import Action
from core.languages import LANGUAGES, language_name, language_of
from core.messages import Attachment, ChatRef, Inbound, Sender
from core.texts import text

log = logging.getLogger(__name__)

PLATFORM = "discord"
SIMPLE_COMMANDS = {
    "export": (
        localized("discord.export", "export"),
        localized("discord.export.about", "Render the current timeline again"),
    ),
    "credits": (
        localized("discord.credits", "credits"),
        localized("discord.credits.about", "Show the credits left"),
    ),
    "status": (
        localized("discord.status", "status"),
        localized("discord.status.about", "Show the timeline"),
    ),
    "new": (
        localized("discord.new", "new"),
        localized("discord.new.about", "Start a fresh project in this channel"),
    ),
    "cancel": (
        localized("discord.cancel", "cancel"),
        localized("discord.cancel.about", "Stop the current job"),
    ),
    "help": (
        localized("discord.help", "help"),
        localized("discord.help.about", "What I do, with an example"),
    ),
}
ASPECTS = [app_commands.Choice(name=a, value=a) for a in ("16:9", "9:16", "1:1")]
# Each language by its own name: the same in every locale, so never translated.
LANGUAGE_CHOICES = [app_commands.Choice(name=language_name(code), value=code) for code in LANGUAGES]
MEDIA = ("image/", "video/")
ALREADY_ACKNOWLEDGED = 40060  # Discord's error code for a second response to one interaction


def is_media(attachment: discord.Attachment) -> bool:
    return (attachment.content_type or "").startswith(MEDIA)


async def acknowledged(interaction: discord.Interaction) -> bool:
    """Defer ("thinking"); False when Discord says the interaction was acknowledged already.

    That is a copy of an interaction delivered twice (two processes briefly on one shard, a
    replayed event): Discord accepts one response per interaction, so the copy whose response
    it took goes on and the others stop here, quietly rather than as an error each.
    """
    try:
        await interaction.response.defer(thinking=True)
    except discord.HTTPException as error:
        if error.code != ALREADY_ACKNOWLEDGED:
            raise
        log.debug("duplicate interaction dropped", extra={"interaction": interaction.id})
        return False
    return True


class DiscordIngress:
    def __init__(self, core: Core) -> None:
        self._core = core
        self.buttons: type[FollowUpButton] = answered_by(self.pressed)

    def register(self, tree: app_commands.CommandTree[Any]) -> None:
        ingress = self

        @tree.command(
            name=localized("discord.explain", "explain"),
            description=localized(
                "discord.explain.about", "Turn an image into a 1080p explainer video"
            ),
        )
        @app_commands.rename(
            image=localized("discord.option.image", "image"),
            prompt=localized("discord.option.prompt", "prompt"),
            aspect=localized("discord.option.aspect", "aspect"),
        )
        @app_commands.describe(
            image=localized("discord.explain.image", "The picture (or video) to explain"),
            prompt=localized("discord.explain.prompt", "What you want, e.g. 'add a title Sunset'"),
            aspect=localized("discord.explain.aspect", "The video's shape"),
        )
        @app_commands.choices(aspect=ASPECTS)
        async def explain(
            interaction: discord.Interaction,
            image: discord.Attachment,
            prompt: str | None = None,
            aspect: app_commands.Choice[str] | None = None,
        ) -> None:
            wish = " ".join(p for p in (prompt, f"make it {aspect.value}" if aspect else None) if p)
            await ingress.explain(interaction, image, wish)

        for name, (called, about) in SIMPLE_COMMANDS.items():
            tree.add_command(
                app_commands.Command(name=called, description=about, callback=self._simple(name))
            )

        @tree.command(
            name=localized("discord.lang", "lang"),
            description=localized("discord.lang.about", "The language I answer you in"),
        )
        @app_commands.rename(
            language=localized("discord.option.language", "language"),
            scope=localized("discord.option.scope", "for"),
        )
        @app_commands.describe(
            scope=localized("discord.lang.scope", "Just you (the default), or the whole server")
        )
        @app_commands.choices(
            language=[
                *LANGUAGE_CHOICES,
                app_commands.Choice(
                    name=localized("discord.choice.auto", "automatic"), value="auto"
                ),
            ],
            scope=[
                app_commands.Choice(name=localized("discord.choice.me", "me"), value="me"),
                app_commands.Choice(
                    name=localized("discord.choice.server", "the whole server"), value="group"
                ),
            ],
        )
        async def lang(
            interaction: discord.Interaction,
            language: app_commands.Choice[str],
            scope: app_commands.Choice[str] | None = None,
        ) -> None:
            whole = scope is not None and scope.value == "group"
            await ingress.command(
                interaction, "lang", f"group {language.value}" if whole else language.value
            )

        @tree.command(
            name=localized("discord.access", "access"),
            description=localized(
                "discord.access.about", "Who may export and start over in this server"
            ),
        )
        @app_commands.rename(who=localized("discord.option.who", "who"))
        @app_commands.choices(
            who=[
                app_commands.Choice(
                    name=localized("discord.choice.anyone", "anyone"), value="anyone"
                ),
                app_commands.Choice(
                    name=localized("discord.choice.admins", "admins"), value="admins"
                ),
            ]
        )
        async def access(interaction: discord.Interaction, who: app_commands.Choice[str]) -> None:
            await ingress.command(interaction, "access", who.value)

        @tree.command(
            name=localized("discord.channels", "channels"),
            description=localized(
                "discord.channels.about", "Which channels of this server I work in"
            ),
        )
        @app_commands.rename(change=localized("discord.option.change", "change"))
        @app_commands.choices(
            change=[
                app_commands.Choice(
                    name=localized("discord.choice.add", "add this channel"), value="add"
                ),
                app_commands.Choice(
                    name=localized("discord.choice.remove", "remove this channel"), value="remove"
                ),
                app_commands.Choice(
                    name=localized("discord.choice.all", "every channel"), value="all"
                ),
            ]
        )
        async def channels(
            interaction: discord.Interaction, change: app_commands.Choice[str]
        ) -> None:
            await ingress.command(interaction, "channels", change.value)

        @tree.command(
            name=localized("discord.aspect", "aspect"),
            description=localized(
                "discord.aspect.about", "Default shape of new videos in this server"
            ),
        )
        @app_commands.rename(shape=localized("discord.option.shape", "shape"))
        @app_commands.choices(
            shape=[
                *ASPECTS,
                app_commands.Choice(name=localized("discord.choice.off", "off"), value="off"),
            ]
        )
        async def aspect(interaction: discord.Interaction, shape: app_commands.Choice[str]) -> None:
            await ingress.command(interaction, "aspect", shape.value)

        @tree.command(
            name=localized("discord.limit", "limit"),
            description=localized("discord.limit.about", "Operators: change a fair-use limit here"),
        )
        async def limit(interaction: discord.Interaction, name: str, value: int) -> None:
            await ingress.command(interaction, "limit", f"{name} {value}")

        @tree.context_menu(name=localized("discord.explain_message", "Explain this image"))
        async def explain_message(
            interaction: discord.Interaction, message: discord.Message
        ) -> None:
            media = [a for a in message.attachments if is_media(a)]
            if not media:
                await interaction.response.send_message(
                    text("reply.no_image", language_of(str(interaction.locale))), ephemeral=True
                )
                return
            await ingress.explain(interaction, media[0], "")

    def _simple(self, name: str) -> Callable[[discord.Interaction], Coroutine[Any, Any, None]]:
        async def callback(interaction: discord.Interaction) -> None:
            await self.command(interaction, name)

        return callback

    async def explain(
        self, interaction: discord.Interaction, image: discord.Attachment, wish: str
    ) -> None:
        if not is_media(image):
            kind = image.content_type or image.filename.rpartition(".")[2] or "unknown"
            language = language_of(str(interaction.locale))
            await interaction.response.send_message(
                text("reply.unsupported_attachment", language, kind=kind), ephemeral=True
            )
            return
        attachment = Attachment(image.url, image.filename, image.content_type, image.size)
        await self._submit(interaction, text=wish, attachments=(attachment,))

    async def command(self, interaction: discord.Interaction, name: str, value: str = "") -> None:
        await self._submit(interaction, text=value, command=name)

    async def pressed(
        self, interaction: discord.Interaction, action: Action, requester: str
    ) -> None:
        """A button under one of our replies."""
        if await refused_as_not_theirs(interaction, requester):
            return
        if action is Action.REFINE:
            language = language_of(str(interaction.locale))
            await interaction.response.send_modal(RefineForm(requester, language))
            return
        await self.command(interaction, action.value)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """The Refine form's answer, whichever process opened the form (buttons come through
        their dynamic item, commands through the tree)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        answer = refine_answer(dict(interaction.data or {}))
        if answer is None or await refused_as_not_theirs(interaction, answer.requester_id):
            return
        await self._submit(interaction, text=answer.change)

    async def _submit(
        self,
        interaction: discord.Interaction,
        *,
        text: str = "",
        attachments: tuple[Attachment, ...] = (),
        command: str | None = None,
    ) -> None:
        """Acknowledge, find the conversation, hand the message to the core."""
        origin = origin_of(interaction)
        if origin is None:
            await refuse_unknown_chat(interaction)
            return
        if not await acknowledged(interaction):
            return
        chat_id = await chat_id_of(interaction, origin)
        inbound = self.inbound(
            interaction,
            chat_id,
            bot_can_post=origin.bot_can_post,
            text=text,
            attachments=attachments,
            command=command,
        )
        await self._core.submit(inbound)

    def inbound(
        self,
        interaction: discord.Interaction,
        chat_id: str,
        *,
        bot_can_post: bool = True,
        text: str = "",
        attachments: tuple[Attachment, ...] = (),
        command: str | None = None,
    ) -> Inbound:
        user = interaction.user
        # The invoker's resolved permissions come with the interaction: no lookup needed.
        granted = interaction.permissions
        admin = interaction.guild_id is not None and (granted.administrator or granted.manage_guild)
        guild_id = interaction.guild_id
        reply = ReplyRef.new(
            interaction.application_id,
            interaction.token,
            chat_id,
            interaction.created_at.timestamp(),
            bot_can_post=bot_can_post,
        )
        return Inbound(
            message_id=f"interaction-{interaction.id}",
            chat=ChatRef(PLATFORM, chat_id),
            sender=Sender(str(user.id), user.display_name, admin),
            text=text,
            attachments=attachments,
            command=command,
            language=str(interaction.locale),
            is_group=guild_id is not None,
            reply_ref=reply.to_json(),
            progress_ref="original",
            upload_limit_bytes=interaction.filesize_limit,
            settings_scope=f"discord-guild:{guild_id}" if guild_id else None,
        )


async def refused_as_not_theirs(interaction: discord.Interaction, requester: str | None) -> bool:
    """In a server, a button or form works only for the person who asked: refuse privately."""
    if interaction.guild_id is None or requester in (None, str(interaction.user.id)):
        return False
    language = language_of(str(interaction.locale))
    await interaction.response.send_message(text("button.not_yours", language), ephemeral=True)
    return True


async def refuse_unknown_chat(interaction: discord.Interaction) -> None:
    """No conversation to file the message under: say so privately instead of guessing."""
    language = language_of(str(interaction.locale))
    await interaction.response.send_message(text("reply.unknown_chat", language), ephemeral=True)
