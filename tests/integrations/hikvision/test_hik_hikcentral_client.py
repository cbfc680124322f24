"""HikCentralClient against the simulated gateway over real loopback sockets."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from integrations.hikvision.errors import (
    HikCentralApiError,
    HikCentralAuthError,
    HikvisionAuthError,
    HikvisionProtocolError,
    HikvisionTransportError,
)
from integrations.hikvision.hikcentral import ClientState, HikCentralClient
from integrations.hikvision.hikcentral.auth import content_md5, sign_request
from integrations.hikvision.hikcentral.parsing import parse_cross_record, sniff_picture
from integrations.hikvision.models import Page
from integrations.hikvision.simulator import SimulatedSite, SiteConfig

WINDOW = timedelta(hours=1)


def _window() -> tuple[datetime, datetime]:
    now = datetime.now(UTC)
    return now - WINDOW, now + timedelta(minutes=1)


def _client(
    session: aiohttp.ClientSession, site: SimulatedSite, secret: str | None = None
) -> HikCentralClient:
    return HikCentralClient(
        session, site.gateway_url, site.app_key, secret or site.app_secret, timeout=5
    )


async def test_version_and_cameras(site: SimulatedSite, session: aiohttp.ClientSession) -> None:
    async with _client(session, site) as hcp:
        version = await hcp.version()
        cameras = [c async for c in hcp.iter_cameras()]
    assert "HikCentral" in version.product_name
    assert [c.index_code for c in cameras] == [c.index_code for c in site.cameras]
    assert all(c.status_online for c in cameras)
    assert hcp.state is ClientState.CLOSED


async def test_client_lifecycle_is_explicit(
    site: SimulatedSite, session: aiohttp.ClientSession
) -> None:
    hcp = _client(session, site)
    with pytest.raises(RuntimeError):
        await hcp.version()
    async with hcp:
        pass
    with pytest.raises(RuntimeError):
        await hcp.__aenter__()
    assert "Secret" not in repr(hcp)


async def test_bad_signature_raises_auth_error_with_echo(
    site: SimulatedSite, session: aiohttp.ClientSession
) -> None:
    async with _client(session, site, secret="not-the-secret") as hcp:
        with pytest.raises(HikCentralAuthError) as info:
            await hcp.version()
    err = info.value
    assert isinstance(err, HikvisionAuthError)
    assert err.code == "0x02401003"
    assert err.http_status == 401
    assert "StringToSign: POST\n*/*\n" in err.msg
    assert "/artemis/api/common/v1/version" in err.msg
    assert site.gateway.signature_failures == 1


async def test_auth_error_on_http_200_variant(
    fast_config: Callable[..., SiteConfig], session: aiohttp.ClientSession
) -> None:
    async with (
        SimulatedSite(fast_config(gateway_auth_status=200)) as site,
        HikCentralClient(session, site.gateway_url, "999", "x") as hcp,
    ):
        with pytest.raises(HikCentralAuthError) as info:
            await hcp.version()
    assert (info.value.code, info.value.http_status) == ("0x02401001", 200)


async def _emit(site: SimulatedSite, count: int, camera: int = 0) -> list[str]:
    return [(await site.cameras[camera].emit_read(push=False)).plate_text for _ in range(count)]


async def test_iter_cross_records_stops_on_total(
    site: SimulatedSite, session: aiohttp.ClientSession
) -> None:
    plates = await _emit(site, 4)
    await _emit(site, 1, camera=1)  # other camera: filtered out server-side
    start, end = _window()
    async with _client(session, site) as hcp:
        before = site.gateway.calls
        got = [
            r.plate_no
            async for r in hcp.iter_cross_records(
                start, end, site.cameras[0].index_code, page_size=2
            )
        ]
    assert got == plates
    assert site.gateway.calls - before == 2  # a third call would have returned page 2 again


async def test_iter_cross_records_stops_on_short_page(
    site: SimulatedSite, session: aiohttp.ClientSession
) -> None:
    plates = await _emit(site, 5)
    start, end = _window()
    async with _client(session, site) as hcp:
        before = site.gateway.calls
        got = [
            r.syscode
            async for r in hcp.iter_cross_records(
                start, end, site.cameras[0].index_code, page_size=2
            )
        ]
    assert len(got) == len(set(got)) == len(plates)
    assert site.gateway.calls - before == 3


async def test_page_beyond_range_returns_last_page_again(
    site: SimulatedSite, session: aiohttp.ClientSession
) -> None:
    await _emit(site, 3)
    start, end = _window()
    code = site.cameras[0].index_code
    async with _client(session, site) as hcp:
        last = await hcp.cross_records(start, end, code, page_no=2, page_size=2)
        beyond = await hcp.cross_records(start, end, code, page_no=9, page_size=2)
    assert isinstance(beyond, Page)
    assert beyond.total == 3
    assert [r.syscode for r in beyond.items] == [r.syscode for r in last.items]


async def test_cross_record_fields_and_picture(
    site: SimulatedSite, session: aiohttp.ClientSession
) -> None:
    read = await site.cameras[0].emit_read(plate="HJKL42", push=False)
    start, end = _window()
    async with _client(session, site) as hcp:
        page = await hcp.cross_records(start, end, site.cameras[0].index_code)
        record = page.items[0]
        site.config.image_data_uri_ratio = 1.0
        as_data_uri = await hcp.picture(record.pic_uri or "")
        site.config.image_data_uri_ratio = 0.0
        as_jpeg = await hcp.picture(record.pic_uri or "")
    assert (record.plate_no, record.syscode) == ("HJKL42", read.syscode)
    assert record.cross_time == read.occurred_at.replace(microsecond=0)
    assert record.cross_time.utcoffset() is not None
    assert as_data_uri == as_jpeg == read.detection_picture


async def test_records_appear_only_after_create_lag(
    fast_config: Callable[..., SiteConfig], session: aiohttp.ClientSession
) -> None:
    async with SimulatedSite(fast_config(create_lag=(0.3, 0.3))) as site:
        read = await site.cameras[0].emit_read(push=False)
        start, end = _window()
        async with _client(session, site) as hcp:
            early = await hcp.cross_records(start, end, None)
            await asyncio.sleep(0.35)
            late = await hcp.cross_records(start, end, None)
    assert early.total == 0
    assert [r.syscode for r in late.items] == [read.syscode]
    assert late.items[0].create_time is not None
    assert late.items[0].create_time >= late.items[0].cross_time


async def test_pascal_record_variant_is_parsed(
    fast_config: Callable[..., SiteConfig], session: aiohttp.ClientSession
) -> None:
    async with SimulatedSite(fast_config(record_style="pascal")) as site:
        read = await site.cameras[1].emit_read(plate="FK1234", push=False)
        start, end = _window()
        async with _client(session, site) as hcp:
            (record,) = (await hcp.cross_records(start, end, None)).items
    assert (record.syscode, record.plate_no) == (read.syscode, "FK1234")
    assert record.camera_index_code == site.cameras[1].index_code
    assert record.camera_name == site.cameras[1].name


async def _raw_post(
    session: aiohttp.ClientSession, site: SimulatedSite, api: str, payload: object
) -> dict[str, object]:
    path = "/artemis" + api
    body = json.dumps(payload).encode()
    headers = {
        "Accept": "*/*",
        "Content-Type": "application/json",
        "Content-MD5": content_md5(body),
    }
    headers |= sign_request("POST", path, headers, None, site.app_key, site.app_secret)
    async with session.post(site.gateway_url + path, data=body, headers=headers) as resp:
        result: dict[str, object] = await resp.json(content_type=None)
        return result


async def test_gateway_rejects_fractional_seconds_and_long_windows(
    site: SimulatedSite, session: aiohttp.ClientSession
) -> None:
    api = "/api/pms/v1/crossRecords/page"
    base = {"pageNo": 1, "pageSize": 10, "endTime": "2025-01-15T23:59:59-03:00"}
    fraction = await _raw_post(
        session, site, api, base | {"startTime": "2025-01-15T00:00:00.000-03:00"}
    )
    assert fraction["code"] == "2"
    assert fraction["msg"] == "startTime parameter error"
    too_long = await _raw_post(
        session, site, api, base | {"startTime": "2024-11-01T00:00:00-03:00"}
    )
    assert too_long["code"] == "0x00072002"
    big_page = await _raw_post(
        session, site, api, base | {"startTime": "2025-01-15T00:00:00-03:00", "pageSize": 501}
    )
    assert big_page["code"] == "0x00072002"
    unknown = await _raw_post(session, site, "/api/nope/v9/thing", {})
    assert unknown["code"] == "8"


async def test_client_validates_inputs_before_sending(
    site: SimulatedSite, session: aiohttp.ClientSession
) -> None:
    start, end = _window()
    async with _client(session, site) as hcp:
        with pytest.raises(ValueError, match="31 days"):
            await hcp.cross_records(end - timedelta(days=40), end, None)
        with pytest.raises(ValueError, match="page_size"):
            await hcp.cross_records(start, end, None, page_size=501)
        with pytest.raises(ValueError, match="aware"):
            await hcp.cross_records(datetime(2025, 1, 1), datetime(2025, 1, 2), None)


async def test_api_errors_are_typed(site: SimulatedSite, session: aiohttp.ClientSession) -> None:
    async with _client(session, site) as hcp:
        with pytest.raises(HikCentralApiError) as info:
            await hcp.picture("/pic?does-not-exist")
        with pytest.raises(HikCentralApiError):
            await hcp.preview_url("no-such-camera")
        url = await hcp.preview_url(site.cameras[0].index_code)
        start, end = _window()
        playback = await hcp.playback_url(site.cameras[0].index_code, start, end)
    assert info.value.code == "0x00072203"
    assert not info.value.retryable
    assert not info.value.is_auth
    assert url.startswith("rtsp://")
    assert playback.startswith("rtsp://")


async def test_connection_refused_is_transport_error(session: aiohttp.ClientSession) -> None:
    async with HikCentralClient(session, "http://127.0.0.1:9", "k", "s", timeout=2) as hcp:
        with pytest.raises(HikvisionTransportError):
            await hcp.version()


def test_api_error_classification() -> None:
    from integrations.hikvision.errors import api_error

    assert isinstance(api_error("0x02401003", "bad sig"), HikvisionAuthError)
    assert api_error("0x02401005", "").is_auth
    assert api_error("0x02401033", "").retryable
    assert api_error("0x0240100b", "").retryable
    assert not api_error("0x00072001", "").retryable
    assert api_error("194", "").retryable
    assert api_error("17", "").is_auth


def test_sniff_picture_forms(jpeg: bytes) -> None:
    assert sniff_picture(jpeg, 200) == jpeg
    uri = b"data:image/jpeg;base64," + base64.b64encode(jpeg)
    assert sniff_picture(uri, 200) == jpeg
    assert sniff_picture(b'"' + uri + b'"', 200) == jpeg
    with pytest.raises(HikCentralApiError):
        sniff_picture(b'{"code":"0x00072203","msg":"not found"}', 200)
    with pytest.raises(HikvisionProtocolError):
        sniff_picture(b"data:image/jpeg;base64,!!!", 200)
    with pytest.raises(HikvisionProtocolError):
        sniff_picture(b"<html>gateway</html>", 200)


def test_cross_record_without_syscode_gets_stable_derived_key() -> None:
    item = {"cameraIndexCode": "447", "plateNo": "HJKL42", "crossTime": "2025-01-15T08:30:12-03:00"}
    first, second = parse_cross_record(item), parse_cross_record(dict(item))
    assert first.syscode == second.syscode
    assert first.syscode.startswith("derived:")
    with pytest.raises(HikvisionProtocolError):
        parse_cross_record({"plateNo": "X"})
