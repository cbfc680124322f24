"""What services need from a camera (implemented over ISAPI outside the service layer)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DeviceAccess:
    """How to reach one camera's ISAPI (password already decrypted; never logged)."""

    base_url: str
    username: str
    password: str
    channel: int


class DeviceControl(Protocol):
    """Device actions a user may trigger; raise IntegrationUnavailable when the device fails."""

    async def snapshot(self, device: DeviceAccess) -> bytes: ...

    async def ptz_move(self, device: DeviceAccess, pan: int, tilt: int, zoom: int) -> None: ...

    async def ptz_stop(self, device: DeviceAccess) -> None: ...

    async def ptz_goto_preset(self, device: DeviceAccess, preset: int) -> None: ...


@dataclass(frozen=True, slots=True)
class DirectoryCamera:
    """A camera as the video platform (HikCentral) lists it."""

    index_code: str
    name: str
    online: bool | None


class CameraDirectory(Protocol):
    """The platform's camera list; raise IntegrationUnavailable when it cannot be read."""

    async def list_cameras(self) -> list[DirectoryCamera]: ...
