"""The finished MP4: downloaded once from the backend, fitted to the chat, delivered once."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from core.backend import Access, Backend, canvas_and_duration
from core.backend.nemo.client import SKILL_SOURCE, Attribution
from core.backend.timeline import video_description
from core.errors import BackendUnavailable
from core.events import Action, Button, Stage, VideoReady
from core.exports.fit import shrink
from core.metrics import Metrics
from core.outbound import Notifier
from core.texts import human_duration, human_size, text
from core.work import Work

log = logging.getLogger(__name__)

MAX_DOWNLOAD_BYTES = 4 << 30


def is_public_url(url: str) -> bool:
    """An http(s) URL a chat user could open: not loopback, private or link-local."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or host == "localhost":
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return not host.endswith((".local", ".internal"))
    return address.is_global


class Delivery:
    """Download, fit, deliver; every file it writes is removed when it is done."""

    def __init__(
        self,
        backend: Backend,
        notifier: Notifier,
        work_dir: Path,
        ffmpeg: str,
        attribution: Attribution,
        web_base: str,
        metrics: Metrics,
    ) -> None:
        self._metrics = metrics
        self._backend = backend
        self._notifier = notifier
        self._work_dir = work_dir
        self._ffmpeg = ffmpeg
        self._attribution = attribution
        self._web_base = web_base.rstrip("/")

    async def deliver(
        self,
        work: Work,
        export_id: str,
        render_id: str,
        output_url: str | None,
        draft: dict[str, Any],
        sent: Callable[[], Awaitable[None]],
    ) -> None:
        """Deliver the render; `sent` is awaited as soon as the chat has accepted it."""
        await self._notifier.progress(work, Stage.DELIVERING)
        self._work_dir.mkdir(parents=True, exist_ok=True)
        original = self._work_dir / f"{export_id}.mp4"
        smaller = self._work_dir / f"{export_id}.small.mp4"
        try:
            size = await self._download(work, render_id, output_url, original)
            video = await self._fit(work, original, smaller, size, output_url, draft)
            video = replace(video, description=video_description(draft, work.language))
            log.info("sending video", extra={"chat": work.chat_key, "export": export_id})

            async def send() -> None:
                await self._notifier.video(work, video)
                await sent()

            await _to_the_end(send())
            log.info("video delivered", extra={"chat": work.chat_key, "export": export_id})
            how = "link" if video.path is None else "smaller" if video.path == smaller else "file"
            self._metrics.deliveries.labels(work.inbound.chat.platform, how).inc()
        finally:
            original.unlink(missing_ok=True)
            smaller.unlink(missing_ok=True)
        await self._notifier.progress(work, Stage.DONE)

    async def _download(
        self, work: Work, render_id: str, output_url: str | None, dest: Path
    ) -> int:
        client = self._backend.client
        urls = [u for u in (output_url, client.download_fallback_url(render_id)) if u]
        last: BackendUnavailable | None = None
        for url in urls:
            try:

                async def fetch(access: Access, url: str = url) -> int:
                    return await client.download(
                        access.token, url, dest, max_bytes=MAX_DOWNLOAD_BYTES
                    )

                return await self._backend.call(
                    work.chat_key, work.language, fetch, with_session=False
                )
            except BackendUnavailable as exc:
                log.warning("download failed, trying the fallback", extra={"chat": work.chat_key})
                last = exc
        raise last or BackendUnavailable("no download URL")

    async def _fit(
        self,
        work: Work,
        original: Path,
        smaller: Path,
        size: int,
        output_url: str | None,
        draft: dict[str, Any],
    ) -> VideoReady:
        width, height, duration = canvas_and_duration(draft)
        language = work.language
        facts = {"size": human_size(size, language), "duration": human_duration(duration, language)}
        if self._web_base:
            caption = text(
                "video.caption", work.language, link=await self._task_link(work), **facts
            )
        else:  # a local engine has no web editor to link to
            caption = text("video.caption_plain", work.language, **facts)
        buttons = (
            Button(Action.REFINE, text("button.refine", work.language)),
            Button(Action.EXPORT, text("button.export_again", work.language)),
            Button(Action.NEW, text("button.new", work.language)),
        )
        limit = work.inbound.upload_limit_bytes
        if limit is None or size <= limit:
            return VideoReady(caption, original, None, size, width, height, duration, buttons)
        fitted = await shrink(
            original,
            smaller,
            limit_bytes=limit,
            duration_s=duration or 1.0,
            height=height,
            ffmpeg=self._ffmpeg,
        )
        if fitted is not None:
            note = text(
                "video.smaller_copy",
                work.language,
                original=human_size(size, work.language),
                limit=human_size(limit, work.language),
            )
            small_size = fitted.stat().st_size
            small_height = min(height, 720) if small_size and height > 720 else height
            small_width = width * small_height // height if height else width
            return VideoReady(
                f"{caption}\n{note}",
                fitted,
                None,
                small_size,
                small_width,
                small_height,
                duration,
                buttons,
            )
        if output_url and is_public_url(output_url):
            line = text(
                "video.link_only",
                work.language,
                size=human_size(size, work.language),
                limit=human_size(limit, work.language),
                url=output_url,
            )
            return VideoReady(line, None, output_url, size, width, height, duration, buttons)
        raise BackendUnavailable("the video is over the chat's limit and has no public link")

    async def _task_link(self, work: Work) -> str:
        session = await self._backend.sessions.peek(work.chat_key)
        if session is None:
            return self._web_base
        query = urlencode(
            {
                "task": session.task_id,
                "session": session.session_id,
                "skill_name": SKILL_SOURCE,
                "skill_version": self._attribution.version,
                "skill_source": self._attribution.platform,
            }
        )
        return f"{self._web_base}/workspace/claim?{query}"


async def _to_the_end(send: Awaitable[None]) -> None:
    """Run a send and the record that it landed to their end, even when the step is cancelled
    meanwhile (saq aborting a job it judged dead, a shutdown's grace running out); only then
    does the cancellation go through. Cut off half-way, the send's outcome would be known to
    the platform alone, and the step's retry would send again. Only a worker killed outright
    during the send can still repeat it (Telegram has no idempotency key)."""
    task = asyncio.ensure_future(send)
    cancelled = False
    while not task.done():
        try:
            await asyncio.wait([task])
        except asyncio.CancelledError:
            cancelled = True
    if cancelled:
        if not task.cancelled():
            task.exception()  # seen here; whatever it was, the retry decides what comes next
        raise asyncio.CancelledError
    task.result()
