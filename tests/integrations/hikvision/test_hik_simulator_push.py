"""The simulator's HTTP-listening push reaching a real receiver, parsed back with our parser."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web

from integrations.hikvision.hikcentral import HikCentralClient
from integrations.hikvision.isapi import parse_push
from integrations.hikvision.models import AnprAlert
from integrations.hikvision.simulator import (
    CameraConfig,
    SimulatedRead,
    SimulatedSite,
    SiteConfig,
)
from integrations.hikvision.simulator.__main__ import describe
from integrations.hikvision.simulator.config import TimeStyle


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
    assert token == cam.push_token
    assert cam.serial not in token  # random, not the serial printed on the camera
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


# ------------------------------------------------------------ push tokens and camera variants


async def test_push_tokens_are_random_per_camera_and_start(
    fast_config: Callable[..., SiteConfig],
) -> None:
    async with SimulatedSite(fast_config(push_url="http://127.0.0.1:9/i/{token}")) as one:
        first = [c.push_token for c in one.cameras]
        described = json.loads(describe(one))
        urls = [c.push_url for c in one.cameras]
    async with SimulatedSite(fast_config(push_url="http://127.0.0.1:9/i/{token}")) as two:
        second = [c.push_token for c in two.cameras]
        serials = [c.serial for c in two.cameras]
    assert len(set(first + second)) == 4  # same seed, still all different
    for token in first + second:
        assert len(token) >= 32
        assert token.replace("-", "").replace("_", "").isalnum()  # URL-safe
        assert not any(serial in token or token in serial for serial in serials)
    assert [c["push_token"] for c in described["cameras"]] == first
    assert urls == [f"http://127.0.0.1:9/i/{t}" for t in first]


async def test_explicit_push_token_is_kept(fast_config: Callable[..., SiteConfig]) -> None:
    config = fast_config(cameras=1, camera_configs=[CameraConfig(push_token="fixed-token")])
    async with SimulatedSite(config) as site:
        assert site.cameras[0].push_token == "fixed-token"


async def _push_one(
    config: SiteConfig, camera: CameraConfig, plate: str, confidence: float | None = None
) -> tuple[SimulatedRead, dict[str, str], bytes]:
    """One read from a one-camera site built from ``camera``; returns what was pushed."""
    async with receiver() as rx:
        config.cameras, config.camera_configs, config.push_url = 1, [camera], rx.url
        async with SimulatedSite(config) as site:
            read = await site.cameras[0].emit_read(plate=plate, confidence=confidence)
    ((_token, headers, body),) = rx.requests
    return read, headers, body


def _ms(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


async def test_json_format_camera_pushes_json_with_picture_id_parts(
    fast_config: Callable[..., SiteConfig],
) -> None:
    read, headers, body = await _push_one(
        fast_config(), CameraConfig(payload_format="json"), plate="HJKL42", confidence=96
    )
    assert b'name="anpr.json"' in body
    assert b"Content-Type: application/json" in body
    assert b"<EventNotificationAlert" not in body
    alert = parse_push(headers["Content-Type"], body)
    assert isinstance(alert, AnprAlert)
    assert (alert.plate_text, alert.confidence, alert.event_uuid) == ("HJKL42", 96.0, read.uuid)
    assert alert.time_text == read.reported_time
    plate_pic, scene = alert.picture("licensePlatePicture"), alert.picture("detectionPicture")
    assert plate_pic is not None
    assert plate_pic.data == read.plate_picture
    assert scene is not None
    assert scene.data == read.detection_picture
    assert alert.rejected_parts == ()


async def test_camera_clock_offset_shifts_only_the_reported_time(
    fast_config: Callable[..., SiteConfig],
) -> None:
    read, headers, body = await _push_one(
        fast_config(), CameraConfig(clock_offset_seconds=-7200), plate="FK1234"
    )
    alert = parse_push(headers["Content-Type"], body)
    assert isinstance(alert, AnprAlert)
    assert alert.occurred_at == _ms(read.occurred_at) - timedelta(hours=2)
    assert read.reported_time == alert.time_text


@pytest.mark.parametrize(
    ("style", "z_is_local"),
    [("local_z", True), ("naive", False), ("short_offset", False), ("utc_z", False)],
)
async def test_time_styles_read_back_to_the_true_time(
    fast_config: Callable[..., SiteConfig], style: TimeStyle, z_is_local: bool
) -> None:
    config = fast_config()
    read, headers, body = await _push_one(config, CameraConfig(time_style=style), plate="DK4821")
    zone = ZoneInfo(config.timezone)
    alert = parse_push(headers["Content-Type"], body, device_tz=zone, z_is_local=z_is_local)
    assert isinstance(alert, AnprAlert)
    assert alert.time_text == read.reported_time
    whole_seconds = style == "short_offset"  # written without a fraction, as the real device did
    expected = read.occurred_at.replace(microsecond=0) if whole_seconds else _ms(read.occurred_at)
    assert alert.occurred_at == expected
    if style == "local_z":  # without the quirk flag the read would land hours off
        unflagged = parse_push(headers["Content-Type"], body, device_tz=zone)
        assert isinstance(unflagged, AnprAlert)
        offset = expected.astimezone(zone).utcoffset()
        assert offset is not None
        assert unflagged.occurred_at == expected + offset


async def test_html_picture_fault_is_pushed_and_reported(
    fast_config: Callable[..., SiteConfig],
) -> None:
    async with receiver() as rx, SimulatedSite(fast_config(cameras=1, push_url=rx.url)) as site:
        site.cameras[0].html_picture = "detectionPicture"
        read = await site.cameras[0].emit_read(plate="BCDF21")
    alert = parse_push(rx.requests[0][1]["Content-Type"], rx.requests[0][2])
    assert isinstance(alert, AnprAlert)
    assert alert.rejected_parts == ("detectionPicture.jpg",)
    assert [p.data for p in alert.pictures] == [read.plate_picture]


async def test_stop_finishes_the_read_being_delivered(
    fast_config: Callable[..., SiteConfig],
) -> None:
    """Every read the site recorded was pushed: stop() never cuts a delivery in half."""
    async with receiver() as rx, SimulatedSite(fast_config(push_url=rx.url)) as site:
        for _ in range(5):
            site.start_auto(200.0)
            seen = len(site.reads)
            for _ in range(1_000_000):  # stop right after a read is recorded...
                if len(site.reads) > seen:
                    break
                await asyncio.sleep(0)
            await site.stop()  # ...while its push is still on its way
            assert len(rx.requests) == len(site.reads)
