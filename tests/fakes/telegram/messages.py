"""The bot's text messages: sendMessage, edits, deletion, chat actions and forum topics.

`deliver` is shared with the media methods: it applies what every send takes (reply
parameters, forum thread, inline keyboard) and stores the message the bot gets back.
"""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.telegram.markup import apply_parse_mode
from tests.fakes.telegram.objects import JSON, utf16_len
from tests.fakes.telegram.params import ApiRequest, Handler, MethodGroup
from tests.fakes.telegram.state import TelegramState
from tests.fakes.telegram.wire import bad_request

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


def formatted(request: ApiRequest, field: str, entities_field: str) -> tuple[str, list[JSON]]:
    """The plain text and entities of `field` once its parse_mode is applied."""
    source = request.text(field) or ""
    entities = request.json_list(entities_field)
    return apply_parse_mode(source, request.text("parse_mode"), entities)


def inline_markup(request: ApiRequest) -> JSON | None:
    """The reply_markup the message will carry: only inline keyboards are kept, as on Telegram.

    Other keyboards (force_reply, reply keyboards) are accepted and recorded in the call.
    """
    markup = request.json_object("reply_markup")
    if markup is None or "inline_keyboard" not in markup:
        return None
    for row in markup["inline_keyboard"]:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
            if len(button) < 2 or not button.get("text"):
                raise bad_request("text buttons are unallowed in the inline keyboard")
    return markup


def deliver(state: TelegramState, request: ApiRequest, chat: JSON, body: JSON) -> JSON:
    """Store the bot's message in `chat` with the common send options applied."""
    reply = request.json_object("reply_parameters") or {}
    reply_to = reply.get("message_id") or request.optional_int("reply_to_message_id")
    if isinstance(reply_to, int):
        reply_chat = reply.get("chat_id", chat["id"])
        quoted = state.quoted(reply_chat, reply_to) if isinstance(reply_chat, int) else None
        allowed = reply.get("allow_sending_without_reply") or request.flag(
            "allow_sending_without_reply"
        )
        if quoted is None and not allowed:
            raise bad_request("message to be replied not found")
        if quoted is not None:
            body["reply_to_message"] = quoted
    thread = request.optional_int("message_thread_id")
    if thread is not None and chat.get("is_forum"):
        body.update({"message_thread_id": thread, "is_topic_message": True})
    markup = inline_markup(request)
    if markup is not None:
        body["reply_markup"] = markup
    if request.flag("protect_content"):
        body["has_protected_content"] = True
    return state.new_message(chat, state.bot_user, body)


def text_body(request: ApiRequest) -> JSON:
    """A message's text and entities, refused when empty or over 4096 characters."""
    text, entities = formatted(request, "text", "entities")
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > TEXT_LIMIT:
        raise bad_request("message is too long")
    return {"text": text, "entities": entities} if entities else {"text": text}


def caption_body(request: ApiRequest) -> JSON:
    """A media message's caption and caption_entities, if it has a caption."""
    caption, entities = formatted(request, "caption", "caption_entities")
    if utf16_len(caption) > CAPTION_LIMIT:
        raise bad_request("message caption is too long")
    body: JSON = {"caption": caption} if caption.strip() else {}
    if body and entities:
        body["caption_entities"] = entities
    return body


class MessageMethods(MethodGroup):
    """sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage, sendChatAction,
    createForumTopic."""

    def handlers(self) -> dict[str, Handler]:
        return {
            "sendMessage": self.send_message,
            "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "sendChatAction": self.send_chat_action,
            "createForumTopic": self.create_forum_topic,
        }

    async def send_message(self, request: ApiRequest) -> JSON:
        chat = self.chat(request)
        body = text_body(request)
        preview = request.json_object("link_preview_options")
        if preview:
            body["link_preview_options"] = preview
        return deliver(self.state, request, chat, body)

    async def edit_message_text(self, request: ApiRequest) -> JSON:
        message = self.bot_message(request, "message to edit not found")
        self._check_editable(message)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        new = text_body(request)
        new["reply_markup"] = inline_markup(request)
        return self._edit(message, new, ("text", "entities", "reply_markup"))

    async def edit_message_reply_markup(self, request: ApiRequest) -> JSON:
        message = self.bot_message(request, "message to edit not found")
        self._check_editable(message)
        return self._edit(message, {"reply_markup": inline_markup(request)}, ("reply_markup",))

    async def delete_message(self, request: ApiRequest) -> bool:
        message = self.bot_message(request, "message to delete not found")
        self.state.forget_message(message["chat"]["id"], message["message_id"])
        return True

    async def send_chat_action(self, request: ApiRequest) -> bool:
        self.chat(request)
        if request.text("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    async def create_forum_topic(self, request: ApiRequest) -> JSON:
        chat = self.chat(request)
        name = request.text("name") or ""
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY")
        thread = self.state.open_topic(chat, name)
        return {"message_thread_id": thread, "name": name, "icon_color": 7322096}

    def _check_editable(self, message: JSON) -> None:
        if message["from"]["id"] != self.state.bot_user["id"]:
            raise bad_request("message can't be edited")

    def _edit(self, message: JSON, new: dict[str, Any], fields: tuple[str, ...]) -> JSON:
        if all(message.get(key) == new.get(key) for key in fields):
            raise bad_request(NOT_MODIFIED)
        for key in fields:
            if new.get(key):
                message[key] = new[key]
            else:
                message.pop(key, None)
        message["edit_date"] = int(time.time())
        self.state.notify()
        return message
