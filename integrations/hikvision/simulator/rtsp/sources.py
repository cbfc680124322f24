"""Which feed and span an RTSP URI means on a simulated camera or on the HikCentral port.

A camera answers ``/Streaming/Channels`` and ``/Streaming/tracks`` for its own channel
(``"Z"`` playback times read as local wall clock when the camera has that quirk); the
site's streaming port answers ``/EUrl/<token>`` for whatever camera and span the gateway
granted.  Recorder faults (offline, gaps, corrupt footage) come from the feed itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING

from integrations.hikvision.simulator.rtsp.messages import RtspStatus
from integrations.hikvision.simulator.rtsp.paths import parse_stream_path
from integrations.hikvision.simulator.rtsp.server import Resolver, StreamSource
from integrations.hikvision.simulator.rtsp.tokens import StreamTokens
from integrations.hikvision.simulator.video.feed import VideoFeed

if TYPE_CHECKING:
    from integrations.hikvision.simulator.camera.device import SimulatedCamera

type FeedOf = Callable[["SimulatedCamera"], VideoFeed]


def camera_resolver(
    camera: SimulatedCamera,
    feed_of: FeedOf,
    *,
    local_zone: tzinfo,
    z_zone: Callable[[], tzinfo | None],
) -> Resolver:
    """URIs of one camera's port 554: its channel's main/sub/third stream, live or by time."""

    def resolve(path_and_query: str) -> StreamSource:
        target = parse_stream_path(path_and_query, z_zone=z_zone(), local_zone=local_zone)
        if (
            target.kind == "token"
            or target.channel != camera.channel
            or not 1 <= target.stream <= 3
        ):
            raise RtspStatus(404, f"camera {camera.name} has no such stream")
        return StreamSource(feed_of(camera), target.span, f"{camera.name} {target.kind}")

    return resolve


def token_resolver(
    tokens: StreamTokens, cameras: Sequence[SimulatedCamera], feed_of: FeedOf
) -> Resolver:
    """URIs of the HikCentral streaming port: ``/EUrl/<token>`` only, while the token lives."""
    by_code = {camera.index_code: camera for camera in cameras}

    def resolve(path_and_query: str) -> StreamSource:
        target = parse_stream_path(path_and_query)
        if target.kind != "token":
            raise RtspStatus(404, "only /EUrl/<token> on the streaming port")
        grant = tokens.resolve(target.token)
        camera = by_code.get(grant.camera_index_code) if grant is not None else None
        if grant is None or camera is None:
            raise RtspStatus(404, "unknown or expired stream token")
        kind = "live" if grant.span is None else "playback"
        return StreamSource(feed_of(camera), grant.span, f"{camera.name} {kind} via HikCentral")

    return resolve
