"""Fixtures: a real server and the project's simulated Hikvision site pushing to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from domcctv.config import Settings
from domcctv.devsite import register_cameras
from domcctv.infra.secrets_box import SecretBox
from integrations.hikvision.simulator import SimulatedSite, SiteConfig

from live_server import RunningServer, start_server, stop_server


@pytest.fixture
async def server(settings: Settings, db: str) -> AsyncIterator[RunningServer]:
    running = await start_server(settings)
    try:
        yield running
    finally:
        await stop_server(running)


@pytest.fixture
async def site(server: RunningServer, settings: Settings) -> AsyncIterator[SimulatedSite]:
    config = SiteConfig(
        cameras=2,
        seed=11,
        heartbeat_interval=0.5,
        create_lag=(0.0, 0.0),
        push_url=f"{server.http}/ingest/isapi/{{token}}",
    )
    async with SimulatedSite(config) as simulated:
        await register_cameras(simulated, SecretBox(settings.jwt_secret.get_secret_value()))
        yield simulated
