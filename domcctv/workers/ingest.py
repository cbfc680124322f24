"""The consumer: queue -> ingest pipeline -> live bus."""

from __future__ import annotations

import logging

from domcctv.domain.reads import PlateRead
from domcctv.infra.bus import Bus
from domcctv.infra.queue import IngestQueue
from domcctv.services import live
from domcctv.services.ingest import IngestResult, record_plate_read

logger = logging.getLogger(__name__)


def make_handler(bus: Bus, *, threshold: float, merge_window_seconds: int):  # type: ignore[no-untyped-def]
    async def handle(read: PlateRead) -> None:
        outcome = await record_plate_read(
            read, threshold=threshold, merge_window_seconds=merge_window_seconds
        )
        if outcome.event is None or outcome.result is IngestResult.ATTACHED:
            return
        kind = "CREATED" if outcome.result is IngestResult.CREATED else "UPDATED"
        await live.publish_event_change(bus, kind, outcome.event)

    return handle


async def run_ingest_consumer(
    queue: IngestQueue, bus: Bus, *, threshold: float, merge_window_seconds: int
) -> None:
    await queue.consume(
        make_handler(bus, threshold=threshold, merge_window_seconds=merge_window_seconds)
    )
