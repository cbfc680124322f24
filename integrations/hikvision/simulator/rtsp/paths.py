"""The request URIs Hikvision devices and HikCentral answer, parsed into what to stream.

``/Streaming/Channels/<ch><stream>`` (live), ``/Streaming/tracks/<ch><stream>?starttime=...
&endtime=...`` (playback by time; the ``playbackURI`` of a search result has a trailing slash
and extra ``name``/``size`` parameters) and HikCentral's ``/EUrl/<token>``.  ffmpeg appends
the SDP's relative track control (``/trackID=1``) to the URI for SETUP, after the query when
there is one, so that suffix is stripped first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from integrations.hikvision.simulator.rtsp.messages import RtspStatus

_TRACK_SUFFIX = re.compile(r"/?trackID=\d+$", re.IGNORECASE)
_LIVE = re.compile(r"^/Streaming/Channels/(\d+)/?$", re.IGNORECASE)
_PLAYBACK = re.compile(r"^/Streaming/tracks/(\d+)/?$", re.IGNORECASE)
_EURL = re.compile(r"^/EUrl/([A-Za-z0-9_-]+)/?$")
_COMPACT = re.compile(r"^(\d{8}T\d{6})(Z?)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class StreamPath:
    """A parsed request URI: camera channel/stream or token, and the span for playback."""

    kind: Literal["live", "playback", "token"]
    channel: int = 0
    stream: int = 0
    span: tuple[datetime, datetime] | None = None
    token: str = ""


def strip_track(path_and_query: str) -> str:
    """The presentation URI of a SETUP/PLAY URI (``.../trackID=1`` removed)."""
    return _TRACK_SUFFIX.sub("", path_and_query)


def parse_compact_time(text: str, *, z_zone: tzinfo | None, local_zone: tzinfo) -> datetime:
    """``20250115T080000Z``: UTC, or ``z_zone`` wall clock on "Z is local" firmware;
    without the ``Z``, the device's local wall clock."""
    match = _COMPACT.match(text.strip())
    if match is None:
        raise RtspStatus(400, f"bad playback time {text[:40]!r}")
    zone = (z_zone or UTC) if match.group(2) else local_zone
    try:
        return datetime.strptime(match.group(1).upper(), "%Y%m%dT%H%M%S").replace(tzinfo=zone)
    except ValueError as exc:
        raise RtspStatus(400, f"bad playback time {text[:40]!r}") from exc


def parse_stream_path(
    path_and_query: str, *, z_zone: tzinfo | None = None, local_zone: tzinfo = UTC
) -> StreamPath:
    """Raise ``RtspStatus(404)`` for paths no Hikvision device serves, 400 for bad spans."""
    parts = urlsplit(strip_track(path_and_query))
    path = unquote(parts.path)
    if match := _LIVE.match(path):
        channel, stream = divmod(int(match.group(1)), 100)
        return StreamPath("live", channel, stream)
    if match := _PLAYBACK.match(path):
        channel, stream = divmod(int(match.group(1)), 100)
        query = {k.lower(): v[0] for k, v in parse_qs(parts.query).items()}
        if "starttime" not in query or "endtime" not in query:
            raise RtspStatus(400, "playback needs starttime and endtime")
        start = parse_compact_time(query["starttime"], z_zone=z_zone, local_zone=local_zone)
        end = parse_compact_time(query["endtime"], z_zone=z_zone, local_zone=local_zone)
        if end <= start:
            raise RtspStatus(457, "endtime must be after starttime")
        return StreamPath("playback", channel, stream, (start, end))
    if match := _EURL.match(path):
        return StreamPath("token", token=match.group(1))
    raise RtspStatus(404, f"no stream at {path[:80]!r}")
