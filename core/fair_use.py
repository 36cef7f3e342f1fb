"""Who may use the bot, and how much: lists, operators, message rates, render quotas, budgets.

Global limits come from the settings; an operator can change any of them for one chat
(`/limit`). Per-chat values are cached for a few seconds in each process: a change reaches
every worker within that time, and a decision costs one Redis round trip.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from core.messages import Inbound
from core.settings import Settings
from core.store import ChatSettings, Decision, Limit, Limiter

MINUTE, HOUR, DAY = 60, 3600, 86400
OVERRIDE_TTL_S = 10.0
# What an operator may set per chat with /limit, and the setting each one overrides.
LIMIT_NAMES = {
    "user_messages_per_minute": "limit_user_messages_per_minute",
    "chat_messages_per_minute": "limit_chat_messages_per_minute",
    "chat_queue": "limit_chat_queue",
    "user_renders_per_hour": "limit_user_renders_per_hour",
    "chat_renders_per_hour": "limit_chat_renders_per_hour",
    "user_renders_per_day": "limit_user_renders_per_day",
    "chat_renders_per_day": "limit_chat_renders_per_day",
    "chat_credits_per_day": "limit_chat_credits_per_day",
}
Admission = Literal["ok", "denied", "not_allowed"]


def _ids(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


@dataclass(frozen=True)
class Lists:
    allowed_users: frozenset[str]
    denied_users: frozenset[str]
    allowed_chats: frozenset[str]
    denied_chats: frozenset[str]
    operators: frozenset[str]


@dataclass(frozen=True)
class FairUseConfig:
    """The lists, and each limit's global value by its `/limit` name (0: no limit)."""

    lists: Lists
    limits: dict[str, int]

    @classmethod
    def from_settings(cls, settings: Settings) -> FairUseConfig:
        lists = Lists(
            _ids(settings.allowed_users),
            _ids(settings.denied_users),
            _ids(settings.allowed_chats),
            _ids(settings.denied_chats),
            _ids(settings.admin_ids),
        )
        limits = {name: int(getattr(settings, field)) for name, field in LIMIT_NAMES.items()}
        return cls(lists, limits)


class FairUse:
    def __init__(
        self,
        limiter: Limiter,
        config: FairUseConfig,
        chat_settings: ChatSettings,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limiter = limiter
        self._limits = config.limits
        self._chat_settings = chat_settings
        self._lists = config.lists
        self._now = now
        self._cache: dict[str, tuple[float, dict[str, int]]] = {}

    @staticmethod
    def user_id(inbound: Inbound) -> str:
        return f"{inbound.chat.platform}:{inbound.sender.id}"

    def is_operator(self, inbound: Inbound) -> bool:
        return self.user_id(inbound) in self._lists.operators

    def admission(self, inbound: Inbound) -> Admission:
        lists = self._lists
        user = self.user_id(inbound)
        chats = {f"{inbound.chat.platform}:{inbound.chat.chat_id}", inbound.chat.key}
        if inbound.settings_scope:
            chats.add(inbound.settings_scope)
        if user in lists.denied_users or chats & lists.denied_chats:
            return "denied"
        if (lists.allowed_users or lists.allowed_chats) and not (
            user in lists.allowed_users or chats & lists.allowed_chats
        ):
            return "not_allowed"
        return "ok"

    async def limit(self, inbound: Inbound, name: str) -> int:
        """The limit `name` for this chat: its override if an operator set one, else global."""
        scope = inbound.settings_key
        cached = self._cache.get(scope)
        if cached is None or self._now() - cached[0] > OVERRIDE_TTL_S:
            cached = (self._now(), await self._chat_settings.limits(scope))
            self._cache[scope] = cached
        if name in cached[1]:
            return cached[1][name]
        return self._limits[name]

    async def message(self, inbound: Inbound) -> Decision:
        user, chat = self.user_id(inbound), inbound.settings_key
        limits = [
            Limit(
                "messages",
                f"user:{user}",
                await self.limit(inbound, "user_messages_per_minute"),
                MINUTE,
            ),
            Limit(
                "messages",
                f"chat:{chat}",
                await self.limit(inbound, "chat_messages_per_minute"),
                MINUTE,
            ),
        ]
        return await self.limiter.decide(limits, notice=f"messages:{user}")

    async def _render_limits(self, inbound: Inbound) -> list[Limit]:
        user, chat = self.user_id(inbound), inbound.settings_key
        windows = (
            ("user_renders_per_hour", f"user:{user}", HOUR),
            ("chat_renders_per_hour", f"chat:{chat}", HOUR),
            ("user_renders_per_day", f"user:{user}", DAY),
            ("chat_renders_per_day", f"chat:{chat}", DAY),
        )
        return [
            Limit(name, subject, await self.limit(inbound, name), window)
            for name, subject, window in windows
        ]

    async def render(self, inbound: Inbound) -> Decision:
        """Count one render against the user's and the chat's quotas, if all allow it."""
        if self.is_operator(inbound):
            return Decision(True)
        return await self.limiter.decide(
            await self._render_limits(inbound), f"renders:{self.user_id(inbound)}"
        )

    async def render_possible(self, inbound: Inbound) -> Decision:
        """Would a render be refused now? Asked before spending credits on the edit."""
        if self.is_operator(inbound):
            return Decision(True)
        return await self.limiter.peek(await self._render_limits(inbound))

    def _budget(self, inbound: Inbound) -> Limit:
        return Limit("credits", f"chat:{inbound.settings_key}", 0, DAY)

    async def spend(self, inbound: Inbound, credits: int) -> None:
        if credits > 0:
            await self.limiter.add(self._budget(inbound), credits)

    async def spent(self, inbound: Inbound) -> tuple[int, float]:
        """Credits this chat spent today, and seconds until its budget renews."""
        return await self.limiter.used(self._budget(inbound))

    def forget(self, scope: str) -> None:
        """A setting changed here: read it again next time."""
        self._cache.pop(scope, None)
