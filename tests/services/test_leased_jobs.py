"""The shared row-as-a-job loop: bounded concurrency, no job run twice at once, and a failing
job or a failing claim never stops the loop."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from domcctv.workers.leased_jobs import run_leased_jobs


async def test_runs_claimed_jobs_within_the_limit_and_survives_failures() -> None:
    pending = list(range(1, 8))
    claims: list[int] = []
    running: set[int] = set()
    peak = 0
    done: list[int] = []
    failed_claim = False

    async def claim(limit: int, lease: timedelta) -> list[int]:
        nonlocal failed_claim
        assert lease == timedelta(seconds=30)
        claims.append(limit)
        if not failed_claim:
            failed_claim = True
            raise ConnectionError("database hiccup")
        taken, pending[:] = pending[:limit], pending[limit:]
        return taken

    async def run(job: int) -> None:
        nonlocal peak
        running.add(job)
        peak = max(peak, len(running))
        await asyncio.sleep(0.02)
        running.discard(job)
        if job == 3:
            raise RuntimeError("a bug in one job")
        done.append(job)

    loop = asyncio.create_task(
        run_leased_jobs(
            "test", claim, run, concurrency=2, poll_seconds=0.005, lease=timedelta(seconds=30)
        )
    )
    try:
        for _ in range(400):
            if len(done) == 6:
                break
            await asyncio.sleep(0.01)
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
    assert sorted(done) == [1, 2, 4, 5, 6, 7]
    assert peak <= 2
    assert all(limit <= 2 for limit in claims)
