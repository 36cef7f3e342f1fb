"""Discord attachments as byte streams, from the CDN to the backend without being held."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from core.errors import AttachmentUnavailable
from core.messages import Attachment

CHUNK = 1 << 20


class DiscordSource:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    async def open(self, attachment: Attachment) -> AsyncIterator[bytes]:
        try:
            async with self._http.stream("GET", attachment.ref) as response:
                if response.status_code != 200:
                    raise AttachmentUnavailable(f"Discord answered HTTP {response.status_code}")
                async for chunk in response.aiter_bytes(CHUNK):
                    yield chunk
        except httpx.HTTPError:
            raise AttachmentUnavailable("the download from Discord failed") from None
