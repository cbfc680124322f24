"""Background loops of video evidence: clip capture, quality variants and the retention purge.

Each loop survives any single failure (logged, then the next round), so one bad clip or a
database hiccup never stops capture for the others; the clip rows themselves carry the
retry state (see ``services.clip_capture``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

from domcctv.infra.storage.base import BlobStore
from domcctv.infra.video.runner import VideoWorkers
from domcctv.services import clip_variants, video_retention
from domcctv.services.clip_capture import ClipCapture, claim_due
from domcctv.workers.leased_jobs import run_leased_jobs

logger = logging.getLogger(__name__)


async def run_clip_capture(
    capture: ClipCapture,
    *,
    concurrency: int,
    poll_seconds: float,
    lease: timedelta,
) -> None:
    """Claim due clips and capture up to ``concurrency`` at once, forever."""
    await run_leased_jobs(
        "clip capture",
        claim_due,
        capture.capture,
        concurrency=concurrency,
        poll_seconds=poll_seconds,
        lease=lease,
    )


async def run_clip_variants(
    store: BlobStore, workers: VideoWorkers, *, poll_seconds: float, work_dir: Path | None
) -> None:
    """Transcode MEDIUM/LOW of READY clips, oldest first, one clip at a time."""
    while True:
        try:
            clip = await clip_variants.next_clip_needing_variants()
            if clip is not None:
                await clip_variants.make_variants(clip, store, workers, work_dir)
                continue
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("clip variants round failed; retrying", exc_info=True)
        await asyncio.sleep(poll_seconds)


async def run_video_retention(
    store: BlobStore, *, default_days: int, interval_seconds: float
) -> None:
    """Purge expired video evidence every ``interval_seconds`` (legal holds are kept)."""
    while True:
        try:
            await video_retention.purge_expired(store, default_days=default_days)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("video retention round failed; retrying", exc_info=True)
        await asyncio.sleep(interval_seconds)
