"""The one place where an error becomes what the user reads, in their language."""

from __future__ import annotations

import contextlib
import logging

from core import errors
from core.backend import Credentials, Identities
from core.events import Problem, Stage
from core.outbound.notifier import Notifier
from core.texts import ACCEPTED_FORMATS, human_duration, human_size, text
from core.work import Work

log = logging.getLogger(__name__)


def problem_for(
    error: BaseException,
    language: str,
    *,
    credentials: Credentials | None = None,
    register_url: str = "",
    max_upload_bytes: int = 200 << 20,
) -> Problem:
    """A user-facing Problem for `error`; unknown errors are logged and get a generic text."""
    if isinstance(error, errors.OutOfCredits):
        if credentials is not None and credentials.anonymous and credentials.client_id:
            link = f"{register_url}?bind={credentials.client_id}"
            return Problem("2001", text("problem.2001.anonymous", language, link=link))
        return Problem("2001", text("problem.2001.registered", language))
    if isinstance(error, errors.UnsupportedFile):
        return Problem("4001", text("problem.4001", language, formats=ACCEPTED_FORMATS))
    if isinstance(error, errors.FileTooLarge):
        return Problem(
            "4002", text("problem.4002", language, limit=human_size(max_upload_bytes, language))
        )
    if isinstance(error, errors.ScopeMissing):
        scope = error.scope or "render"
        return Problem(error.code, text("problem.http_403", language, scope=scope))
    if isinstance(error, errors.AttachmentUnavailable):
        reason = str(error) or "unavailable"
        return Problem(error.code, text("problem.attachment_unavailable", language, reason=reason))
    if isinstance(error, errors.LimitReached):
        return _limit_problem(error, language)
    if isinstance(error, errors.StreamInterrupted):
        return Problem(error.code, text("problem.backend_unavailable", language))
    simple: dict[type[errors.ClipbridgeError], str] = {
        errors.TokenInvalid: "problem.1001",
        errors.SessionNotFound: "problem.1002",
        errors.MissingClientId: "problem.http_400",
        errors.ExportBlocked: "problem.http_402",
        errors.AnonymousTokenRefused: "problem.anonymous_refused",
        errors.RateLimited: "problem.http_429",
        errors.BackendUnavailable: "problem.backend_unavailable",
        errors.RenderFailed: "problem.render_failed",
        errors.NoAnswer: "problem.no_answer",
        errors.RenderTimedOut: "problem.render_timeout",
        errors.WorkCancelled: "stage.cancelled",
        errors.EmptyFile: "problem.empty_file",
    }
    for kind, key in simple.items():
        if type(error) is kind:
            return Problem(kind.code, text(key, language))
    if isinstance(error, errors.BackendError):
        return Problem(error.code, text("problem.backend_unavailable", language))
    log.error("unexpected error", exc_info=error)
    return Problem("internal", text("problem.internal", language))


def _limit_problem(error: errors.LimitReached, language: str) -> Problem:
    wait = human_duration(max(1.0, error.retry_after_s), language)
    if error.limit == "chat_credits_per_day":
        return Problem("budget", text("problem.budget", language, budget=error.allowed, wait=wait))
    who = "user" if error.limit.startswith("user") else "chat"
    period = text("period.day" if error.limit.endswith("day") else "period.hour", language)
    body = text(f"problem.quota_{who}", language, count=error.allowed, period=period, wait=wait)
    return Problem("quota", body)


class Reporter:
    """Tells a work's chat that it failed, and why, in its language."""

    def __init__(
        self,
        identities: Identities,
        notifier: Notifier,
        *,
        register_url: str,
        max_upload_bytes: int,
    ) -> None:
        self._identities = identities
        self._notifier = notifier
        self._register_url = register_url
        self._max_upload_bytes = max_upload_bytes

    async def report(self, work: Work, error: BaseException) -> None:
        credentials: Credentials | None = None
        with contextlib.suppress(errors.ClipbridgeError):
            credentials = await self._identities.current(work.chat_key)
        problem = problem_for(
            error,
            work.language,
            credentials=credentials,
            register_url=self._register_url,
            max_upload_bytes=self._max_upload_bytes,
        )
        await self._notifier.progress(work, Stage.FAILED)
        await self._notifier.problem(work, problem)
