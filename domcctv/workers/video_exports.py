"""The background loop of video exports (segments and evidence bundles).

Like clip capture (``workers.video``): due export rows are claimed with a lease and run up to
``concurrency`` at once. The loop survives any single failure (logged, then the next round);
the rows carry their own retry state (``services.video_exports``), so a bad export never
stops the others and never loops.
"""

from __future__ import annotations

from datetime import timedelta

from domcctv.services.video_exports import ExportRunner, claim_due
from domcctv.workers.leased_jobs import run_leased_jobs


async def run_video_exports(
    runner: ExportRunner, *, concurrency: int, poll_seconds: float, lease_seconds: float
) -> None:
    """Claim due exports and run up to ``concurrency`` at once, forever."""
    await run_leased_jobs(
        "video export",
        claim_due,
        runner.run,
        concurrency=concurrency,
        poll_seconds=poll_seconds,
        lease=timedelta(seconds=lease_seconds),
    )
