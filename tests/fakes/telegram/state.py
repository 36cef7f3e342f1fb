"""Everything the fake Bot API remembers, and the test-facing controls over it.

One instance per test: chats and users seen, every message of every chat (message ids count
up per chat), stored files, pending updates, the webhook, recorded calls and armed faults.
Every change calls `notify`, which wakes `wait_for` and long-polling getUpdates alike: an
`asyncio.Event` replaced on each change, so a waiter never misses one and nothing sleeps.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Self

from tests.fakes.telegram.objects import JSON, bot_user, make_token, new_file_ids
from tests.fakes.telegram.wire import ApiError, Call, bad_request

DEFAULT_UPLOAD_LIMIT = 50 * 1024 * 1024
DOWNLOAD_LIMIT = 20 * 1024 * 1024
# Telegram leaves these out unless allowed_updates names them.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class StoredFile:
    """A file the fake can hand out through getFile and serve under /file/bot<token>/."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_size: int  # may be faked larger than `data`, to exercise the 20 MB refusal
    file_name: str | None = None
    mime_type: str | None = None

    def common_fields(self) -> JSON:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
        }


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    max_connections: int


class TelegramState:
    """The fake's memory and the controls tests use on it (faults, files, waiting)."""

    def __init__(self, *, token: str | None = None) -> None:
        self.token = token or make_token()
        self.bot_user: JSON = bot_user()
        self.upload_limit_bytes = DEFAULT_UPLOAD_LIMIT
        self.calls: list[Call] = []
        self.sent: dict[int, list[JSON]] = {}  # the bot's live messages per chat, edits applied
        self.downloads: list[str] = []  # file paths served under /file/bot<token>/
        self.chats: dict[int, JSON] = {}
        self.users: dict[int, JSON] = {self.bot_user["id"]: self.bot_user}
        self.messages: dict[int, dict[int, JSON]] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.updates: list[JSON] = []  # not yet confirmed by a getUpdates offset
        self.delivered_at: dict[int, float] = {}  # update id -> when getUpdates first handed it
        self.deliveries: dict[int, int] = {}  # update id -> how many answers carried it
        self.allowed_updates: list[str] = []
        self.webhook: Webhook | None = None
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.reactions: dict[tuple[int, int], list[str]] = {}  # the bot's, per message
        self.member_status: dict[tuple[int, int], str] = {}
        self.callback_queries: dict[str, bool] = {}  # id -> answered
        self.closing = False
        self.poll_generation = 0
        self._last_message_id: dict[int, int] = {}
        self._last_update_id = 700_000_000
        self._faults: dict[str, list[ApiError]] = {}
        self._hooks: dict[str, list[Callable[[], Awaitable[None]]]] = {}
        self._changed = asyncio.Event()

    # -- waiting ---------------------------------------------------------------------------

    def notify(self) -> None:
        """Wake everyone waiting for a change (wait_for, long polls)."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def changed(self) -> asyncio.Event:
        """An event set at the next change; take it before checking the condition."""
        return self._changed

    async def wait_for(self, predicate: Callable[[Self], object], *, within_s: float = 30) -> None:
        """Return once `predicate(self)` holds; raise TimeoutError after `within_s`."""
        async with asyncio.timeout(within_s):
            while True:
                changed = self._changed
                if predicate(self):
                    return
                await changed.wait()

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    # -- faults ----------------------------------------------------------------------------

    def flood(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with 429 and parameters.retry_after."""
        error = ApiError(
            429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
        )
        self._faults.setdefault(method.lower(), []).extend([error] * times)

    def fail(self, method: str, status: int, description: str, times: int = 1) -> None:
        """Answer the next `times` calls of `method` with this error."""
        self._faults.setdefault(method.lower(), []).extend([ApiError(status, description)] * times)

    def take_fault(self, method: str) -> ApiError | None:
        armed = self._faults.get(method.lower())
        return armed.pop(0) if armed else None

    def before_next(self, method: str, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` when the next call of `method` arrives, before it is answered (to
        change the world around the bot at an exact point of its work)."""
        self._hooks.setdefault(method.lower(), []).append(action)

    def take_hook(self, method: str) -> Callable[[], Awaitable[None]] | None:
        armed = self._hooks.get(method.lower())
        return armed.pop(0) if armed else None

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers for this user in this chat (default "member")."""
        self.member_status[(chat_id, user_id)] = status

    # -- files -----------------------------------------------------------------------------

    def store_file(
        self,
        data: bytes,
        *,
        kind: str = "documents",
        file_size: int | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        file_id, unique_id = new_file_ids(kind)
        suffix = "." + file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else ""
        path = f"{kind}/file_{len(self.files)}{suffix}"
        size = len(data) if file_size is None else file_size
        stored = StoredFile(file_id, unique_id, path, data, size, file_name, mime_type)
        self.files[file_id] = stored
        self.files_by_path[path] = stored
        return stored

    def add_file(self, data: bytes, *, file_size: int | None = None) -> JSON:
        """Store a file; returns {"file_id", "file_unique_id", "file_size"}."""
        return self.store_file(data, file_size=file_size).common_fields()

    # -- chats and messages ----------------------------------------------------------------

    def add_chat(self, chat: JSON) -> JSON:
        self.chats.setdefault(chat["id"], chat)
        return chat

    def remember_user(self, someone: JSON) -> JSON:
        self.users.setdefault(someone["id"], someone)
        return someone

    def find_message(self, chat_id: int, message_id: int) -> JSON | None:
        return self.messages.get(chat_id, {}).get(message_id)

    def new_message(self, chat: JSON, sender: JSON, body: JSON) -> JSON:
        """Store a message from `sender` in `chat`; the bot's also go to `sent`."""
        message_id = self._last_message_id.get(chat["id"], 0) + 1
        self._last_message_id[chat["id"]] = message_id
        message: JSON = {"message_id": message_id, "from": sender}
        message.update({"chat": chat, "date": int(time.time()), **body})
        self.messages.setdefault(chat["id"], {})[message_id] = message
        if sender["id"] == self.bot_user["id"]:
            self.sent.setdefault(chat["id"], []).append(message)
        self.notify()
        return message

    def forget_message(self, chat_id: int, message_id: int) -> None:
        message = self.messages.get(chat_id, {}).pop(message_id, None)
        if message is not None and message in self.sent.get(chat_id, []):
            self.sent[chat_id].remove(message)
        self.notify()

    def open_topic(self, chat: JSON, name: str, *, by: JSON | None = None) -> int:
        """A topic in the forum `chat`, opened by `by` (the bot unless given); its thread id,
        which is the id of the service message that opened it."""
        if not chat.get("is_forum"):
            raise bad_request("the chat is not a forum")
        creator = by or self.bot_user
        created = {"name": name, "icon_color": 7322096}
        message = self.new_message(chat, creator, {"forum_topic_created": created})
        message.update({"message_thread_id": message["message_id"], "is_topic_message": True})
        return int(message["message_id"])

    def topic_root(self, chat_id: int, thread_id: int) -> JSON | None:
        """The message that opened a topic, as Telegram quotes it under the topic's messages."""
        root = self.find_message(chat_id, thread_id)
        if root is None or "forum_topic_created" not in root:
            return None
        return self.quoted(chat_id, thread_id)

    def quoted(self, chat_id: int, message_id: int) -> JSON | None:
        """A message as it appears in reply_to_message (without its own reply)."""
        message = self.find_message(chat_id, message_id)
        if message is None:
            return None
        shallow = copy.deepcopy(message)
        shallow.pop("reply_to_message", None)
        return shallow

    # -- updates ---------------------------------------------------------------------------

    def new_update(self, kind: str, payload: JSON, *, build_only: bool) -> JSON:
        """Number an update; queue it for getUpdates unless `build_only` or a webhook is set."""
        self._last_update_id += 1
        update: JSON = {"update_id": self._last_update_id, kind: payload}
        if not build_only and self.webhook is None:
            self.updates.append(update)
            self.notify()
        return update

    def confirm(self, offset: int) -> None:
        """getUpdates' offset: forget updates below it (a negative one keeps the last -offset)."""
        if offset < 0:
            del self.updates[: max(len(self.updates) + offset, 0)]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def deliverable(self, limit: int) -> list[JSON]:
        """Pending updates the bot asked for, dropping the kinds it did not."""
        wanted = set(self.allowed_updates)
        kept = []
        for update in self.updates:
            kind = next(key for key in update if key != "update_id")
            if kind in wanted or (not wanted and kind not in OPT_IN_UPDATES):
                kept.append(update)
        self.updates = kept
        return kept[:limit]
