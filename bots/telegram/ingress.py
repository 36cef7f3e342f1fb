"""Telegram updates into the core: messages, album items, button presses.

One handler per kind of update; each parses, asks the core, and acknowledges. Whether the bot
was spoken to, and what a message says, is `bots.telegram.parse`; every rule about what to do is
the core's.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from typing import Any

from telegram import ForceReply, Message, ReplyParameters, Update
from telegram.ext import ContextTypes, ExtBot

from bots.ordering import PerKeyOrder
from bots.telegram.parse import GROUP_TYPES, PLATFORM, BotIdentity, Limits, chat_of, inbound_from
from core.app import Core
from core.intents import GUARDED, SETTINGS, Intent
from core.messages import Inbound, Sender
from core.texts import language_of, text

log = logging.getLogger(__name__)

# Messages that start work get an immediate "Got it" that the core then edits in place.
ACKNOWLEDGED = frozenset({Intent.UPLOAD, Intent.EDIT, Intent.EXPORT})
ADMIN_CHECKED = GUARDED | SETTINGS
ADMIN_STATUSES = ("creator", "administrator")


class TelegramIngress:
    def __init__(self, core: Core, bot: ExtBot[Any], limits: Limits) -> None:
        self._core = core
        self._bot = bot
        self._limits = limits
        self._albums: set[asyncio.Task[None]] = set()
        self._order = PerKeyOrder()  # PTB runs updates concurrently; one chat's stay in order

    @property
    def _me(self) -> BotIdentity:
        return BotIdentity(self._bot.id, self._bot.username)

    async def on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        async with self._order.turn(chat.id if chat else None):
            if await self._first_delivery(update):
                await self._on_message(update)

    async def _on_message(self, update: Update) -> None:
        inbound = inbound_from(update, self._me, self._limits)
        message = update.effective_message
        if inbound is None and message is not None and _group_photo(message):
            chat_key = chat_of(message).key
            if await self._core.chat_settings.plain_photos(chat_key):
                inbound = inbound_from(update, self._me, self._limits, plain_photos=True)
        if inbound is None or message is None:
            return
        if message.media_group_id and inbound.attachments:
            # Collecting waits for the album's last item: do it off the handler, so a slow
            # album never holds up other chats' updates.
            task = asyncio.create_task(self._album(inbound, message))
            self._albums.add(task)
            task.add_done_callback(self._albums.discard)
            return
        await self._submit(inbound, message)

    async def _album(self, item: Inbound, message: Message) -> None:
        group = f"{item.chat.key}:{message.media_group_id}"
        try:
            collected = await self._core.albums.add(group, item)
            if collected is not None:  # None: another item's task sends the whole album
                await self._submit(collected, message)
        except Exception:
            log.exception("album collection failed", extra={"chat": item.chat.key})

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        async with self._order.turn(chat.id if chat else None):
            if await self._first_delivery(update):
                await self._on_button(update)

    async def _first_delivery(self, update: Update) -> bool:
        """False for a copy of an update already taken: a webhook redelivery, or one update
        POSTed twice. The core drops duplicate messages too, but only after the "Got it" or the
        button answer went out, so each copy would answer again."""
        if await self._core.first_delivery(PLATFORM, str(update.update_id)):
            return True
        log.debug("duplicate update dropped", extra={"update_id": update.update_id})
        return False

    async def _on_button(self, update: Update) -> None:
        query = update.callback_query
        if query is None or not query.data:
            return
        action, _, requester = query.data.partition(":")
        message = query.message if isinstance(query.message, Message) else None
        language = language_of(query.from_user.language_code)
        if message is None:
            await query.answer()
            return
        is_group = message.chat.type in GROUP_TYPES
        if is_group and str(query.from_user.id) != requester:
            await query.answer(text("button.not_yours", language), show_alert=True)
            return
        await query.answer()
        if action == "refine":
            await self._bot.send_message(
                message.chat_id,
                text("reply.refine_prompt", language),
                reply_markup=ForceReply(selective=True),
                message_thread_id=message.message_thread_id if message.is_topic_message else None,
            )
            return
        inbound = Inbound(
            message_id=f"button-{query.id}",
            chat=chat_of(message),
            sender=Sender(str(query.from_user.id), query.from_user.full_name),
            command=action,
            language=query.from_user.language_code,
            is_group=is_group,
            reply_ref=json.dumps({"reply_to": message.message_id}),
            upload_limit_bytes=self._limits.upload_bytes,
        )
        await self._submit(inbound, message)

    async def _submit(self, inbound: Inbound, message: Message) -> None:
        intent = self._core.classify(inbound)
        if inbound.is_group and intent in ADMIN_CHECKED:
            admin = await self._is_admin(message.chat_id, inbound.sender.id)
            inbound = replace(inbound, sender=replace(inbound.sender, is_admin=admin))
        if intent in ACKNOWLEDGED:
            ack = await self._bot.send_message(
                message.chat_id,
                text("stage.received", language_of(inbound.language)),
                message_thread_id=int(inbound.chat.thread_id) if inbound.chat.thread_id else None,
                reply_parameters=ReplyParameters(
                    message.message_id, allow_sending_without_reply=True
                ),
            )
            inbound = replace(inbound, progress_ref=str(ack.message_id))
        await self._core.submit(inbound)

    async def _is_admin(self, chat_id: int, user_id: str) -> bool:
        member = await self._bot.get_chat_member(chat_id, int(user_id))
        return member.status in ADMIN_STATUSES


def _group_photo(message: Message) -> bool:
    return message.chat.type in GROUP_TYPES and bool(
        message.photo or message.document or message.video
    )
