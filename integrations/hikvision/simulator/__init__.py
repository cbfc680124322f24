"""Local simulator of a HikCentral Professional gateway and Hikvision ANPR cameras.

In-process: ``async with SimulatedSite(SiteConfig(...)) as site: ...``.
As a process: ``python -m integrations.hikvision.simulator --help`` (see ``__main__``).
"""

from integrations.hikvision.simulator.camera.device import SimulatedCamera
from integrations.hikvision.simulator.config import CameraConfig, SiteConfig
from integrations.hikvision.simulator.records import SimulatedRead
from integrations.hikvision.simulator.site import SimulatedSite

__all__ = ["CameraConfig", "SimulatedCamera", "SimulatedRead", "SimulatedSite", "SiteConfig"]
