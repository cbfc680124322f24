"""ISAPI "HTTP listening" receiver: cameras POST multipart ANPR events here.

It only authenticates the device (per-camera token in the path; the camera, not the payload,
decides which camera a read belongs to), parses, stores the pictures, puts the read on the
durable queue and answers 200. Cameras do not retry, so everything before the 200 must be
durable and everything after it may fail and be retried from the queue.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from tortoise.exceptions import DBConnectionError, OperationalError

from domcctv.adapters.anpr import alert_to_read
from domcctv.domain.reads import ReadSource
from domcctv.infra.media import MediaStore
from domcctv.infra.queue import IngestQueue
from domcctv.models import Camera
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
    code: str
    name: str


class PushReceiver:
    """Starlette endpoint object; holds the token cache, store and queue."""

    def __init__(self, store: MediaStore, queue: IngestQueue) -> None:
        self.store = store
        self.queue = queue
        self._tokens: dict[str, tuple[float, _CameraRef]] = {}

    async def _camera(self, token: str) -> _CameraRef | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        cached = self._tokens.get(digest)
        now = time.monotonic()
        if cached and now - cached[0] < TOKEN_CACHE_SECONDS:
            return cached[1]
        try:
            row = await Camera.get_or_none(push_token_hash=digest, is_active=True)
        except (OperationalError, DBConnectionError, OSError):
            if cached is not None:  # database down: a known device keeps being accepted
                return cached[1]
            raise
        if row is None:
            # Unknown tokens are not cached: random tokens must not grow this dict.
            return None
        ref = _CameraRef(row.code, row.name)
        self._tokens[digest] = (now, ref)
        return ref

    async def handle(self, request: Request) -> Response:
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
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > MAX_PUSH_BYTES:
                return _error(413, "PAYLOAD_TOO_LARGE", f"Push larger than {MAX_PUSH_BYTES} bytes")
        content_type = request.headers.get("content-type")
        try:
            event = await anyio.to_thread.run_sync(
                lambda: parse_push(
                    content_type, bytes(body), max_part_bytes=MAX_PART_BYTES, max_parts=MAX_PARTS
                )
            )
        except HikvisionProtocolError as exc:
            logger.warning("rejected push from camera %s: %s", camera.code, exc)
            return _error(400, "MALFORMED_PUSH", str(exc))
        if not isinstance(event, AnprAlert):
            return JSONResponse({"status": "ignored"})  # heartbeats and non-ANPR alarms
        read = await alert_to_read(
            event,
            camera_code=camera.code,
            camera_name=camera.name,
            source=ReadSource.PUSH,
            store=self.store,
        )
        await self.queue.enqueue(read)
        return JSONResponse({"status": "accepted", "key": read.natural_key})


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
