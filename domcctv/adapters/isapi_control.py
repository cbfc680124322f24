"""DeviceControl over ISAPI: each action opens a digest-authenticated client on a shared
aiohttp session and maps integration failures onto IntegrationUnavailable."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp

from domcctv.domain.devices import DeviceAccess
from domcctv.domain.errors import IntegrationUnavailable
from integrations.hikvision.errors import HikvisionError
from integrations.hikvision.isapi.client import IsapiClient

ACTION_TIMEOUT = 8.0


class IsapiDeviceControl:
    """The DeviceControl protocol, backed by the project's ISAPI client."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @asynccontextmanager
    async def _client(self, device: DeviceAccess) -> AsyncIterator[IsapiClient]:
        if self._session is None:  # created lazily inside the running loop
            self._session = aiohttp.ClientSession()
        try:
            async with IsapiClient(
                self._session,
                device.base_url,
                device.username,
                device.password,
                timeout=ACTION_TIMEOUT,
            ) as client:
                yield client
        except HikvisionError as exc:
            raise IntegrationUnavailable(
                f"Camera did not answer: {type(exc).__name__}: {exc}"
            ) from exc

    async def snapshot(self, device: DeviceAccess) -> bytes:
        async with self._client(device) as client:
            return await client.snapshot(device.channel)

    async def ptz_move(self, device: DeviceAccess, pan: int, tilt: int, zoom: int) -> None:
        async with self._client(device) as client:
            await client.ptz_continuous(device.channel, pan, tilt, zoom)

    async def ptz_stop(self, device: DeviceAccess) -> None:
        async with self._client(device) as client:
            await client.ptz_stop(device.channel)

    async def ptz_goto_preset(self, device: DeviceAccess, preset: int) -> None:
        async with self._client(device) as client:
            await client.ptz_goto_preset(device.channel, preset)
