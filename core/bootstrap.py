"""The one place the core's object graph is wired: the settings, and the few things only the
process can make (Redis clients, the HTTP client, the platforms' ports), in; a `Core` out.
`bots.runtime` makes those things and calls `build_core`; nothing else builds a service."""

from __future__ import annotations

from pathlib import Path

import httpx
from redis.asyncio import Redis

from core.app import Core
from core.backend import Backend, Identities, Sessions
from core.backend.nemo.client import Attribution, NemoClient
from core.chat import (
    ChatCommands,
    Conversation,
    ConversationConfig,
    StreamLimits,
    TurnConfig,
    Turns,
)
from core.exports import Delivery, RenderJobs, RenderTiming, ffmpeg_path
from core.fair_use import FairUse, FairUseConfig
from core.jobs import JobLimits, JobQueue, SaqScheduler
from core.metrics import Metrics
from core.outbound import Notifier, Reporter
from core.ports import PlatformPorts
from core.provenance.trust_anchors import trust_anchors
from core.settings import Settings
from core.store import ChatQueue, ChatSettings, Keys, Limiter


def build_core(
    settings: Settings,
    *,
    redis: Redis,
    job_redis: Redis,
    http: httpx.AsyncClient,
    nemo_base_url: str,
    platforms: dict[str, PlatformPorts],
    job_limits: JobLimits | None = None,
    task_links: bool = True,
    metrics: Metrics | None = None,
) -> Core:
    """`platforms` is kept, not copied: adapters registered after start-up are seen."""
    metrics = metrics or Metrics()
    keys = Keys(settings.redis_prefix)
    job_limits = job_limits or JobLimits(heartbeat_s=settings.job_heartbeat_s)
    job_queue = JobQueue(job_redis, name=keys.queue_name())
    export_queue = JobQueue(job_redis, name=keys.export_queue_name())
    attribution = Attribution(settings.nemo_skill_version, settings.nemo_skill_platform)
    client = NemoClient(
        http,
        nemo_base_url,
        attribution,
        rate_limit_wait_s=settings.rate_limit_wait_s,
        sse_idle_s=settings.sse_idle_s,
    )
    operator = settings.nemo_token.get_secret_value() if settings.nemo_token else None
    backend = Backend(
        client,
        Identities(redis, keys, client, operator),
        Sessions(redis, keys, client),
        max_wait_s=settings.rate_limit_wait_s,
        metrics=metrics,
    )
    queue = ChatQueue(redis, keys, settings.lease_s)
    scheduler = SaqScheduler(job_queue, export_queue, job_limits, keys)
    notifier = Notifier(platforms)
    chat_settings = ChatSettings(redis, keys)
    fair_use = FairUse(Limiter(redis, keys), FairUseConfig.from_settings(settings), chat_settings)
    max_upload = settings.max_upload_mb << 20
    register_url = f"{settings.nemo_web_base}/"
    reporter = Reporter(
        backend.identities,
        notifier,
        register_url=register_url,
        max_upload_bytes=max_upload,
    )
    delivery = Delivery(
        backend,
        notifier,
        Path(settings.work_dir),
        ffmpeg_path(settings.ffmpeg_binary),
        attribution,
        settings.nemo_web_base if task_links else "",
        metrics,
    )
    renders = RenderJobs(
        redis,
        keys,
        queue,
        backend,
        notifier,
        delivery,
        scheduler,
        reporter,
        metrics,
        fair_use,
        RenderTiming(
            settings.render_poll_min_s,
            settings.render_poll_max_s,
            settings.render_deadline_s,
            lock_s=job_limits.heartbeat_s * 3,
            lease_s=settings.lease_s,
        ),
    )
    conversation = Conversation(
        backend,
        notifier,
        platforms,
        chat_settings,
        renders,
        reporter,
        fair_use,
        ChatCommands(notifier, chat_settings, fair_use, settings.default_language),
        ConversationConfig(
            default_prompt=settings.default_prompt,
            max_upload_bytes=max_upload,
            register_url=register_url,
            stream=StreamLimits(max_s=settings.sse_max_s, still_working_s=settings.still_working_s),
            settle_poll_s=settings.settle_poll_s,
            settle_max_s=settings.settle_max_s,
            scratch_dir=Path(settings.work_dir),
            trust_anchors_pem=trust_anchors(settings.c2pa_trust_anchors),
        ),
    )
    turns = Turns(
        queue,
        conversation,
        renders,
        notifier,
        reporter,
        chat_settings,
        scheduler,
        metrics,
        TurnConfig(default_language=settings.default_language, lease_s=settings.lease_s),
    )

    return Core(
        settings=settings,
        metrics=metrics,
        keys=keys,
        job_limits=job_limits,
        redis=redis,
        job_queue=job_queue,
        export_queue=export_queue,
        platforms=platforms,
        backend=backend,
        queue=queue,
        scheduler=scheduler,
        notifier=notifier,
        chat_settings=chat_settings,
        fair_use=fair_use,
        reporter=reporter,
        renders=renders,
        turns=turns,
    )
