"""The one ingest pipeline behind push, alert stream and backfill.

Reads are stored in batches (``record_plate_reads``): one transaction per batch.
Idempotent on the read's natural key (a unique index), so at-least-once delivery from the
queue can never store a read twice. Reads of the same pass through another channel (same
camera, plate and second) attach to the existing event; reads of the same plate by another
camera within the merge window become the event's secondary camera.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, OperationalError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from domcctv.domain.access import Actor
from domcctv.domain.lifecycle import EventStatus
from domcctv.domain.plates import InvalidPlateError, Plate, PlateFormat, parse_plate
from domcctv.domain.reads import PlateRead, pass_key
from domcctv.models import (
    AuditAction,
    Camera,
    CameraRole,
    Event,
    PlateReadRecord,
    ResourceType,
    WatchlistEntry,
)
from domcctv.services import audit, clips, live
from domcctv.services.clock import utcnow
from domcctv.services.vehicles import companies_for_plates

logger = logging.getLogger(__name__)

SYSTEM = Actor.system("ingest")


class IngestResult(StrEnum):
    """What the pipeline did with a read."""

    CREATED = "CREATED"  # a new event
    MERGED = "MERGED"  # secondary camera of an existing event
    ATTACHED = "ATTACHED"  # same pass via another channel; event unchanged
    DUPLICATE = "DUPLICATE"  # natural key already stored: nothing done


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    """The result and the event it concerns (None only for duplicates)."""

    result: IngestResult
    event: Event | None


def _plate(text: str) -> Plate:
    try:
        return parse_plate(text)
    except InvalidPlateError:
        # Garbage from the OCR is still evidence of a pass: keep it as unread, raw preserved.
        return Plate(
            raw=text[:32], normalized="UNKNOWN", skeleton="UNKNOWN", format=PlateFormat.UNREAD
        )


def camera_json(read: PlateRead) -> dict[str, Any]:
    return {
        "code": read.camera_code,
        "name": read.camera_name,
        "plateReading": read.plate_text,
        "confidence": read.confidence,
        "readAt": read.occurred_at.isoformat(),
        "direction": read.direction,
        "source": read.source.value,
        "pictures": [{"kind": p.kind, "path": p.path} for p in read.pictures],
        # Set only when readAt is the arrival time: what the camera's clock said instead.
        "timeIssue": read.time_issue.value if read.time_issue else None,
        "reportedTime": read.reported_time.isoformat() if read.reported_time else None,
        "reportedTimeText": read.reported_time_text,
    }


async def record_plate_reads(
    reads: Sequence[PlateRead],
    *,
    threshold: float,
    merge_window_seconds: int,
    capture_clips: bool = True,
) -> list[IngestOutcome]:
    """Store a batch of reads, each exactly once, in one transaction: one outcome per read.

    One commit, one registry and watchlist lookup, one camera update and one relay serve the
    whole batch, which is what lets the consumer keep up with a camera burst. Any failure
    rolls the whole batch back and raises: the queue then retries the reads one by one
    (``infra.queue.handle_batch``), so a bad read fails alone without costing the others a
    savepoint each in the common case where nothing fails. With ``capture_clips`` every camera
    that reads a new pass (or merges into one) gets its clip request in the same transaction.
    """
    if not reads:
        return []
    retries = 0
    while True:
        try:
            return await _store_batch(reads, threshold, merge_window_seconds, capture_clips)
        except OperationalError as exc:
            if not is_deadlock(exc) or retries == DEADLOCK_RETRIES:
                raise
            retries += 1
            logger.info("ingest batch of %d chosen as a deadlock victim: retrying", len(reads))
            await asyncio.sleep(random.uniform(0.005, 0.03) * retries)


DEADLOCK_RETRIES = 3
"""How often a batch that InnoDB chose as a deadlock's victim is run again whole. Two
consumers storing passes of nearby plates lock overlapping gaps of the plate index (the
merge lookup is ``SELECT ... FOR UPDATE`` over a time window, so that a second camera's read
of the same pass waits for the first and merges); the victim is rolled back entirely and
succeeds when run again, which is InnoDB's own advice and far cheaper than the queue's
read-by-read fallback."""


def is_deadlock(exc: BaseException) -> bool:
    """MariaDB/MySQL error 1213 ("Deadlock found when trying to get lock"), however the
    driver and the ORM wrapped it."""
    seen: BaseException | None = exc
    while seen is not None:
        first = seen.args[0] if seen.args else None
        if first == 1213 or (isinstance(first, str) and first.startswith("(1213,")):
            return True
        if "Deadlock found" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def _store_batch(
    reads: Sequence[PlateRead], threshold: float, merge_window_seconds: int, capture_clips: bool
) -> list[IngestOutcome]:
    """One attempt at ``record_plate_reads``: the batch in one transaction."""
    keys = [r.natural_key for r in reads]
    stored: set[str] = {
        str(key)
        for key in await PlateReadRecord.filter(natural_key__in=keys).values_list(
            "natural_key", flat=True
        )
    }
    plates = [_plate(r.plate_text).normalized for r in reads]
    batch = _Lookups(
        owners=await companies_for_plates(p for p in plates if p != "UNKNOWN"),
        watchlist=await live.active_watchlist(plates),
    )
    outcomes: list[IngestOutcome] = []
    cameras: set[str] = set()
    try:
        async with in_transaction("default") as conn:
            for read in reads:
                if read.natural_key in stored:  # stored before, or earlier in this batch
                    outcomes.append(IngestOutcome(IngestResult.DUPLICATE, None))
                    continue
                outcomes.append(
                    await _record(read, threshold, merge_window_seconds, conn, batch, capture_clips)
                )
                stored.add(read.natural_key)
                cameras.add(read.camera_code)
    except IntegrityError:
        # A single read whose natural key was stored concurrently: idempotent success.
        if len(reads) == 1 and await PlateReadRecord.exists(natural_key=reads[0].natural_key):
            return [IngestOutcome(IngestResult.DUPLICATE, None)]
        raise
    if cameras:
        await _mark_seen(cameras)
    return outcomes


LAST_SEEN_EVERY = timedelta(seconds=30)
"""A camera's ``last_seen_at`` is rewritten at most this often (health turns STALE after
minutes): one camera row is touched by every read it sends, and rewriting it per batch inside
the ingest transaction held its row lock for the whole batch, serialising consumers."""


async def _mark_seen(codes: set[str]) -> None:
    """After the batch has committed, on its own: only cameras not marked recently."""
    now = utcnow()
    due = Q(last_seen_at__isnull=True) | Q(last_seen_at__lt=now - LAST_SEEN_EVERY)
    await Camera.filter(Q(code__in=sorted(codes)) & due).update(last_seen_at=now)


async def record_plate_read(
    read: PlateRead, *, threshold: float, merge_window_seconds: int
) -> IngestOutcome:
    """Store one read exactly once and attach it to the right event (raises if it fails)."""
    outcomes = await record_plate_reads(
        [read], threshold=threshold, merge_window_seconds=merge_window_seconds
    )
    return outcomes[0]


@dataclass(frozen=True, slots=True)
class _Lookups:
    """What a batch loads once for all its reads: registry owners and watchlist entries."""

    owners: dict[str, int]
    watchlist: list[WatchlistEntry]


async def _record(
    read: PlateRead,
    threshold: float,
    window: int,
    conn: BaseDBAsyncClient,
    batch: _Lookups,
    capture_clips: bool,
) -> IngestOutcome:
    """One read inside the batch's transaction: event, read record, audit, live push."""
    plate = _plate(read.plate_text)
    key = pass_key(read.camera_code, read.occurred_at, plate.normalized)
    outcome = await _attach_or_create(read, plate, key, threshold, window, conn, batch)
    assert outcome.event is not None
    await PlateReadRecord.create(
        natural_key=read.natural_key,
        pass_key=key,
        source=read.source.value,
        camera_code=read.camera_code,
        plate_raw=read.plate_text[:32],
        plate=plate.normalized,
        confidence=read.confidence,
        occurred_at=read.occurred_at,
        event_id=outcome.event.id,
        pictures=[{"kind": p.kind, "path": p.path} for p in read.pictures],
        using_db=conn,
    )
    if capture_clips and outcome.result in (IngestResult.CREATED, IngestResult.MERGED):
        role = (
            CameraRole.PRIMARY if outcome.result is IngestResult.CREATED else CameraRole.SECONDARY
        )
        await clips.schedule_clip(
            outcome.event.id, read.camera_code, role, read.occurred_at, using_db=conn
        )
    if outcome.result is IngestResult.CREATED:
        await audit.record(
            SYSTEM,
            AuditAction.INGEST_EVENT,
            ResourceType.EVENT,
            outcome.event.id,
            company_id=outcome.event.company_id,
            after={
                "plate": plate.normalized,
                "source": read.source.value,
                "camera": read.camera_code,
            },
            using_db=conn,
        )
    if outcome.result is not IngestResult.ATTACHED:
        created = outcome.result is IngestResult.CREATED
        await live.stage_event_change(
            "CREATED" if created else "UPDATED",
            outcome.event,
            using_db=conn,
            check_watchlist=created,
            watchlist=batch.watchlist,
        )
    return outcome


async def _attach_or_create(
    read: PlateRead,
    plate: Plate,
    key: str,
    threshold: float,
    window: int,
    conn: BaseDBAsyncClient,
    batch: _Lookups,
) -> IngestOutcome:
    same_pass = await PlateReadRecord.filter(pass_key=key).using_db(conn).first()
    if same_pass is not None:
        event = await Event.filter(id=same_pass.event_id).using_db(conn).first()
        return IngestOutcome(IngestResult.ATTACHED, event)
    if plate.format is not PlateFormat.UNREAD:
        span = timedelta(seconds=window)
        candidate = (
            await Event.filter(
                plate=plate.normalized,
                event_time__gte=read.occurred_at - span,
                event_time__lte=read.occurred_at + span,
                secondary_camera__isnull=True,
            )
            .exclude(camera_code=read.camera_code)
            # Archived events are immutable evidence: a new read never changes one.
            .exclude(status=EventStatus.ARCHIVED)
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if candidate is not None:
            candidate.secondary_camera = camera_json(read)
            candidate.confidence = max(candidate.confidence, read.confidence)
            candidate.low_confidence = candidate.confidence < threshold
            await candidate.save(
                using_db=conn,
                update_fields=["secondary_camera", "confidence", "low_confidence", "updated_at"],
            )
            return IngestOutcome(IngestResult.MERGED, candidate)
    company_id = None
    if plate.format is not PlateFormat.UNREAD:
        company_id = batch.owners.get(plate.normalized)
    event = await Event.create(
        company_id=company_id,
        plate=plate.normalized,
        plate_raw=read.plate_text[:32],
        plate_skeleton=plate.skeleton,
        plate_format=plate.format,
        event_time=read.occurred_at,
        time_issue=read.time_issue.value if read.time_issue else None,
        reported_time=read.reported_time,
        confidence=read.confidence,
        low_confidence=read.confidence < threshold,
        camera_code=read.camera_code,
        primary_camera=camera_json(read),
        thumbnail_path=_thumbnail(read),
        using_db=conn,
    )
    return IngestOutcome(IngestResult.CREATED, event)


def _thumbnail(read: PlateRead) -> str | None:
    for kind in ("licensePlatePicture", "detectionPicture", "vehiclePicture"):
        for picture in read.pictures:
            if picture.kind == kind:
                return picture.path
    return read.pictures[0].path if read.pictures else None
