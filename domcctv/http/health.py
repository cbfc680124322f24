"""/health: really checks the database (and Redis when configured), and how ingest is doing.

Two kinds of checks, two answers, so a load balancer pulls a node only when it cannot work:
- **dependencies** (database, Redis): one down -> 503 ``{"status": "degraded"}``;
- **ingest warnings** (unresolved dead letters above ``HEALTH_MAX_DEAD_LETTERS``, or the oldest
  queued read waiting longer than ``HEALTH_MAX_QUEUE_LAG_SECONDS``) -> 200 with
  ``{"status": "degraded"}`` and the detail under ``checks.ingest``: the node still serves,
  but someone should look.
Every check has a time limit; a hanging one counts as failed.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import connections

from domcctv.infra.queue import IngestQueue
from domcctv.services.dead_letters import unresolved_count

Probe = Callable[[], Awaitable[None]]  # raises when the dependency is down
Check = Callable[[], Awaitable[dict[str, object]]]  # {"status": "ok" | "warning", ...detail}
DEAD_LETTER_COUNT_CAP = 1000


async def database_probe() -> None:
    await connections.get("default").execute_query("SELECT 1")


def ingest_check(queue: IngestQueue, *, max_dead_letters: int, max_lag_seconds: float) -> Check:
    """Unresolved dead letters and queue lag against their limits (warnings, not outages)."""

    async def check() -> dict[str, object]:
        dead = await unresolved_count(max(DEAD_LETTER_COUNT_CAP, max_dead_letters + 1))
        lag = await queue.lag()
        warnings = []
        if dead > max_dead_letters:
            warnings.append("DEAD_LETTERS")
        if lag.oldest_age_seconds > max_lag_seconds:
            warnings.append("QUEUE_LAG")
        return {
            "status": "warning" if warnings else "ok",
            "warnings": warnings,
            "deadLetters": dead,
            "maxDeadLetters": max_dead_letters,
            "queued": lag.waiting,
            "queueLagSeconds": round(lag.oldest_age_seconds, 1),
            "maxQueueLagSeconds": max_lag_seconds,
        }

    return check


async def _timed(probe: Probe, limit_seconds: float) -> dict[str, object]:
    started = time.perf_counter()
    try:
        with anyio.fail_after(limit_seconds):
            await probe()
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "up", "latencyMs": round((time.perf_counter() - started) * 1000, 2)}


async def _checked(check: Check, limit_seconds: float) -> dict[str, object]:
    try:
        with anyio.fail_after(limit_seconds):
            return await check()
    except Exception as exc:
        # Its dependency is down (reported by its probe) or it hangs: unknown, not an outage.
        return {"status": "unknown", "error": type(exc).__name__}


def health_endpoint(
    probes: Mapping[str, Probe],
    timeout: float = 2.0,
    *,
    checks: Mapping[str, Check] | None = None,
) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def health(_: Request) -> JSONResponse:
        results = {name: await _timed(probe, timeout) for name, probe in probes.items()}
        dependencies_up = all(r["status"] == "up" for r in results.values())
        warnings = {name: await _checked(check, timeout) for name, check in (checks or {}).items()}
        results.update(warnings)
        quiet = all(w["status"] == "ok" for w in warnings.values())
        return JSONResponse(
            {"status": "ok" if dependencies_up and quiet else "degraded", "checks": results},
            status_code=200 if dependencies_up else 503,
            headers={"Cache-Control": "no-store"},
        )

    return health
