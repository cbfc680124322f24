"""The simulator's HTTP-listening push reaching a real receiver, parsed back with our parser."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp
from aiohttp import web

from integrations.hikvision.hikcentral import HikCentralClient
from integrations.hikvision.isapi import parse_push
from integrations.hikvision.models import AnprAlert
from integrations.hikvision.simulator import SimulatedSite, SiteConfig


@dataclass
class Receiver:
    url: str
    status: int = 200
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)


@contextlib.asynccontextmanager
async def receiver() -> AsyncIterator[Receiver]:
    """A tiny ingest endpoint: stores the raw request, answers fast (as ours must)."""
    state = Receiver(url="")

    async def ingest(request: web.Request) -> web.Response:
        state.requests.append(
            (request.match_info["token"], dict(request.headers), await request.read())
        )
        return web.Response(status=state.status)

    app = web.Application()
    app.router.add_post("/ingest/isapi/{token}", ingest)
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    state.url = f"http://127.0.0.1:{runner.addresses[0][1]}/ingest/isapi/{{token}}"
    try:
        yield state
    finally:
        await runner.cleanup()


async def test_push_reaches_receiver_and_parses_back(
    fast_config: Callable[..., SiteConfig],
) -> None:
    async with receiver() as rx, SimulatedSite(fast_config(push_url=rx.url)) as site:
        cam = site.cameras[1]
        read = await cam.emit_read(plate="HJKL42", confidence=97)
    assert read.push_status == 200
    ((token, headers, body),) = rx.requests
    assert token == cam.push_token == cam.serial
    assert headers["Content-Type"] == "multipart/form-data; boundary=boundary"
    assert headers["Connection"].lower() == "close"
    alert = parse_push(headers["Content-Type"], body)
    assert isinstance(alert, AnprAlert)
    assert (alert.plate_text, alert.confidence, alert.event_uuid) == ("HJKL42", 97.0, read.uuid)
    assert alert.mac_address == cam.mac
    assert alert.occurred_at == read.occurred_at.replace(
        microsecond=read.occurred_at.microsecond // 1000 * 1000
    )
    plate_pic, scene = alert.picture("licensePlatePicture"), alert.picture("detectionPicture")
    assert plate_pic is not None
    assert plate_pic.data == read.plate_picture
    assert scene is not None
    assert scene.data == read.detection_picture


async def test_push_is_not_retried_and_outage_still_lands_in_hikcentral(
    fast_config: Callable[..., SiteConfig], session: aiohttp.ClientSession
) -> None:
    async with receiver() as rx, SimulatedSite(fast_config(push_url=rx.url)) as site:
        rx.status = 503
        failed = await site.cameras[0].emit_read()
        site.set_push_enabled(False)
        silent = await site.cameras[0].emit_read()
        now = datetime.now(UTC)
        async with HikCentralClient(
            session, site.gateway_url, site.app_key, site.app_secret
        ) as hcp:
            page = await hcp.cross_records(
                now - timedelta(minutes=5), now + timedelta(minutes=1), None
            )
    assert failed.push_status == 503
    assert silent.push_status is None
    assert len(rx.requests) == 1  # the 503 was not retried; the outage sent nothing
    assert {r.syscode for r in page.items} == {failed.syscode, silent.syscode}


async def test_push_to_dead_receiver_is_logged_not_raised(
    fast_config: Callable[..., SiteConfig],
) -> None:
    config = fast_config(push_url="http://127.0.0.1:9/ingest/{token}", push_timeout=2)
    async with SimulatedSite(config) as site:
        read = await site.cameras[0].emit_read()
    assert read.push_status is None
    assert read.push_error is not None


async def test_auto_generation_is_owned_and_stoppable(
    fast_config: Callable[..., SiteConfig],
) -> None:
    async with receiver() as rx, SimulatedSite(fast_config(push_url=rx.url)) as site:
        site.start_auto(40.0)
        for _ in range(100):
            if len(site.reads) >= 3:
                break
            await asyncio.sleep(0.02)
        await site.stop()
        count = len(site.reads)
        await asyncio.sleep(0.1)
        assert len(site.reads) == count
    assert count >= 3
    assert len(rx.requests) == count


async def test_auto_generation_cancelled_on_exit(fast_config: Callable[..., SiteConfig]) -> None:
    async with SimulatedSite(fast_config()) as site:
        site.start_auto(5.0)
    assert site._auto is None
