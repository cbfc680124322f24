"""Fixtures for the Hikvision integration tests: real loopback sockets, no transport mocks."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from PIL import Image

from integrations.hikvision.simulator import SimulatedSite, SiteConfig

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    def load(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return load


@pytest.fixture
def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 16), (200, 10, 10)).save(out, format="JPEG")
    return out.getvalue()


def _fast_config(**overrides: object) -> SiteConfig:
    """A site tuned for tests: seeded, no HCP lag, quick heartbeats, no random misreads."""
    values: dict[str, object] = {
        "cameras": 2,
        "seed": 1234,
        "create_lag": (0.0, 0.0),
        "heartbeat_interval": 0.2,
        "misread_rate": 0.0,
        "unknown_rate": 0.0,
        "low_confidence_rate": 0.0,
        "recording_hours": 24.0,
    }
    values.update(overrides)
    return SiteConfig(**values)  # type: ignore[arg-type]


@pytest.fixture(name="fast_config")
def fast_config_fixture() -> Callable[..., SiteConfig]:
    """Factory: ``fast_config(cameras=1, push_url=...)`` -> a test-tuned SiteConfig."""
    return _fast_config


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


@pytest.fixture
async def site() -> AsyncIterator[SimulatedSite]:
    async with SimulatedSite(_fast_config()) as running:
        yield running
