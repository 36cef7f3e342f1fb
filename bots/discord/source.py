"""Discord attachments as byte streams, from the CDN to the backend without being held."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

from bots.downloads import streamed
from core.messages import Attachment


class DiscordSource:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http

    def open(self, attachment: Attachment) -> AsyncIterator[bytes]:
        return streamed(self._http, attachment.ref, "Discord")
