"""What clipbridge counts, for Prometheus: one object, injected, on a registry of its own.

Messages in, jobs by outcome, render latency, backend errors by code, deliveries, rate-limit
refusals, platform deliveries no update could be read from; queue depth is sampled from Redis
when the metrics are read (`QueueDepth`).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.messages_in = Counter(
            "clipbridge_messages_in",
            "Messages accepted from chats",
            ["platform", "intent"],
            registry=r,
        )
        self.duplicates = Counter(
            "clipbridge_duplicate_messages",
            "Redelivered messages ignored",
            ["platform"],
            registry=r,
        )
        self.unreadable_updates = Counter(
            "clipbridge_unreadable_updates",
            "Deliveries that could not be read as a platform update, dropped",
            ["platform"],
            registry=r,
        )
        self.jobs = Counter(
            "clipbridge_jobs",
            "Finished work by kind and outcome",
            ["kind", "outcome"],
            registry=r,
        )
        self.render_seconds = Histogram(
            "clipbridge_render_seconds",
            "From export request to delivered video",
            buckets=(5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600),
            registry=r,
        )
        self.backend_errors = Counter(
            "clipbridge_backend_errors", "Backend answers that were errors", ["code"], registry=r
        )
        self.deliveries = Counter(
            "clipbridge_deliveries", "Videos delivered", ["platform", "how"], registry=r
        )
        self.refusals = Counter(
            "clipbridge_rate_limit_refusals",
            "Messages refused by fair-use limits",
            ["limit"],
            registry=r,
        )
        self.queue_depth = Gauge(
            "clipbridge_queue_depth", "Chats with work queued or running", registry=r
        )
        self.jobs_waiting = Gauge(
            "clipbridge_jobs_waiting", "Jobs queued for a worker (saq)", registry=r
        )
