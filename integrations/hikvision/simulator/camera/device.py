"""One simulated ANPR camera: identity, state, and the ``emit_read`` control used by tests.

A read goes everywhere a real one would: the camera's plate buffer, HikCentral's record
table (visible after a lag), every open ``alertStream`` connection, and, when push is
enabled, one HTTP-listening POST that is never retried (as observed on real cameras).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections import deque
from datetime import datetime, timedelta

import aiohttp

from integrations.hikvision.simulator.camera import payloads
from integrations.hikvision.simulator.camera.auth import CameraAuth
from integrations.hikvision.simulator.camera.ptz import PtzState
from integrations.hikvision.simulator.camera.recordings import Recorder, SearchRequest
from integrations.hikvision.simulator.config import CameraConfig
from integrations.hikvision.simulator.context import SiteContext
from integrations.hikvision.simulator.records import SimulatedRead

logger = logging.getLogger(__name__)

STOP = b""  # queue sentinel: end the alert stream cleanly
BREAK_MID_PART = b"\x00break"  # queue sentinel: cut the connection halfway through a part
_VEHICLE_TYPES = ("truck", "truck", "truck", "containerTruck", "pickupTruck", "vehicle", "SUVMPV")
_COLORS = ("white", "white", "red", "blue", "gray", "black", "yellow")
STREAM_QUEUE_SIZE = 256


class SimulatedCamera:
    """State and behaviour behind one camera's aiohttp app (see ``camera.app``)."""

    def __init__(self, ctx: SiteContext, index: int, cfg: CameraConfig) -> None:
        if not (cfg.name and cfg.serial and cfg.mac and cfg.index_code):
            raise ValueError("resolve the camera config with SiteConfig.camera(index)")
        self._ctx = ctx
        self.index = index
        self.name, self.serial, self.mac = cfg.name, cfg.serial, cfg.mac
        self.index_code, self.channel, self.namespace = cfg.index_code, cfg.channel, cfg.namespace
        self.username, self.password = cfg.username, cfg.password
        self.push_token = cfg.push_token or cfg.serial
        self.auth = CameraAuth(cfg.username, cfg.password, basic_only=cfg.basic_only)
        self.ptz = PtzState()
        self.snapshot_error = ctx.config.snapshot_error
        self.push_jpeg_type = "image/jpeg"
        self.push_url = self._initial_push_url()
        self.host, self.port, self.requested_port = ctx.config.host, 0, cfg.port
        self.recorder: Recorder | None = None
        self.plate_buffer: deque[SimulatedRead] = deque(maxlen=1000)
        self._subscribers: set[asyncio.Queue[bytes]] = set()
        self._last_pic_name = 0
        self.dropped_stream_parts = 0

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
            history_hours=cfg.recording_hours,
            page_cap=cfg.search_page_cap,
            local_z=self._ctx.tz if cfg.search_local_z else None,
            missing_endtime_every=cfg.search_missing_endtime_every,
        )

    def now(self) -> datetime:
        return self._ctx.now()

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
        xml = payloads.anpr_alert(self.identity, read)
        pictures = payloads.pictures_of(read)
        stream_chunk = payloads.stream_part(xml, 'application/xml; charset="UTF-8"') + b"".join(
            payloads.stream_part(data, "image/jpeg", name) for name, data in pictures
        )
        delivered = self._broadcast(stream_chunk)
        status, error = None, None
        if push and self._ctx.push_enabled and self.push_url:
            body = payloads.push_body(xml, pictures, self.push_jpeg_type)
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
