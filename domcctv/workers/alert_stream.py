"""One ISAPI alertStream listener per camera: the pull path for reads (no inbound port).

The stream never ends normally; every break (EOF, timeout, reset) reconnects with bounded
exponential backoff. Heartbeats only prove liveness (they refresh the camera's last_seen).
Authentication failures are recorded on the camera and retried slowly, since devices lock
accounts after repeated failures.

Each (re)connection reloads the camera, so its time-zone settings, credentials and active
flag apply from the next connection; a deactivated camera's listener stops. Reads go through
the same validation as pushes (``domcctv.adapters.anpr``); one that can never be stored is
logged with the camera code and skipped (a stream has nobody to answer 400 to).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

import aiohttp
import anyio
from anyio.abc import TaskGroup

from domcctv.adapters.anpr import CameraIdentity, alert_to_read
from domcctv.domain.reads import InvalidRead, ReadSource
from domcctv.infra.media import MediaStore
from domcctv.infra.queue import IngestQueue
from domcctv.infra.secrets_box import SecretBox
from domcctv.models import Camera
from domcctv.services.cameras import camera_zone
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


async def _listenable(camera_id: int) -> Camera | None:
    camera = await Camera.filter(id=camera_id).select_related("site").first()
    if camera is None or not camera.is_active:
        return None
    if not (camera.isapi_url and camera.username and camera.password_encrypted):
        return None
    return camera


async def _enqueue(
    alert: AnprAlert,
    camera: Camera,
    queue: IngestQueue,
    store: MediaStore,
    tolerance: timedelta,
) -> None:
    try:
        read = await alert_to_read(
            alert,
            camera=CameraIdentity(camera.code, camera.name),
            source=ReadSource.ALERT_STREAM,
            store=store,
            arrived_at=utcnow(),
            clock_skew_tolerance=tolerance,
        )
    except InvalidRead as exc:
        logger.warning("alert stream of %s: read refused: %s", camera.code, exc)
        return
    await queue.enqueue(read)


async def listen_camera(
    camera_id: int,
    box: SecretBox,
    session: aiohttp.ClientSession,
    queue: IngestQueue,
    store: MediaStore,
    *,
    clock_skew_tolerance: timedelta = timedelta(minutes=10),
) -> None:
    """Hold the camera's alert stream open and enqueue its ANPR events, until the camera is
    deactivated (or loses its ISAPI access)."""
    delay = 1.0
    while True:
        code = str(camera_id)
        try:
            camera = await _listenable(camera_id)
            if camera is None:
                logger.info("alert stream of camera %s: no longer active; listener stops", code)
                return
            code = camera.code
            password = box.decrypt(camera.password_encrypted or "")
            if password is None:
                logger.error("camera %s: stored password cannot be decrypted", code)
                return
            assert camera.isapi_url is not None
            assert camera.username is not None
            zone = camera_zone(camera.timezone, camera.site.timezone if camera.site else None)
            async with IsapiClient(
                session,
                camera.isapi_url,
                camera.username,
                password,
                device_tz=zone,
                z_is_local=camera.z_is_local_time,
            ) as client:
                stream = client.alert_stream(read_timeout=35)
                async with contextlib.aclosing(stream):
                    async for event in stream:
                        delay = 1.0
                        if isinstance(event, Heartbeat):
                            await _mark(camera.id, error=None)
                        elif isinstance(event, AnprAlert):
                            await _enqueue(event, camera, queue, store, clock_skew_tolerance)
        except HikvisionAuthError as exc:
            logger.warning("alert stream of %s: authentication failed", code)
            await _mark(camera_id, error=f"authentication failed: {exc}")
            delay = AUTH_BACKOFF
        except HikvisionError as exc:
            logger.info(
                "alert stream of %s broke (%s); reconnecting in %.0fs",
                code,
                type(exc).__name__,
                delay,
            )
            with contextlib.suppress(Exception):
                await _mark(camera_id, error=f"alert stream: {type(exc).__name__}")
        except Exception:
            logger.exception("alert stream of %s failed", code)
        await anyio.sleep(delay)
        delay = min(MAX_BACKOFF, delay * 2)


async def supervise_alert_streams(
    queue: IngestQueue,
    store: MediaStore,
    box: SecretBox,
    *,
    rescan_seconds: float,
    clock_skew_tolerance: timedelta = timedelta(minutes=10),
) -> None:
    """Start a listener for every active camera with ISAPI access, picking up new ones (and
    cameras re-activated after their listener stopped)."""
    started: set[int] = set()

    async def run(camera_id: int, session: aiohttp.ClientSession) -> None:
        try:
            await listen_camera(
                camera_id,
                box,
                session,
                queue,
                store,
                clock_skew_tolerance=clock_skew_tolerance,
            )
        finally:
            started.discard(camera_id)

    async with aiohttp.ClientSession() as session, anyio.create_task_group() as group:
        while True:
            try:
                await _start_new(group, started, session, run)
            except Exception:
                logger.exception("alert stream rescan failed; retrying")
            await anyio.sleep(rescan_seconds)


async def _start_new(
    group: TaskGroup,
    started: set[int],
    session: aiohttp.ClientSession,
    run: Callable[[int, aiohttp.ClientSession], Coroutine[Any, Any, None]],
) -> None:
    cameras = await Camera.filter(
        is_active=True, isapi_url__isnull=False, password_encrypted__isnull=False
    ).only("id")
    for camera in cameras:
        camera_id = camera.id
        if camera_id in started:
            continue
        started.add(camera_id)
        group.start_soon(run, camera_id, session)
