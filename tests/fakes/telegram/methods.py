"""The remaining Bot API methods: the bot itself, files, callbacks, chats, commands and
reactions."""

from __future__ import annotations

import json
import re

from tests.fakes.telegram.objects import JSON, chat_full_info, chat_member
from tests.fakes.telegram.params import ApiRequest, Handler, MethodGroup
from tests.fakes.telegram.state import DOWNLOAD_LIMIT
from tests.fakes.telegram.wire import bad_request

_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_ADMIN_STATUSES = ("creator", "administrator")
# Some of the emoji Telegram accepts as a reaction (ReactionTypeEmoji); others are refused.
_REACTIONS = frozenset(
    ("👍", "👎", "❤", "🔥", "🎉", "🤔", "👀", "✍", "👌", "🤷", "👨\u200d💻", "🙏", "💯", "⚡")
)


class BotMethods(MethodGroup):
    """getMe, logOut, close, getFile, answerCallbackQuery, chat lookups and bot commands."""

    def handlers(self) -> dict[str, Handler]:
        return {
            "getMe": self.get_me,
            "logOut": self.log_out,
            "close": self.close,
            "getFile": self.get_file,
            "answerCallbackQuery": self.answer_callback_query,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "getChatAdministrators": self.get_chat_administrators,
            "setMyCommands": self.set_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "getMyCommands": self.get_my_commands,
            "setMessageReaction": self.set_message_reaction,
        }

    async def get_me(self, request: ApiRequest) -> JSON:
        return {
            **self.state.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def log_out(self, request: ApiRequest) -> bool:
        return True

    async def close(self, request: ApiRequest) -> bool:
        return True

    async def get_file(self, request: ApiRequest) -> JSON:
        stored = self.state.files.get(request.text("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.file_size > DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        return {**stored.common_fields(), "file_path": stored.file_path}

    async def answer_callback_query(self, request: ApiRequest) -> bool:
        query_id = request.text("callback_query_id") or ""
        if self.state.callback_queries.get(query_id, True):  # unknown, or answered already
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self.state.callback_queries[query_id] = True
        self.state.notify()
        return True

    async def get_chat(self, request: ApiRequest) -> JSON:
        return chat_full_info(self.chat(request))

    async def get_chat_member(self, request: ApiRequest) -> JSON:
        chat = self.chat(request)
        user_id = request.integer("user_id")
        status = self.state.member_status.get((chat["id"], user_id), "member")
        if chat["type"] == "private" and user_id not in (chat["id"], self.state.bot_user["id"]):
            status = "left"
        someone = self.state.users.get(user_id)
        if someone is None:
            someone = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        return chat_member(someone, status)

    async def get_chat_administrators(self, request: ApiRequest) -> list[JSON]:
        chat = self.chat(request)
        if chat["type"] == "private":
            raise bad_request("there are no administrators in the private chat")
        admins = []
        for (chat_id, user_id), status in self.state.member_status.items():
            if chat_id == chat["id"] and status in _ADMIN_STATUSES:
                someone = self.state.users.get(user_id) or {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": f"User {user_id}",
                }
                admins.append(chat_member(someone, status))
        return admins

    async def set_my_commands(self, request: ApiRequest) -> bool:
        commands = request.json_list("commands")
        if commands is None:
            raise bad_request("commands is empty")
        for command in commands:
            if not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.state.commands[self._scope_key(request)] = commands
        self.state.notify()
        return True

    async def delete_my_commands(self, request: ApiRequest) -> bool:
        self.state.commands.pop(self._scope_key(request), None)
        self.state.notify()
        return True

    async def set_message_reaction(self, request: ApiRequest) -> bool:
        chat_id, message_id = request.integer("chat_id"), request.integer("message_id")
        if self.state.find_message(chat_id, message_id) is None:
            raise bad_request("message to react not found")
        emoji = []
        for reaction in request.json_list("reaction") or []:
            if reaction.get("type") != "emoji" or reaction.get("emoji") not in _REACTIONS:
                raise bad_request("REACTION_INVALID")
            emoji.append(str(reaction["emoji"]))
        if len(emoji) > 1:
            raise bad_request("REACTIONS_TOO_MANY")
        self.state.reactions[(chat_id, message_id)] = emoji
        self.state.notify()
        return True

    async def get_my_commands(self, request: ApiRequest) -> list[JSON]:
        return self.state.commands.get(self._scope_key(request), [])

    def _scope_key(self, request: ApiRequest) -> tuple[str, str]:
        scope = request.json_object("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), request.text("language_code") or ""
