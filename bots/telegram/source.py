"""Telegram files as byte streams, straight from the Bot API to the backend.

A file URL carries the bot token: it is used here and nowhere else, never logged, never put in
an exception (errors are raised ``from None``), never sent to the backend.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bots.downloads import CHUNK, streamed
from core.errors import AttachmentUnavailable
from core.messages import Attachment

CLOUD_DOWNLOAD_LIMIT = 20 * 1000 * 1000  # what getFile hands over without a local server


class TelegramSource:
    def __init__(self, bot: Bot, http: httpx.AsyncClient, *, local_mode: bool) -> None:
        self._bot = bot
        self._http = http
        self._local = local_mode

    async def open(self, attachment: Attachment) -> AsyncIterator[bytes]:
        if not self._local and (attachment.size or 0) > CLOUD_DOWNLOAD_LIMIT:
            raise AttachmentUnavailable(
                "over the 20 MB a bot may download from Telegram", size_bytes=attachment.size
            )
        try:
            file = await self._bot.get_file(attachment.ref)
        except BadRequest as exc:
            reason = "too big for a bot to download" if "too big" in exc.message else "gone"
            raise AttachmentUnavailable(reason, size_bytes=attachment.size) from None
        except TelegramError:
            raise AttachmentUnavailable("Telegram did not hand the file over") from None
        if not file.file_path:
            raise AttachmentUnavailable("Telegram did not hand the file over")
        if self._local:
            async for chunk in _read_local(Path(file.file_path)):
                yield chunk
            return
        async for chunk in streamed(self._http, file.file_path, "Telegram"):
            yield chunk


async def _read_local(path: Path) -> AsyncIterator[bytes]:
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, CHUNK):
            yield chunk
    finally:
        handle.close()
