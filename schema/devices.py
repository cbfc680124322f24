"""Site, camera and watchlist types."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry

from domcctv.models import Camera as CameraModel
from domcctv.models import CameraSource
from domcctv.models import Site as SiteModel
from domcctv.models import WatchlistEntry as WatchlistModel
from domcctv.services.cameras import CameraHealth, health_of
from domcctv.services.live_view import camera_company_ids
from schema.companies import Company
from schema.enums import describe_values
from schema.relay import Node, to_global_id

strawberry.enum(CameraHealth, description="Derived camera health.")
strawberry.enum(CameraSource, description="Where the camera record comes from.")
describe_values(
    CameraHealth,
    {
        "ONLINE": "Seen (read, heartbeat or action) in the last 10 minutes.",
        "STALE": "Not seen for more than 10 minutes.",
        "ERROR": "Its last contact failed (see lastError).",
        "UNKNOWN": "Never seen since it was registered.",
    },
)
describe_values(
    CameraSource,
    {
        "HIKCENTRAL": "Listed by HikCentral (synced by index code).",
        "MANUAL": "Added by hand with its ISAPI address and credentials.",
    },
)


@strawberry.type(description="A DOM yard grouping cameras.")
class Site(Node):
    database_id: int = strawberry.field(description="Numeric id.")
    name: str = strawberry.field(description="Yard name.")
    address: str = strawberry.field(description="Address.")
    timezone: str = strawberry.field(description="IANA time zone of the yard.")
    clip_pre_roll_seconds: int = strawberry.field(
        description="Seconds of footage each clip keeps before the read."
    )
    clip_post_roll_seconds: int = strawberry.field(
        description="Seconds of footage each clip keeps after the read."
    )

    @classmethod
    def from_model(cls, s: SiteModel) -> Self:
        return cls(
            id=to_global_id("Site", s.id),
            database_id=s.id,
            name=s.name,
            address=s.address,
            timezone=s.timezone,
            clip_pre_roll_seconds=s.clip_pre_roll_seconds,
            clip_post_roll_seconds=s.clip_post_roll_seconds,
        )


@strawberry.type(description="An ANPR/overview camera. Credentials are never exposed.")
class Camera(Node):
    database_id: int = strawberry.field(description="Numeric id.")
    code: str = strawberry.field(
        description="Camera code used on events (HikCentral index code for synced cameras)."
    )
    name: str = strawberry.field(description="Human name (e.g. PORTON NORTE).")
    source: CameraSource = strawberry.field(description="HIKCENTRAL (synced) or MANUAL.")
    isapi_url: str | None = strawberry.field(description="ISAPI base URL, if configured.")
    channel: int = strawberry.field(description="Video channel.")
    timezone: str | None = strawberry.field(
        description="IANA time zone its device times without an offset are read in (null: "
        "its site's zone)."
    )
    z_is_local_time: bool = strawberry.field(
        description="Its firmware writes local wall-clock time with a 'Z' suffix: such times "
        "are read in its time zone, not as UTC."
    )
    serial_number: str | None = strawberry.field(description="Device serial number.")
    mac_address: str | None = strawberry.field(description="Device MAC address.")
    supports_ptz: bool = strawberry.field(description="Whether PTZ actions are available.")
    live_company_pks: strawberry.Private[list[int]]

    @strawberry.field(
        description="Client companies whose users may watch it live (empty: DOM staff only)."
    )
    async def live_companies(self, info: strawberry.Info) -> list[Company]:
        rows = await info.context.loaders.company_by_id.load_many(self.live_company_pks)
        return [Company.from_model(row) for row in rows if row is not None]

    is_active: bool = strawberry.field(description="Inactive cameras' pushes are refused.")
    health: CameraHealth = strawberry.field(description="ONLINE, STALE, ERROR or UNKNOWN.")
    last_seen_at: datetime | None = strawberry.field(description="Last read or action.")
    last_error: str | None = strawberry.field(description="Last device error message.")
    last_error_at: datetime | None = strawberry.field(description="When it failed last.")
    site_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, c: CameraModel) -> Self:
        return cls(
            id=to_global_id("Camera", c.id),
            database_id=c.id,
            code=c.code,
            name=c.name,
            source=c.source,
            isapi_url=c.isapi_url,
            channel=c.channel,
            timezone=c.timezone,
            z_is_local_time=c.z_is_local_time,
            serial_number=c.serial_number,
            mac_address=c.mac_address,
            supports_ptz=c.supports_ptz,
            is_active=c.is_active,
            live_company_pks=sorted(camera_company_ids(c.details)),
            health=health_of(c),
            last_seen_at=c.last_seen_at,
            last_error=c.last_error,
            last_error_at=c.last_error_at,
            site_id=c.site_id,
        )


@strawberry.type(description="A plate that raises a live alert when seen (OCR-tolerant).")
class WatchlistEntry(Node):
    database_id: int = strawberry.field(description="Numeric id.")
    plate: str = strawberry.field(description="Watched plate (canonical).")
    reason: str = strawberry.field(description="Why it is watched.")
    company_id: int | None = strawberry.field(description="Company (null: DOM-wide).")
    is_active: bool = strawberry.field(description="Active flag.")
    created_at: datetime = strawberry.field(description="When added.")

    @classmethod
    def from_model(cls, w: WatchlistModel) -> Self:
        return cls(
            id=to_global_id("WatchlistEntry", w.id),
            database_id=w.id,
            plate=w.plate,
            reason=w.reason,
            company_id=w.company_id,
            is_active=w.is_active,
            created_at=w.created_at,
        )


@strawberry.type(description="A camera and its new push token (shown only this once).")
class CameraTokenSuccess:
    camera: Camera = strawberry.field(description="The camera.")
    push_token: str = strawberry.field(
        description="Configure the camera's HTTP listening URL as /ingest/isapi/<pushToken>."
    )


@strawberry.type(description="A snapshot taken now.")
class SnapshotSuccess:
    camera: Camera = strawberry.field(description="The camera.")
    url: str = strawberry.field(description="Signed URL of the JPEG.")


@strawberry.type(description="The camera after a change or a PTZ command.")
class CameraSuccess:
    camera: Camera = strawberry.field(description="The camera.")


@strawberry.type(description="The site created.")
class SiteSuccess:
    site: Site = strawberry.field(description="The site.")


@strawberry.type(description="The watchlist entry after the change.")
class WatchlistSuccess:
    entry: WatchlistEntry = strawberry.field(description="The entry.")


@strawberry.type(description="Result of a HikCentral camera sync.")
class SyncCamerasSuccess:
    created: int = strawberry.field(description="Cameras added.")
    updated: int = strawberry.field(description="Cameras refreshed.")
    cameras: list[Camera] = strawberry.field(description="The synced cameras.")
