"""Long polling that moves Telegram's offset past an update only once it is recorded.

getUpdates confirms every update below the offset it is given. PTB's Updater advances the
offset on its next call whatever became of the batch, so an update the core failed to record
(Redis refusing writes) was confirmed all the same, and lost. Here each batch goes to the
ingress first (its updates concurrently: one chat's still keep their order there), and the next
getUpdates starts at the first update that was not recorded, after a pause that grows while the
failures last. Telegram then hands that update out again, and those after it, which the ingress
drops as copies.

getUpdates is called through the bot's request object rather than `Bot.get_updates`, so the
updates stay the JSON they arrived as (`bots.telegram.parse` reads them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import Bot
from telegram.error import InvalidToken, TelegramError

from bots.telegram.json_calls import call
from bots.telegram.parse import JSON, readable

log = logging.getLogger(__name__)

Take = Callable[[JSON], Awaitable[bool]]


def next_offset(updates: Sequence[JSON], taken: Sequence[bool]) -> tuple[int, bool]:
    """The offset for the next getUpdates after handling `updates` (ordered by id), and whether
    all of them were taken."""
    for update, ok in zip(updates, taken, strict=True):
        if not ok:
            return int(update["update_id"]), False
    return int(updates[-1]["update_id"]) + 1, True


async def get_updates(bot: Bot, read_timeout: float, **params: Any) -> list[JSON]:
    """getUpdates with `params`, its answer as JSON; PTB's request turns Telegram's refusals
    into its errors (a revoked token is InvalidToken)."""
    found = await call(bot, "getUpdates", params, read_timeout, limited=False)
    if not isinstance(found, list):
        raise TypeError("getUpdates did not answer a list")
    return [u for u in found if isinstance(u, dict) and isinstance(u.get("update_id"), int)]


class Poller:
    """getUpdates in a loop, each batch handed to `take` before it is confirmed."""

    def __init__(
        self,
        bot: Bot,
        take: Take,
        *,
        allowed_updates: Sequence[str],
        timeout_s: int = 30,
        first_retry_s: float = 0.5,
        last_retry_s: float = 30.0,
    ) -> None:
        self._bot = bot
        self._take = take
        self._allowed = list(allowed_updates)
        self._timeout_s = timeout_s
        self._first_retry_s = first_retry_s
        self._last_retry_s = last_retry_s
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._fetching: asyncio.Task[list[JSON]] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def stop(self) -> None:
        """End the long poll at once; a batch being handed over is finished first, so no
        update is left half taken."""
        self._stopping.set()
        if self._fetching is not None:
            self._fetching.cancel()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)  # `ended` reports it

    async def ended(self) -> None:
        """Return when polling ends by itself; raise what ended it (a revoked token)."""
        if self._task is not None:
            await asyncio.shield(self._task)

    async def _run(self) -> None:
        offset: int | None = None
        confirmed = True  # Telegram has been told `offset`
        retry_s = self._first_retry_s
        while not self._stopping.is_set():
            try:
                updates = await self._fetch(offset)
            except InvalidToken:  # revoked (BotFather's /revoke): asking again cannot help
                raise
            # Telegram or the network failing, or (rarely) an answer PTB cannot parse: try
            # again later, as PTB's own Updater does.
            except Exception as exc:
                log.warning("getUpdates failed", extra={"error": type(exc).__name__})
                await self._pause(retry_s)
                retry_s = min(retry_s * 2, self._last_retry_s)
                continue
            if updates is None:
                break
            confirmed = True
            if not updates:
                continue
            taken = await asyncio.gather(*(self._take_readable(update) for update in updates))
            offset, all_taken = next_offset(updates, taken)
            confirmed = False
            if all_taken:
                retry_s = self._first_retry_s
            else:
                await self._pause(retry_s)
                retry_s = min(retry_s * 2, self._last_retry_s)
        if not confirmed and offset is not None:
            await self._confirm(offset)

    async def _take_readable(self, update: JSON) -> bool:
        """`take` the update; one missing what every update has is dropped (and confirmed):
        no later delivery of it can be read either."""
        if readable(update):
            return await self._take(update)
        log.warning("unreadable update dropped", extra={"update_id": update["update_id"]})
        return True

    async def _fetch(self, offset: int | None) -> list[JSON] | None:
        """The next batch; None when `stop` ended the wait."""
        params: dict[str, Any] = {"timeout": self._timeout_s, "allowed_updates": self._allowed}
        if offset is not None:
            params["offset"] = offset
        self._fetching = asyncio.create_task(get_updates(self._bot, self._timeout_s + 10, **params))
        try:
            return await self._fetching
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if self._stopping.is_set() and current is not None and not current.cancelling():
                return None
            raise
        finally:
            self._fetching = None

    async def _pause(self, seconds: float) -> None:
        """Wait before trying again; `stop` ends the wait."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()

    async def _confirm(self, offset: int) -> None:
        """Tell Telegram what the last batch took, so a restart does not fetch it again (the
        copies would be dropped, but only after a round trip to Redis each)."""
        try:
            await get_updates(self._bot, 10, offset=offset, limit=1, timeout=0)
        except TelegramError as exc:
            log.info("final offset not confirmed", extra={"error": type(exc).__name__})
