"""Async ISAPI client for one camera/NVR over an injected ``aiohttp.ClientSession``.

Digest auth comes from aiohttp's own ``DigestAuthMiddleware`` passed per request, so one
shared session can serve many devices with different credentials.  Basic auth is opt-in only
(``allow_basic``) because it sends the password in clear on plain-HTTP device networks.
Every call has a timeout; the alert stream uses a *read* timeout instead of a total one,
because it never ends and heartbeats are what prove it alive.
"""

from __future__ import annotations

import logging
import ssl
import uuid
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime, tzinfo
from urllib.parse import quote, urlsplit

import aiohttp
from aiohttp import hdrs

from integrations.hikvision._http import ManagedClient, client_timeout, translate_errors
from integrations.hikvision._time import format_compact, require_aware
from integrations.hikvision.errors import (
    HikvisionAuthError,
    HikvisionProtocolError,
    HikvisionTransportError,
)
from integrations.hikvision.isapi import builders, xml
from integrations.hikvision.isapi.events import AlertAssembler
from integrations.hikvision.isapi.multipart import (
    DEFAULT_MAX_PART_BYTES,
    JPEG_MAGIC,
    AlertStreamParser,
    boundary_from_content_type,
)
from integrations.hikvision.models import (
    AnprAlert,
    DeviceInfo,
    Heartbeat,
    PtzVector,
    RecordingMatch,
    ResponseStatus,
)

logger = logging.getLogger(__name__)

ALERT_STREAM_PATH = "/ISAPI/Event/notification/alertStream"
SEARCH_PAGE_CAP = 40  # what many devices cap a CMSearch page at
PRESET_RANGE = range(1, 301)
_XML = {"Content-Type": 'application/xml; charset="UTF-8"'}


class BasicAuthFallback:
    """Client middleware: answer a ``Basic`` challenge (old firmware) with Basic credentials."""

    def __init__(self, login: str, password: str) -> None:
        self._header = aiohttp.encode_basic_auth(login, password)

    async def __call__(
        self, request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        response = await handler(request)
        challenge = response.headers.get(hdrs.WWW_AUTHENTICATE, "")
        if response.status == 401 and challenge.lower().startswith("basic"):
            response.release()
            request.headers[hdrs.AUTHORIZATION] = self._header
            response = await handler(request)
        return response


def stream_id(channel: int, stream: int = 1) -> int:
    """ISAPI stream ids: channel x 100 + stream (``101`` = channel 1 main stream)."""
    if channel < 1 or stream not in (1, 2, 3):
        raise ValueError("channel must be >= 1 and stream 1..3")
    return channel * 100 + stream


class IsapiClient(ManagedClient):
    """One client per device.  Use as ``async with IsapiClient(...) as cam:``.

    ``device_tz`` is the device's configured time zone (times it sends without an offset are
    wall clock there); ``z_is_local`` is for firmware that writes that wall clock with a
    ``Z``: alert times, recording search times and playback URLs then use ``device_tz``.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        username: str,
        password: str,
        *,
        timeout: float = 10.0,
        snapshot_timeout: float = 15.0,
        allow_basic: bool = False,
        rtsp_port: int = 554,
        device_tz: tzinfo = UTC,
        z_is_local: bool = False,
        ssl_context: ssl.SSLContext | bool = True,
        max_part_bytes: int = DEFAULT_MAX_PART_BYTES,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._username = username
        self._password = password
        self._timeout = timeout
        self._snapshot_timeout = snapshot_timeout
        self._rtsp_port = rtsp_port
        self._device_tz = device_tz
        self._z_is_local = z_is_local
        # Where ISAPI writes "...Z" (search requests/results, playback URLs): UTC, or the
        # device's wall clock on firmware whose "Z" means local time.
        self._z_tz: tzinfo | None = device_tz if z_is_local else None
        self._ssl = ssl_context
        self._max_part_bytes = max_part_bytes
        middlewares: list[aiohttp.ClientMiddlewareType] = [
            aiohttp.DigestAuthMiddleware(username, password)
        ]
        if allow_basic:
            middlewares.append(BasicAuthFallback(username, password))
        self._middlewares: Sequence[aiohttp.ClientMiddlewareType] = tuple(middlewares)

    def __repr__(self) -> str:  # never show the password
        return f"IsapiClient({self._base_url!r}, user={self._username!r}, {self.state})"

    # ------------------------------------------------------------------ transport

    async def _request(
        self, method: str, path: str, body: bytes | None = None, deadline: float | None = None
    ) -> bytes:
        self._ensure_open()
        with translate_errors(f"{method} {path}"):
            async with self._session.request(
                method,
                self._base_url + path,
                data=body,
                headers=_XML if body is not None else None,
                timeout=client_timeout(deadline or self._timeout),
                middlewares=self._middlewares,
                ssl=self._ssl,
            ) as resp:
                data = await resp.read()
                status = resp.status
        return _check_status(status, data, f"{method} {path}")

    async def _put_xml(self, path: str, body: bytes) -> ResponseStatus:
        return xml.parse_response_status(await self._request("PUT", path, body))

    # ------------------------------------------------------------------ API

    async def device_info(self) -> DeviceInfo:
        return xml.parse_device_info(await self._request("GET", "/ISAPI/System/deviceInfo"))

    async def snapshot(self, channel: int = 1) -> bytes:
        """Current main-stream JPEG; an XML ``ResponseStatus`` body raises the device error."""
        path = f"/ISAPI/Streaming/channels/{stream_id(channel)}/picture"
        data = await self._request("GET", path, deadline=self._snapshot_timeout)
        if data.startswith(JPEG_MAGIC):
            return data
        if xml.is_response_status(data):
            xml.parse_response_status(data)  # raises HikvisionDeviceError on failure
        raise HikvisionProtocolError(f"{path} returned neither JPEG nor an error status")

    async def ptz_continuous(self, channel: int, pan: int, tilt: int, zoom: int) -> None:
        """Start moving at the given speeds (-100..100); call ``ptz_stop`` to stop."""
        vector = PtzVector(pan, tilt, zoom)
        await self._put_xml(
            f"/ISAPI/PTZCtrl/channels/{channel}/continuous", builders.build_ptz_data(vector)
        )

    async def ptz_stop(self, channel: int) -> None:
        await self.ptz_continuous(channel, 0, 0, 0)

    async def ptz_goto_preset(self, channel: int, preset: int) -> None:
        _check_preset(preset)
        await self._put_xml(f"/ISAPI/PTZCtrl/channels/{channel}/presets/{preset}/goto", b"")

    async def ptz_set_preset(self, channel: int, preset: int, name: str | None = None) -> None:
        _check_preset(preset)
        body = builders.build_preset(preset, name)
        await self._put_xml(f"/ISAPI/PTZCtrl/channels/{channel}/presets/{preset}", body)

    async def search_recordings(
        self,
        track_id: int,
        start: datetime,
        end: datetime,
        max_results: int = SEARCH_PAGE_CAP,
        *,
        max_pages: int = 500,
    ) -> list[RecordingMatch]:
        """All recorded segments overlapping ``[start, end]`` (paged until not ``MORE``)."""
        require_aware(start, "start")
        require_aware(end, "end")
        search_id, position = str(uuid.uuid4()).upper(), 0
        out: list[RecordingMatch] = []
        for _ in range(max_pages):
            body = builders.build_cm_search(
                search_id, track_id, start, end, max_results, position, self._z_tz
            )
            data = await self._request("POST", "/ISAPI/ContentMgmt/search", body)
            page = xml.parse_cm_search_result(data, device_tz=self._z_tz)
            out.extend(page.matches)
            returned = len(page.matches) + page.skipped
            if page.status != "MORE":
                return out
            if returned == 0:
                raise HikvisionProtocolError("device reported MORE but returned no items")
            position += returned
        raise HikvisionProtocolError(f"recording search exceeded {max_pages} pages")

    def _rtsp_base(self, include_credentials: bool) -> str:
        host = urlsplit(self._base_url).hostname or ""
        if ":" in host:
            host = f"[{host}]"
        creds = ""
        if include_credentials:
            creds = f"{quote(self._username, safe='')}:{quote(self._password, safe='')}@"
        return f"rtsp://{creds}{host}:{self._rtsp_port}"

    def live_rtsp_url(
        self, channel: int = 1, stream: int = 1, *, include_credentials: bool = False
    ) -> str:
        path = f"/Streaming/Channels/{stream_id(channel, stream)}"
        return self._rtsp_base(include_credentials) + path

    def playback_rtsp_url(
        self, track_id: int, start: datetime, end: datetime, *, include_credentials: bool = False
    ) -> str:
        """RTSP playback by time; never log the result when ``include_credentials`` is set."""
        begin, finish = format_compact(start, self._z_tz), format_compact(end, self._z_tz)
        query = f"starttime={begin}&endtime={finish}"
        return f"{self._rtsp_base(include_credentials)}/Streaming/tracks/{track_id}?{query}"

    async def configure_http_host(self, url: str, host_id: int = 1) -> None:
        """Point the device's HTTP-listening push at ``url`` (``PUT .../httpHosts``)."""
        await self._put_xml(
            "/ISAPI/Event/notification/httpHosts", builders.build_http_hosts(url, host_id)
        )

    async def alert_stream(
        self, *, read_timeout: float = 35.0
    ) -> AsyncGenerator[AnprAlert | Heartbeat, None]:
        """Yield ANPR alerts and heartbeats until the stream breaks, then raise.

        Ends only by raising ``HikvisionTransportError`` (EOF, reset, or no bytes for
        ``read_timeout`` seconds, i.e. missed heartbeats) so the worker reconnects with backoff.
        Wrap in ``contextlib.aclosing`` when breaking out early.
        """
        self._ensure_open()
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self._timeout, sock_read=read_timeout
        )
        what = f"GET {ALERT_STREAM_PATH}"
        with translate_errors(what):
            async with self._session.get(
                self._base_url + ALERT_STREAM_PATH,
                timeout=timeout,
                middlewares=self._middlewares,
                ssl=self._ssl,
            ) as resp:
                if resp.status != 200:
                    _check_status(resp.status, await resp.content.read(65536), what)
                    raise HikvisionProtocolError(f"{what}: unexpected HTTP {resp.status}")
                boundary = boundary_from_content_type(resp.headers.get(hdrs.CONTENT_TYPE))
                parser = AlertStreamParser(boundary, max_part_bytes=self._max_part_bytes)
                assembler = AlertAssembler(device_tz=self._device_tz, z_is_local=self._z_is_local)
                async for chunk in resp.content.iter_any():
                    for part in parser.feed(chunk):
                        for event in assembler.add(part):
                            if isinstance(event, AnprAlert | Heartbeat):
                                yield event
                for event in assembler.flush():
                    if isinstance(event, AnprAlert):
                        yield event
        where = "between parts" if parser.at_part_boundary else "mid-part"
        raise HikvisionTransportError(f"{what}: stream ended {where}")


def _check_preset(preset: int) -> None:
    if preset not in PRESET_RANGE:
        raise ValueError(f"preset must be {PRESET_RANGE.start}..{PRESET_RANGE.stop - 1}")


def _check_status(status: int, data: bytes, what: str) -> bytes:
    """Map HTTP status + body to the error hierarchy; return the body on 2xx."""
    if status == 401:
        raise HikvisionAuthError(f"{what}: device rejected the credentials (HTTP 401)")
    if status < 300:
        return data
    if xml.is_response_status(data):
        xml.parse_response_status(data)  # raises HikvisionDeviceError for failure codes
    if status == 403:  # 403 *with* a ResponseStatus is "invalid operation", handled above
        raise HikvisionAuthError(f"{what}: forbidden for this user (HTTP 403)")
    if status >= 500:
        raise HikvisionTransportError(f"{what}: HTTP {status}")
    raise HikvisionProtocolError(f"{what}: unexpected HTTP {status}")
