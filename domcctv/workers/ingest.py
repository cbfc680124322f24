"""The consumer: queue -> ingest pipeline -> live bus."""

from __future__ import annotations

import logging

from domcctv.domain.reads import PlateRead
from domcctv.infra.bus import Bus
from domcctv.infra.queue import IngestQueue
from domcctv.services import outbox
from domcctv.services.ingest import record_plate_read

logger = logging.getLogger(__name__)


def make_handler(bus: Bus, *, threshold: float, merge_window_seconds: int):  # type: ignore[no-untyped-def]
    async def handle(read: PlateRead) -> None:
        # The pipeline stages its live pushes in the outbox, in its own transaction; they are
        # relayed as soon as it commits (or by the sweeper if that fails).
        async with outbox.delivering(bus):
            await record_plate_read(
                read, threshold=threshold, merge_window_seconds=merge_window_seconds
            )

    return handle


async def run_ingest_consumer(
    queue: IngestQueue, bus: Bus, *, threshold: float, merge_window_seconds: int
) -> None:
    await queue.consume(
        make_handler(bus, threshold=threshold, merge_window_seconds=merge_window_seconds)
    )
