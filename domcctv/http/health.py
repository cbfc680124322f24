"""/health: really checks the database (and Redis when configured); 503 when one is down."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse
from tortoise import connections

Probe = Callable[[], Awaitable[None]]


async def database_probe() -> None:
    await connections.get("default").execute_query("SELECT 1")


async def _timed(probe: Probe, limit_seconds: float) -> dict[str, object]:
    started = time.perf_counter()
    try:
        with anyio.fail_after(limit_seconds):
            await probe()
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "up", "latencyMs": round((time.perf_counter() - started) * 1000, 2)}


def health_endpoint(
    probes: dict[str, Probe], timeout: float = 2.0
) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def health(_: Request) -> JSONResponse:
        checks = {name: await _timed(probe, timeout) for name, probe in probes.items()}
        healthy = all(c["status"] == "up" for c in checks.values())
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", "checks": checks},
            status_code=200 if healthy else 503,
            headers={"Cache-Control": "no-store"},
        )

    return health
