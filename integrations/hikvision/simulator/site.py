"""``SimulatedSite``: a HikCentral gateway and N cameras on real sockets, in-process.

Used from tests (``async with SimulatedSite(cfg) as site``) and by ``__main__`` as a
standalone process.  The site owns every resource it starts: the aiohttp runners, the push
client session and the auto-generation task are all closed/cancelled and awaited on exit,
so tests running with ``filterwarnings=error`` see no leaked sockets or tasks.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self
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
    """One yard: ``gateway_url`` + ``cameras[i]`` with control methods for tests."""

    def __init__(self, config: SiteConfig | None = None) -> None:
        self.config = config or SiteConfig()
        self.ctx = _build_context(self.config)
        self.cameras = [
            SimulatedCamera(self.ctx, i, self.config.camera(i)) for i in range(self.config.cameras)
        ]
        self.gateway = GatewayState(self.ctx, self.cameras)
        self.gateway_url = ""
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
        logger.info(
            "simulated site up: gateway %s, %d cameras", self.gateway_url, len(self.cameras)
        )

    async def _shutdown(self) -> None:
        await self.stop()
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
