"""HikCentral crossRecords backfill: closes gaps left by lost camera pushes.

Cameras do not retry pushes, so an outage of the receiver (or the network) loses reads that
HikCentral still has. Periodically re-reading each camera's passing records over a trailing
window, and feeding them through the same idempotent pipeline, recovers them: records already
received by push attach to their event (same camera, plate and second), the rest become events.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio

from domcctv.domain.reads import PlateRead, ReadSource, StoredPicture
from domcctv.infra.media import MediaStore
from domcctv.infra.queue import IngestQueue
from domcctv.models import Camera
from integrations.hikvision.errors import HikvisionError
from integrations.hikvision.hikcentral.client import HikCentralClient
from integrations.hikvision.models import CrossRecord

logger = logging.getLogger(__name__)

TRAILING_MARGIN = timedelta(minutes=2)  # crossTime precedes createTime: re-read a margin


@dataclass
class BackfillState:
    """Where the next pass starts."""

    since: datetime


async def _to_read(
    record: CrossRecord, camera_name: str, client: HikCentralClient, store: MediaStore
) -> PlateRead:
    key = f"hcp:{record.syscode}"
    pictures: list[StoredPicture] = []
    if record.pic_uri:
        try:
            data = await client.picture(record.pic_uri)
            pictures.append(
                StoredPicture(
                    "vehiclePicture", await store.save_picture(data, key, "vehiclePicture")
                )
            )
        except HikvisionError as exc:  # the read matters more than its picture
            logger.warning("backfill: picture of %s unavailable (%s)", record.syscode, exc)
    return PlateRead(
        source=ReadSource.BACKFILL,
        natural_key=key,
        camera_code=record.camera_index_code,
        camera_name=record.camera_name or camera_name,
        plate_text=record.plate_no or "unknown",
        confidence=0.0,
        occurred_at=record.cross_time.astimezone(UTC),
        pictures=tuple(pictures),
    )


async def backfill_once(
    client: HikCentralClient,
    queue: IngestQueue,
    store: MediaStore,
    since: datetime,
    until: datetime,
) -> int:
    """Enqueue every passing record of every HikCentral camera in [since, until]."""
    cameras = await Camera.filter(hikcentral_index_code__isnull=False, is_active=True)
    count = 0
    for camera in cameras:
        assert camera.hikcentral_index_code is not None
        async for record in client.iter_cross_records(since, until, camera.hikcentral_index_code):
            await queue.enqueue(await _to_read(record, camera.name, client, store))
            count += 1
    return count


async def run_backfill(
    client: HikCentralClient,
    queue: IngestQueue,
    store: MediaStore,
    *,
    interval_seconds: float,
    lookback: timedelta,
) -> None:
    """Forever: every interval, backfill from the last success minus a margin until now."""
    state = BackfillState(since=datetime.now(UTC) - lookback)
    while True:
        until = datetime.now(UTC)
        try:
            found = await backfill_once(client, queue, store, state.since, until)
            state.since = until - TRAILING_MARGIN
            logger.debug("backfill: %d records re-read", found)
        except HikvisionError as exc:
            logger.warning("backfill: HikCentral unavailable (%s); will retry", exc)
        except Exception:
            logger.exception("backfill pass failed")
        await anyio.sleep(interval_seconds)
