"""HikCentral crossRecords backfill: closes gaps left by lost camera pushes.

Cameras do not retry pushes, so an outage of the receiver (or the network) loses reads that
HikCentral still has. Periodically re-reading each camera's passing records over a trailing
window, and feeding them through the same idempotent pipeline, recovers them: records already
received by push attach to their event (same camera, plate and second), the rest become events.

Records are historical by design, so their time is believed, but only inside the window that
was asked for (up to the clock-skew tolerance in the future); a record outside it, or one that
could never be stored (oversized plate text...), is refused before anything is written: logged,
counted (``BackfillStats``) and never enqueued.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio

from domcctv.domain.reads import (
    InvalidRead,
    PlateRead,
    ReadSource,
    StoredPicture,
    check_plate_text,
    historical_read_time,
)
from domcctv.infra.media import MediaStore
from domcctv.infra.queue import IngestQueue
from domcctv.models import Camera
from domcctv.services.clock import utcnow
from integrations.hikvision.errors import HikvisionError
from integrations.hikvision.hikcentral.client import HikCentralClient
from integrations.hikvision.models import CrossRecord

logger = logging.getLogger(__name__)

TRAILING_MARGIN = timedelta(minutes=2)  # crossTime precedes createTime: re-read a margin
DEFAULT_TOLERANCE = timedelta(minutes=10)


@dataclass
class BackfillState:
    """Where the next pass starts."""

    since: datetime


@dataclass
class BackfillStats:
    """What the backfill did since start-up (logged after every pass)."""

    enqueued: int = 0
    refused: int = 0


def _record_key(syscode: str) -> str:
    key = f"hcp:{syscode}"
    if len(key) <= 190 and syscode.isprintable():
        return key
    return f"hcph:{hashlib.sha256(syscode.encode()).hexdigest()}"


async def _to_read(
    record: CrossRecord,
    camera: Camera,
    client: HikCentralClient,
    store: MediaStore,
    *,
    not_before: datetime,
    now: datetime,
    tolerance: timedelta,
) -> PlateRead:
    """The record as a read (``InvalidRead`` before any picture is fetched or written)."""
    draft = PlateRead(
        source=ReadSource.BACKFILL,
        natural_key=_record_key(record.syscode),
        camera_code=camera.code,
        camera_name=camera.name,
        plate_text=check_plate_text(record.plate_no or "unknown"),
        confidence=0.0,
        occurred_at=historical_read_time(
            record.cross_time, not_before=not_before, now=now, tolerance=tolerance
        ),
    )
    if not record.pic_uri:
        return draft
    try:
        data = await client.picture(record.pic_uri)
    except HikvisionError as exc:  # the read matters more than its picture
        logger.warning("backfill: picture of %s unavailable (%s)", record.syscode, exc)
        return draft
    path = await store.save_picture(data)
    return dataclasses.replace(draft, pictures=(StoredPicture("vehiclePicture", path),))


async def backfill_once(
    client: HikCentralClient,
    queue: IngestQueue,
    store: MediaStore,
    since: datetime,
    until: datetime,
    *,
    tolerance: timedelta = DEFAULT_TOLERANCE,
    stats: BackfillStats | None = None,
) -> int:
    """Enqueue every passing record of every HikCentral camera in [since, until]; returns
    how many were enqueued (refused ones are logged and counted in ``stats``)."""
    stats = stats if stats is not None else BackfillStats()
    cameras = await Camera.filter(hikcentral_index_code__isnull=False, is_active=True)
    now = utcnow()
    not_before = since.astimezone(UTC) - tolerance
    count = 0
    for camera in cameras:
        assert camera.hikcentral_index_code is not None
        async for record in client.iter_cross_records(since, until, camera.hikcentral_index_code):
            try:
                read = await _to_read(
                    record,
                    camera,
                    client,
                    store,
                    not_before=not_before,
                    now=now,
                    tolerance=tolerance,
                )
            except InvalidRead as exc:
                stats.refused += 1
                logger.warning(
                    "backfill: record %r of camera %s refused: %s",
                    record.syscode[:64],
                    camera.code,
                    exc,
                )
                continue
            await queue.enqueue(read)
            stats.enqueued += 1
            count += 1
    return count


async def run_backfill(
    client: HikCentralClient,
    queue: IngestQueue,
    store: MediaStore,
    *,
    interval_seconds: float,
    lookback: timedelta,
    tolerance: timedelta = DEFAULT_TOLERANCE,
) -> None:
    """Forever: every interval, backfill from the last success minus a margin until now."""
    state = BackfillState(since=datetime.now(UTC) - lookback)
    stats = BackfillStats()
    while True:
        until = datetime.now(UTC)
        try:
            found = await backfill_once(
                client, queue, store, state.since, until, tolerance=tolerance, stats=stats
            )
            state.since = until - TRAILING_MARGIN
            logger.debug(
                "backfill: %d records re-read (since start: %d enqueued, %d refused)",
                found,
                stats.enqueued,
                stats.refused,
            )
        except HikvisionError as exc:
            logger.warning("backfill: HikCentral unavailable (%s); will retry", exc)
        except Exception:
            logger.exception("backfill pass failed")
        await anyio.sleep(interval_seconds)
