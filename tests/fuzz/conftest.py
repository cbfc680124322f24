"""Fixture of the fuzz suite: the real app on uvicorn over the seeded world, with a simulated
camera to talk to, every outbound connection kept on loopback, and the log watched.

Everything runs in the test's event loop (uvicorn included), so the ORM, the server and the
Hypothesis examples share one loop and one database session.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from egress_guard import loopback_only
from fuzz_world import ErrorRecords, FuzzWorld, seed_world

from domcctv.config import Settings
from integrations.hikvision.simulator import SimulatedSite, SiteConfig
from resolvers import build_schema

from live_server import start_server, stop_server


@contextlib.contextmanager
def watching(errors: ErrorRecords, *loggers: logging.Logger) -> Iterator[None]:
    for logger in loggers:
        logger.addHandler(errors)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(errors)


@pytest.fixture
async def fuzz_world(settings: Settings, db: str, tmp_path: Path) -> AsyncIterator[FuzzWorld]:
    # No Redis: the fuzz suite is about the GraphQL layer, and the shared Redis stays untouched.
    fuzz_settings = settings.model_copy(update={"redis_url": None, "login_rate_per_minute": 10})
    errors = ErrorRecords()
    egress: list[str] = []
    with loopback_only(egress), watching(errors, logging.getLogger()):
        config = SiteConfig(cameras=1, seed=5, create_lag=(0.0, 0.0))
        async with SimulatedSite(config) as site:
            users, pools = await seed_world(fuzz_settings, site)
            server = await start_server(fuzz_settings)
            # uvicorn (re)configures its own loggers when it starts, and they do not propagate.
            with watching(errors, logging.getLogger("uvicorn")):
                try:
                    async with httpx.AsyncClient(
                        base_url=server.http, timeout=30, headers={"user-agent": "fuzz"}
                    ) as client:
                        schema = build_schema()._schema
                        yield FuzzWorld(
                            fuzz_settings, server, client, schema, users, pools, errors, egress
                        )
                finally:
                    await stop_server(server)
    assert not errors.records, "ERROR records after the last example"
