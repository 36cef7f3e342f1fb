"""Calls to the backend on behalf of a chat, with the recovery each result code asks for, once.

1001 -> a new token (same client id), 1002 -> a new session, HTTP 400 -> a new client id,
HTTP 429 -> wait (Retry-After, at most `max_wait_s`, 30 s by default) and retry. Each recovery
runs at most once per call, so a backend that keeps answering the same code ends in that error,
never in a loop.

A backend that is briefly unavailable (a reset connection, a 5xx, a body that is not JSON) is
tried again after `TRANSIENT_WAITS_S`, when that is safe: always for calls that may run twice
(reads, uploads that re-open the file, renders keyed by their id), and for the agent's SSE
message only when the request provably was not processed (no connection, or 502/503/504).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from core.backend.identity import Credentials, Identities
from core.backend.nemo.client import NemoClient
from core.backend.nemo.models import Credits, NemoSession, RenderStatus, SessionState
from core.backend.nemo.multipart import MultipartFile
from core.backend.sessions import Sessions
from core.errors import (
    AnonymousTokenRefused,
    BackendError,
    BackendUnavailable,
    MissingClientId,
    RateLimited,
    SessionNotFound,
    StreamInterrupted,
    TokenInvalid,
)
from core.metrics import Metrics

T = TypeVar("T")

TRANSIENT_WAITS_S = (0.5, 2.0)  # before the second and the third try
NOT_PROCESSED = frozenset({502, 503, 504})  # a gateway or an overloaded server turned it away


@dataclass(frozen=True)
class Access:
    """What one backend call needs: credentials and, for session calls, the session."""

    credentials: Credentials
    session: NemoSession | None = field(default=None)

    @property
    def token(self) -> str:
        return self.credentials.token

    @property
    def session_id(self) -> str:
        if self.session is None:
            raise RuntimeError("this call was made without a session")
        return self.session.session_id


Operation = Callable[[Access], Awaitable[T]]


class Backend:
    """The NemoClient plus each chat's identity and session, and the documented recoveries."""

    def __init__(
        self,
        client: NemoClient,
        identities: Identities,
        sessions: Sessions,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_wait_s: float = 30.0,
        metrics: Metrics | None = None,
    ) -> None:
        self._max_wait_s = max_wait_s
        self._metrics = metrics or Metrics()
        self.client = client
        self.identities = identities
        self.sessions = sessions
        self._sleep = sleep

    async def access(self, chat_key: str, language: str, *, with_session: bool = True) -> Access:
        credentials = await self.identities.current(chat_key)
        if not with_session:
            return Access(credentials)
        session = await self.sessions.current(chat_key, credentials, language)
        return Access(credentials, session)

    async def call(
        self,
        chat_key: str,
        language: str,
        operation: Operation[T],
        *,
        with_session: bool = True,
        recover_session: bool = True,
        idempotent: bool = True,
    ) -> T:
        """Run `operation` with the chat's access; recover from each documented code once.

        `recover_session=False` is for calls whose meaning depends on what the session holds
        (an edit or an export of an uploaded photo): a new session would not hold it, so the
        1002 is raised for the caller to start over. Every error answer is counted, recovered
        or not. `idempotent=False` is for a call that must not run twice (the agent's message).
        """
        recovered: set[str] = set()
        waits = iter(TRANSIENT_WAITS_S)
        while True:
            try:
                access = await self.access(chat_key, language, with_session=with_session)
                return await operation(access)
            except BackendError as exc:
                self._metrics.backend_errors.labels(exc.code).inc()
                if isinstance(exc, BackendUnavailable):
                    wait = next(waits, None) if _may_repeat(exc, idempotent) else None
                    if wait is None:
                        raise
                    await self._sleep(wait)
                    continue
                if not await self._recovered(
                    exc, chat_key, recovered, with_session, recover_session
                ):
                    raise

    async def _recovered(
        self,
        error: BackendError,
        chat_key: str,
        done: set[str],
        with_session: bool,
        recover_session: bool,
    ) -> bool:
        """Do what `error` asks for, once per call; False when there is nothing (more) to do."""
        if isinstance(error, AnonymousTokenRefused) or error.code in done:
            return False
        done.add(error.code)
        if isinstance(error, TokenInvalid):
            credentials = await self.identities.current(chat_key)
            await self.identities.renew(chat_key, credentials)
            return True
        if isinstance(error, SessionNotFound):
            if not with_session:
                return False
            await self.sessions.drop(chat_key)
            return recover_session
        if isinstance(error, MissingClientId):
            if self.identities_are_operator:
                return False
            await self.identities.replace_client(chat_key)
            await self.sessions.drop(chat_key)
            return True
        if isinstance(error, RateLimited):
            await self._sleep(min(error.retry_after_s, self._max_wait_s))
            return True
        return False

    # -- the calls the core makes, each with the options its meaning needs -----------------

    async def draft(self, chat_key: str, language: str) -> dict[str, Any]:
        """The session's current draft (the timeline)."""
        return (await self.state(chat_key, language)).draft

    async def state(self, chat_key: str, language: str) -> SessionState:
        """The session's current state: the draft, the uploads, the canvas."""

        async def latest(access: Access) -> SessionState:
            return await self.client.state(access.token, access.session_id)

        return await self.call(chat_key, language, latest)

    async def credits(self, chat_key: str, language: str) -> Credits:
        async def balance(access: Access) -> Credits:
            return await self.client.credits(access.token)

        return await self.call(chat_key, language, balance, with_session=False)

    async def upload(self, chat_key: str, language: str, part: Callable[[], MultipartFile]) -> None:
        """Upload a file into the chat's session; `part` makes the body afresh for each try."""

        async def upload(access: Access) -> None:
            await self.client.upload(access.token, access.session_id, part())

        await self.call(chat_key, language, upload)

    async def submit_render(
        self, chat_key: str, language: str, render_id: str, draft: dict[str, Any]
    ) -> RenderStatus:
        """Submit an export of `draft`. A new session would not hold the draft's files: a 1002
        is the caller's to handle."""

        async def submit(access: Access) -> RenderStatus:
            return await self.client.submit_render(
                access.token, render_id, access.session_id, draft
            )

        return await self.call(chat_key, language, submit, recover_session=False)

    async def render_status(self, chat_key: str, language: str, render_id: str) -> RenderStatus:
        async def poll(access: Access) -> RenderStatus:
            return await self.client.render_status(access.token, render_id)

        return await self.call(chat_key, language, poll, with_session=False)

    async def cancel_render(self, chat_key: str, language: str, render_id: str) -> None:
        async def cancel(access: Access) -> None:
            await self.client.cancel_render(access.token, render_id)

        await self.call(chat_key, language, cancel, with_session=False)

    @property
    def identities_are_operator(self) -> bool:
        return self.identities.operator


def may_have_run(error: BaseException) -> bool:
    """Whether the backend may have carried out a call that failed with `error`. A result code
    or a refusal (4xx, 502-504, no connection) means it did not; a dropped stream, a 500 or an
    error of our own leaves it unknown."""
    if isinstance(error, StreamInterrupted):  # the message got through: settle, never resend
        return True
    if isinstance(error, BackendUnavailable):
        return error.sent and error.status not in NOT_PROCESSED
    return not isinstance(error, BackendError)


def _may_repeat(error: BackendUnavailable, idempotent: bool) -> bool:
    return idempotent or not may_have_run(error)
