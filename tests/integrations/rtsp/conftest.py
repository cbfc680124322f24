"""Fixtures for the RTSP tests: one encoded H.264 clip per run, a one-camera site streaming it.

Everything goes over loopback sockets: PyAV/ffmpeg is the client exactly as against a
camera, and the only double is the recorder's ``VideoFeed`` (a real libx264 clip).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from clipfeed import Clip, ClipFeed, encode_clip
from rtspsite import PLAYBACK_SPEED, site_config

from integrations.hikvision.simulator import SimulatedSite


@pytest.fixture(scope="session")
def clip() -> Clip:
    return encode_clip(seconds=4.0)


@pytest.fixture
def feed(clip: Clip) -> ClipFeed:
    return ClipFeed(clip)


@pytest.fixture
async def site(feed: ClipFeed) -> AsyncIterator[SimulatedSite]:
    async with SimulatedSite(site_config(), playback_speed=PLAYBACK_SPEED) as running:
        running.use_feed(running.cameras[0], feed)
        yield running


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session
