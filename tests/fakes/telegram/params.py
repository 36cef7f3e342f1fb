"""Typed access to one request's parameters, with the official server's error texts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.telegram.objects import JSON
from tests.fakes.telegram.state import TelegramState
from tests.fakes.telegram.wire import Call, Upload, bad_request


@dataclass
class ApiRequest:
    """One method call: its recorded `call` (params, files) and the uploads by parameter."""

    call: Call
    uploads: dict[str, Upload]

    @property
    def params(self) -> dict[str, Any]:
        return self.call.params

    def has(self, name: str) -> bool:
        return self.params.get(name) not in (None, "")

    def integer(self, name: str, default: int | None = None) -> int:
        value = self.params.get(name)
        if value in (None, ""):
            if default is None:
                raise bad_request(f"{name} is empty")
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def optional_int(self, name: str) -> int | None:
        return self.integer(name) if self.has(name) else None

    def text(self, name: str) -> str | None:
        value = self.params.get(name)
        return None if value is None else str(value)

    def flag(self, name: str) -> bool:
        return self.params.get(name) in (True, "true", "True", 1, "1")

    def json_list(self, name: str) -> list[Any] | None:
        value = self.params.get(name)
        if value is None:
            return None
        if not isinstance(value, list):
            raise bad_request(f"can't parse {name} JSON object")
        return value

    def json_object(self, name: str) -> JSON | None:
        value = self.params.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise bad_request(f"can't parse {name} JSON object")
        return value


Handler = Callable[[ApiRequest], Awaitable[Any]]


class MethodGroup:
    """Bot API methods sharing the state; `handlers()` maps method names to them."""

    def __init__(self, state: TelegramState) -> None:
        self.state = state

    def handlers(self) -> dict[str, Handler]:
        raise NotImplementedError

    def chat(self, request: ApiRequest) -> JSON:
        """The chat named by chat_id (a username is not supported: "chat not found")."""
        if not request.has("chat_id"):
            raise bad_request("chat_id is empty")
        value = request.params["chat_id"]
        try:
            chat = self.state.chats.get(int(value))
        except (TypeError, ValueError):
            chat = None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def bot_message(self, request: ApiRequest, missing: str) -> JSON:
        """The message named by chat_id + message_id; `missing` is the not-found text."""
        if request.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self.chat(request)
        message = self.state.find_message(chat["id"], request.integer("message_id"))
        if message is None:
            raise bad_request(missing)
        return message
