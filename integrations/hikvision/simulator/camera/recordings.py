"""Simulated continuous recording and ``/ISAPI/ContentMgmt/search`` over it.

Segments lie on a fixed grid (``segment_minutes``) over the last ``recording_hours``, so a
search is arithmetic and needs no stored index.  The device behaviours clients must survive
are reproduced: a page cap (40), ``MORE``/``OK``/``NO MATCHES``, both spellings of the
position element, and optionally items without ``endTime`` or ``Z`` times in local time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from xml.sax.saxutils import escape

from integrations.hikvision.errors import HikvisionProtocolError
from integrations.hikvision.isapi.xml import parse_xml, text
from integrations.hikvision.simulator.camera import payloads
from integrations.hikvision.simulator.config import Namespace


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


class Recorder:
    """The recording timeline of one camera."""

    def __init__(
        self,
        *,
        host: str,
        segment_minutes: int,
        history_hours: float,
        page_cap: int,
        local_z: tzinfo | None = None,
        missing_endtime_every: int = 0,
    ) -> None:
        self._host = host
        self._segment = timedelta(minutes=segment_minutes)
        self._history = timedelta(hours=history_hours)
        self._cap = page_cap
        self._local_z = local_z
        self._missing_every = missing_endtime_every

    def segments(
        self, start: datetime, end: datetime, now: datetime
    ) -> list[tuple[datetime, datetime]]:
        """Grid segments overlapping [start, end] and inside the recorded history."""
        step = self._segment.total_seconds()
        first_allowed = now - self._history
        lo, hi = max(start, first_allowed), min(end, now)
        if hi <= lo:
            return []
        first = math.floor(lo.timestamp() / step)
        last = math.ceil(hi.timestamp() / step)
        out = []
        for idx in range(first, last):
            seg_start = datetime.fromtimestamp(idx * step, UTC)
            out.append((seg_start, min(seg_start + self._segment, now)))
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
