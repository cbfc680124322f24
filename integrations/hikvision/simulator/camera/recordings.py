"""Simulated continuous recording: ``/ISAPI/ContentMgmt/search`` and download requests.

Segments lie on a fixed grid (``segment_minutes``) over what the recorder's
:class:`~integrations.hikvision.simulator.video.timeline.Timeline` holds (the history, minus
gaps, up to the flushed horizon), so a search is arithmetic and needs no stored index, and
every ``playbackURI`` it returns names a span the download route and RTSP can serve.  The
device behaviours clients must survive are reproduced: a page cap (40),
``MORE``/``OK``/``NO MATCHES``, both spellings of the position element, and optionally items
without ``endTime`` or ``Z`` times in local time (the download route reads them back the same
way).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from integrations.hikvision.errors import HikvisionProtocolError
from integrations.hikvision.isapi.xml import parse_xml, text
from integrations.hikvision.simulator.camera import payloads
from integrations.hikvision.simulator.config import Namespace
from integrations.hikvision.simulator.video.timeline import Timeline

_TRACK_PATH = re.compile(r"/Streaming/tracks/(\d{3,5})/?")


@dataclass(frozen=True, slots=True)
class SearchRequest:
    search_id: str
    track_id: int
    start: datetime
    end: datetime
    max_results: int
    position: int


def _parse_time(value: str | None) -> datetime:
    if not value:
        raise HikvisionProtocolError("missing time")
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_search(body: bytes) -> SearchRequest:
    """Accept ``trackList``/``trackIDList`` and ``searchResultPostion``/``...Position``."""
    root = parse_xml(body)
    track = text(root, "trackList/trackID") or text(root, "trackIDList/trackID") or "101"
    position = text(root, "searchResultPostion") or text(root, "searchResultPosition") or "0"
    try:
        return SearchRequest(
            search_id=text(root, "searchID", "") or "",
            track_id=int(track),
            start=_parse_time(text(root, "timeSpanList/timeSpan/startTime")),
            end=_parse_time(text(root, "timeSpanList/timeSpan/endTime")),
            max_results=int(text(root, "maxResults") or "40"),
            position=int(position),
        )
    except ValueError as exc:
        raise HikvisionProtocolError(str(exc)) from exc


@dataclass(frozen=True, slots=True)
class DownloadRequest:
    track_id: int
    start: datetime
    end: datetime


def _compact_time(values: list[str] | None, zone: tzinfo | None, name: str) -> datetime:
    if not values:
        raise HikvisionProtocolError(f"playbackURI without {name}")
    try:
        wall = datetime.strptime(values[0].upper() + "+0000", "%Y%m%dT%H%M%SZ%z")
    except ValueError as exc:
        raise HikvisionProtocolError(f"playbackURI {name} is not YYYYMMDDTHHMMSSZ") from exc
    return wall.replace(tzinfo=zone or UTC)


def parse_download(body: bytes, zone: tzinfo | None) -> DownloadRequest:
    """``<downloadRequest><playbackURI>rtsp://.../Streaming/tracks/101/?starttime=..`` ->
    track and span; ``zone`` is the wall clock the device writes its ``Z`` times in
    (``None``: real UTC), the same as its search results."""
    uri = text(parse_xml(body), "playbackURI")
    if not uri:
        raise HikvisionProtocolError("downloadRequest without playbackURI")
    parts = urlsplit(uri.strip())
    track = _TRACK_PATH.fullmatch(parts.path)
    if parts.scheme.lower() != "rtsp" or track is None:
        raise HikvisionProtocolError("playbackURI is not rtsp://host/Streaming/tracks/<id>/")
    query = parse_qs(parts.query)
    start = _compact_time(query.get("starttime"), zone, "starttime")
    end = _compact_time(query.get("endtime"), zone, "endtime")
    if end <= start:
        raise HikvisionProtocolError("playbackURI endtime is not after starttime")
    return DownloadRequest(int(track.group(1)), start, end)


class Recorder:
    """The recording timeline of one camera, as the search API shows it."""

    def __init__(
        self,
        *,
        host: str,
        segment_minutes: int,
        timeline: Timeline,
        page_cap: int,
        local_z: tzinfo | None = None,
        missing_endtime_every: int = 0,
    ) -> None:
        self._host = host
        self._segment = timedelta(minutes=segment_minutes)
        self._timeline = timeline
        self._cap = page_cap
        self._local_z = local_z
        self._missing_every = missing_endtime_every

    @property
    def z_zone(self) -> tzinfo | None:
        """Where this device's ``...Z`` times are wall clock (``None``: they are UTC)."""
        return self._local_z

    def segments(
        self, start: datetime, end: datetime, now: datetime
    ) -> list[tuple[datetime, datetime]]:
        """Grid segments overlapping [start, end], cut to what the recorder holds (a gap
        splits a segment in two, as a recorder that lost part of a file reports it)."""
        step = self._segment.total_seconds()
        first, last = math.floor(start.timestamp() / step), math.ceil(end.timestamp() / step)
        window = (
            datetime.fromtimestamp(first * step, UTC),
            datetime.fromtimestamp(last * step, UTC),
        )
        out = []
        for lo, hi in self._timeline.recorded_spans(*window, now):
            for idx in range(math.floor(lo.timestamp() / step), math.ceil(hi.timestamp() / step)):
                cell_start = datetime.fromtimestamp(idx * step, UTC)
                piece = (max(cell_start, lo), min(cell_start + self._segment, hi))
                if piece[0] < piece[1] and piece[1] > start and piece[0] < end:
                    out.append(piece)
        return out

    def _fmt(self, value: datetime, compact: bool = False) -> str:
        local = value.astimezone(self._local_z or UTC)
        return local.strftime("%Y%m%dT%H%M%SZ" if compact else "%Y-%m-%dT%H:%M:%SZ")

    def _item(self, track: int, seg: tuple[datetime, datetime], number: int) -> str:
        start, end = seg
        uri = (
            f"rtsp://{self._host}/Streaming/tracks/{track}/?starttime={self._fmt(start, True)}"
            f"&endtime={self._fmt(end, True)}&name=ch01_{number:016d}&size=104857600"
        )
        end_el = (
            ""
            if self._missing_every and number % self._missing_every == 0
            else f"<endTime>{self._fmt(end)}</endTime>"
        )
        return (
            f"<searchMatchItem><sourceID>{{sim}}</sourceID><trackID>{track}</trackID>"
            f"<timeSpan><startTime>{self._fmt(start)}</startTime>{end_el}</timeSpan>"
            f"<mediaSegmentDescriptor><contentType>video</contentType><codecType>H.264-BP</codecType>"
            f"<playbackURI>{escape(uri)}</playbackURI></mediaSegmentDescriptor>"
            f"<metadataMatches><metadataDescriptor>recordType.meta.hikvision.com/timing"
            f"</metadataDescriptor></metadataMatches></searchMatchItem>"
        )

    def search(self, ns: Namespace, req: SearchRequest, now: datetime) -> bytes:
        found = self.segments(req.start, req.end, now)
        size = max(1, min(req.max_results, self._cap))
        page = found[req.position : req.position + size]
        if not page:
            status = "NO MATCHES"
        else:
            status = "MORE" if req.position + len(page) < len(found) else "OK"
        items = (self._item(req.track_id, seg, req.position + i + 1) for i, seg in enumerate(page))
        return payloads.cm_search_result(ns, req.search_id, status, items, len(found))
