"""Services shared by the simulated gateway and cameras of one site."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

import aiohttp

from integrations.hikvision.simulator.config import SiteConfig
from integrations.hikvision.simulator.pictures import PictureRenderer
from integrations.hikvision.simulator.plates import PlateGenerator
from integrations.hikvision.simulator.records import RecordStore


@dataclass(slots=True)
class SiteContext:
    config: SiteConfig
    rng: random.Random
    plates: PlateGenerator
    renderer: PictureRenderer
    store: RecordStore
    tz: tzinfo
    push_enabled: bool = True
    http: aiohttp.ClientSession | None = field(default=None, repr=False)

    def now(self) -> datetime:
        return datetime.now(self.tz)
