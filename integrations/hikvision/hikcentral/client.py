"""Async HikCentral OpenAPI client over an injected ``aiohttp.ClientSession``.

The session is owned by the application lifespan (shared pool, TLS settings); the client only
adds signing, envelope checking, explicit timeouts and paging.  It never retries: workers
wrap calls in ``integrations.hikvision.retry.retry_with_backoff`` when they want to.
"""

from __future__ import annotations

import json
import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import aiohttp

from integrations.hikvision._http import (
    ManagedClient,
    client_timeout,
    translate_errors,
)
from integrations.hikvision._time import format_hcp, require_aware
from integrations.hikvision.errors import HikvisionProtocolError
from integrations.hikvision.hikcentral import parsing
from integrations.hikvision.hikcentral.auth import content_md5, sign_request
from integrations.hikvision.models import CameraResource, CrossRecord, Page, PlatformVersion

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 500  # HCP cap (ISC allows 1000; 500 is safe for both)
MAX_WINDOW = timedelta(days=31)
_CONTENT_TYPE = "application/json;charset=UTF-8"


async def paginate[T](
    fetch: Callable[[int], Awaitable[Page[T]]], page_size: int, max_pages: int = 10_000
) -> AsyncIterator[T]:
    """Walk pages until ``total`` is reached or a page comes back short.

    Never "until empty": beyond the last page the gateway returns the last page again, which
    would loop forever and duplicate rows.  A page number the server did not honour also stops.
    """
    collected = 0
    for page_no in range(1, max_pages + 1):
        page = await fetch(page_no)
        for item in page.items:
            yield item
        collected += len(page.items)
        if collected >= page.total or len(page.items) < page_size:
            return
        if page.page_no and page.page_no != page_no:
            logger.warning("gateway answered page %d for page %d; stopping", page.page_no, page_no)
            return
    raise HikvisionProtocolError(f"pagination exceeded {max_pages} pages")


class HikCentralClient(ManagedClient):
    """One client per platform.  Use as ``async with HikCentralClient(...) as hcp:``."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        app_key: str,
        app_secret: str,
        *,
        user_id: str | None = "admin",
        timeout: float = 15.0,
        picture_timeout: float = 30.0,
        artemis_prefix: str = "/artemis",
        naive_tz: tzinfo = UTC,
        ssl_context: ssl.SSLContext | bool = True,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._app_key = app_key
        self._app_secret = app_secret
        self._user_id = user_id
        self._timeout = timeout
        self._picture_timeout = picture_timeout
        self._prefix = artemis_prefix.rstrip("/")
        self._naive_tz = naive_tz
        self._ssl = ssl_context

    def __repr__(self) -> str:  # never show the secret
        return f"HikCentralClient({self._base_url!r}, app_key={self._app_key!r}, {self.state})"

    # ------------------------------------------------------------------ transport

    def _headers(self, path: str, body: bytes) -> dict[str, str]:
        headers = {
            "Accept": "*/*",  # set explicitly: an implicit library default breaks signatures
            "Content-MD5": content_md5(body),
            "Content-Type": _CONTENT_TYPE,
        }
        if self._user_id:
            headers["userId"] = self._user_id
        ca = sign_request("POST", path, headers, None, self._app_key, self._app_secret)
        return {**headers, **ca}

    async def _post(
        self, api: str, payload: Mapping[str, Any], deadline: float
    ) -> tuple[int, bytes]:
        self._ensure_open()
        path = f"{self._prefix}{api}"
        body = json.dumps(payload, separators=(",", ":")).encode()
        with translate_errors(f"POST {path}"):
            async with self._session.post(
                self._base_url + path,
                data=body,
                headers=self._headers(path, body),
                timeout=client_timeout(deadline),
                ssl=self._ssl,
            ) as resp:
                return resp.status, await resp.read()

    async def _call(self, api: str, payload: Mapping[str, Any]) -> Any:
        status, body = await self._post(api, payload, self._timeout)
        return parsing.parse_envelope(body, status)

    # ------------------------------------------------------------------ API

    async def version(self) -> PlatformVersion:
        """Platform name and version; the cheapest authenticated health check."""
        return parsing.parse_version(await self._call("/api/common/v1/version", {}))

    async def cameras(
        self, page_no: int = 1, page_size: int = MAX_PAGE_SIZE
    ) -> Page[CameraResource]:
        _check_page(page_no, page_size)
        data = await self._call(
            "/api/resource/v1/cameras", {"pageNo": page_no, "pageSize": page_size}
        )
        return parsing.parse_page(data, parsing.parse_camera)

    async def iter_cameras(self, page_size: int = MAX_PAGE_SIZE) -> AsyncIterator[CameraResource]:
        async for camera in paginate(lambda n: self.cameras(n, page_size), page_size):
            yield camera

    async def cross_records(
        self,
        start: datetime,
        end: datetime,
        camera_index_code: str | None,
        page_no: int = 1,
        page_size: int = MAX_PAGE_SIZE,
        plate_no: str | None = None,
        *,
        ascending: bool = True,
    ) -> Page[CrossRecord]:
        """Passing records by pass time (not ingest time: re-poll a trailing margin and dedupe)."""
        _check_page(page_no, page_size)
        _check_window(start, end)
        payload: dict[str, Any] = {
            "pageNo": page_no,
            "pageSize": page_size,
            "startTime": format_hcp(start),
            "endTime": format_hcp(end),
            "sortField": "PassTime",
            "orderType": 0 if ascending else 1,
        }
        if camera_index_code:
            payload["cameraIndexCode"] = camera_index_code
        if plate_no:
            payload["plateNo"] = plate_no[:16]
        data = await self._call("/api/pms/v1/crossRecords/page", payload)
        return parsing.parse_page(
            data, lambda item: parsing.parse_cross_record(item, self._naive_tz)
        )

    async def iter_cross_records(
        self,
        start: datetime,
        end: datetime,
        camera_index_code: str | None,
        page_size: int = MAX_PAGE_SIZE,
        plate_no: str | None = None,
    ) -> AsyncIterator[CrossRecord]:
        """All records of the window in ascending pass time (stable while new rows arrive)."""

        def fetch(n: int) -> Awaitable[Page[CrossRecord]]:
            return self.cross_records(start, end, camera_index_code, n, page_size, plate_no)

        async for record in paginate(fetch, page_size):
            yield record

    async def picture(self, pic_uri: str) -> bytes:
        """JPEG bytes of a record picture (raw JPEG and ``data:`` URI bodies both handled)."""
        status, body = await self._post(
            "/api/pms/v1/image", {"picUri": pic_uri}, self._picture_timeout
        )
        return parsing.sniff_picture(body, status)

    async def preview_url(
        self, camera_index_code: str, protocol: str = "rtsp", stream_type: int = 0
    ) -> str:
        """A short-lived (~5 min) live URL; ``rtsp_s`` is HCP's plain-RTSP variant."""
        payload = {
            "cameraIndexCode": camera_index_code,
            "streamType": stream_type,
            "protocol": protocol,
            "transmode": 1,
            "expand": "streamform=rtp",
        }
        return _url(await self._call("/api/video/v1/cameras/previewURLs", payload))

    async def playback_url(
        self, camera_index_code: str, begin: datetime, end: datetime, protocol: str = "rtsp"
    ) -> str:
        require_aware(begin, "begin")
        require_aware(end, "end")
        payload = {
            "cameraIndexCode": camera_index_code,
            "recordType": "0",
            "protocol": protocol,
            "beginTime": format_hcp(begin),
            "endTime": format_hcp(end),
        }
        return _url(await self._call("/api/video/v1/cameras/playbackURLs", payload))


def _url(data: Any) -> str:
    if not isinstance(data, Mapping) or not isinstance(data.get("url"), str) or not data["url"]:
        raise HikvisionProtocolError("URL response without 'url'")
    return str(data["url"])


def _check_page(page_no: int, page_size: int) -> None:
    if page_no < 1:
        raise ValueError("page_no is 1-based")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")


def _check_window(start: datetime, end: datetime) -> None:
    require_aware(start, "start")
    require_aware(end, "end")
    if end < start:
        raise ValueError("end precedes start")
    if end - start > MAX_WINDOW:
        raise ValueError("crossRecords window is limited to 31 days")
