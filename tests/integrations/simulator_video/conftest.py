"""Fixtures for the simulator's recorded video: a small, fast site on real sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from simvideo_helpers import small_config

from integrations.hikvision.simulator import SimulatedSite


@pytest.fixture
async def site() -> AsyncIterator[SimulatedSite]:
    async with SimulatedSite(small_config()) as running:
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session
