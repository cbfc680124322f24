"""The background loop of video exports (segments and evidence bundles).

Like clip capture (``workers.video``): due export rows are claimed with a lease and run up to
``concurrency`` at once. The loop survives any single failure (logged, then the next round);
the rows carry their own retry state (``services.video_exports``), so a bad export never
stops the others and never loops.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import anyio

from domcctv.services.video_exports import ExportRunner, claim_due

logger = logging.getLogger(__name__)


async def run_video_exports(
    runner: ExportRunner, *, concurrency: int, poll_seconds: float, lease_seconds: float
) -> None:
    """Claim due exports and run up to ``concurrency`` at once, forever."""
    lease = timedelta(seconds=lease_seconds)
    in_flight: set[int] = set()

    async def one(export_id: int) -> None:
        try:
            await runner.run(export_id)
        except Exception:  # run records its own failures; this is a bug or an outage
            logger.exception("export %s: round failed", export_id)
        finally:
            in_flight.discard(export_id)

    async with anyio.create_task_group() as group:
        while True:
            try:
                free = concurrency - len(in_flight)
                ids = await claim_due(free, lease) if free > 0 else []
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("video exports: claiming failed; retrying", exc_info=True)
                ids = []
            for export_id in ids:
                if export_id in in_flight:
                    continue
                in_flight.add(export_id)
                group.start_soon(one, export_id)
            await asyncio.sleep(poll_seconds)
