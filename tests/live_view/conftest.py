"""Fixtures for live view: a simulated camera streaming real H.264 over RTSP, its row in the
database, the live relay with a short grace, and the live route served by uvicorn on a
loopback port (browsers' view: real sockets, chunked HTTP, disconnects)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from live_feed import Clip, LiveFeed, encode_clip
from live_view_support import GRACE, LiveApp
from starlette.applications import Starlette

from domcctv.config import Settings
from domcctv.domain.access import Role
from domcctv.http.live import CameraLiveCatalog, live_routes
from domcctv.infra.live_relay import LiveRelay, RelaySettings
from domcctv.infra.secrets_box import SecretBox
from domcctv.infra.stream_tokens import StreamTokens
from domcctv.models import Camera, User
from integrations.hikvision.simulator import SimulatedSite, SiteConfig
from integrations.hikvision.simulator.rtsp.server import RtspServer

from factories import make_user

SEND_BUFFER = 64 * 1024


@pytest.fixture(scope="session")
def clip() -> Clip:
    return encode_clip()


@pytest.fixture
def feed(clip: Clip) -> LiveFeed:
    return LiveFeed(clip)


@pytest.fixture
async def site(feed: LiveFeed) -> AsyncIterator[SimulatedSite]:
    config = SiteConfig(cameras=1, seed=21, create_lag=(0.0, 0.0))
    async with SimulatedSite(config) as running:
        running.use_feed(running.cameras[0], feed)
        yield running


@pytest.fixture
def rtsp(site: SimulatedSite) -> RtspServer:
    """The camera's RTSP server: ``sessions`` and ``connection_count`` are what is open."""
    return site.rtsp_servers[site.cameras[0].index_code]


@pytest.fixture
def box(settings: Settings) -> SecretBox:
    return SecretBox(settings.jwt_secret.get_secret_value())


@pytest.fixture
async def camera(db: str, site: SimulatedSite, box: SecretBox) -> Camera:
    cam = site.cameras[0]
    return await Camera.create(
        code=cam.index_code,
        name=cam.name,
        hikcentral_index_code=cam.index_code,
        isapi_url=cam.base_url,
        username=cam.username,
        password_encrypted=box.encrypt(cam.password),
        channel=cam.channel,
        details={"rtsp_port": site.rtsp_port(cam)},
    )


@pytest.fixture
async def operator(db: str) -> User:
    user: User = await make_user(Role.OPERATOR)
    return user


@pytest.fixture
def tokens(settings: Settings) -> StreamTokens:
    return StreamTokens(settings.jwt_secret.get_secret_value())


@pytest.fixture
def viewer_queue() -> int:
    """Fragments a viewer may lag (a test parametrizes ``viewer_queue`` to change it)."""
    return 8


@pytest.fixture
async def relay(viewer_queue: int) -> AsyncIterator[LiveRelay]:
    relay = LiveRelay(
        RelaySettings(
            grace_seconds=GRACE,
            open_timeout=6.0,
            stall_timeout=3.0,
            viewer_queue=viewer_queue,
            max_cameras=4,
            backoff_base=1.0,
            backoff_max=4.0,
        )
    )
    try:
        yield relay
    finally:
        await relay.aclose()


@pytest.fixture
async def live_app(
    relay: LiveRelay, tokens: StreamTokens, box: SecretBox, db: str
) -> AsyncIterator[LiveApp]:
    catalog = CameraLiveCatalog(box.decrypt)
    app = Starlette(routes=live_routes(tokens, relay, catalog.authorize))
    # Accepted sockets inherit the listener's send buffer: a small fixed one (no autotuning
    # to megabytes) makes a client that stops reading block the server within a GOP or two.
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=3)
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[listener]))
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            yield LiveApp(f"http://127.0.0.1:{port}", relay, tokens, http)
    finally:
        await relay.aclose()  # ends the open streams, so uvicorn can finish its responses
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        listener.close()
