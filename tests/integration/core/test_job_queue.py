"""saq's queue as the product runs it (`core.jobs.JobQueue`), against the real Redis."""

from __future__ import annotations

from redis.asyncio import Redis
from saq.job import Status

from core.jobs import JobQueue


async def running_job(redis: Redis, key_prefix: str) -> tuple[JobQueue, str]:
    """A queue with one job, taken by a worker and running; the job's key."""
    queue = JobQueue(redis, name=f"{key_prefix}:jobs")
    # The job's key carries the prefix too: saq keeps an abort under the job's key alone.
    await queue.enqueue("work", key=f"{key_prefix}:j1", heartbeat=30)
    job = await queue.dequeue(timeout=1)
    assert job is not None
    await job.update(status=Status.ACTIVE)
    return queue, job.key


async def test_a_heartbeat_says_the_job_is_alive(redis: Redis, key_prefix: str) -> None:
    queue, key = await running_job(redis, key_prefix)
    job = await queue.job(key)
    assert job is not None
    job.touched = 1  # as if its last sign of life were long ago
    await redis.set(job.id, queue.serialize(job))
    await job.update()
    stored = await queue.job(key)
    assert stored is not None
    assert stored.status is Status.ACTIVE
    assert stored.touched == job.touched > 1


async def test_a_heartbeat_keeps_an_abort_another_process_made(
    redis: Redis, key_prefix: str
) -> None:
    """The sweep of another worker aborts a job it judges dead; the job's own worker, still
    running it, beats once more: the abort stands, or the worker would never cancel it."""
    queue, key = await running_job(redis, key_prefix)
    running = await queue.job(key)
    swept = await queue.job(key)
    assert running is not None and swept is not None
    await queue.abort(swept, error="swept")
    await running.update()
    stored = await queue.job(key)
    assert stored is not None
    assert stored.status is Status.ABORTING
    assert stored.touched >= swept.touched
