"""Durable ingest queue: Redis Stream with a consumer group, or a database inbox.

Receiving and processing are split so a camera push is acknowledged as soon as the read is
durable, and processing can fail (database down) without losing it: Redis keeps unacked
entries pending and they are re-claimed; the inbox keeps unprocessed rows. Processing is
idempotent on the read's natural key, so at-least-once redelivery stores each read once.
The consumer takes reads in batches (``INGEST_BATCH_SIZE``) and gets one result per read.

A read that keeps failing never blocks the reads behind it, and after ``max_attempts``
processing failures it moves to ``ingest_dead_letters`` whole, for an administrator to retry
or discard. A payload that cannot even be decoded goes there at once, with its raw text.
Nothing is dropped. A failure is only counted when it is the read's: an outage (database or
network unreachable) leaves the read queued, uncounted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from domcctv.infra.queue.base import (
    OUTAGE_ERRORS,
    BatchHandler,
    IngestQueue,
    QueueLag,
    ReadResult,
    backoff_seconds,
    bury,
)
from domcctv.infra.queue.database import DatabaseQueue
from domcctv.infra.queue.redis_stream import GROUP, RedisStreamQueue

if TYPE_CHECKING:
    from domcctv.config import Settings

__all__ = [
    "GROUP",
    "OUTAGE_ERRORS",
    "BatchHandler",
    "DatabaseQueue",
    "IngestQueue",
    "QueueLag",
    "ReadResult",
    "RedisStreamQueue",
    "backoff_seconds",
    "build_queue",
    "bury",
]


def build_queue(settings: Settings, redis: Any = None) -> IngestQueue:
    """The durable ingest queue: the Redis stream when Redis is configured, else the inbox."""
    if redis is not None:
        return RedisStreamQueue(
            redis,
            namespace=settings.redis_namespace,
            max_attempts=settings.ingest_max_attempts,
            batch=settings.ingest_batch_size,
        )
    return DatabaseQueue(
        max_attempts=settings.ingest_max_attempts,
        retention=timedelta(hours=settings.ingest_inbox_retention_hours),
        batch=settings.ingest_batch_size,
    )
