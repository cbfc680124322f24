"""ISAPI "HTTP listening" receiver: cameras POST multipart ANPR events here.

It only authenticates the device (per-camera token in the path; the camera, not the payload,
decides which camera a read belongs to), parses with that camera's time-zone settings,
validates the read (``domcctv.domain.reads``), stores the pictures, puts the read on the
durable queue and answers 200. Cameras do not retry, so everything before the 200 must be
durable and everything after it may fail and be retried from the queue; a read that can
never be stored is refused (400 ``INVALID_READ``) before anything is written.

Device lookups are cached briefly per token hash. A token rotation, deactivation or settings
change is announced on the bus (``DEVICE_CHANGES_CHANNEL``, staged in the change's own
transaction) and every receiver forgets that camera at once; the cache lifetime only bounds
what a lost announcement could cost. Push tokens are never logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta, tzinfo
from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise.exceptions import DBConnectionError, OperationalError

from domcctv.adapters.anpr import CameraIdentity, alert_to_read
from domcctv.domain.reads import InvalidRead, ReadSource
from domcctv.infra.bus import Bus, SlowConsumerError
from domcctv.infra.media import MediaStore
from domcctv.infra.queue import IngestQueue
from domcctv.models import Camera
from domcctv.services.cameras import DEVICE_CHANGES_CHANNEL, camera_zone
from domcctv.services.clock import utcnow
from integrations.hikvision.errors import HikvisionProtocolError
from integrations.hikvision.isapi.events import parse_push
from integrations.hikvision.models import AnprAlert

logger = logging.getLogger(__name__)

MAX_PUSH_BYTES = 8 * 1024 * 1024
MAX_PART_BYTES = 4 * 1024 * 1024
MAX_PARTS = 8
TOKEN_CACHE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class _CameraRef:
    id: int
    code: str
    name: str
    zone: tzinfo
    z_is_local: bool


def _is_device_change(channel: str, message: dict[str, Any]) -> bool:
    return channel == DEVICE_CHANGES_CHANNEL and message.get("type") == "camera"


class PushReceiver:
    """Starlette endpoint object; holds the token cache, store and queue."""

    def __init__(
        self,
        store: MediaStore,
        queue: IngestQueue,
        *,
        clock_skew_tolerance: timedelta = timedelta(minutes=10),
    ) -> None:
        self.store = store
        self.queue = queue
        self.clock_skew_tolerance = clock_skew_tolerance
        self._tokens: dict[str, tuple[float, _CameraRef]] = {}

    # ------------------------------------------------------------------ device cache

    async def _camera(self, token: str) -> _CameraRef | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        cached = self._tokens.get(digest)
        now = time.monotonic()
        if cached and now - cached[0] < TOKEN_CACHE_SECONDS:
            return cached[1]
        try:
            row = (
                await Camera.filter(push_token_hash=digest, is_active=True)
                .select_related("site")
                .first()
            )
        except (OperationalError, DBConnectionError, OSError):
            if cached is not None:  # database down: a known device keeps being accepted
                return cached[1]
            raise
        if row is None:
            # Unknown tokens are not cached: random tokens must not grow this dict.
            self._tokens.pop(digest, None)
            return None
        site_zone = row.site.timezone if row.site is not None else None
        ref = _CameraRef(
            row.id, row.code, row.name, camera_zone(row.timezone, site_zone), row.z_is_local_time
        )
        self._tokens[digest] = (now, ref)
        return ref

    def forget(self, camera_id: object) -> None:
        """Drop every cached token of one camera (all of them when the id is unknown)."""
        if not isinstance(camera_id, int):
            self._tokens.clear()
            return
        for digest in [d for d, (_, ref) in self._tokens.items() if ref.id == camera_id]:
            del self._tokens[digest]

    async def follow_device_changes(self, bus: Bus) -> None:
        """Forever: forget a camera as soon as a change to it is announced on the bus."""
        while True:
            try:
                async with bus.subscribe(_is_device_change) as sub:
                    self._tokens.clear()  # whatever changed before we listened is forgotten
                    async for message in sub.messages():
                        self.forget(message.get("cameraId"))
            except asyncio.CancelledError:
                raise
            except SlowConsumerError:
                self._tokens.clear()
            except Exception:
                logger.exception("device-change subscription failed; resubscribing")
                self._tokens.clear()
                await asyncio.sleep(1)

    # ------------------------------------------------------------------ endpoint

    async def handle(self, request: Request) -> Response:
        arrived_at = utcnow()
        try:
            camera = await self._camera(request.path_params.get("token", ""))
        except (OperationalError, DBConnectionError, OSError):
            logger.error("push refused: device lookup failed (database unavailable)")
            return _error(503, "UNAVAILABLE", "Device registry unavailable; retry later")
        if camera is None:
            return _error(401, "UNKNOWN_DEVICE", "Unknown or disabled device token")
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_PUSH_BYTES):
            return _error(413, "PAYLOAD_TOO_LARGE", f"Push larger than {MAX_PUSH_BYTES} bytes")
        chunks = await _read_body(request)
        if chunks is None:
            return _error(413, "PAYLOAD_TOO_LARGE", f"Push larger than {MAX_PUSH_BYTES} bytes")
        content_type = request.headers.get("content-type")
        try:
            event = await anyio.to_thread.run_sync(
                lambda: parse_push(
                    content_type,
                    b"".join(chunks),
                    max_part_bytes=MAX_PART_BYTES,
                    max_parts=MAX_PARTS,
                    device_tz=camera.zone,
                    z_is_local=camera.z_is_local,
                )
            )
        except HikvisionProtocolError as exc:
            logger.warning("rejected push from camera %s: %s", camera.code, exc)
            return _error(400, "MALFORMED_PUSH", str(exc))
        except (ValueError, OverflowError, UnicodeError):
            # A payload the parser did not foresee: still the sender's, never a 500.
            logger.exception("unparseable push from camera %s", camera.code)
            return _error(400, "MALFORMED_PUSH", "The push could not be parsed")
        if not isinstance(event, AnprAlert):
            return JSONResponse({"status": "ignored"})  # heartbeats and non-ANPR alarms
        try:
            read = await alert_to_read(
                event,
                camera=CameraIdentity(camera.code, camera.name),
                source=ReadSource.PUSH,
                store=self.store,
                arrived_at=arrived_at,
                clock_skew_tolerance=self.clock_skew_tolerance,
            )
        except InvalidRead as exc:
            logger.warning("refused read from camera %s: %s", camera.code, exc)
            return _error(400, InvalidRead.code, str(exc), field=exc.field)
        except OSError:
            logger.exception("push from camera %s: pictures could not be stored", camera.code)
            return _error(503, "UNAVAILABLE", "Evidence storage unavailable; retry later")
        try:
            await self.queue.enqueue(read)
        except Exception:
            logger.exception("push from camera %s: the ingest queue is unavailable", camera.code)
            return _error(503, "UNAVAILABLE", "Ingest queue unavailable; retry later")
        return JSONResponse({"status": "accepted", "key": read.natural_key})


async def _read_body(request: Request) -> list[bytes] | None:
    """The body as received (None past ``MAX_PUSH_BYTES``). The chunks are joined once, in
    the parse thread: growing a buffer on the event loop and copying it again for the parser
    cost two copies of ~0.5 MB per push, one of them holding the loop."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PUSH_BYTES:
            return None
        if chunk:
            chunks.append(chunk)
    return chunks


def _error(status: int, code: str, message: str, *, field: str | None = None) -> JSONResponse:
    error: dict[str, str] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return JSONResponse({"error": error}, status_code=status)
