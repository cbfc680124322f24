"""One simulated ANPR camera: identity, state, and the ``emit_read`` control used by tests.

A read goes everywhere a real one would: the camera's plate buffer, HikCentral's record
table (visible after a lag), every open ``alertStream`` connection, and, when push is
enabled, one HTTP-listening POST that is never retried (as observed on real cameras).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import uuid
from collections import deque
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp

from integrations.hikvision.simulator.camera import payloads
from integrations.hikvision.simulator.camera.auth import CameraAuth
from integrations.hikvision.simulator.camera.ptz import PtzState
from integrations.hikvision.simulator.camera.recordings import Recorder, SearchRequest
from integrations.hikvision.simulator.config import CameraConfig, PayloadFormat, TimeStyle
from integrations.hikvision.simulator.context import SiteContext
from integrations.hikvision.simulator.records import SimulatedRead
from integrations.hikvision.simulator.video.encoder import VideoSettings
from integrations.hikvision.simulator.video.recorder_feed import RecorderFeed
from integrations.hikvision.simulator.video.timeline import RecorderFaults, Span, Timeline

logger = logging.getLogger(__name__)

STOP = b""  # queue sentinel: end the alert stream cleanly
BREAK_MID_PART = b"\x00break"  # queue sentinel: cut the connection halfway through a part
_VEHICLE_TYPES = ("truck", "truck", "truck", "containerTruck", "pickupTruck", "vehicle", "SUVMPV")
_COLORS = ("white", "white", "red", "blue", "gray", "black", "yellow")
STREAM_QUEUE_SIZE = 256
XML_STREAM_TYPE = 'application/xml; charset="UTF-8"'
JSON_STREAM_TYPE = 'application/json; charset="UTF-8"'
# What some firmware puts in a picture part when the picture could not be grabbed.
HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Error</title></head>"
    b"<body><h1>500 Internal Server Error</h1></body></html>"
)


class SimulatedCamera:
    """State and behaviour behind one camera's aiohttp app (see ``camera.app``).

    Test knobs (plain attributes, changeable while running): ``payload_format`` (``"xml"`` /
    ``"json"``), ``time_style`` and ``clock_offset_seconds`` (how and how wrong the camera
    writes ``dateTime``), ``push_jpeg_type`` (declared type of picture parts) and
    ``html_picture`` (a picture kind, e.g. ``"detectionPicture"``, whose part carries an
    HTML error page instead of a JPEG, as broken firmware sends).

    Recorder knobs (same rules; see ``simulator.video.timeline``): ``recorder_offline``
    (download and RTSP playback refused), ``footage_corrupt`` (downloads are bytes that do not
    decode), ``recording_gaps`` (a list of ``(start, end)`` spans with no footage; search
    skips them, downloads overlapping them are "not found") and ``recorder_lag_seconds``
    (footage newer than that is not on disk yet).  ``feed`` is the camera's
    :class:`~integrations.hikvision.simulator.video.feed.VideoFeed` (recorded and live).
    """

    def __init__(self, ctx: SiteContext, index: int, cfg: CameraConfig) -> None:
        if not (cfg.name and cfg.serial and cfg.mac and cfg.index_code):
            raise ValueError("resolve the camera config with SiteConfig.camera(index)")
        self._ctx = ctx
        self.index = index
        self.name, self.serial, self.mac = cfg.name, cfg.serial, cfg.mac
        self.index_code, self.channel, self.namespace = cfg.index_code, cfg.channel, cfg.namespace
        self.username, self.password = cfg.username, cfg.password
        # Random, not derived from anything an operator can see (the serial is on the label
        # and in deviceInfo): the token alone authenticates the camera's pushes.
        self.push_token = cfg.push_token or secrets.token_urlsafe(24)
        self.payload_format: PayloadFormat = cfg.payload_format
        self.time_style: TimeStyle = cfg.time_style
        self.clock_offset_seconds = cfg.clock_offset_seconds
        self.html_picture: str | None = None
        self.auth = CameraAuth(cfg.username, cfg.password, basic_only=cfg.basic_only)
        self.ptz = PtzState()
        self.snapshot_error = ctx.config.snapshot_error
        self.push_jpeg_type = "image/jpeg"
        self.push_url = self._initial_push_url()
        self.host, self.port, self.requested_port = ctx.config.host, 0, cfg.port
        self.recorder: Recorder | None = None
        self.recorder_faults = RecorderFaults(lag_seconds=ctx.config.recorder_lag_seconds)
        self.timeline = Timeline(
            history_hours=ctx.config.recording_hours,
            chunk_seconds=ctx.config.video_chunk_seconds,
            faults=self.recorder_faults,
        )
        self.feed = self._make_feed()
        self.plate_buffer: deque[SimulatedRead] = deque(maxlen=1000)
        self._subscribers: set[asyncio.Queue[bytes]] = set()
        self._last_pic_name = 0
        self.dropped_stream_parts = 0

    def _make_feed(self) -> RecorderFeed:
        cfg = self._ctx.config
        settings = VideoSettings(
            width=cfg.video_width,
            height=cfg.video_height,
            fps=cfg.video_fps,
            gop_frames=cfg.video_gop_frames,
            chunk_seconds=cfg.video_chunk_seconds,
            preset=cfg.video_preset,
        )
        return RecorderFeed(
            settings=settings,
            timeline=self.timeline,
            camera_name=self.name,
            tz=self._ctx.tz,
            clock_offset=lambda: self.clock_offset_seconds,
            now=self._ctx.now,
            cache_dir=Path(cfg.video_cache_dir) if cfg.video_cache_dir else None,
            cache_bytes=cfg.video_cache_bytes,
            render_concurrency=cfg.video_render_concurrency,
            seed=(cfg.seed or 7) + self.index,
        )

    def _initial_push_url(self) -> str | None:
        template = self._ctx.config.push_url
        if not template:
            return None
        return template.format(
            token=self.push_token, serial=self.serial, index=self.index, index_code=self.index_code
        )

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def identity(self) -> payloads.Identity:
        return payloads.Identity(
            self.name, self.serial, self.mac, self.host, self.port, self.channel, self.namespace
        )

    def bind(self, host: str, port: int) -> None:
        """Called by the site once the listening socket exists."""
        cfg = self._ctx.config
        self.host, self.port = host, port
        self.recorder = Recorder(
            host=host,
            segment_minutes=cfg.segment_minutes,
            timeline=self.timeline,
            page_cap=cfg.search_page_cap,
            local_z=self._ctx.tz if cfg.search_local_z or self.time_style == "local_z" else None,
            missing_endtime_every=cfg.search_missing_endtime_every,
        )

    def now(self) -> datetime:
        return self._ctx.now()

    # ------------------------------------------------------------------ recorder knobs

    @property
    def recorder_offline(self) -> bool:
        return self.recorder_faults.offline

    @recorder_offline.setter
    def recorder_offline(self, value: bool) -> None:
        self.recorder_faults.offline = value

    @property
    def footage_corrupt(self) -> bool:
        return self.recorder_faults.corrupt

    @footage_corrupt.setter
    def footage_corrupt(self, value: bool) -> None:
        self.recorder_faults.corrupt = value

    @property
    def recording_gaps(self) -> list[Span]:
        return self.recorder_faults.gaps

    @recording_gaps.setter
    def recording_gaps(self, value: list[Span]) -> None:
        self.recorder_faults.gaps = list(value)

    @property
    def recorder_lag_seconds(self) -> float:
        return self.recorder_faults.lag_seconds

    @recorder_lag_seconds.setter
    def recorder_lag_seconds(self, value: float) -> None:
        self.recorder_faults.lag_seconds = value

    @property
    def recorded_track(self) -> int:
        """The main-stream track the recorder keeps (``101`` for channel 1)."""
        return self.channel * 100 + 1

    def clock(self, when: datetime | None = None) -> datetime:
        """What this camera's (possibly wrong) clock reads at true time ``when`` (or now)."""
        true_time = (when or self.now()).astimezone(self._ctx.tz)
        return true_time + timedelta(seconds=self.clock_offset_seconds)

    def time_text(self, when: datetime | None = None) -> str:
        """``dateTime`` as this camera writes it for an event at true time ``when``."""
        return payloads.device_time_text(self.clock(when), self.time_style)

    def heartbeat_part(self) -> bytes:
        """One alert-stream heartbeat part in the camera's format and clock."""
        if self.payload_format == "json":
            return payloads.stream_part(
                payloads.heartbeat_json(self.identity, self.time_text()), JSON_STREAM_TYPE
            )
        return payloads.stream_part(
            payloads.heartbeat(self.identity, self.time_text()), XML_STREAM_TYPE
        )

    def alert_document(self, read: SimulatedRead) -> bytes:
        """The read's alert document in the camera's format (XML or JSON)."""
        if self.payload_format == "json":
            return payloads.anpr_alert_json(self.identity, read)
        return payloads.anpr_alert(self.identity, read)

    def picture_parts(self, read: SimulatedRead) -> list[tuple[str, bytes]]:
        """(part name, bytes) of the read's pictures, with the ``html_picture`` fault applied."""
        parts = payloads.pictures_of(read, by_picture_id=self.payload_format == "json")
        kinds = ("detectionPicture", "licensePlatePicture")
        return [
            (name, HTML_ERROR_PAGE if kind == self.html_picture else data)
            for kind, (name, data) in zip(kinds, parts, strict=True)
        ]

    @property
    def heartbeat_interval(self) -> float:
        return self._ctx.config.heartbeat_interval

    async def snapshot_jpeg(self) -> bytes:
        renderer = self._ctx.renderer
        return await asyncio.to_thread(renderer.detection_picture, "LIVE", self.now(), self.name)

    def search_recordings(self, req: SearchRequest) -> bytes:
        assert self.recorder is not None, "camera not bound yet"
        return self.recorder.search(self.namespace, req, self.now())

    # ------------------------------------------------------------------ alert stream fan-out

    def subscribe(self) -> asyncio.Queue[bytes]:
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=STREAM_QUEUE_SIZE)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[bytes]) -> None:
        self._subscribers.discard(queue)

    @property
    def stream_count(self) -> int:
        return len(self._subscribers)

    def _broadcast(self, chunk: bytes) -> int:
        delivered = 0
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(chunk)
                delivered += 1
            except asyncio.QueueFull:
                self.dropped_stream_parts += 1  # a stalled consumer loses events, as on devices
        return delivered

    def close_streams(self) -> None:
        self._broadcast(STOP)

    def break_streams(self) -> None:
        """Fault injection: every open alert stream dies in the middle of a part."""
        self._broadcast(BREAK_MID_PART)

    # ------------------------------------------------------------------ reads

    def _next_pic_name(self, when: datetime) -> str:
        candidate = int(when.strftime("%Y%m%d%H%M%S") + "0000")
        self._last_pic_name = max(candidate, self._last_pic_name + 1)
        return f"{self._last_pic_name:018d}"

    async def emit_read(
        self,
        plate: str | None = None,
        confidence: float | None = None,
        misread: bool = False,
        push: bool = True,
        *,
        unknown: bool = False,
        at: datetime | None = None,
    ) -> SimulatedRead:
        """Generate one read and deliver it; returns it with push/stream delivery results."""
        read = await self._make_read(plate, confidence, misread, unknown, at)
        self._ctx.store.add(read)
        self.plate_buffer.append(read)
        self.feed.add_read(
            read.occurred_at, read.plate_text, read.vehicle_color, read.direction, read.uuid
        )
        document = self.alert_document(read)
        json_format = self.payload_format == "json"
        pictures = self.picture_parts(read)
        stream_chunk = payloads.stream_part(
            document, JSON_STREAM_TYPE if json_format else XML_STREAM_TYPE
        ) + b"".join(payloads.stream_part(data, "image/jpeg", name) for name, data in pictures)
        delivered = self._broadcast(stream_chunk)
        status, error = None, None
        if push and self._ctx.push_enabled and self.push_url:
            body = payloads.push_body(
                document,
                pictures,
                self.push_jpeg_type,
                document_part=payloads.JSON_PART if json_format else payloads.XML_PART,
            )
            status, error = await self._push(body)
        return dataclasses.replace(
            read, push_status=status, push_error=error, delivered_streams=delivered
        )

    async def _make_read(
        self,
        plate: str | None,
        confidence: float | None,
        misread: bool,
        unknown: bool,
        at: datetime | None,
    ) -> SimulatedRead:
        ctx, rng = self._ctx, self._ctx.rng
        sample = ctx.plates.next_read(
            plate, confidence=confidence, force_misread=misread, force_unknown=unknown
        )
        when = (at or ctx.now()).astimezone(ctx.tz)
        lag = timedelta(seconds=rng.uniform(*ctx.config.create_lag))
        plate_jpeg, scene_jpeg = await asyncio.to_thread(self._render, sample.text, when)
        fleet = set(ctx.config.fleet_plates)
        return SimulatedRead(
            camera_index=self.index,
            camera_index_code=self.index_code,
            camera_name=self.name,
            channel=self.channel,
            uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            syscode=f"{rng.getrandbits(128):032X}",
            pic_name=self._next_pic_name(when),
            plate_text=sample.text,
            true_plate=sample.true_plate,
            confidence=sample.confidence,
            char_confidences=sample.char_confidences,
            misread=sample.misread,
            occurred_at=when,
            reported_time=self.time_text(when),
            created_at=when + lag,
            direction=rng.choice(("forward", "forward", "reverse")),
            vehicle_type=rng.choice(_VEHICLE_TYPES),
            vehicle_color=rng.choice(_COLORS),
            list_name="allowList" if sample.true_plate in fleet else "otherList",
            pic_uri=f"/pic?{rng.getrandbits(96):024x}=s{self.index_code}",
            plate_picture=plate_jpeg,
            detection_picture=scene_jpeg,
        )

    def _render(self, text: str, when: datetime) -> tuple[bytes, bytes]:
        renderer = self._ctx.renderer
        return renderer.plate_picture(text), renderer.detection_picture(text, when, self.name)

    async def _push(self, body: bytes) -> tuple[int | None, str | None]:
        """One POST, no retry; failures are logged (without the URL: it carries a token)."""
        session = self._ctx.http
        if session is None or self.push_url is None:
            return None, "no session"
        headers = {"Content-Type": "multipart/form-data; boundary=boundary", "Connection": "close"}
        timeout = aiohttp.ClientTimeout(total=self._ctx.config.push_timeout)
        try:
            async with session.post(
                self.push_url, data=body, headers=headers, timeout=timeout
            ) as resp:
                await resp.read()
                return resp.status, None
        except (aiohttp.ClientError, TimeoutError) as exc:
            logger.warning(
                "camera %s: push failed (%s); not retried", self.name, type(exc).__name__
            )
            return None, type(exc).__name__
