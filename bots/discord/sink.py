"""Core events as Discord calls, made with discord.py's own HTTP client (its rate-limit handling
included), so any worker can answer any interaction without a gateway connection.

While the interaction token lives, progress edits the original response in place, and replies,
problems (ephemeral) and the video are follow-ups. After 15 minutes the token is dead: the
answer goes to the channel with the bot's token, mentioning the requester. Where the bot is not
a member (a user-installed app in someone else's server or a group DM) no bot post can reach the
channel: the progress line says so while the token lives, and late answers go to the
requester's DMs instead, without further progress.

Every message, edit and post allows one mention at most, the requester's: what the bot repeats
(an image's embedded prompt on the provenance card, the agent's words) may say @everyone, name a
role or another member, and none of them may be pinged by it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import discord
from discord.http import HTTPClient, Route, handle_message_parameters

from bots.discord.components import FollowUpButton
from bots.discord.reply_ref import ReplyRef
from bots.edit_throttle import EditThrottle
from core.events import Button, Problem, Progress, Reply, Target, VideoReady
from core.texts import text

log = logging.getLogger(__name__)

EXPIRED_CODES = {10015, 10062, 50027}  # unknown webhook, unknown interaction, invalid token
ORIGINAL = "original"
WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
CHANNEL_MESSAGES = "/channels/{channel_id}/messages"


def pings_only(requester_id: str) -> discord.AllowedMentions:
    """Mentions that may notify the requester and nobody else (no @everyone, no role)."""
    requester = [discord.Object(int(requester_id))] if requester_id.isdigit() else False
    return discord.AllowedMentions(everyone=False, roles=False, users=requester, replied_user=False)


def buttons_view(buttons: tuple[Button, ...], requester_id: str) -> discord.ui.View | None:
    """Custom ids carry the action and who asked; any ingress process can take the press."""
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for button in buttons:
        view.add_item(FollowUpButton(button.action, requester_id, button.label))
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
        if progress.finished:  # the last word is never skipped, and still waits its turn
            await self._throttle.wait_turn(target.chat.key)
        elif not await self._throttle.may_edit(target.chat.key):
            return message_ref
        mentions = pings_only(target.requester.id).to_dict()
        if ref.token_alive(self._now()) and message_ref in (None, ORIGINAL):
            route = Route(
                "PATCH",
                f"{WEBHOOK}/messages/@original",
                webhook_id=ref.application_id,
                webhook_token=ref.token,
            )
            body = {"content": self._progress_text(ref, target, progress)}
            try:
                await self._http.request(route, json={**body, "allowed_mentions": mentions})
                return ORIGINAL
            except discord.HTTPException as exc:
                if exc.code not in EXPIRED_CODES:
                    raise
        if not ref.bot_can_post:
            return message_ref  # the requester's DMs get the answers, not a running commentary
        if message_ref and message_ref.startswith("channel:"):
            message_id = message_ref.removeprefix("channel:")
            route = Route(
                "PATCH",
                f"{CHANNEL_MESSAGES}/{{message_id}}",
                channel_id=ref.channel_id,
                message_id=message_id,
            )
            await self._http.request(
                route, json={"content": progress.text, "allowed_mentions": mentions}
            )
            return message_ref
        sent = await self._to_channel(ref, target, progress.text)
        return f"channel:{sent['id']}"

    def _progress_text(self, ref: ReplyRef, target: Target, progress: Progress) -> str:
        if ref.bot_can_post or progress.finished:
            return progress.text
        return f"{progress.text}\n{text('reply.late_by_dm', target.language)}"

    async def reply(self, target: Target, reply: Reply) -> None:
        view = buttons_view(reply.buttons, target.requester.id)
        await self._send(target, reply.text, view=view)

    async def problem(self, target: Target, problem: Problem) -> None:
        await self._send(target, problem.text, ephemeral=True)

    async def video(self, target: Target, video: VideoReady) -> None:
        view = buttons_view(video.buttons, target.requester.id)
        await self._send(
            target, video.caption, view=view, path=video.path, description=video.description
        )

    async def _send(
        self,
        target: Target,
        content: str,
        *,
        view: discord.ui.View | None = None,
        ephemeral: bool = False,
        path: Path | None = None,
        description: str = "",
    ) -> None:
        ref = self._ref(target)
        mentions = pings_only(target.requester.id)
        if ref.token_alive(self._now()):
            route = Route("POST", WEBHOOK, webhook_id=ref.application_id, webhook_token=ref.token)
            flags = discord.MessageFlags(ephemeral=True) if ephemeral else None
            try:
                await self._post(
                    route,
                    content,
                    mentions,
                    view=view,
                    flags=flags,
                    path=path,
                    description=description,
                    params={"wait": "true"},
                )
                return
            except discord.HTTPException as exc:
                if exc.code not in EXPIRED_CODES:
                    raise
                log.info("interaction token expired; answering without it")
        if ref.bot_can_post:
            await self._to_channel(ref, target, content, view=view, path=path, alt=description)
        else:
            await self._to_dm(target, content, view=view, path=path, alt=description)

    async def _to_channel(
        self,
        ref: ReplyRef,
        target: Target,
        content: str,
        *,
        view: discord.ui.View | None = None,
        path: Path | None = None,
        alt: str = "",
    ) -> Any:
        """With the bot's token: needs the bot in the guild with Send Messages (a DM works)."""
        route = Route("POST", CHANNEL_MESSAGES, channel_id=ref.channel_id)
        mention = f"<@{target.requester.id}> "
        mentions = pings_only(target.requester.id)
        return await self._post(
            route, mention + content, mentions, view=view, path=path, description=alt
        )

    async def _to_dm(
        self,
        target: Target,
        content: str,
        *,
        view: discord.ui.View | None = None,
        path: Path | None = None,
        alt: str = "",
    ) -> Any:
        """To the requester's DMs (Discord answers with the same DM channel every time)."""
        channel = await self._http.start_private_message(int(target.requester.id))
        route = Route("POST", CHANNEL_MESSAGES, channel_id=channel["id"])
        mentions = pings_only(target.requester.id)
        return await self._post(route, content, mentions, view=view, path=path, description=alt)

    async def _post(
        self,
        route: Route,
        content: str,
        mentions: discord.AllowedMentions,
        *,
        view: discord.ui.View | None = None,
        flags: discord.MessageFlags | None = None,
        path: Path | None = None,
        description: str = "",
        params: dict[str, str] | None = None,
    ) -> Any:
        """`description` is the file's alt text (what the video shows, for screen readers)."""
        extra: dict[str, Any] = {"params": params} if params else {}
        file = (
            discord.File(path, filename=path.name, description=description or None)
            if path is not None
            else discord.utils.MISSING
        )
        with handle_message_parameters(
            content=content,
            file=file,
            view=view if view is not None else discord.utils.MISSING,
            flags=flags if flags is not None else discord.utils.MISSING,
            allowed_mentions=mentions,
        ) as message:
            if message.files:
                return await self._http.request(
                    route, form=message.multipart, files=message.files, **extra
                )
            return await self._http.request(route, json=message.payload, **extra)
