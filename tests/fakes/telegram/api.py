"""A fake Telegram Bot API server on loopback, for driving the real python-telegram-bot client.

Start it in the test's event loop (``async with FakeTelegram() as tg`` or the `fake_telegram`
fixture) and point PTB at it::

    Bot(tg.token, base_url=f"{tg.base_url}/bot", base_file_url=f"{tg.base_url}/file/bot")

Methods answer at ``/bot<token>/<method>`` and files at ``/file/bot<token>/<file_path>``, as on
telegram-bot-api's server; a wrong token gets 401, an unknown method 404. Tests push updates
with the builders (`send_text`, `send_photo`, `press_button`...), read what the bot did in
`calls` and `sent`, wait with `wait_for`, and arm errors with `flood` and `fail`. The pieces:
telegram_wire (bodies, envelopes), telegram_state (memory, controls), telegram_updates
(builders), telegram_messages / telegram_uploads / telegram_polling / telegram_methods (the
Bot API methods), telegram_markup (parse modes), telegram_media (photo sizes). `before_next` runs
a test's action when the bot makes a given call (to fail Redis at an exact point, say).
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Self

from aiohttp import web

from tests.fakes.telegram.messages import MessageMethods
from tests.fakes.telegram.methods import BotMethods
from tests.fakes.telegram.objects import JSON, group_chat, private_chat, user
from tests.fakes.telegram.params import ApiRequest, Handler
from tests.fakes.telegram.polling import PollingMethods, post_update
from tests.fakes.telegram.updates import TelegramUpdates
from tests.fakes.telegram.uploads import UploadMethods
from tests.fakes.telegram.wire import ApiError, Call, envelope, json_response, read_request

__all__ = ["Call", "FakeTelegram", "group_chat", "private_chat", "user"]

# Bodies are bounded by `upload_limit_bytes` (answered 413), not by aiohttp's 1 MB default.
_MAX_BODY = 2**40
_NOT_FOUND = ApiError(404, "Not Found")
_UNAUTHORIZED = ApiError(401, "Unauthorized")


class FakeTelegram(TelegramUpdates):
    """A Bot API server for one bot, on 127.0.0.1 and a free port, with test controls."""

    def __init__(self, *, token: str | None = None) -> None:
        super().__init__(token=token)
        groups = (BotMethods, PollingMethods, MessageMethods, UploadMethods)
        table: dict[str, tuple[str, Handler]] = {}
        for group in groups:
            for name, handler in group(self).handlers().items():
                table[name.lower()] = (name, handler)  # method names are case-insensitive
        self._methods = table
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def base_url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://127.0.0.1:{self._port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self.closing = False

    async def stop(self) -> None:
        """Answer pending long polls, then close the server."""
        self.closing = True
        self.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- test helpers ----------------------------------------------------------------------

    # The module's helpers, also registering what they make so the server knows it at once.
    def user(self, id: int, first_name: str, *, language_code: str = "en") -> JSON:
        return self.remember_user(user(id, first_name, language_code=language_code))

    def private_chat(self, of: JSON) -> JSON:
        self.remember_user(of)
        return self.add_chat(private_chat(of))

    def group_chat(self, id: int, title: str, *, forum: bool = False) -> JSON:
        return self.add_chat(group_chat(id, title, forum=forum))

    async def post_webhook(self, update: JSON, *, secret: str | None) -> int:
        """POST `update` to the webhook setWebhook registered; the status the bot answered."""
        if self.webhook is None:
            raise RuntimeError("no webhook is set")
        return await post_update(self.webhook, update, secret)

    # -- HTTP ------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        began = time.monotonic()
        if request.match_info["token"] != self.token:
            return json_response(_UNAUTHORIZED.payload(), _UNAUTHORIZED.status)
        found = self._methods.get(request.match_info["method"].lower())
        if found is None:
            return json_response(_NOT_FOUND.payload(), _NOT_FOUND.status)
        name, handler = found
        try:
            body = await read_request(request, self.upload_limit_bytes)
        except ApiError as exc:
            return json_response(exc.payload(), exc.status)
        files = {key: (f.filename, f.data, f.content_type) for key, f in body.files.items()}
        call = Call(name, body.params, files, time.monotonic(), began=began)
        self.calls.append(call)
        try:
            fault = self.take_fault(name)
            if fault is not None:
                raise fault
            hook = self.take_hook(name)
            if hook is not None:
                await hook()
            if body.too_large:
                raise ApiError(413, "Request Entity Too Large")
            result = await handler(ApiRequest(call, body.files))
        except ApiError as exc:
            call.status = exc.status
            return json_response(exc.payload(), exc.status)
        finally:
            self.notify()
        return envelope(result)

    async def _file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return json_response(_UNAUTHORIZED.payload(), _UNAUTHORIZED.status)
        stored = self.files_by_path.get(request.match_info["path"])
        if stored is None:
            return json_response(_NOT_FOUND.payload(), _NOT_FOUND.status)
        self.downloads.append(stored.file_path)
        self.notify()
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _unknown(self, request: web.Request) -> web.Response:
        return json_response(_NOT_FOUND.payload(), _NOT_FOUND.status)
