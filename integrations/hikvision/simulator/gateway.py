"""Fake HikCentral Professional OpenAPI gateway (``/artemis/...``).

Faithful where clients usually break (protocols §1.8): AK/SK verification with the server's
StringToSign echoed on failure, string ``code`` envelopes (even for errors on HTTP 200),
``pageSize`` caps, the *last page again* beyond the range, the 31-day window and the
"no fractional seconds" rule on ``crossRecords``, per-camera filtering, records that only
appear once their ``createTime`` has passed, and pictures served as raw JPEG or data URI.
``previewURLs``/``playbackURLs`` answer ``rtsp://host:<streaming port>/EUrl/<token>`` URLs
whose tokens (registered in ``stream_tokens``, ~5 minutes) the site's RTSP server honours.
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from integrations.hikvision.hikcentral.auth import verify_request
from integrations.hikvision.simulator.camera.device import SimulatedCamera
from integrations.hikvision.simulator.context import SiteContext
from integrations.hikvision.simulator.records import (
    DIRECTIONS,
    VEHICLE_COLORS,
    VEHICLE_TYPES,
    SimulatedRead,
)
from integrations.hikvision.simulator.rtsp.tokens import StreamTokens

MAX_PAGE_SIZE = 500
MAX_WINDOW = timedelta(days=31)
MAX_PLAYBACK_WINDOW = timedelta(days=3)
_HCP_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")
type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class GatewayState:
    ctx: SiteContext
    cameras: Sequence[SimulatedCamera]
    stream_tokens: StreamTokens = field(default_factory=StreamTokens)
    streaming_port: int = 655  # the site's HikCentral-style RTSP port, set once it listens
    signature_failures: int = 0
    calls: int = 0


STATE = web.AppKey("gateway_state", GatewayState)


class ApiFailure(Exception):
    """Raised by handlers; rendered as an error envelope."""

    def __init__(self, code: str, msg: str, status: int = 200) -> None:
        super().__init__(msg)
        self.code, self.msg, self.status = code, msg, status


def envelope(
    data: Any = None, code: str = "0", msg: str = "Success", status: int = 200
) -> web.Response:
    body: dict[str, Any] = {"code": code, "msg": msg}
    if data is not None:
        body["data"] = data
    return web.json_response(body, status=status)


def _check_signature(request: web.Request, body: bytes, state: GatewayState) -> None:
    cfg = state.ctx.config
    key = request.headers.get("X-Ca-Key")
    if not key:
        raise ApiFailure("0x02401000", "AppKey Not Found", cfg.gateway_auth_status)
    if key != cfg.app_key:
        raise ApiFailure("0x02401001", "Partner Not Exist", cfg.gateway_auth_status)
    query = {k: request.query.getall(k) for k in request.query}
    result = verify_request(
        request.method, request.path, request.headers, query, body, cfg.app_secret
    )
    if not result.ok:
        state.signature_failures += 1
        if result.reason == "missing signature":
            raise ApiFailure("0x02401002", "Signature Not Found", cfg.gateway_auth_status)
        msg = f"Invalid Signature! and StringToSign: {result.string_to_sign}"
        raise ApiFailure("0x02401003", msg, cfg.gateway_auth_status)


@web.middleware
async def artemis_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.app[STATE]
    state.calls += 1
    try:
        _check_signature(request, await request.read(), state)
        return await handler(request)
    except ApiFailure as failure:
        return envelope(code=failure.code, msg=failure.msg, status=failure.status)


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError as exc:
        raise ApiFailure("0x00072003", "request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise ApiFailure("0x00072003", "request body must be an object")
    return body


def _page(items: Sequence[Any], body: dict[str, Any]) -> dict[str, Any]:
    """pageNo/pageSize validation; a pageNo past the end returns the last page again."""
    page_no, page_size = body.get("pageNo"), body.get("pageSize")
    if not isinstance(page_no, int) or not isinstance(page_size, int):
        raise ApiFailure("0x00072001", "pageNo and pageSize are required integers")
    if page_no < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ApiFailure("0x00072002", f"pageSize must be 1..{MAX_PAGE_SIZE}, pageNo >= 1")
    last = max(1, math.ceil(len(items) / page_size))
    effective = min(page_no, last)
    chunk = items[(effective - 1) * page_size : effective * page_size]
    return {"total": len(items), "pageNo": page_no, "pageSize": page_size, "list": list(chunk)}


async def version(request: web.Request) -> web.Response:
    return envelope(
        {
            "produceName": "HikCentral Professional (simulated)",
            "softVersion": "V2.6.1 build 20250115",
        }
    )


def _camera_item(cam: SimulatedCamera) -> dict[str, Any]:
    return {
        "cameraIndexCode": cam.index_code,
        "cameraName": cam.name,
        "regionIndexCode": "1",
        "encodeDevIndexCode": f"dev-{cam.index_code}",
        "channelNo": str(cam.channel),
        "capabilitySet": "io,vss,ptz,event_vss,record",
        "status": 1,  # HCP: 1 online / 2 offline
        "recordLocation": "1",
    }


async def cameras(request: web.Request) -> web.Response:
    body = await _json(request)
    items = [_camera_item(c) for c in request.app[STATE].cameras]
    return envelope(_page(items, body))


def _parse_time(body: dict[str, Any], name: str, reject_fraction: bool) -> datetime:
    value = body.get(name)
    if not isinstance(value, str) or (match := _HCP_TIME.match(value)) is None:
        raise ApiFailure("2", f"{name} parameter error")
    if reject_fraction and match.group(1):  # HCP rejects .SSS in crossRecords
        raise ApiFailure("2", f"{name} parameter error")
    return datetime.fromisoformat(value)


def _record_item(read: SimulatedRead, style: str) -> dict[str, Any]:
    cross, created = (
        read.occurred_at.isoformat(timespec="seconds"),
        read.created_at.isoformat(timespec="seconds"),
    )
    if style == "pascal":
        return {
            "GUID": read.syscode,
            "PassTime": cross,
            "PlateLicense": read.plate_text,
            "VehicleImageUrl": read.pic_uri,
            "PlateImageUrl": read.pic_uri + "&plate",
            "ResourceID": read.camera_index_code,
            "ResourceName": read.camera_name,
            "VehicleDirectionType": DIRECTIONS.get(read.direction, 0),
            "VehicleType": VEHICLE_TYPES.get(read.vehicle_type, 0),
        }
    return {
        "crossRecordSyscode": read.syscode,
        "cameraIndexCode": read.camera_index_code,
        "plateNo": read.plate_text,
        "ownerName": "",
        "contact": "",
        "vehicleType": VEHICLE_TYPES.get(read.vehicle_type, 0),
        "vehicleColor": VEHICLE_COLORS.get(read.vehicle_color, 0),
        "vehicleBrand": 0,
        "country": 0,
        "vehicleDirectionType": DIRECTIONS.get(read.direction, 0),
        "vehicleSpeed": 0,
        "vehiclePicUri": read.pic_uri,
        "crossTime": cross,
        "createTime": created,
    }


async def cross_records(request: web.Request) -> web.Response:
    state = request.app[STATE]
    cfg = state.ctx.config
    body = await _json(request)
    start = _parse_time(body, "startTime", cfg.reject_fractional_seconds)
    end = _parse_time(body, "endTime", cfg.reject_fractional_seconds)
    if end < start or end - start > MAX_WINDOW:
        raise ApiFailure("0x00072002", "time range must be within 31 days")
    camera = body.get("cameraIndexCode") or None
    plate = body.get("plateNo") or None
    reads = state.ctx.store.visible(state.ctx.now(), start, end, camera, plate)
    if body.get("orderType", 1) != 0:
        reads.reverse()
    items = [_record_item(r, cfg.record_style) for r in reads]
    return envelope(_page(items, body))


async def image(request: web.Request) -> web.Response:
    state = request.app[STATE]
    uri = str((await _json(request)).get("picUri") or "").removesuffix("&plate")
    data = state.ctx.store.picture(uri) if uri else None
    if data is None:
        raise ApiFailure("0x00072203", "picture resource not found")
    if state.ctx.rng.random() < state.ctx.config.image_data_uri_ratio:
        text = "data:image/jpeg;base64," + base64.b64encode(data).decode()
        return web.Response(text=text, content_type="text/plain")
    return web.Response(body=data, content_type="image/jpeg")


def _known_camera(request: web.Request, body: dict[str, Any]) -> SimulatedCamera:
    code = body.get("cameraIndexCode")
    for cam in request.app[STATE].cameras:
        if cam.index_code == code:
            return cam
    raise ApiFailure("0x00072203", "camera resource not found")


def _stream_url(request: web.Request, token: str) -> str:
    """The URL HikCentral returns: its own streaming port, the token as the whole path."""
    state = request.app[STATE]
    host = state.ctx.config.host
    host = f"[{host}]" if ":" in host else host
    return f"rtsp://{host}:{state.streaming_port}/EUrl/{token}"


async def preview_urls(request: web.Request) -> web.Response:
    body = await _json(request)
    cam = _known_camera(request, body)
    token = request.app[STATE].stream_tokens.issue(cam.index_code)
    return envelope({"url": _stream_url(request, token)})


async def playback_urls(request: web.Request) -> web.Response:
    body = await _json(request)
    cam = _known_camera(request, body)
    begin = _parse_time(body, "beginTime", False)
    end = _parse_time(body, "endTime", False)
    if end <= begin or end - begin > MAX_PLAYBACK_WINDOW:
        raise ApiFailure("0x00072002", "endTime must be after beginTime, at most 3 days later")
    token = request.app[STATE].stream_tokens.issue(cam.index_code, (begin, end))
    url = _stream_url(request, token) + "?playBackMode=1"  # what VLC needs; ffmpeg ignores it
    return envelope({"url": url, "authentication": token})


async def unknown_api(request: web.Request) -> web.Response:
    raise ApiFailure("8", "product version not supported")


def create_gateway_app(state: GatewayState) -> web.Application:
    app = web.Application(middlewares=[artemis_middleware])
    app[STATE] = state
    api = "/artemis/api"
    app.router.add_post(f"{api}/common/v1/version", version)
    app.router.add_post(f"{api}/resource/v1/cameras", cameras)
    app.router.add_post(f"{api}/pms/v1/crossRecords/page", cross_records)
    app.router.add_post(f"{api}/pms/v1/image", image)
    for ver in ("v1", "v2"):
        app.router.add_post(f"{api}/video/{ver}/cameras/previewURLs", preview_urls)
    app.router.add_post(f"{api}/video/v1/cameras/playbackURLs", playback_urls)
    app.router.add_route("*", "/artemis/{tail:.*}", unknown_api)
    return app
