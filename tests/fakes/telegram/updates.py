"""Updates a test pushes to the bot, as Telegram would build them for a person's actions.

Each builder stores the person's message in its chat (so the bot can reply to it, and
message ids keep counting up per chat), numbers the update, and queues it for getUpdates
unless `build_only=True` or a webhook is set (then hand it to `post_webhook`). A message in a
topic quotes the topic's opening message as `reply_to_message`, as Telegram does.
"""

from __future__ import annotations

import copy
import secrets

from tests.fakes.telegram.media import photo_sizes
from tests.fakes.telegram.objects import JSON, auto_entities
from tests.fakes.telegram.state import TelegramState


class TelegramUpdates(TelegramState):
    """Builders of message and callback_query updates."""

    def send_text(
        self,
        chat: JSON,
        user: JSON,
        text: str,
        *,
        entities: list[JSON] | None = None,
        reply_to: int | JSON | None = None,
        thread_id: int | None = None,
        sender_chat: JSON | None = None,
        build_only: bool = False,
    ) -> JSON:
        """A text message; commands and @mentions get their entities unless `entities` given.
        With `sender_chat`, `user` speaks on that chat's behalf: pass the group itself and
        `group_anonymous_bot()` for a group's anonymous admin."""
        body: JSON = {"text": text}
        found = auto_entities(text) if entities is None else entities
        if found:
            body["entities"] = found
        if sender_chat is not None:
            body["sender_chat"] = sender_chat
        return self._message_update(chat, user, body, reply_to, thread_id, build_only)

    def send_photo(
        self,
        chat: JSON,
        user: JSON,
        photo_bytes: bytes,
        *,
        caption: str | None = None,
        caption_entities: list[JSON] | None = None,
        media_group_id: str | None = None,
        thread_id: int | None = None,
        reply_to: int | JSON | None = None,
        build_only: bool = False,
    ) -> JSON:
        """A photo (three sizes; the largest carries `photo_bytes`), maybe part of an album."""
        body: JSON = {"photo": photo_sizes(self, photo_bytes)}
        body.update(self._caption(caption, caption_entities, media_group_id))
        return self._message_update(chat, user, body, reply_to, thread_id, build_only)

    def send_document(
        self,
        chat: JSON,
        user: JSON,
        data: bytes,
        *,
        file_name: str,
        mime_type: str,
        caption: str | None = None,
        caption_entities: list[JSON] | None = None,
        file_size: int | None = None,
        media_group_id: str | None = None,
        thread_id: int | None = None,
        reply_to: int | JSON | None = None,
        build_only: bool = False,
    ) -> JSON:
        """A file sent as a document; `file_size` may claim more than `data` holds."""
        stored = self.store_file(data, file_size=file_size, file_name=file_name)
        document = {**stored.common_fields(), "file_name": file_name, "mime_type": mime_type}
        body: JSON = {"document": document}
        body.update(self._caption(caption, caption_entities, media_group_id))
        return self._message_update(chat, user, body, reply_to, thread_id, build_only)

    def send_video(
        self,
        chat: JSON,
        user: JSON,
        data: bytes,
        *,
        width: int = 1280,
        height: int = 720,
        duration: int = 1,
        file_name: str = "video.mp4",
        mime_type: str = "video/mp4",
        caption: str | None = None,
        caption_entities: list[JSON] | None = None,
        file_size: int | None = None,
        media_group_id: str | None = None,
        thread_id: int | None = None,
        reply_to: int | JSON | None = None,
        build_only: bool = False,
    ) -> JSON:
        """A video; `file_size` may claim more than `data` holds."""
        stored = self.store_file(data, kind="videos", file_size=file_size, file_name=file_name)
        video = {**stored.common_fields(), "width": width, "height": height}
        video.update({"duration": duration, "file_name": file_name, "mime_type": mime_type})
        body: JSON = {"video": video}
        body.update(self._caption(caption, caption_entities, media_group_id))
        return self._message_update(chat, user, body, reply_to, thread_id, build_only)

    def press_button(
        self, chat: JSON, user: JSON, message_id: int, data: str, *, build_only: bool = False
    ) -> JSON:
        """A callback_query: `user` pressed the button carrying `data` under the bot's message."""
        message = self.find_message(chat["id"], message_id)
        if message is None:
            raise KeyError(f"no message {message_id} in chat {chat['id']}")
        query_id = str(secrets.randbelow(10**18))
        self.callback_queries[query_id] = False
        query: JSON = {"id": query_id, "from": self.remember_user(user)}
        query["message"] = copy.deepcopy(message)  # as it was when pressed
        query.update({"chat_instance": str(-abs(chat["id"]) * 7919), "data": data})
        return self.new_update("callback_query", query, build_only=build_only)

    def _caption(
        self, caption: str | None, entities: list[JSON] | None, media_group_id: str | None
    ) -> JSON:
        body: JSON = {}
        if caption is not None:
            body["caption"] = caption
            found = auto_entities(caption) if entities is None else entities
            if found:
                body["caption_entities"] = found
        if media_group_id is not None:
            body["media_group_id"] = media_group_id
        return body

    def _message_update(
        self,
        chat: JSON,
        user: JSON,
        body: JSON,
        reply_to: int | JSON | None,
        thread_id: int | None,
        build_only: bool,
    ) -> JSON:
        self.add_chat(chat)
        self.remember_user(user)
        if thread_id is not None:
            body.update({"message_thread_id": thread_id, "is_topic_message": True})
            # Telegram quotes the topic's opening message under each message of the topic.
            root = self.topic_root(chat["id"], thread_id) if reply_to is None else None
            if root is not None:
                body["reply_to_message"] = root
        if reply_to is not None:
            reply_id = reply_to if isinstance(reply_to, int) else reply_to["message_id"]
            quoted = self.quoted(chat["id"], reply_id)
            if quoted is None:
                raise KeyError(f"no message {reply_id} in chat {chat['id']}")
            body["reply_to_message"] = quoted
        message = self.new_message(chat, user, body)
        return self.new_update("message", message, build_only=build_only)
