"""``SimulatedSite``: a HikCentral gateway and N cameras on real sockets, in-process.

Used from tests (``async with SimulatedSite(cfg) as site``) and by ``__main__`` as a
standalone process.  The site owns every resource it starts: the aiohttp runners, the push
client session and the auto-generation task are all closed/cancelled and awaited on exit,
so tests running with ``filterwarnings=error`` see no leaked sockets or tasks.

Video: every camera also listens for RTSP (its "port 554", ``rtsp_port(camera)``), and the
site has one HikCentral-style streaming port (``streaming_port``) serving the ``/EUrl/<token>``
URLs the gateway's ``previewURLs``/``playbackURLs`` hand out.  Both stream the camera's
``feed`` (or one installed with :meth:`SimulatedSite.use_feed`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import tzinfo
from types import TracebackType
from typing import Self
from urllib.parse import quote
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from integrations.hikvision.simulator.camera.app import create_camera_app
from integrations.hikvision.simulator.camera.device import SimulatedCamera
from integrations.hikvision.simulator.config import SiteConfig
from integrations.hikvision.simulator.context import SiteContext
from integrations.hikvision.simulator.gateway import GatewayState, create_gateway_app
from integrations.hikvision.simulator.pictures import PictureRenderer
from integrations.hikvision.simulator.plates import PlateGenerator
from integrations.hikvision.simulator.records import RecordStore, SimulatedRead
from integrations.hikvision.simulator.rtsp.auth import RtspDigestAuth
from integrations.hikvision.simulator.rtsp.server import RtspServer
from integrations.hikvision.simulator.rtsp.sources import camera_resolver, token_resolver
from integrations.hikvision.simulator.rtsp.tokens import StreamTokens
from integrations.hikvision.simulator.video.feed import VideoFeed

logger = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 2.0
CONVOY_PROBABILITY = 0.15  # trucks often arrive in groups: a short gap follows


def _build_context(config: SiteConfig) -> SiteContext:
    rng = random.Random(config.seed)
    renderer = PictureRenderer(target_bytes=config.picture_bytes, seed=config.seed or 7)
    plates = PlateGenerator(
        rng,
        fleet=config.fleet_plates,
        fleet_ratio=config.fleet_ratio,
        old_format_ratio=config.old_format_ratio,
        misread_rate=config.misread_rate,
        low_confidence_rate=config.low_confidence_rate,
        unknown_rate=config.unknown_rate,
    )

    def rerender(read: SimulatedRead) -> bytes:
        return renderer.detection_picture(read.plate_text, read.occurred_at, read.camera_name)

    store = RecordStore(
        max_records=config.max_records, picture_cache=config.picture_cache, render=rerender
    )
    return SiteContext(
        config, rng, plates, renderer, store, ZoneInfo(config.timezone), config.push_enabled
    )


class SimulatedSite:
    """One yard: ``gateway_url`` + ``cameras[i]`` with control methods for tests.

    ``rtsp_base_port``: camera i's RTSP port is base + i (0: ephemeral); ``streaming_port``:
    the HikCentral streaming port (0: ephemeral; HikCentral itself uses 655);
    ``playback_speed``: how much faster than real time recorded spans are streamed.
    """

    def __init__(
        self,
        config: SiteConfig | None = None,
        *,
        rtsp_base_port: int = 0,
        streaming_port: int = 0,
        playback_speed: float = 1.0,
    ) -> None:
        if playback_speed <= 0:
            raise ValueError("playback_speed must be positive")
        self.config = config or SiteConfig()
        self.ctx = _build_context(self.config)
        self.cameras = [
            SimulatedCamera(self.ctx, i, self.config.camera(i)) for i in range(self.config.cameras)
        ]
        self.stream_tokens = StreamTokens()
        self.gateway = GatewayState(self.ctx, self.cameras, stream_tokens=self.stream_tokens)
        self.gateway_url = ""
        self._rtsp_base_port = rtsp_base_port
        self._requested_streaming_port = streaming_port
        self._playback_speed = playback_speed
        self._feeds: dict[str, VideoFeed] = {}
        self.rtsp_servers: dict[str, RtspServer] = {}  # by camera index code
        self.streaming_server: RtspServer | None = None
        self._runners: list[web.AppRunner] = []
        self._auto: asyncio.Task[None] | None = None
        self._auto_stop = asyncio.Event()

    @property
    def app_key(self) -> str:
        return self.config.app_key

    @property
    def app_secret(self) -> str:
        return self.config.app_secret

    @property
    def streaming_port(self) -> int:
        """The HikCentral streaming port of ``/EUrl/<token>`` URLs (0 before start)."""
        return self.streaming_server.port if self.streaming_server is not None else 0

    def rtsp_port(self, camera: SimulatedCamera) -> int:
        """The camera's RTSP port (its "554"); 0 before the site starts."""
        server = self.rtsp_servers.get(camera.index_code)
        return server.port if server is not None else 0

    def rtsp_url(self, camera: SimulatedCamera, path: str = "/Streaming/Channels/101") -> str:
        """``rtsp://user:pass@host:port/path`` for tests and tools (carries the password)."""
        creds = f"{quote(camera.username, safe='')}:{quote(camera.password, safe='')}"
        host = f"[{camera.host}]" if ":" in camera.host else camera.host
        return f"rtsp://{creds}@{host}:{self.rtsp_port(camera)}{path}"

    @property
    def playback_speed(self) -> float:
        return self._playback_speed

    @playback_speed.setter
    def playback_speed(self, speed: float) -> None:
        """Applies from the next PLAY on every RTSP port of the site."""
        if speed <= 0:
            raise ValueError("playback_speed must be positive")
        self._playback_speed = speed
        for server in self._rtsp_all():
            server.playback_speed = speed

    def use_feed(self, camera: SimulatedCamera, feed: VideoFeed | None) -> None:
        """Stream ``feed`` over RTSP for this camera instead of ``camera.feed`` (None: back to
        it); for tests that need a specific clip or fault on the wire."""
        if feed is None:
            self._feeds.pop(camera.index_code, None)
        else:
            self._feeds[camera.index_code] = feed

    def feed_of(self, camera: SimulatedCamera) -> VideoFeed:
        """What the camera's RTSP port and HikCentral's ``/EUrl`` stream for it."""
        installed = self._feeds.get(camera.index_code)
        return camera.feed if installed is None else installed

    def _z_zone(self, camera: SimulatedCamera) -> tzinfo | None:
        """Playback ``...Z`` times mean local wall clock on cameras with that quirk (the same
        zone the camera's search results and download route use)."""
        return camera.recorder.z_zone if camera.recorder is not None else None

    def _rtsp_all(self) -> list[RtspServer]:
        servers = list(self.rtsp_servers.values())
        return servers + ([self.streaming_server] if self.streaming_server is not None else [])

    @property
    def reads(self) -> list[SimulatedRead]:
        """Every read so far (without picture bytes), oldest first."""
        return self.ctx.store.all()

    async def __aenter__(self) -> Self:
        try:
            await self._start()
        except BaseException:
            await self._shutdown()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._shutdown()

    async def _serve(self, app: web.Application, port: int) -> int:
        runner = web.AppRunner(app, shutdown_timeout=SHUTDOWN_TIMEOUT, access_log=None)
        await runner.setup()
        self._runners.append(runner)
        site = web.TCPSite(runner, self.config.host, port)
        await site.start()
        address = runner.addresses[-1]
        return int(address[1])

    async def _start(self) -> None:
        self.ctx.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
        port = await self._serve(create_gateway_app(self.gateway), self.config.gateway_port)
        self.gateway_url = f"http://{self.config.host}:{port}"
        for camera in self.cameras:
            app = create_camera_app(camera)
            app.on_shutdown.append(_stream_closer(camera))
            camera.bind(self.config.host, await self._serve(app, camera.requested_port))
            await self._start_camera_rtsp(camera)
        self.streaming_server = RtspServer(
            token_resolver(self.stream_tokens, self.cameras, self.feed_of),
            host=self.config.host,
            port=self._requested_streaming_port,
            playback_speed=self._playback_speed,
            name="hikcentral-streaming",
        )
        self.gateway.streaming_port = await self.streaming_server.start()
        logger.info(
            "simulated site up: gateway %s, %d cameras", self.gateway_url, len(self.cameras)
        )

    async def _start_camera_rtsp(self, camera: SimulatedCamera) -> None:
        port = self._rtsp_base_port + camera.index if self._rtsp_base_port else 0
        server = RtspServer(
            camera_resolver(
                camera,
                self.feed_of,
                local_zone=self.ctx.tz,
                z_zone=lambda: self._z_zone(camera),
            ),
            host=self.config.host,
            port=port,
            auth=RtspDigestAuth(camera.username, camera.password, realm=camera.auth.realm),
            playback_speed=self._playback_speed,
            name=f"camera {camera.name}",
        )
        self.rtsp_servers[camera.index_code] = server
        await server.start()

    async def _shutdown(self) -> None:
        await self.stop()
        for server in self._rtsp_all():
            await server.close()
        self.streaming_server = None
        self.rtsp_servers.clear()
        for camera in self.cameras:
            camera.close_streams()
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        if self.ctx.http is not None:
            await self.ctx.http.close()
            self.ctx.http = None

    # ------------------------------------------------------------------ controls

    def set_push_enabled(self, enabled: bool) -> None:
        """Simulate an outage of push delivery; reads still reach HikCentral for backfill."""
        self.ctx.push_enabled = enabled

    def start_auto(self, rate_per_second: float) -> None:
        """Generate reads in the background (Poisson arrivals with occasional convoys)."""
        if rate_per_second <= 0:
            raise ValueError("rate must be positive")
        if self._auto is not None and not self._auto.done():
            raise RuntimeError("auto generation already running")
        self._auto_stop = asyncio.Event()
        self._auto = asyncio.create_task(self._auto_loop(rate_per_second), name="sim-auto-reads")

    async def stop(self) -> None:
        """Stop background generation (the servers keep running until the site exits).

        A read already being delivered is finished first (its push is bounded by
        ``push_timeout``), so every read in ``reads`` was pushed, as on a real camera.
        """
        task, self._auto = self._auto, None
        if task is None:
            return
        self._auto_stop.set()
        try:
            await asyncio.wait_for(task, self.config.push_timeout + SHUTDOWN_TIMEOUT)
        except TimeoutError:
            logger.warning("simulated read still running at stop; cancelled")
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise

    async def _auto_loop(self, rate: float) -> None:
        rng = self.ctx.rng
        while not self._auto_stop.is_set():
            gap = rng.expovariate(rate)
            if rng.random() < CONVOY_PROBABILITY:
                gap = min(gap, rng.uniform(1.0, 4.0) / max(rate, 1.0))
            try:
                await asyncio.wait_for(self._auto_stop.wait(), gap)
                return  # stopped during the gap
            except TimeoutError:
                pass
            camera = rng.choice(self.cameras)
            try:
                await camera.emit_read()
            except Exception:  # top of a background loop: keep generating, but log it
                logger.exception("simulated read on camera %s failed", camera.name)


def _stream_closer(camera: SimulatedCamera) -> Callable[[web.Application], Awaitable[None]]:
    """on_shutdown hook: end open alert streams so runner cleanup does not wait for them."""

    async def close(_app: web.Application) -> None:
        camera.close_streams()

    return close
