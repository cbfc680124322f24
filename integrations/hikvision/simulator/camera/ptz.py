"""A tiny PTZ state machine: continuous speeds integrate into a position, presets recall it.

Enough physics to let tests observe that a move happened and that "all zeros" stops it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from integrations.hikvision.models import PtzVector

PAN_RATE = 9.0  # tenths of a degree per second per unit of speed (100 -> 90 deg/s)
TILT_RATE = 4.5
ZOOM_RATE = 0.1  # zoom units (x10) per second per unit of speed


@dataclass(slots=True)
class PtzPosition:
    azimuth: float = 0.0  # 0..3600 tenths of a degree
    elevation: float = 0.0  # 0..900
    zoom: float = 10.0  # 10..320 (1x..32x)


@dataclass(slots=True)
class PtzState:
    position: PtzPosition = field(default_factory=PtzPosition)
    speed: PtzVector = field(default_factory=PtzVector)
    presets: dict[int, PtzPosition] = field(default_factory=dict)
    moves: int = 0
    _since: float = field(default_factory=time.monotonic)

    def _advance(self) -> None:
        now = time.monotonic()
        dt, self._since = now - self._since, now
        pos = self.position
        pos.azimuth = (pos.azimuth + self.speed.pan * PAN_RATE * dt) % 3600
        pos.elevation = min(900.0, max(0.0, pos.elevation + self.speed.tilt * TILT_RATE * dt))
        pos.zoom = min(320.0, max(10.0, pos.zoom + self.speed.zoom * ZOOM_RATE * dt))

    def continuous(self, vector: PtzVector) -> None:
        self._advance()
        self.speed = vector
        self.moves += 0 if vector.is_stop else 1

    @property
    def moving(self) -> bool:
        return not self.speed.is_stop

    def current(self) -> PtzPosition:
        self._advance()
        return PtzPosition(self.position.azimuth, self.position.elevation, self.position.zoom)

    def set_preset(self, preset: int) -> None:
        self.presets[preset] = self.current()

    def goto(self, preset: int) -> bool:
        target = self.presets.get(preset)
        if target is None:
            return False
        self._advance()
        self.speed = PtzVector()
        self.position = PtzPosition(target.azimuth, target.elevation, target.zoom)
        return True
