"""Interaction responses and interaction webhooks: the callback, ``@original`` and follow-ups.

These routes are authenticated by the interaction token in their path. A token the test marked
expired answers as Discord does after 15 minutes: 404 code 10062 on the callback, 401 code
50027 on the webhook routes. Uploads are refused over the smaller of the interaction's
``attachment_size_limit`` and the fake's ``upload_limit_bytes``.
"""

from __future__ import annotations

from aiohttp import web

from tests.fakes.discord import payloads as shapes
from tests.fakes.discord.bodies import json_response, no_content, read_message_body
from tests.fakes.discord.ledger import Ledger
from tests.fakes.discord.messages import MessageBook
from tests.fakes.discord.payloads import Json
from tests.fakes.discord.records import Callback, DiscordApiError, MessageRoute, SentFile
from tests.fakes.discord.world import DiscordWorld, InteractionState

API = "/api/v10"
MESSAGE_TYPES = {1: 20, 2: 23, 3: 23}  # command type -> CHAT_INPUT_COMMAND / CONTEXT_MENU_COMMAND
CALLBACKS_WITHOUT_MESSAGE = {1, 8, 9, 10, 12}


def _truthy(value: str | None) -> bool:
    return value is not None and value.lower() in ("1", "true")


class InteractionApi:
    """The routes a bot answers interactions with."""

    def __init__(self, world: DiscordWorld, ledger: Ledger, book: MessageBook) -> None:
        self.world = world
        self.ledger = ledger
        self.book = book

    def install(self, app: web.Application) -> None:
        app.router.add_post(API + "/interactions/{interaction}/{token}/callback", self.callback)
        app.router.add_post(API + "/webhooks/{app}/{token}", self.followup)
        message = API + "/webhooks/{app}/{token}/messages/{message}"
        app.router.add_get(message, self.get_message)
        app.router.add_patch(message, self.edit_message)
        app.router.add_delete(message, self.delete_message)

    def _limit(self, state: InteractionState | None) -> int:
        limit = self.world.upload_limit_bytes
        return min(limit, state.size_limit) if state is not None else limit

    async def callback(self, request: web.Request) -> web.Response:
        state = self.world.interaction(request.match_info["token"])
        body, files = await read_message_body(request, upload_limit=self._limit(state))
        if state is None or state.expired or state.id != request.match_info["interaction"]:
            raise DiscordApiError(404, 10062, "Unknown interaction")
        if state.acknowledged:
            raise DiscordApiError(400, 40060, "Interaction has already been acknowledged.")
        callback_type = int(body.get("type") or 0)
        data: Json = body.get("data") or {}
        message = await self._respond(state, callback_type, data, files)
        state.response_type = callback_type
        record = Callback(state.id, state.token, callback_type, data, files, self.ledger.now())
        self.ledger.callbacks.append(record)
        await self.ledger.changed()
        if not _truthy(request.query.get("with_response")):
            return no_content()
        answer: Json = {
            "interaction": {
                "id": state.id,
                "type": state.payload["type"],
                "response_message_loading": callback_type == 5,
                "response_message_ephemeral": bool(message and message["flags"] & shapes.EPHEMERAL),
            },
            "resource": {"type": callback_type},
        }
        if message is not None:
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"]["message"] = message
        return json_response(answer)

    async def _respond(
        self, state: InteractionState, callback_type: int, data: Json, files: list[SentFile]
    ) -> Json | None:
        channel = self._channel(state)
        if callback_type in (4, 5):
            command_type = (state.payload.get("data") or {}).get("type", 0)
            message_type = MESSAGE_TYPES.get(command_type, 0) if state.payload["type"] == 2 else 0
            if callback_type == 5:
                data, files = {"flags": int(data.get("flags") or 0) & shapes.EPHEMERAL}, []
            loading = shapes.LOADING if callback_type == 5 else 0
            message = await self.book.create(
                channel,
                data,
                files,
                route="callback",
                interaction=state,
                message_type=message_type,
                extra_flags=loading,
            )
            state.original_id = message["id"]
            return message
        if callback_type in (6, 7):
            if state.source_message_id is None:
                raise DiscordApiError(400, 40043, "This interaction has no message to update")
            state.original_id = state.source_message_id
            state.message_ids.add(state.source_message_id)
            if callback_type == 6:
                return self.book.get(state.source_message_id)
            return await self.book.edit(
                state.source_message_id, data, files, route="callback", interaction=state
            )
        if callback_type in CALLBACKS_WITHOUT_MESSAGE:
            return None
        raise DiscordApiError(
            400, 50035, f"Invalid Form Body: unknown callback type {callback_type}"
        )

    def _channel(self, state: InteractionState) -> Json:
        sent: Json = state.payload.get("channel") or {"id": state.payload["channel_id"]}
        return self.world.channels.get(sent["id"], sent)

    def _webhook_interaction(self, request: web.Request) -> InteractionState:
        if request.match_info["app"] != str(self.world.application_id):
            raise DiscordApiError(404, 10015, "Unknown Webhook")
        state = self.world.interaction(request.match_info["token"])
        if state is None or state.expired:
            raise DiscordApiError(401, 50027, "Invalid Webhook Token")
        return state

    def _message_id(self, state: InteractionState, key: str) -> tuple[str, MessageRoute]:
        if key == "@original":
            if state.original_id is None:
                raise DiscordApiError(404, 10008, "Unknown Message")
            return state.original_id, "original"
        if key not in state.message_ids:
            raise DiscordApiError(404, 10008, "Unknown Message")
        return key, "original" if key == state.original_id else "followup"

    async def followup(self, request: web.Request) -> web.Response:
        state = self.world.interaction(request.match_info["token"])
        fields, files = await read_message_body(request, upload_limit=self._limit(state))
        state = self._webhook_interaction(request)
        if not state.acknowledged:
            raise DiscordApiError(404, 10015, "Unknown Webhook")
        message = await self.book.create(
            self._channel(state), fields, files, route="followup", interaction=state
        )
        return json_response(message) if _truthy(request.query.get("wait")) else no_content()

    async def get_message(self, request: web.Request) -> web.Response:
        state = self._webhook_interaction(request)
        message_id, _ = self._message_id(state, request.match_info["message"])
        return json_response(self.book.get(message_id))

    async def edit_message(self, request: web.Request) -> web.Response:
        state = self.world.interaction(request.match_info["token"])
        fields, files = await read_message_body(request, upload_limit=self._limit(state))
        state = self._webhook_interaction(request)
        message_id, route = self._message_id(state, request.match_info["message"])
        edited = await self.book.edit(message_id, fields, files, route=route, interaction=state)
        return json_response(edited)

    async def delete_message(self, request: web.Request) -> web.Response:
        state = self._webhook_interaction(request)
        message_id, route = self._message_id(state, request.match_info["message"])
        await self.book.delete(message_id, route=route, interaction=state)
        return no_content()
