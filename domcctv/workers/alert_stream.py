"""One ISAPI alertStream listener per camera: the pull path for reads (no inbound port).

The stream never ends normally; every break (EOF, timeout, reset) reconnects with bounded
exponential backoff. Heartbeats only prove liveness (they refresh the camera's last_seen).
Authentication failures are recorded on the camera and retried slowly, since devices lock
accounts after repeated failures.
"""

from __future__ import annotations

import contextlib
import logging

import aiohttp
import anyio
from anyio.abc import TaskGroup

from domcctv.adapters.anpr import alert_to_read
from domcctv.domain.reads import ReadSource
from domcctv.infra.media import MediaStore
from domcctv.infra.queue import IngestQueue
from domcctv.infra.secrets_box import SecretBox
from domcctv.models import Camera
from domcctv.services.clock import utcnow
from integrations.hikvision.errors import HikvisionAuthError, HikvisionError
from integrations.hikvision.isapi.client import IsapiClient
from integrations.hikvision.models import AnprAlert, Heartbeat

logger = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
AUTH_BACKOFF = 300.0


async def _mark(camera_id: int, *, error: str | None) -> None:
    if error is None:
        await Camera.filter(id=camera_id).update(last_seen_at=utcnow())
    else:
        await Camera.filter(id=camera_id).update(last_error=error[:300], last_error_at=utcnow())


async def listen_camera(
    camera: Camera,
    password: str,
    session: aiohttp.ClientSession,
    queue: IngestQueue,
    store: MediaStore,
) -> None:
    """Forever: hold the camera's alert stream open and enqueue its ANPR events."""
    assert camera.isapi_url is not None
    assert camera.username is not None
    delay = 1.0
    while True:
        try:
            async with IsapiClient(session, camera.isapi_url, camera.username, password) as client:
                stream = client.alert_stream(read_timeout=35)
                async with contextlib.aclosing(stream):
                    async for event in stream:
                        delay = 1.0
                        if isinstance(event, Heartbeat):
                            await _mark(camera.id, error=None)
                        elif isinstance(event, AnprAlert):
                            await queue.enqueue(
                                await alert_to_read(
                                    event,
                                    camera_code=camera.code,
                                    camera_name=camera.name,
                                    source=ReadSource.ALERT_STREAM,
                                    store=store,
                                )
                            )
        except HikvisionAuthError as exc:
            logger.warning("alert stream of %s: authentication failed", camera.code)
            await _mark(camera.id, error=f"authentication failed: {exc}")
            delay = AUTH_BACKOFF
        except HikvisionError as exc:
            logger.info(
                "alert stream of %s broke (%s); reconnecting in %.0fs",
                camera.code,
                type(exc).__name__,
                delay,
            )
            await _mark(camera.id, error=f"alert stream: {type(exc).__name__}")
        except Exception:
            logger.exception("alert stream of %s failed", camera.code)
        await anyio.sleep(delay)
        delay = min(MAX_BACKOFF, delay * 2)


async def supervise_alert_streams(
    queue: IngestQueue, store: MediaStore, box: SecretBox, *, rescan_seconds: float
) -> None:
    """Start a listener for every active camera with ISAPI access, picking up new ones."""
    started: set[int] = set()
    async with aiohttp.ClientSession() as session, anyio.create_task_group() as group:
        while True:
            await _start_new(group, started, session, queue, store, box)
            await anyio.sleep(rescan_seconds)


async def _start_new(
    group: TaskGroup,
    started: set[int],
    session: aiohttp.ClientSession,
    queue: IngestQueue,
    store: MediaStore,
    box: SecretBox,
) -> None:
    cameras = await Camera.filter(
        is_active=True, isapi_url__isnull=False, password_encrypted__isnull=False
    )
    for camera in cameras:
        if camera.id in started or camera.password_encrypted is None:
            continue
        password = box.decrypt(camera.password_encrypted)
        if password is None:
            logger.error("camera %s: stored password cannot be decrypted", camera.code)
            continue
        started.add(camera.id)
        group.start_soon(listen_camera, camera, password, session, queue, store)
