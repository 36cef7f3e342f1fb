"""Durable jobs: the scheduler port the core speaks to, and saq behind it."""

from __future__ import annotations

from core.jobs.saq_jobs import JobContext, JobLimits, JobQueue, SaqScheduler, build_worker
from core.jobs.scheduler import Scheduler

__all__ = [
    "JobContext",
    "JobLimits",
    "JobQueue",
    "SaqScheduler",
    "Scheduler",
    "build_worker",
]
