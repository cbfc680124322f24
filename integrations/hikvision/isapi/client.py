"""Async ISAPI client for one camera/NVR over an injected ``aiohttp.ClientSession``.

Digest auth comes from aiohttp's own ``DigestAuthMiddleware`` passed per request, so one
shared session can serve many devices with different credentials.  Basic auth is opt-in only
(``allow_basic``) because it sends the password in clear on plain-HTTP device networks.
Every call has a timeout; the alert stream uses a *read* timeout instead of a total one,
because it never ends and heartbeats are what prove it alive.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import uuid
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, quote, urlsplit
from xml.sax.saxutils import escape

import aiohttp
from aiohttp import hdrs

from integrations.hikvision._http import ManagedClient, client_timeout, translate_errors
from integrations.hikvision._time import format_compact, require_aware
from integrations.hikvision.errors import (
    HikvisionAuthError,
    HikvisionProtocolError,
    HikvisionRecorderOffline,
    HikvisionRecordingCorrupt,
    HikvisionRecordingMissing,
    HikvisionRecordingNotReady,
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
DOWNLOAD_PATH = "/ISAPI/ContentMgmt/download"
DOWNLOAD_MAX_BYTES = 4 * 1024**3
_DOWNLOAD_CHUNK = 64 * 1024
_DOWNLOAD_FLUSH = 1024 * 1024  # bytes gathered before one (threaded) file write
_SNIFF_BYTES = 16


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

    def _zone(self, z_is_local: bool | None) -> tzinfo | None:
        local = self._z_is_local if z_is_local is None else z_is_local
        return self._device_tz if local else None

    def playback_uri(
        self, track_id: int, start: datetime, end: datetime, *, z_is_local: bool | None = None
    ) -> str:
        """A search-style ``playbackURI`` for any [start, end] of a track, for
        :meth:`download_recording`.  Times are UTC with ``Z``, or the device's wall clock with
        ``Z`` when ``z_is_local`` (default: the client's ``z_is_local``)."""
        if end <= start:
            raise ValueError("end must be after start")
        host = urlsplit(self._base_url).hostname or ""
        if ":" in host:
            host = f"[{host}]"
        zone = self._zone(z_is_local)
        begin, finish = format_compact(start, zone), format_compact(end, zone)
        return f"rtsp://{host}/Streaming/tracks/{track_id}/?starttime={begin}&endtime={finish}"

    async def download_recording(
        self,
        playback_uri: str,
        target: Path,
        *,
        read_timeout: float = 60.0,
        max_bytes: int = DOWNLOAD_MAX_BYTES,
        not_ready_window: float = 120.0,
    ) -> int:
        """``POST /ISAPI/ContentMgmt/download``: stream the recording to ``target``.

        Returns the bytes written.  The body goes to ``<target>.part`` in chunks and is renamed
        to ``target`` only when complete; on any failure the partial file is removed.  A 404
        for a span ending less than ``not_ready_window`` seconds ago (by this host's clock)
        raises :class:`HikvisionRecordingNotReady`, an older one
        :class:`HikvisionRecordingMissing`; 503 raises :class:`HikvisionRecorderOffline`; a
        200 whose body is not a media file raises :class:`HikvisionRecordingCorrupt`.
        ``read_timeout`` bounds each wait for bytes (recorders can be slow to start), not
        the whole transfer.
        """
        self._ensure_open()
        what = f"POST {DOWNLOAD_PATH}"
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=self._timeout, sock_read=read_timeout
        )
        partial = target.with_name(target.name + ".part")
        try:
            with translate_errors(what):
                async with self._session.post(
                    self._base_url + DOWNLOAD_PATH,
                    data=_download_request(playback_uri),
                    headers=_XML,
                    timeout=timeout,
                    middlewares=self._middlewares,
                    ssl=self._ssl,
                ) as resp:
                    if resp.status != 200:
                        data = await resp.content.read(65536)
                        end = _uri_endtime(playback_uri, self._z_tz)
                        _download_failure(resp.status, data, what, end, not_ready_window)
                    written = await _save_body(resp.content, partial, max_bytes, what)
            await asyncio.to_thread(os.replace, partial, target)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return written

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


def _download_request(playback_uri: str) -> bytes:
    uri = escape(playback_uri.strip())
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<downloadRequest><playbackURI>{uri}</playbackURI></downloadRequest>"
    ).encode()


def _uri_endtime(playback_uri: str, zone: tzinfo | None) -> datetime | None:
    """The ``endtime`` of a playbackURI, or ``None`` when it has none we can read."""
    values = parse_qs(urlsplit(playback_uri).query).get("endtime")
    if not values:
        return None
    try:
        parsed = datetime.strptime(values[0].upper() + "+0000", "%Y%m%dT%H%M%SZ%z")
    except ValueError:
        return None
    return parsed.replace(tzinfo=zone or UTC)


def _download_failure(
    status: int, data: bytes, what: str, end: datetime | None, not_ready_window: float
) -> None:
    """Raise the typed error of a non-200 download answer."""
    if status == 404:
        recent = end is not None and end > datetime.now(UTC) - timedelta(seconds=not_ready_window)
        if recent:
            raise HikvisionRecordingNotReady(f"{what}: not recorded yet (HTTP 404)")
        raise HikvisionRecordingMissing(f"{what}: no recording for the span (HTTP 404)")
    if status == 503:
        raise HikvisionRecorderOffline(f"{what}: recorder unavailable (HTTP 503)")
    if status == 400:
        raise HikvisionProtocolError(f"{what}: device rejected the playbackURI (HTTP 400)")
    _check_status(status, data, what)
    raise HikvisionProtocolError(f"{what}: unexpected HTTP {status}")


def _is_media(head: bytes) -> bool:
    """MP4 (``ftyp`` box first), a Hikvision ``IMKH`` file or an MPEG-PS pack header."""
    return head[4:8] == b"ftyp" or head.startswith((b"IMKH", b"\x00\x00\x01\xba"))


async def _save_body(content: aiohttp.StreamReader, path: Path, max_bytes: int, what: str) -> int:
    """Copy the body to ``path`` in chunks (file writes off the loop); return its size."""
    handle: BinaryIO = await asyncio.to_thread(path.open, "wb")
    written, pending, checked = 0, bytearray(), False
    try:
        async for chunk in content.iter_chunked(_DOWNLOAD_CHUNK):
            written += len(chunk)
            if written > max_bytes:
                raise HikvisionProtocolError(f"{what}: recording larger than {max_bytes} bytes")
            pending += chunk
            if not checked and len(pending) >= _SNIFF_BYTES:
                await _sniff(bytes(pending), content, what)
                checked = True
            if len(pending) >= _DOWNLOAD_FLUSH:
                await asyncio.to_thread(handle.write, bytes(pending))
                pending.clear()
        if not checked:
            await _sniff(bytes(pending), content, what)
        if pending:
            await asyncio.to_thread(handle.write, bytes(pending))
    finally:
        await asyncio.to_thread(handle.close)
    return written


async def _sniff(head: bytes, content: aiohttp.StreamReader, what: str) -> None:
    """Refuse a 200 body that is not a recording: firmware that answers errors with HTTP 200
    and an XML ``ResponseStatus`` raises its device error; anything else is corrupt."""
    if _is_media(head):
        return
    if head.lstrip().startswith(b"<"):
        document = head + await content.read(65536)
        if xml.is_response_status(document):
            xml.parse_response_status(document)  # raises HikvisionDeviceError on failure
    raise HikvisionRecordingCorrupt(f"{what}: the body is not a recording ({len(head)}+ bytes)")


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
