"""CameraDirectory over the HikCentral OpenAPI client."""

from __future__ import annotations

from domcctv.domain.devices import DirectoryCamera
from domcctv.domain.errors import IntegrationUnavailable
from integrations.hikvision.errors import HikvisionError
from integrations.hikvision.hikcentral.client import HikCentralClient


class HikCentralDirectory:
    """Lists the platform's cameras (paged until ``total``)."""

    def __init__(self, client: HikCentralClient) -> None:
        self._client = client

    async def list_cameras(self) -> list[DirectoryCamera]:
        try:
            return [
                DirectoryCamera(index_code=c.index_code, name=c.name, online=c.status_online)
                async for c in self._client.iter_cameras()
            ]
        except HikvisionError as exc:
            raise IntegrationUnavailable(f"HikCentral did not answer: {exc}") from exc
