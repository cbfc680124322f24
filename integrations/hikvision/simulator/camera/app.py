"""The aiohttp application of one simulated camera (``/ISAPI/...`` routes).

Handlers stay thin: authenticate (middleware), parse with the integration's own safe XML
helpers, delegate to :class:`SimulatedCamera`, answer with device-shaped XML.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from urllib.parse import urlsplit

from aiohttp import web

from integrations.hikvision.errors import HikvisionProtocolError
from integrations.hikvision.isapi.xml import parse_xml, text
from integrations.hikvision.models import PtzVector
from integrations.hikvision.simulator.camera import payloads
from integrations.hikvision.simulator.camera.device import BREAK_MID_PART, STOP, SimulatedCamera
from integrations.hikvision.simulator.camera.recordings import parse_download, parse_search
from integrations.hikvision.simulator.video.feed import (
    AccessUnit,
    RecorderOffline,
    RecordingCorrupt,
    RecordingUnavailable,
)
from integrations.hikvision.simulator.video.mp4 import FragmentedMp4Writer

logger = logging.getLogger(__name__)

CAMERA = web.AppKey("camera", SimulatedCamera)
_XML_TYPE = 'application/xml; charset="UTF-8"'
type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _camera(request: web.Request) -> SimulatedCamera:
    return request.app[CAMERA]


def _xml(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, headers={"Content-Type": _XML_TYPE})


def _status(
    request: web.Request, code: int = 1, string: str = "OK", sub: str = "ok"
) -> web.Response:
    http = {1: 200, 2: 503, 3: 500, 4: 403, 5: 400, 6: 400, 7: 200}.get(code, 400)
    return _xml(
        payloads.response_status(_camera(request).namespace, request.path, code, string, sub), http
    )


def _bad_xml(request: web.Request) -> web.Response:
    return _status(request, 6, "Invalid XML Content", "badXmlContent")


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    ok, stale = _camera(request).auth.check(request)
    if ok:
        return await handler(request)
    challenge = _camera(request).auth.challenge(stale)
    body = payloads.response_status(
        _camera(request).namespace, request.path, 4, "Invalid Operation", "unAuthorized"
    )
    return web.Response(
        status=401, body=body, headers={"WWW-Authenticate": challenge, "Content-Type": _XML_TYPE}
    )


async def device_info(request: web.Request) -> web.Response:
    return _xml(payloads.device_info(_camera(request).identity))


async def snapshot(request: web.Request) -> web.Response:
    cam = _camera(request)
    if cam.snapshot_error is not None:  # error injection: XML body with HTTP 200, as devices do
        body = payloads.response_status(
            cam.namespace, request.path, cam.snapshot_error, "Device Error", "deviceError"
        )
        return _xml(body)
    return web.Response(body=await cam.snapshot_jpeg(), content_type="image/jpeg")


async def ptz_continuous(request: web.Request) -> web.Response:
    try:
        root = parse_xml(await request.read())
        vector = PtzVector(*(int(text(root, axis) or "0") for axis in ("pan", "tilt", "zoom")))
    except (HikvisionProtocolError, ValueError, TypeError):
        return _bad_xml(request)
    _camera(request).ptz.continuous(vector)
    return _status(request)


async def ptz_set_preset(request: web.Request) -> web.Response:
    _camera(request).ptz.set_preset(int(request.match_info["preset"]))
    return _status(request)


async def ptz_goto(request: web.Request) -> web.Response:
    if not _camera(request).ptz.goto(int(request.match_info["preset"])):
        return _status(request, 4, "Invalid Operation", "presetNotSet")
    return _status(request)


async def search(request: web.Request) -> web.Response:
    cam = _camera(request)
    try:
        req = parse_search(await request.read())
    except HikvisionProtocolError:
        return _bad_xml(request)
    return _xml(cam.search_recordings(req))


async def download(request: web.Request) -> web.StreamResponse:
    """``POST /ISAPI/ContentMgmt/download``: the span of a ``playbackURI`` as a streamed MP4."""
    cam = _camera(request)
    try:
        req = parse_download(await request.read(), cam.recorder.z_zone if cam.recorder else None)
    except HikvisionProtocolError:
        return _bad_xml(request)
    if cam.recorder_offline:
        return _recorder_offline(request)
    if req.track_id // 100 != cam.channel:
        return _no_record(request)
    units = cam.feed.recorded(req.start, req.end)
    async with contextlib.aclosing(units):
        try:
            first = await anext(units)
        except RecorderOffline:
            return _recorder_offline(request)
        except (RecordingUnavailable, StopAsyncIteration):
            return _no_record(request)
        except RecordingCorrupt:
            return await _garbage(request, req.start, req.end)
        response = _mp4_response(req.start)
        await response.prepare(request)
        await _stream_mp4(response, cam, first, units)
    await response.write_eof()
    return response


def _no_record(request: web.Request) -> web.Response:
    body = payloads.response_status(
        _camera(request).namespace, request.path, 4, "Invalid Operation", "noRecord"
    )
    return _xml(body, 404)


def _recorder_offline(request: web.Request) -> web.Response:
    body = payloads.response_status(
        _camera(request).namespace, request.path, 3, "Device Error", "hdError"
    )
    return _xml(body, 503)


def _mp4_response(start: datetime) -> web.StreamResponse:
    name = f"{start:%Y%m%dT%H%M%SZ}.mp4"
    return web.StreamResponse(
        headers={
            "Content-Type": "video/mp4",
            "Content-Disposition": f'attachment; filename="{name}"',
        }
    )


async def _stream_mp4(
    response: web.StreamResponse,
    cam: SimulatedCamera,
    first: AccessUnit,
    rest: AsyncIterator[AccessUnit],
) -> None:
    """Mux one GOP at a time in a worker thread and send it: memory stays one GOP deep."""
    writer = await asyncio.to_thread(FragmentedMp4Writer, cam.feed.parameters(), first.time)
    finished = False
    try:
        gop = [first]
        async for unit in rest:
            if unit.keyframe:
                await response.write(await asyncio.to_thread(writer.write, gop))
                gop = []
            gop.append(unit)
        await response.write(await asyncio.to_thread(writer.write, gop))
        tail = await asyncio.to_thread(writer.finish)
        finished = True
        await response.write(tail)
    finally:
        if not finished:  # client went away: still release the muxer
            await asyncio.to_thread(writer.finish)


GARBAGE_BYTES_PER_SECOND = 24_000
GARBAGE_MAX_BYTES = 4 * 1024 * 1024


async def _garbage(request: web.Request, start: datetime, end: datetime) -> web.StreamResponse:
    """A corrupt recording: HTTP 200 and bytes of a plausible size that are not a video, as a
    zeroed stretch of a damaged disk reads. Zeros, not random bytes: FFmpeg's format probe
    occasionally recognised random bytes as another format (lyrics, MPEG audio) and opened
    them, which made "corrupt footage does not decode" flaky."""
    seconds = (end - start).total_seconds()
    size = min(GARBAGE_MAX_BYTES, max(4096, int(seconds * GARBAGE_BYTES_PER_SECOND)))
    response = _mp4_response(start)
    await response.prepare(request)
    block = bytes(65536)
    for offset in range(0, size, len(block)):
        await response.write(block[: min(len(block), size - offset)])
    await response.write_eof()
    return response


async def plates(request: web.Request) -> web.Response:
    cam = _camera(request)
    try:
        after = text(parse_xml(await request.read()), "picTime", "0") or "0"
    except HikvisionProtocolError:
        return _bad_xml(request)
    floor = int(after) if after.isdigit() else 0
    reads = [r for r in cam.plate_buffer if int(r.pic_name) > floor]
    return _xml(payloads.plates_buffer(cam.namespace, reads))


async def get_http_hosts(request: web.Request) -> web.Response:
    cam = _camera(request)
    return _xml(payloads.http_hosts(cam.namespace, cam.push_url, cam.payload_format.upper()))


async def put_http_hosts(request: web.Request) -> web.Response:
    try:
        root = parse_xml(await request.read())
    except HikvisionProtocolError:
        return _bad_xml(request)
    url = text(root, "HttpHostNotification/url") or ""
    if url.startswith("/"):
        proto = (text(root, "HttpHostNotification/protocolType", "HTTP") or "HTTP").lower()
        ip = text(root, "HttpHostNotification/ipAddress")
        port = text(root, "HttpHostNotification/portNo", "80")
        url = f"{proto}://{ip}:{port}{url}" if ip else ""
    if not urlsplit(url).hostname:
        return _bad_xml(request)
    fmt = (text(root, "HttpHostNotification/parameterFormatType") or "").lower()
    if fmt in ("xml", "json"):
        _camera(request).payload_format = "json" if fmt == "json" else "xml"
    _camera(request).push_url = url
    return _status(request)


async def alert_stream(request: web.Request) -> web.StreamResponse:
    """``multipart/mixed`` that never ends: heartbeats on idle, ANPR parts as they happen."""
    cam = _camera(request)
    response = web.StreamResponse(headers={"Content-Type": "multipart/mixed; boundary=boundary"})
    await response.prepare(request)
    queue = cam.subscribe()
    try:
        while True:
            try:
                chunk = await asyncio.wait_for(queue.get(), cam.heartbeat_interval)
            except TimeoutError:
                chunk = _heartbeat(cam)
            if chunk == STOP:
                break
            if chunk == BREAK_MID_PART:
                await _break(request, response, cam)
                return response
            await response.write(chunk)
    finally:
        cam.unsubscribe(queue)
    return response


def _heartbeat(cam: SimulatedCamera) -> bytes:
    return cam.heartbeat_part()


async def _break(request: web.Request, response: web.StreamResponse, cam: SimulatedCamera) -> None:
    part = _heartbeat(cam)
    await response.write(part[: len(part) // 2])
    if request.transport is not None:
        request.transport.abort()


async def _start_video(app: web.Application) -> None:
    await app[CAMERA].feed.start()


async def _close_video(app: web.Application) -> None:
    await app[CAMERA].feed.close()


def create_camera_app(camera: SimulatedCamera) -> web.Application:
    app = web.Application(middlewares=[auth_middleware])
    app[CAMERA] = camera
    app.on_startup.append(_start_video)
    app.on_cleanup.append(_close_video)
    ch = "/ISAPI/PTZCtrl/channels/{channel}"
    app.router.add_get("/ISAPI/System/deviceInfo", device_info)
    app.router.add_get("/ISAPI/Streaming/channels/{stream}/picture", snapshot)
    app.router.add_put(f"{ch}/continuous", ptz_continuous)
    app.router.add_put(f"{ch}/presets/{{preset:\\d+}}", ptz_set_preset)
    app.router.add_put(f"{ch}/presets/{{preset:\\d+}}/goto", ptz_goto)
    app.router.add_post("/ISAPI/ContentMgmt/search", search)
    app.router.add_post("/ISAPI/ContentMgmt/download", download)
    app.router.add_post("/ISAPI/Traffic/channels/{channel}/vehicleDetect/plates", plates)
    app.router.add_get("/ISAPI/Event/notification/httpHosts", get_http_hosts)
    app.router.add_put("/ISAPI/Event/notification/httpHosts", put_http_hosts)
    app.router.add_get("/ISAPI/Event/notification/alertStream", alert_stream)
    return app
