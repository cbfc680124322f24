"""Retention of video evidence: each company keeps its clips and exports for its own number of
days (``Company.video_retention_days``, else VIDEO_RETENTION_DAYS), counted from the read (a
clip) or the request (an export); anything of an event on legal hold is kept. Unassigned
events follow the server default.

The purge deletes the stored files first and then the rows, in batches, with one audit row per
batch: a purge interrupted midway only leaves rows whose files are partly gone, which the next
run removes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from tortoise.expressions import Q

from domcctv.domain.access import Actor
from domcctv.infra.storage.base import BlobStore
from domcctv.models import AuditAction, Company, Event, ResourceType, VideoClip, VideoExport
from domcctv.services import audit
from domcctv.services.clock import utcnow

logger = logging.getLogger(__name__)

BATCH = 200
SYSTEM = Actor.system("retention")


async def retention_cutoffs(
    default_days: int, now: datetime
) -> tuple[datetime, dict[int, datetime]]:
    """The default cutoff, and one per company that sets its own number of days."""
    own = await Company.filter(video_retention_days__isnull=False).values_list(
        "id", "video_retention_days"
    )
    per_company = {int(cid): now - timedelta(days=int(days)) for cid, days in own}
    return now - timedelta(days=default_days), per_company


def _clip_classes(default_cutoff: datetime, per_company: dict[int, datetime]) -> list[Q]:
    """One filter per retention class; together they cover every clip exactly once."""
    unheld = Q(event__legal_hold=False)
    default = Q(anchor_time__lt=default_cutoff)
    if per_company:  # NOT IN is never true for NULL: unassigned events are named apart
        default &= Q(event__company_id__isnull=True) | ~Q(event__company_id__in=list(per_company))
    classes = [unheld & default]
    classes += [
        unheld & Q(event__company_id=cid, anchor_time__lt=cutoff)
        for cid, cutoff in per_company.items()
    ]
    return classes


async def purge_expired(
    store: BlobStore, *, default_days: int, now: datetime | None = None
) -> tuple[int, int]:
    """Remove expired clips and exports (files, then rows); returns how many of each."""
    now = now or utcnow()
    default_cutoff, per_company = await retention_cutoffs(default_days, now)
    clips = 0
    for expired in _clip_classes(default_cutoff, per_company):
        while batch := await VideoClip.filter(expired).limit(BATCH).values("id", "event_id"):
            for row in batch:
                await store.delete_prefix(f"clips/{row['event_id']}/{row['id']}")
            ids = [int(row["id"]) for row in batch]
            await VideoClip.filter(id__in=ids).delete()
            await audit.record(
                SYSTEM, AuditAction.PURGE_VIDEO, ResourceType.VIDEO, None, after={"clips": ids}
            )
            clips += len(ids)
    exports = await _purge_exports(store, default_cutoff, per_company)
    if clips or exports:
        logger.info("video retention: %d clips and %d exports purged", clips, exports)
    return clips, exports


async def _purge_exports(
    store: BlobStore, default_cutoff: datetime, per_company: dict[int, datetime]
) -> int:
    oldest_cutoff = max([default_cutoff, *per_company.values()])
    rows = await VideoExport.filter(created_at__lt=oldest_cutoff).values(
        "id", "company_id", "event_id", "created_at", "storage_key"
    )
    if not rows:
        return 0
    held = await Event.filter(
        id__in=[r["event_id"] for r in rows if r["event_id"]], legal_hold=True
    ).values_list("id", flat=True)
    held_events = {int(str(i)) for i in held}
    removed: list[int] = []
    for row in rows:
        cutoff = per_company.get(row["company_id"], default_cutoff)
        if row["event_id"] in held_events or row["created_at"] >= cutoff:
            continue
        if row["storage_key"]:
            await store.delete(row["storage_key"])
        removed.append(int(row["id"]))
    if removed:
        await VideoExport.filter(id__in=removed).delete()
        await audit.record(
            SYSTEM, AuditAction.PURGE_VIDEO, ResourceType.VIDEO, None, after={"exports": removed}
        )
    return len(removed)
