"""The fake Discord's REST API under ``/api/v10`` (bot-token routes) and its attachment CDN.

A middleware records every API call, answers 401 without ``Bot <token>`` (webhook-token and
interaction routes excepted, as on Discord), injects the faults a test armed and turns
``DiscordApiError`` into Discord's JSON error body.
"""

from __future__ import annotations

import re
import secrets

from aiohttp import web
from aiohttp.typedefs import Handler

from tests.fakes.discord import payloads as shapes
from tests.fakes.discord.bodies import error_response, json_response, read_json, read_message_body
from tests.fakes.discord.ledger import Ledger
from tests.fakes.discord.messages import MessageBook
from tests.fakes.discord.payloads import Json
from tests.fakes.discord.records import DiscordApiError, RestCall
from tests.fakes.discord.world import DiscordWorld

API = "/api/v10"
# Routes authenticated by the token in their path, not by the bot token.
TOKEN_IN_PATH = re.compile(r"/interactions/\d+/[^/]+/callback|/webhooks/\d+/[^/]+(/.*)?|/gateway")


class RestApi:
    """Bot-token REST routes: identity, gateway info, commands, channels, messages, DMs."""

    def __init__(self, world: DiscordWorld, ledger: Ledger, book: MessageBook) -> None:
        self.world = world
        self.ledger = ledger
        self.book = book
        self.gateway_url = ""

    def install(self, app: web.Application) -> None:
        app.middlewares.append(self.middleware)
        app.router.add_get(API + "/users/@me", self.me)
        app.router.add_get(API + "/oauth2/applications/@me", self.application)
        app.router.add_get(API + "/gateway", self.gateway)
        app.router.add_get(API + "/gateway/bot", self.gateway_bot)
        for path in ("/applications/{app}/commands", "/applications/{app}/guilds/{guild}/commands"):
            app.router.add_get(API + path, self.get_commands)
            app.router.add_put(API + path, self.put_commands)
        app.router.add_get(API + "/channels/{channel}", self.get_channel)
        app.router.add_post(API + "/channels/{channel}/messages", self.post_message)
        message = API + "/channels/{channel}/messages/{message}"
        app.router.add_get(message, self.get_message)
        app.router.add_patch(message, self.edit_message)
        app.router.add_delete(message, self.delete_message)
        app.router.add_post(API + "/users/@me/channels", self.open_dm)
        for prefix in ("", "/media"):
            app.router.add_get(prefix + "/attachments/{attachment}/{filename}", self.download)

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API + "/"):
            return await handler(request)
        path = request.path[len(API) :]
        response: web.StreamResponse
        try:
            authorized = request.headers.get("Authorization") == f"Bot {self.world.token}"
            if not authorized and not TOKEN_IN_PATH.fullmatch(path):
                raise DiscordApiError(401, 0, "401: Unauthorized")
            fault = self.ledger.fault_for(request.method, path)
            if fault is not None:
                raise fault
            response = await handler(request)
        except DiscordApiError as error:
            response = error_response(error)
        except web.HTTPException as exc:  # no such route or method
            response = json_response(
                {"message": f"{exc.status}: {exc.reason}", "code": 0}, status=exc.status
            )
        query = dict(request.query)
        call = RestCall(request.method, path, query, response.status, self.ledger.now())
        self.ledger.rest_calls.append(call)
        await self.ledger.changed()
        return response

    async def me(self, request: web.Request) -> web.Response:
        return json_response(self.world.bot_user)

    async def application(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "id": str(self.world.application_id),
                "name": "clipbridge",
                "icon": None,
                "description": "Turns a photo into an explainer video.",
                "summary": "",
                "type": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.world.app_owner,
                "verify_key": secrets.token_hex(32),
                "flags": 0,
                "team": None,
                "bot": self.world.bot_user,
                "rpc_origins": [],
                "tags": [],
                "redirect_uris": [],
                "interactions_endpoint_url": None,
                "approximate_guild_count": len(self.world.guilds),
            }
        )

    async def gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url})

    async def gateway_bot(self, request: web.Request) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return json_response(
            {
                "url": self.gateway_url,
                "shards": self.world.recommended_shards,
                "session_start_limit": limit,
            }
        )

    def _command_scope(self, request: web.Request) -> str | None:
        if request.match_info["app"] != str(self.world.application_id):
            raise DiscordApiError(403, 50001, "Missing Access")
        guild_id = request.match_info.get("guild")
        if guild_id is not None and guild_id not in self.world.guilds:
            raise DiscordApiError(403, 50001, "Missing Access")
        return guild_id

    async def get_commands(self, request: web.Request) -> web.Response:
        return json_response(self.world.commands(self._command_scope(request)))

    async def put_commands(self, request: web.Request) -> web.Response:
        scope = self._command_scope(request)
        commands = await read_json(request)
        if not isinstance(commands, list):
            raise DiscordApiError(400, 50035, "Invalid Form Body")
        return json_response(self.world.put_commands(scope, commands))

    async def get_channel(self, request: web.Request) -> web.Response:
        return json_response(self.world.channel(request.match_info["channel"]))

    def _writable_channel(self, request: web.Request, *, files: bool) -> Json:
        channel = self.world.channel(request.match_info["channel"])
        guild = self.world.guild_of(channel)
        if guild is None:
            if not self.world.bot_is_in(channel):
                raise DiscordApiError(403, 50001, "Missing Access")
            return channel
        if self.world.member(guild, self.world.bot_user["id"]) is None:
            raise DiscordApiError(403, 50001, "Missing Access")
        needed = shapes.VIEW_CHANNEL | shapes.SEND_MESSAGES | (shapes.ATTACH_FILES if files else 0)
        if self.world.permissions(guild, self.world.bot_user["id"]) & needed != needed:
            raise DiscordApiError(403, 50013, "Missing Permissions")
        return channel

    async def post_message(self, request: web.Request) -> web.Response:
        fields, files = await read_message_body(request, upload_limit=self.world.upload_limit_bytes)
        channel = self._writable_channel(request, files=bool(files))
        if not (fields.get("content") or fields.get("embeds") or files or fields.get("components")):
            raise DiscordApiError(400, 50006, "Cannot send an empty message")
        return json_response(await self.book.create(channel, fields, files, route="channel"))

    def _channel_message(self, request: web.Request) -> Json:
        message = self.book.get(request.match_info["message"])
        if message["channel_id"] != request.match_info["channel"]:
            raise DiscordApiError(404, 10008, "Unknown Message")
        return message

    async def get_message(self, request: web.Request) -> web.Response:
        return json_response(self._channel_message(request))

    async def edit_message(self, request: web.Request) -> web.Response:
        fields, files = await read_message_body(request, upload_limit=self.world.upload_limit_bytes)
        message = self._channel_message(request)
        if message["author"]["id"] != self.world.bot_user["id"]:
            raise DiscordApiError(403, 50005, "Cannot edit a message authored by another user")
        edited = await self.book.edit(message["id"], fields, files, route="channel")
        return json_response(edited)

    async def delete_message(self, request: web.Request) -> web.Response:
        message = self._channel_message(request)
        await self.book.delete(message["id"], route="channel")
        return web.Response(status=204)

    async def open_dm(self, request: web.Request) -> web.Response:
        body = await read_json(request)
        user = self.world.users.get(str(body.get("recipient_id")))
        if user is None:
            raise DiscordApiError(404, 10013, "Unknown User")
        return json_response(self.world.open_dm(user))

    async def download(self, request: web.Request) -> web.Response:
        blob = self.world.blobs.get(request.match_info["attachment"])
        self.ledger.downloads.append(request.path)
        await self.ledger.changed()
        if blob is None:
            raise web.HTTPNotFound()
        return web.Response(body=blob.data, content_type=blob.content_type)
