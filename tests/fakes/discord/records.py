"""What the fake Discord records for tests to assert on, and the errors it answers with.

Errors (one tree)::

    DiscordApiError          an error answer: HTTP status, Discord JSON code, message
    └── RateLimitedError     a 429 that discord.py retries (carries retry_after)
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Literal

from tests.fakes.discord.payloads import Json

MessageKind = Literal["created", "edited", "deleted"]
MessageRoute = Literal["callback", "original", "followup", "channel"]


class DiscordApiError(Exception):
    """An error answer of the fake API, rendered as Discord's ``{"message", "code"}`` body."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> Json:
        return {"message": self.message, "code": self.code}

    def headers(self) -> dict[str, str]:
        return {}


class RateLimitedError(DiscordApiError):
    """A 429 shaped like Discord's own: the ``Via`` header and ``retry_after`` make it retryable."""

    def __init__(self, retry_after: float, code: int = 0) -> None:
        super().__init__(429, code, "You are being rate limited.")
        self.retry_after = retry_after

    def body(self) -> Json:
        return {**super().body(), "retry_after": self.retry_after, "global": False}

    def headers(self) -> dict[str, str]:
        return {
            "Via": "1.1 google",
            "Retry-After": str(max(1, round(self.retry_after))),
            "X-RateLimit-Scope": "user",
        }


@dataclass(frozen=True)
class RestCall:
    """One API request: path relative to the API base (``/users/@me``), answer status."""

    method: str
    path: str
    query: dict[str, str]
    status: int
    at: float


@dataclass(frozen=True)
class SentFile:
    """One uploaded file part (``files[n]``) exactly as it arrived."""

    index: int
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Callback:
    """One interaction response (``POST /interactions/{id}/{token}/callback``)."""

    interaction_id: str
    token: str = field(repr=False)  # a secret: kept out of failure messages
    type: int
    data: Json
    files: list[SentFile]
    at: float

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.data.get("flags") or 0) & 64)


@dataclass(frozen=True)
class MessageRecord:
    """A message the bot created, edited or deleted; `message` is its state after the change,
    `sent` the JSON fields the bot sent for it (``allowed_mentions`` included)."""

    kind: MessageKind
    route: MessageRoute
    message: Json
    files: list[SentFile]
    interaction_token: str | None = field(repr=False)  # a secret: kept out of failure messages
    at: float
    sent: Json = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.message["id"])

    @property
    def content(self) -> str:
        return str(self.message.get("content") or "")


@dataclass(frozen=True)
class Identify:
    """One gateway IDENTIFY (or RESUME when `resumed`)."""

    session_id: str
    shard: tuple[int, int] | None
    intents: int | None
    resumed: bool
    at: float


@dataclass
class Fault:
    """An injected error for requests whose ``"METHOD /path"`` matches `pattern` (fnmatch)."""

    pattern: str
    status: int
    code: int
    times: int
    retry_after: float | None = None
    message: str = "Injected failure"
    hits: list[str] = field(default_factory=list)

    def matches(self, method: str, path: str) -> bool:
        if self.times <= 0:
            return False
        head = self.pattern.split(" ", 1)[0]
        subject = f"{method} {path}" if head.isupper() and " " in self.pattern else path
        return fnmatch.fnmatchcase(subject, self.pattern)

    def take(self, method: str, path: str) -> DiscordApiError:
        self.times -= 1
        self.hits.append(f"{method} {path}")
        if self.status == 429:
            return RateLimitedError(self.retry_after or 0.05, self.code)
        return DiscordApiError(self.status, self.code, self.message)
