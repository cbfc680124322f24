"""The loop shared by every row-as-a-job worker (clip capture, video exports).

Due rows are claimed with a lease (the job module's ``claim(limit, lease)``: a conditional
UPDATE, so two processes never run the same row and a dead worker only delays it) and run up to
``concurrency`` at once. The loop survives any single failure (logged, then the next round);
the rows carry their own retry state, so a bad job never stops the others and never loops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

import anyio

logger = logging.getLogger(__name__)

Claim = Callable[[int, timedelta], Awaitable[list[int]]]
Run = Callable[[int], Awaitable[object]]


async def run_leased_jobs(
    name: str,
    claim: Claim,
    run: Run,
    *,
    concurrency: int,
    poll_seconds: float,
    lease: timedelta,
) -> None:
    """Claim due jobs and run up to ``concurrency`` at once, forever."""
    in_flight: set[int] = set()

    async def one(job_id: int) -> None:
        try:
            await run(job_id)
        except Exception:  # a job records its own failures: this is a bug or an outage
            logger.exception("%s %s: round failed", name, job_id)
        finally:
            in_flight.discard(job_id)

    async with anyio.create_task_group() as group:
        while True:
            try:
                free = concurrency - len(in_flight)
                ids = await claim(free, lease) if free > 0 else []
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("%s: claiming failed; retrying", name, exc_info=True)
                ids = []
            for job_id in ids:
                if job_id in in_flight:
                    continue
                in_flight.add(job_id)
                group.start_soon(one, job_id)
            await asyncio.sleep(poll_seconds)
