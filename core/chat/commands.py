"""The chat's own commands, apart from the video flow: who may do what in a group (and in which
channels), the language, access, channels, limits, aspect, plain photos, help and a cancel with
nothing to cancel. Each answers at once, from the chat's settings in Redis."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from core.fair_use import LIMIT_NAMES, FairUse
from core.intents import GUARDED, SETTINGS, Intent
from core.languages import find_language, language_choices, language_name, language_of
from core.outbound import Notifier
from core.store import ACCESS_LEVELS, ACK_STYLES, ChatSettings
from core.texts import text
from core.work import Phase, Work


class WorkContext(Protocol):
    """What a running message may ask of the turn that runs it."""

    async def checkpoint(self) -> None: ...  # persist the work record

    async def tick(self) -> None: ...  # keeps the chat; raises WorkCancelled when cancelled


Handler = Callable[[Work, WorkContext], Awaitable[bool]]
GROUP_WORDS = frozenset({"group", "chat", "server", "here"})  # `/lang group es`: the group's
AUTO_WORDS = frozenset({"auto", "off", "reset", "default"})  # `/lang auto`: forget the choice


class ChatCommands:
    """Answers the chat's own commands; `handlers` is their part of the routing table."""

    def __init__(
        self,
        notifier: Notifier,
        chat_settings: ChatSettings,
        fair_use: FairUse,
        default_language: str = "en",
    ) -> None:
        self._notifier = notifier
        self._default_language = default_language
        self._chat_settings = chat_settings
        self._fair_use = fair_use
        self.handlers: dict[Intent, Handler] = {
            Intent.HELP: self._help,
            Intent.LANGUAGE: self._language,
            Intent.CANCEL: self._nothing_to_cancel,
            Intent.ACCESS: self._access,
            Intent.CHANNELS: self._channels,
            Intent.LIMIT: self._limit,
            Intent.ASPECT: self._aspect,
            Intent.PHOTOS: self._photos,
            Intent.ACK: self._ack,
            Intent.UNKNOWN: self._unknown,
        }

    async def _help(self, work: Work, ctx: WorkContext) -> bool:
        await self._notifier.reply(work, text("help", work.language))
        return True

    async def _unknown(self, work: Work, ctx: WorkContext) -> bool:
        """A command we do not have. In a group it may be another bot's: say nothing there."""
        if not work.inbound.is_group:
            command = (work.inbound.command or "").lstrip("/")[:32]
            await self._notifier.reply(
                work, text("reply.unknown_command", work.language, command=command)
            )
        return True

    async def _language(self, work: Work, ctx: WorkContext) -> bool:
        """`/lang CODE`: the sender's own reply language here; `/lang auto`: the platform's
        again; `/lang group CODE`: the group's, for whoever chose none (its admins only)."""
        words = work.inbound.text.strip().lower().split()
        whole_chat = bool(words) and words[0] in GROUP_WORDS
        if whole_chat:
            words = words[1:]
        wanted = " ".join(words)
        code = "auto" if wanted in AUTO_WORDS else find_language(wanted)
        if not code:
            await self._notifier.reply(work, self._language_usage(work))
            return True
        if whole_chat and work.inbound.is_group and not work.inbound.sender.is_admin:
            await self._notifier.reply(work, text("reply.admins_only", work.language))
            return True
        scope, sender = work.inbound.settings_key, work.inbound.sender.id
        if code == "auto":  # forget the choice: the group's, or the platform's language applies
            await self._chat_settings.set_language(scope, "", "" if whole_chat else sender)
            chosen = await self._chat_settings.language(scope, sender)
            work.language = chosen or language_of(work.inbound.language, self._default_language)
            name = language_name(work.language)
            await self._notifier.reply(work, text("reply.language_auto", work.language, name=name))
            return True
        if whole_chat and work.inbound.is_group:
            await self._chat_settings.set_language(scope, code)
            work.language = code
            name = language_name(code)
            await self._notifier.reply(work, text("reply.language_set_chat", code, name=name))
            return True
        await self._chat_settings.set_language(scope, code, sender)
        work.language = code
        await self._notifier.reply(work, text("reply.language_set", code))
        return True

    def _language_usage(self, work: Work) -> str:
        usage = text(
            "reply.language_usage",
            work.language,
            current=language_name(work.language),
            choices=language_choices(),
        )
        if work.inbound.is_group:
            usage += "\n" + text("reply.language_usage_group", work.language)
        return usage

    async def allowed(self, work: Work) -> bool:
        """In a group, settings are its admins'; exports and resets too when it says so."""
        if not work.inbound.is_group or work.inbound.sender.is_admin:
            return True
        if work.intent in SETTINGS:
            return False
        if work.intent in GUARDED and work.phase is Phase.START:
            return await self._chat_settings.access(work.inbound.settings_key) != "admins"
        return True

    async def works_here(self, work: Work) -> bool:
        """A server may list the channels the bot works in; the list itself is always open."""
        scope = work.inbound.settings_scope
        if scope is None or work.intent is Intent.CHANNELS or work.phase is not Phase.START:
            return True
        allowed = await self._chat_settings.channels(scope)
        return not allowed or work.inbound.chat.chat_id in allowed

    async def _channels(self, work: Work, ctx: WorkContext) -> bool:
        scope = work.inbound.settings_key
        wanted = work.inbound.text.strip().lower()
        channels = await self._chat_settings.channels(scope)
        here = work.inbound.chat.chat_id
        changes = {"add": channels | {here}, "remove": channels - {here}, "all": set[str]()}
        if wanted not in changes:
            await self._notifier.reply(work, text("reply.channels_usage", work.language))
            return True
        await self._chat_settings.set_channels(scope, changes[wanted])
        listed = changes[wanted]
        where = (
            text("reply.channels_count", work.language, count=len(listed))
            if listed
            else text("reply.channels_everywhere", work.language)
        )
        await self._notifier.reply(work, text("reply.channels_set", work.language, where=where))
        return True

    async def _limit(self, work: Work, ctx: WorkContext) -> bool:
        if not self._fair_use.is_operator(work.inbound):
            await self._notifier.reply(work, text("reply.operators_only", work.language))
            return True
        name, _, value = work.inbound.text.strip().lower().partition(" ")
        if name not in LIMIT_NAMES or not value.strip().isdigit():
            names = ", ".join(LIMIT_NAMES)
            await self._notifier.reply(work, text("reply.limit_usage", work.language, names=names))
            return True
        scope = work.inbound.settings_key
        await self._chat_settings.set_limit(scope, name, int(value))
        self._fair_use.forget(scope)
        await self._notifier.reply(
            work, text("reply.limit_set", work.language, name=name, value=int(value))
        )
        return True

    async def _aspect(self, work: Work, ctx: WorkContext) -> bool:
        wanted = work.inbound.text.strip().lower()
        if wanted not in ("16:9", "9:16", "1:1", "off"):
            await self._notifier.reply(work, text("reply.aspect_usage", work.language))
            return True
        await self._chat_settings.set_aspect(
            work.inbound.settings_key, "" if wanted == "off" else wanted
        )
        shown = "16:9" if wanted == "off" else wanted
        await self._notifier.reply(work, text("reply.aspect_set", work.language, aspect=shown))
        return True

    async def _photos(self, work: Work, ctx: WorkContext) -> bool:
        wanted = work.inbound.text.strip().lower()
        if wanted not in ("on", "off"):
            await self._notifier.reply(work, text("reply.photos_usage", work.language))
            return True
        await self._chat_settings.set_plain_photos(work.inbound.settings_key, wanted == "on")
        state = text(f"state.{wanted}", work.language)
        await self._notifier.reply(work, text("reply.photos_set", work.language, state=state))
        return True

    async def _ack(self, work: Work, ctx: WorkContext) -> bool:
        wanted = work.inbound.text.strip().lower()
        if not work.inbound.is_group:
            await self._notifier.reply(work, text("reply.ack_groups_only", work.language))
            return True
        if wanted not in ACK_STYLES:
            await self._notifier.reply(work, text("reply.ack_usage", work.language))
            return True
        await self._chat_settings.set_ack(work.inbound.settings_key, wanted)
        await self._notifier.reply(work, text(f"reply.ack_{wanted}", work.language))
        return True

    async def _access(self, work: Work, ctx: WorkContext) -> bool:
        level = work.inbound.text.strip().lower()
        if level not in ACCESS_LEVELS:
            await self._notifier.reply(work, text("reply.access_usage", work.language))
            return True
        await self._chat_settings.set_access(work.inbound.settings_key, level)
        who = text(f"access.{level}", work.language)
        await self._notifier.reply(work, text("reply.access_set", work.language, who=who))
        return True

    async def _nothing_to_cancel(self, work: Work, ctx: WorkContext) -> bool:
        await self._notifier.reply(work, text("reply.nothing_to_cancel", work.language))
        return True
