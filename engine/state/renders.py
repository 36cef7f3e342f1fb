"""Render jobs: pending -> processing -> completed | failed, in a bounded pool of workers.

A job waits for one of ``render_workers`` slots (an `asyncio.Semaphore`), resolves the draft's
media to stored files, renders into a work folder and moves the MP4 into the public renders
folder only when complete, so ``/files/renders/...`` never serves half a file.

The public file is named by 256 random bits the engine draws itself (`FILE_NAME_BYTES`), never
by the render id: the client chooses the id, and the files folder asks for no token, so knowing
a render's id must not be enough to download its video.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from engine.clock import Clock, millis
from engine.draft import Draft, TrackType
from engine.errors import EngineError, RenderRefused
from engine.faults import Stats

logger = logging.getLogger(__name__)
FIRST_PROGRESS = 5
FILE_NAME_BYTES = 32
_FILE_NAME = re.compile(r"[A-Za-z0-9_-]{43}\.mp4")  # token_urlsafe(32): 43 characters


class JobFailed(EngineError):
    """The render could not be made; the message becomes the job's ``error``."""


class RenderBackend(Protocol):
    """Renders a draft to an MP4 at `out`, reporting progress as a fraction from 0 to 1."""

    def __call__(
        self,
        draft: Draft,
        media: Mapping[str, Path],
        out: Path,
        on_progress: Callable[[float], None],
    ) -> Awaitable[None]: ...


MediaResolver = Callable[[str], Path | None]


@dataclass
class RenderJob:
    """One export of one session."""

    id: str
    session_id: str
    user_id: str
    draft: Draft
    created_at: float
    status: str = "pending"
    progress: int = FIRST_PROGRESS
    error: str | None = None
    completed_at: float | None = None
    output: Path | None = None
    task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return self.status in ("pending", "processing")

    def describe(self, output_url: str | None, shape: str) -> dict[str, Any]:
        """The poll answer's payload in the reference or the seed shape."""
        if shape == "seed":
            seed: dict[str, Any] = {"id": self.id, "status": self.status, "progress": self.progress}
            seed["output"] = {"url": output_url} if output_url else None
            if self.error:
                seed["error"] = self.error
            return seed
        data: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "progress": self.progress,
            "outputUrl": output_url,
            "createdAt": millis(self.created_at),
            "completedAt": millis(self.completed_at) if self.completed_at else None,
        }
        if self.error:
            data["error"] = self.error
        return data


class RenderJobs:
    """Every render job of the engine and the pool that runs them."""

    def __init__(
        self,
        backend: RenderBackend,
        clock: Clock,
        stats: Stats,
        *,
        workers: int,
        renders_dir: Path,
        work_dir: Path,
    ) -> None:
        self._backend = backend
        self._clock = clock
        self._stats = stats
        self._slots = asyncio.Semaphore(workers)
        self._renders_dir = renders_dir
        self._work_dir = work_dir
        self._jobs: dict[str, RenderJob] = {}

    def submit(
        self, job_id: str, session_id: str, user_id: str, draft: Draft, resolve: MediaResolver
    ) -> RenderJob:
        if job_id in self._jobs:
            raise RenderRefused(409, "duplicate id")
        if any(job.active and job.session_id == session_id for job in self._jobs.values()):
            raise RenderRefused(409, "this session already has an export in progress")
        job = RenderJob(job_id, session_id, user_id, draft, created_at=self._clock.now())
        self._jobs[job_id] = job
        job.task = asyncio.create_task(self._run(job, resolve))
        return job

    def get(self, job_id: str, user_id: str) -> RenderJob:
        job = self._jobs.get(job_id)
        if job is None or job.user_id != user_id:
            raise RenderRefused(404, f"no render with id {job_id}")
        return job

    def completed_for(self, session_id: str) -> list[RenderJob]:
        return [
            job
            for job in self._jobs.values()
            if job.session_id == session_id and job.status == "completed"
        ]

    def cancel(self, job_id: str, user_id: str) -> RenderJob:
        job = self.get(job_id, user_id)
        if not job.active:
            raise RenderRefused(409, f"the render is already {job.status}")
        self._finish(job, "failed", error="cancelled")
        if job.task is not None:
            job.task.cancel()
        return job

    async def aclose(self) -> None:
        tasks = [job.task for job in self._jobs.values() if job.task and not job.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, job: RenderJob, resolve: MediaResolver) -> None:
        work = self._work_dir / f"{job.id}.mp4"
        try:
            async with self._slots:
                job.status = "processing"
                self._stats.count("renders_started")
                media = _media_of(job.draft, resolve)
                await self._backend(job.draft, media, work, lambda done: _advance(job, done))
                final = self._renders_dir / f"{secrets.token_urlsafe(FILE_NAME_BYTES)}.mp4"
                work.replace(final)
                job.output = final
                self._finish(job, "completed")
                self._stats.count("renders_completed")
        except JobFailed as exc:
            self._finish(job, "failed", error=exc.message)
        except asyncio.CancelledError:
            self._finish(job, "failed", error="cancelled")
            raise
        except Exception as exc:
            logger.exception("render %s failed unexpectedly", job.id)
            self._finish(job, "failed", error=f"internal error: {type(exc).__name__}")
        finally:
            work.unlink(missing_ok=True)

    def _finish(self, job: RenderJob, status: str, *, error: str | None = None) -> None:
        if not job.active:
            return
        job.status = status
        job.error = error
        job.completed_at = self._clock.now()
        if status == "completed":
            job.progress = 100


def drop_guessable_files(renders_dir: Path) -> None:
    """Delete finished files an earlier engine named after their render id, which anyone who
    knows the id could download (no job survives a restart, so nothing else needs them)."""
    for path in renders_dir.iterdir():
        if path.is_file() and not _FILE_NAME.fullmatch(path.name):
            path.unlink(missing_ok=True)


def _advance(job: RenderJob, done: float) -> None:
    fraction = done / 100 if done > 1 else done  # tolerate a percentage
    progress = FIRST_PROGRESS + round(max(0.0, min(1.0, fraction)) * (99 - FIRST_PROGRESS))
    if job.status == "processing":
        job.progress = max(job.progress, progress)


def _media_of(draft: Draft, resolve: MediaResolver) -> dict[str, Path]:
    media: dict[str, Path] = {}
    for track in draft.get("t", []):
        if track.get("tt") != TrackType.VIDEO:
            continue
        for segment in track.get("sg", []):
            src = segment.get("src")
            if not src:
                continue
            path = resolve(src)
            if path is None:
                raise JobFailed(f"media source is not a file stored by this engine: {src[:200]}")
            media[src] = path
    return media
