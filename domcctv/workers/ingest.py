"""The consumer: queue -> ingest pipeline (in batches) -> live bus (through the outbox)."""

from __future__ import annotations

import logging

from domcctv.domain.reads import PlateRead
from domcctv.infra.bus import Bus
from domcctv.infra.queue import BatchHandler, IngestQueue, ReadResult
from domcctv.services import outbox
from domcctv.services.ingest import record_plate_reads

logger = logging.getLogger(__name__)


def make_handler(
    bus: Bus, *, threshold: float, merge_window_seconds: int, capture_clips: bool = True
) -> BatchHandler:
    """The batch handler the queue calls: one result per read (None = stored, or already)."""

    async def handle(reads: list[PlateRead]) -> list[ReadResult]:
        # The pipeline stages its live pushes in the outbox, in its own transaction; they are
        # relayed as soon as it commits (or by the sweeper if that fails).
        async with outbox.delivering(bus):
            await record_plate_reads(
                reads,
                threshold=threshold,
                merge_window_seconds=merge_window_seconds,
                capture_clips=capture_clips,
            )
        return [None] * len(reads)  # a failure raises: the queue retries the reads one by one

    return handle


async def run_ingest_consumer(
    queue: IngestQueue,
    bus: Bus,
    *,
    threshold: float,
    merge_window_seconds: int,
    capture_clips: bool = True,
) -> None:
    await queue.consume(
        make_handler(
            bus,
            threshold=threshold,
            merge_window_seconds=merge_window_seconds,
            capture_clips=capture_clips,
        )
    )
