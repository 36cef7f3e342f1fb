"""Core events as Discord calls, made with discord.py's own HTTP client (its rate-limit handling
included), so any worker can answer any interaction without a gateway connection.

While the interaction token lives, progress edits the original response in place, and replies,
problems (ephemeral) and the video are follow-ups. After 15 minutes the token is dead: the
answer goes to the channel (or DM) with the bot's token, mentioning the requester.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import discord
from discord.http import HTTPClient, Route, handle_message_parameters

from bots.discord.reply_ref import ReplyRef
from bots.edit_throttle import EditThrottle
from core.events import Button, Problem, Progress, Reply, Target, VideoReady

log = logging.getLogger(__name__)

EXPIRED_CODES = {10015, 10062, 50027}  # unknown webhook, unknown interaction, invalid token
ORIGINAL = "original"
WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"


def buttons_view(buttons: tuple[Button, ...], requester_id: str) -> discord.ui.View | None:
    """Custom ids carry the action and who asked; presses arrive at the ingress's gateway."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons:
        custom_id = f"cb:{button.action.value}:{requester_id}"
        view.add_item(discord.ui.Button(label=button.label, custom_id=custom_id))
    return view


class DiscordSink:
    def __init__(
        self, http: HTTPClient, throttle: EditThrottle, now: Callable[[], float] = time.time
    ) -> None:
        self._http = http
        self._throttle = throttle
        self._now = now

    def _ref(self, target: Target) -> ReplyRef:
        if not target.reply_ref:
            raise ValueError("a Discord answer needs its interaction's reply ref")
        return ReplyRef.from_json(target.reply_ref)

    async def progress(
        self, target: Target, progress: Progress, message_ref: str | None
    ) -> str | None:
        ref = self._ref(target)
        if not progress.finished and not await self._throttle.may_edit(target.chat.key):
            return message_ref
        if ref.token_alive(self._now()) and message_ref in (None, ORIGINAL):
            route = Route(
                "PATCH",
                f"{WEBHOOK}/messages/@original",
                webhook_id=ref.application_id,
                webhook_token=ref.token,
            )
            try:
                await self._http.request(route, json={"content": progress.text})
                return ORIGINAL
            except discord.HTTPException as exc:
                if exc.code not in EXPIRED_CODES:
                    raise
        if message_ref and message_ref.startswith("channel:"):
            message_id = message_ref.removeprefix("channel:")
            route = Route(
                "PATCH",
                "/channels/{channel_id}/messages/{message_id}",
                channel_id=ref.channel_id,
                message_id=message_id,
            )
            await self._http.request(route, json={"content": progress.text})
            return message_ref
        sent = await self._to_channel(ref, target, progress.text)
        return f"channel:{sent['id']}"

    async def reply(self, target: Target, reply: Reply) -> None:
        view = buttons_view(reply.buttons, target.requester.id)
        await self._send(target, reply.text, view=view)

    async def problem(self, target: Target, problem: Problem) -> None:
        await self._send(target, problem.text, ephemeral=True)

    async def video(self, target: Target, video: VideoReady) -> None:
        view = buttons_view(video.buttons, target.requester.id)
        await self._send(target, video.caption, view=view, path=video.path)

    async def _send(
        self,
        target: Target,
        content: str,
        *,
        view: discord.ui.View | None = None,
        ephemeral: bool = False,
        path: Path | None = None,
    ) -> None:
        ref = self._ref(target)
        if ref.token_alive(self._now()):
            route = Route("POST", WEBHOOK, webhook_id=ref.application_id, webhook_token=ref.token)
            flags = discord.MessageFlags(ephemeral=True) if ephemeral else None
            try:
                await self._post(
                    route, content, view=view, flags=flags, path=path, params={"wait": "true"}
                )
                return
            except discord.HTTPException as exc:
                if exc.code not in EXPIRED_CODES:
                    raise
                log.info("interaction token expired; answering in the channel")
        await self._to_channel(ref, target, content, view=view, path=path)

    async def _to_channel(
        self,
        ref: ReplyRef,
        target: Target,
        content: str,
        *,
        view: discord.ui.View | None = None,
        path: Path | None = None,
    ) -> Any:
        """With the bot's token: needs the bot in the guild with Send Messages (a DM works)."""
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=ref.channel_id)
        mention = f"<@{target.requester.id}> "
        return await self._post(
            route,
            mention + content,
            view=view,
            path=path,
            mentions=discord.AllowedMentions(users=True),
        )

    async def _post(
        self,
        route: Route,
        content: str,
        *,
        view: discord.ui.View | None = None,
        flags: discord.MessageFlags | None = None,
        path: Path | None = None,
        params: dict[str, str] | None = None,
        mentions: discord.AllowedMentions | None = None,
    ) -> Any:
        extra: dict[str, Any] = {"params": params} if params else {}
        file = discord.File(path, filename=path.name) if path is not None else discord.utils.MISSING
        with handle_message_parameters(
            content=content,
            file=file,
            view=view if view is not None else discord.utils.MISSING,
            flags=flags if flags is not None else discord.utils.MISSING,
            allowed_mentions=mentions or discord.AllowedMentions.none(),
        ) as message:
            if message.files:
                return await self._http.request(
                    route, form=message.multipart, files=message.files, **extra
                )
            return await self._http.request(route, json=message.payload, **extra)
