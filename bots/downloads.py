"""A chat platform's file as a byte stream over HTTP, chunk by chunk, never held whole.

The URL may carry a secret (a Telegram file URL holds the bot token): it is not put in any
error, which is raised ``from None`` so no HTTP library's text comes along either.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from core.errors import AttachmentUnavailable

CHUNK = 1 << 20


async def streamed(http: httpx.AsyncClient, url: str, platform: str) -> AsyncIterator[bytes]:
    try:
        async with http.stream("GET", url) as response:
            if response.status_code != 200:
                raise AttachmentUnavailable(f"{platform} answered HTTP {response.status_code}")
            async for chunk in response.aiter_bytes(CHUNK):
                yield chunk
    except httpx.HTTPError:
        raise AttachmentUnavailable(f"the download from {platform} failed") from None
