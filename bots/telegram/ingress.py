"""Telegram updates into the core: messages, album items, button presses.

`take` is the one way in, for the webhook and long polling alike, and its answer is what
Telegram is told: True once the update is recorded by the core (or needs nothing), False when
recording failed for a reason that may pass (Redis refusing writes, the network), so Telegram
delivers it again. The update's delivery mark is then withdrawn, so that delivery is handled
rather than dropped as a copy. One handler per kind of update; each parses, asks the core, and
acknowledges. Whether the bot was spoken to, and what a message says, is `bots.telegram.parse`;
every rule about what to do is the core's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import replace
from typing import Any

from telegram import ForceReply
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import ExtBot

from bots.ordering import PerKeyOrder
from bots.telegram import json_calls
from bots.telegram.parse import (
    JSON,
    PLATFORM,
    BotIdentity,
    Limits,
    chat_of,
    full_name,
    has_media,
    inbound_from,
    is_group,
    message_of,
    settings_key_of,
    settings_scope_of,
)
from bots.telegram.sink import REACTION_REF, RECEIVED, react
from core.app import Core
from core.intents import BACKEND_WORK, GUARDED, SETTINGS, Intent
from core.languages import language_of
from core.messages import Inbound, Sender
from core.store import REDIS_ERRORS, Albums
from core.texts import text

log = logging.getLogger(__name__)

# Messages that start work get an immediate "Got it" that the core then edits in place.
# Telegram says who is an admin only when asked (getChatMember): ask for the intents whose
# answer depends on it; a cancel too, since an admin may stop another member's job.
ADMIN_CHECKED = GUARDED | SETTINGS | {Intent.CANCEL}
ADMIN_STATUSES = ("creator", "administrator")


def _may_pass(exc: Exception) -> bool:
    """Whether a later delivery of the update could succeed: Redis or the network failing may
    pass; a request Telegram refuses, or a bug, fails the same way every time."""
    if isinstance(exc, REDIS_ERRORS):
        return True
    return isinstance(exc, NetworkError | RetryAfter) and not isinstance(exc, BadRequest)


class TelegramIngress:
    """Telegram updates into the core: `take` one update, and say whether it is safe."""

    def __init__(self, core: Core, bot: ExtBot[Any], limits: Limits, albums: Albums) -> None:
        self._core = core
        self._bot = bot
        self._limits = limits
        self._albums = albums
        self._collecting: set[asyncio.Task[None]] = set()
        self._order = PerKeyOrder()  # updates run concurrently; one chat's stay in order
        # Deliveries whose mark could not be withdrawn (Redis away): taken on their next
        # delivery to this process all the same.
        self._unreleased: set[str] = set()

    @property
    def _me(self) -> BotIdentity:
        return BotIdentity(self._bot.id, self._bot.username)

    async def take(self, update: JSON) -> bool:
        """True when `update` is recorded or needs nothing (a copy, a message not for the bot,
        one no retry can fix, which is logged); False when Telegram must deliver it again."""
        message = message_of(update) or {}
        delivery = str(update["update_id"])
        async with self._order.turn(message.get("chat", {}).get("id")):
            try:
                inbound = inbound_from(update, self._me, self._limits)
                if self._may_concern_the_bot(update, inbound) and await self._first_delivery(
                    delivery
                ):
                    await self._dispatch(update, inbound)
            except asyncio.CancelledError:
                await self._release(delivery)
                raise
            except Exception as exc:
                if not _may_pass(exc):
                    log.exception("update failed", extra={"update_id": delivery})
                    return True
                log.warning(
                    "update not recorded: Telegram will deliver it again",
                    extra={"update_id": delivery, "error": type(exc).__name__},
                )
                await self._release(delivery)
                return False
        return True

    @staticmethod
    def _may_concern_the_bot(update: JSON, inbound: Inbound | None) -> bool:
        """A button press, a message that speaks to the bot (`inbound`), or a photo in a group
        (some groups ask for plain photos to be answered). The rest, a group's chatter where the
        bot reads every message and service messages, is dropped here without a call to Redis."""
        message = update.get("message")
        if message is None:
            return "callback_query" in update
        return inbound is not None or (has_media(message) and is_group(message))

    async def _first_delivery(self, delivery: str) -> bool:
        """False for a copy of an update already taken: a webhook redelivery, or one update
        POSTed twice. The core drops duplicate messages too, but only after the "Got it" or the
        button answer went out, so each copy would answer again."""
        if delivery in self._unreleased:
            self._unreleased.discard(delivery)
            return True
        if await self._core.first_delivery(PLATFORM, delivery):
            return True
        log.debug("duplicate update dropped", extra={"update_id": delivery})
        return False

    async def _release(self, delivery: str) -> None:
        """Withdraw the delivery's mark, so Telegram's next delivery of it is handled."""
        try:
            await self._core.forget_delivery(PLATFORM, delivery)
        except REDIS_ERRORS:
            self._unreleased.add(delivery)

    async def _dispatch(self, update: JSON, inbound: Inbound | None) -> None:
        """`inbound` is the message's, when it speaks to the bot (`inbound_from`)."""
        if "callback_query" in update:
            await self._on_button(update)
        elif "message" in update:
            await self._on_message(update["message"], update, inbound)

    async def _on_message(self, message: JSON, update: JSON, inbound: Inbound | None) -> None:
        if inbound is None and await self._plain_photo_wanted(message):
            inbound = inbound_from(update, self._me, self._limits, plain_photos=True)
        if inbound is None:
            return
        album = message.get("media_group_id")
        if album and inbound.attachments:
            group = f"{inbound.chat.key}:{album}"
            kept = await self._albums.record(group, inbound)  # before Telegram is told
            if kept == "late":
                await self._submit(inbound, message)
            elif kept == "first":
                # Collecting waits for the album's last item: do it off the handler, so a slow
                # album never holds up other chats' updates.
                task = asyncio.create_task(self._album(group, message))
                self._collecting.add(task)
                task.add_done_callback(self._collecting.discard)
            return
        await self._submit(inbound, message)

    async def _plain_photo_wanted(self, message: JSON) -> bool:
        """A photo sent to a group without a mention, in a group that asked for those."""
        if not has_media(message) or not is_group(message):
            return False
        return await self._core.chat_settings.plain_photos(settings_key_of(chat_of(message)))

    async def _album(self, group: str, message: JSON) -> None:
        try:
            await self._submit(await self._albums.collect(group), message)
        except Exception:
            log.exception("album collection failed", extra={"album": group})

    async def _on_button(self, update: JSON) -> None:
        query = update["callback_query"]
        data = query.get("data")
        if not data:
            return
        action, _, requester = data.partition(":")
        message = message_of(update)
        user = query["from"]
        language = language_of(user.get("language_code"))
        if message is None:
            await self._bot.answer_callback_query(query["id"])
            return
        chat = chat_of(message)
        in_group = is_group(message)
        presser = str(user["id"])
        if in_group and not await self._may_press(presser, requester, int(chat.chat_id)):
            await self._bot.answer_callback_query(
                query["id"], text("button.not_yours", language), show_alert=True
            )
            return
        if action == "refine":
            await self._bot.answer_callback_query(query["id"])
            await self._bot.send_message(
                int(chat.chat_id),
                text("reply.refine_prompt", language),
                reply_markup=ForceReply(selective=True),
                message_thread_id=int(chat.thread_id) if chat.thread_id else None,
            )
            return
        inbound = Inbound(
            message_id=f"button-{query['id']}",
            chat=chat,
            sender=Sender(presser, full_name(user)),
            command=action,
            language=user.get("language_code"),
            is_group=in_group,
            reply_ref=json.dumps({"reply_to": message["message_id"]}),
            upload_limit_bytes=self._limits.upload_bytes,
            settings_scope=settings_scope_of(chat),
        )
        await self._submit(inbound, message)
        # Answered once recorded: a press that could not be recorded comes again, unanswered.
        with contextlib.suppress(TelegramError):  # the spinner stops by itself in time
            await self._bot.answer_callback_query(query["id"])

    async def _may_press(self, presser: str, requester: str, chat_id: int) -> bool:
        """A group's buttons are their requester's; those an anonymous admin asked for (the
        group itself is the requester) are every admin's."""
        if presser == requester:
            return True
        return requester == str(chat_id) and await self._is_admin(chat_id, presser)

    async def _submit(self, inbound: Inbound, message: JSON) -> None:
        intent = self._core.classify(inbound)
        if inbound.is_group and intent in ADMIN_CHECKED and not inbound.sender.is_admin:
            admin = await self._is_admin(int(inbound.chat.chat_id), inbound.sender.id)
            inbound = replace(inbound, sender=replace(inbound.sender, is_admin=admin))
        ack = await self._acknowledge(inbound, message) if intent in BACKEND_WORK else None
        if ack is not None:
            inbound = replace(inbound, progress_ref=ack)
        try:
            submitted = await self._core.submit(inbound, intent)
        except BaseException:
            await self._withdraw(message, ack)  # the next delivery says "Got it" again
            raise
        if submitted.refused or submitted.duplicate:
            # Nothing will edit the "Got it"; the core said why, if it is to be said.
            await self._withdraw(message, ack)

    async def _acknowledge(self, inbound: Inbound, message: JSON) -> str:
        """A "Got it" message the core then edits; in a group set to react, 👀 on the request."""
        language = language_of(inbound.language)
        chat_id, request = int(inbound.chat.chat_id), message["message_id"]
        if inbound.is_group:
            settings = self._core.chat_settings
            style, chosen = await settings.ack_and_language(inbound.settings_key, inbound.sender.id)
            if style == "reaction":
                await react(self._bot, chat_id, request, RECEIVED)
                return f"{REACTION_REF}{request}"
            language = chosen or language
        params: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text("stage.received", language),
            "reply_parameters": {"message_id": request, "allow_sending_without_reply": True},
        }
        if inbound.chat.thread_id:
            params["message_thread_id"] = int(inbound.chat.thread_id)
        sent = await json_calls.call(self._bot, "sendMessage", params)  # only its id is read
        return str(sent["message_id"])

    async def _withdraw(self, message: JSON, ack: str | None) -> None:
        if ack is None:
            return
        chat_id = message["chat"]["id"]
        with contextlib.suppress(TelegramError):  # a stale "Got it" is untidy, not wrong
            if ack.startswith(REACTION_REF):
                await react(self._bot, chat_id, message["message_id"], None)
            else:
                await self._bot.delete_message(chat_id, int(ack))

    async def _is_admin(self, chat_id: int, user_id: str) -> bool:
        member = await self._bot.get_chat_member(chat_id, int(user_id))
        return member.status in ADMIN_STATUSES
