"""Typed plate-read payloads: what every ingest path (push, alert stream, backfill) produces.

One shape for all three paths is what lets one pipeline dedupe, merge and store them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class ReadSource(StrEnum):
    """Which path delivered the read."""

    PUSH = "push"
    ALERT_STREAM = "alertStream"
    BACKFILL = "backfill"


@dataclass(frozen=True, slots=True)
class StoredPicture:
    """A picture already written to media storage (relative path)."""

    kind: str
    path: str


@dataclass(frozen=True, slots=True)
class PlateRead:
    """One camera reading, normalised enough to be queued (JSON-serialisable)."""

    source: ReadSource
    natural_key: str
    camera_code: str
    camera_name: str
    plate_text: str
    confidence: float
    occurred_at: datetime
    direction: str | None = None
    vehicle_type: str | None = None
    pictures: tuple[StoredPicture, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "v": 1,
            "source": self.source.value,
            "naturalKey": self.natural_key,
            "cameraCode": self.camera_code,
            "cameraName": self.camera_name,
            "plateText": self.plate_text,
            "confidence": self.confidence,
            "occurredAt": self.occurred_at.isoformat(),
            "direction": self.direction,
            "vehicleType": self.vehicle_type,
            "pictures": [{"kind": p.kind, "path": p.path} for p in self.pictures],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlateRead:
        if data.get("v") != 1:
            raise ValueError(f"unsupported plate-read payload version {data.get('v')!r}")
        return cls(
            source=ReadSource(data["source"]),
            natural_key=str(data["naturalKey"]),
            camera_code=str(data["cameraCode"]),
            camera_name=str(data["cameraName"]),
            plate_text=str(data["plateText"]),
            confidence=float(data["confidence"]),
            occurred_at=datetime.fromisoformat(data["occurredAt"]).astimezone(UTC),
            direction=data.get("direction"),
            vehicle_type=data.get("vehicleType"),
            pictures=tuple(
                StoredPicture(str(p["kind"]), str(p["path"])) for p in data.get("pictures", [])
            ),
        )


def device_natural_key(device_id: str, channel: int, occurred_at: datetime, plate: str) -> str:
    """(device, channel, time, plate): the key when a camera gives no event UUID."""
    stamp = occurred_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")
    return f"dev:{device_id.lower()}:{channel}:{stamp}:{plate}"


def pass_key(camera_code: str, occurred_at: datetime, plate: str) -> str:
    """Same camera, same plate, same second: the same pass seen through another channel."""
    stamp = occurred_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    raw = f"{camera_code}|{stamp}|{plate}"
    return hashlib.sha256(raw.encode()).hexdigest()[:40]
