"""The simulated Hikvision site of the default run (SIMULATOR_ENABLED=true).

Starts the project's own simulator (real HTTP, real multipart pushes) in-process, registers
its cameras in the database with per-camera push tokens, and lets it generate detections of
the registered fleet plates, so a newcomer sees live reads arrive within a second.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from domcctv.config import Settings
from domcctv.infra.secrets_box import SecretBox
from domcctv.models import Camera, CameraSource, Site, Vehicle
from integrations.hikvision.simulator import SimulatedSite, SiteConfig

logger = logging.getLogger(__name__)

SITE_NAME = "Patio simulado"


async def register_cameras(site: SimulatedSite, box: SecretBox) -> None:
    yard, _ = await Site.get_or_create(name=SITE_NAME)
    for cam in site.cameras:
        values: dict[str, Any] = {
            "site_id": yard.id,
            "name": cam.name,
            "source": CameraSource.HIKCENTRAL,
            "hikcentral_index_code": cam.index_code,
            "isapi_url": cam.base_url,
            "username": cam.username,
            "password_encrypted": box.encrypt(cam.password),
            "channel": cam.channel,
            "serial_number": cam.serial,
            "mac_address": cam.mac,
            "details": {"rtsp_port": site.rtsp_port(cam)},
            "push_token_hash": hashlib.sha256(cam.push_token.encode()).hexdigest(),
            "is_active": True,
        }
        camera = await Camera.get_or_none(code=cam.index_code)
        if camera is None:
            await Camera.create(code=cam.index_code, **values)
        else:
            await camera.update_from_dict(values).save()


@asynccontextmanager
async def simulated_site(settings: Settings) -> AsyncIterator[SimulatedSite]:
    plates = tuple(await Vehicle.all().limit(50).values_list("plate", flat=True))
    config = SiteConfig(
        cameras=settings.simulator_cameras,
        push_url=f"http://127.0.0.1:{settings.port}/ingest/isapi/{{token}}",
        fleet_plates=tuple(str(p) for p in plates),
        seed=None,
    )
    async with SimulatedSite(config) as site:
        await register_cameras(site, SecretBox(settings.jwt_secret.get_secret_value()))
        if settings.simulator_rate > 0:
            site.start_auto(settings.simulator_rate)
        logger.info(
            "simulated Hikvision site: %d cameras pushing %.2f reads/s",
            len(site.cameras),
            settings.simulator_rate,
        )
        yield site
