"""Sites, cameras (health, registration, snapshot, PTZ) and plate watchlists."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from domcctv.domain.access import Permission
from domcctv.domain.errors import FieldCode, InvalidInput
from domcctv.services import cameras as camera_service
from domcctv.services import devices as service
from domcctv.services import watchlists as watch_service
from domcctv.services.cameras import UNCHANGED, CameraChanges, NewCameraInput
from resolvers.common import mutate, optional_pk, required_pk
from schema.context import Info
from schema.devices import (
    Camera,
    CameraSuccess,
    CameraTokenSuccess,
    Site,
    SiteSuccess,
    SnapshotSuccess,
    SyncCamerasSuccess,
    WatchlistEntry,
    WatchlistSuccess,
)
from schema.errors import (
    ConflictError,
    IntegrationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from schema.payloads import OkResult, OkSuccess
from schema.permissions import describe, requires
from schema.relay import int_pk

DeviceErrors = ValidationError | ConflictError | NotFoundError | PermissionDeniedError
SiteResult = Annotated[
    SiteSuccess | DeviceErrors, strawberry.union("SiteResult", description="Site change.")
]
CameraTokenResult = Annotated[
    CameraTokenSuccess | DeviceErrors,
    strawberry.union("CameraTokenResult", description="Camera registration or token rotation."),
]
SnapshotResult = Annotated[
    SnapshotSuccess | DeviceErrors | IntegrationError,
    strawberry.union("SnapshotResult", description="Snapshot outcome."),
]
CameraResult = Annotated[
    CameraSuccess | DeviceErrors | IntegrationError,
    strawberry.union("CameraResult", description="Device action outcome."),
]
SyncCamerasResult = Annotated[
    SyncCamerasSuccess | PermissionDeniedError | IntegrationError,
    strawberry.union("SyncCamerasResult", description="HikCentral sync outcome."),
]
WatchlistResult = Annotated[
    WatchlistSuccess | DeviceErrors,
    strawberry.union("WatchlistResult", description="Watchlist change."),
]


@strawberry.input(description="A camera added by hand (credentials are stored encrypted).")
class AddCameraInput:
    code: str = strawberry.field(description="Unique camera code (appears on events).")
    name: str = strawberry.field(description="Human name.")
    isapi_url: str = strawberry.field(description="ISAPI base URL, e.g. http://10.20.0.41.")
    username: str = strawberry.field(description="ISAPI user.")
    password: str = strawberry.field(description="ISAPI password (write-only).")
    site_id: strawberry.ID | None = strawberry.field(default=None, description="Site id.")
    channel: int = strawberry.field(default=1, description="Video channel.")
    supports_ptz: bool = strawberry.field(default=False, description="Has PTZ.")
    timezone: str | None = strawberry.field(
        default=None,
        description="IANA time zone of its device times without an offset (null: the site's).",
    )
    z_is_local_time: bool = strawberry.field(
        default=False, description="Its firmware writes local time with a 'Z' suffix."
    )


@strawberry.input(description="Changes to a camera; omitted fields stay unchanged.")
class UpdateCameraInput:
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Human name (shown on its reads)."
    )
    site_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Site global id (null: no site)."
    )
    timezone: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="IANA time zone of its device times without an offset (null: the site's).",
    )
    z_is_local_time: bool | None = strawberry.field(
        default=strawberry.UNSET, description="Its firmware writes local time with a 'Z' suffix."
    )
    supports_ptz: bool | None = strawberry.field(default=strawberry.UNSET, description="Has PTZ.")
    is_active: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="False refuses its pushes at once (every server process).",
    )


def _given(value: Any) -> Any:
    """An omitted input field is left unchanged (null is a value for site and zone only)."""
    return UNCHANGED if value is strawberry.UNSET else value


def _changes(data: UpdateCameraInput) -> CameraChanges:
    site: Any = _given(data.site_id)
    if site is not UNCHANGED and site is not None:
        site = required_pk(site, "Site", "siteId")
    flags: dict[str, Any] = {}
    for name in ("name", "z_is_local_time", "supports_ptz", "is_active"):
        value = _given(getattr(data, name))
        if value is None:
            raise InvalidInput.single(
                _camel(name), FieldCode.REQUIRED, "Cannot be null (omit it to keep it)"
            )
        flags[name] = value
    return CameraChanges(site_id=site, timezone=_given(data.timezone), **flags)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@strawberry.type
class DeviceQuery:
    @strawberry.field(
        description=describe("DOM yards (staff).", Permission.READ_EVENTS),
        extensions=requires(Permission.READ_EVENTS),
    )
    async def sites(self, info: Info) -> list[Site]:
        return [Site.from_model(s) for s in await service.list_sites(info.context.actor)]

    @strawberry.field(
        description=describe("Cameras with their health (staff).", Permission.READ_EVENTS),
        extensions=requires(Permission.READ_EVENTS),
    )
    async def cameras(
        self,
        info: Info,
        site_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this site.")
        ] = None,
    ) -> list[Camera]:
        rows = await camera_service.list_cameras(
            info.context.actor, optional_pk(site_id, "Site", "siteId")
        )
        return [Camera.from_model(c) for c in rows]

    @strawberry.field(
        description=describe("One camera (null if missing or not staff)."), extensions=requires()
    )
    async def camera(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Camera global id.")],
    ) -> Camera | None:
        pk = int_pk(id, "Camera")
        row = await camera_service.get_camera(info.context.actor, pk) if pk is not None else None
        return Camera.from_model(row) if row else None

    @strawberry.field(
        description=describe("Watched plates visible to you.", Permission.READ_EVENTS),
        extensions=requires(Permission.READ_EVENTS),
    )
    async def watchlist(self, info: Info) -> list[WatchlistEntry]:
        rows = await watch_service.list_watchlist(info.context.actor)
        return [WatchlistEntry.from_model(w) for w in rows]


@strawberry.type
class DeviceMutation:
    @strawberry.mutation(
        description=describe("Create a yard.", Permission.SYSTEM_CONFIG),
        extensions=requires(Permission.SYSTEM_CONFIG),
    )
    async def create_site(
        self,
        info: Info,
        name: Annotated[str, strawberry.argument(description="Yard name (unique).")],
        address: Annotated[str, strawberry.argument(description="Street address.")] = "",
    ) -> SiteResult:
        async def run() -> SiteSuccess:
            site = await service.create_site(info.context.actor, name, address)
            return SiteSuccess(site=Site.from_model(site))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Register a camera by hand; returns its push token once.", Permission.SYSTEM_CONFIG
        ),
        extensions=requires(Permission.SYSTEM_CONFIG),
    )
    async def add_camera(
        self,
        info: Info,
        input: Annotated[
            AddCameraInput, strawberry.argument(description="The camera and its ISAPI access.")
        ],
    ) -> CameraTokenResult:
        ctx = info.context

        async def run() -> CameraTokenSuccess:
            camera, token = await camera_service.add_camera(
                ctx.actor,
                NewCameraInput(
                    code=input.code,
                    name=input.name,
                    isapi_url=input.isapi_url,
                    username=input.username,
                    password=input.password,
                    site_id=optional_pk(input.site_id, "Site", "siteId"),
                    channel=input.channel,
                    supports_ptz=input.supports_ptz,
                    timezone=input.timezone,
                    z_is_local_time=input.z_is_local_time,
                ),
                ctx.services.cipher,
            )
            return CameraTokenSuccess(camera=Camera.from_model(camera), push_token=token)

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Issue a new push token (the old one stops working).", Permission.SYSTEM_CONFIG
        ),
        extensions=requires(Permission.SYSTEM_CONFIG),
    )
    async def rotate_camera_push_token(
        self,
        info: Info,
        camera_id: Annotated[strawberry.ID, strawberry.argument(description="Camera global id.")],
    ) -> CameraTokenResult:
        async def run() -> CameraTokenSuccess:
            camera, token = await camera_service.rotate_push_token(
                info.context.actor, required_pk(camera_id, "Camera", "cameraId")
            )
            return CameraTokenSuccess(camera=Camera.from_model(camera), push_token=token)

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Change a camera's name, site, time-zone settings, PTZ flag or active state "
            "(applied at once by every server process). Audited.",
            Permission.SYSTEM_CONFIG,
        ),
        extensions=requires(Permission.SYSTEM_CONFIG),
    )
    async def update_camera(
        self,
        info: Info,
        camera_id: Annotated[strawberry.ID, strawberry.argument(description="Camera global id.")],
        input: Annotated[
            UpdateCameraInput, strawberry.argument(description="The fields to change.")
        ],
    ) -> CameraResult:
        async def run() -> CameraSuccess:
            camera = await camera_service.update_camera(
                info.context.actor, required_pk(camera_id, "Camera", "cameraId"), _changes(input)
            )
            return CameraSuccess(camera=Camera.from_model(camera))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Import/refresh cameras from HikCentral (by index code).", Permission.SYSTEM_CONFIG
        ),
        extensions=requires(Permission.SYSTEM_CONFIG),
    )
    async def sync_cameras_from_hik_central(self, info: Info) -> SyncCamerasResult:
        async def run() -> SyncCamerasSuccess:
            report = await service.sync_cameras(
                info.context.actor, info.context.services.camera_directory
            )
            return SyncCamerasSuccess(
                created=report.created,
                updated=report.updated,
                cameras=[Camera.from_model(c) for c in report.cameras],
            )

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe("Take a snapshot now (ISAPI).", Permission.VIEW_VIDEOS),
        extensions=requires(Permission.VIEW_VIDEOS),
    )
    async def take_snapshot(
        self,
        info: Info,
        camera_id: Annotated[strawberry.ID, strawberry.argument(description="Camera global id.")],
    ) -> SnapshotResult:
        ctx = info.context

        async def run() -> SnapshotSuccess:
            camera, data = await service.take_snapshot(
                ctx.actor,
                required_pk(camera_id, "Camera", "cameraId"),
                ctx.services.cipher,
                ctx.services.device_control,
            )
            path = await ctx.services.media_store.save_picture(data)
            return SnapshotSuccess(
                camera=Camera.from_model(camera), url=ctx.services.media_signer(path)
            )

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "PTZ: move continuously (pan/tilt/zoom -100..100), stop (all zero) or go to a preset.",
            Permission.VIEW_VIDEOS,
        ),
        extensions=requires(Permission.VIEW_VIDEOS),
    )
    async def ptz_control(
        self,
        info: Info,
        camera_id: Annotated[strawberry.ID, strawberry.argument(description="Camera global id.")],
        pan: Annotated[
            int, strawberry.argument(description="Pan speed -100..100 (negative: left).")
        ] = 0,
        tilt: Annotated[
            int, strawberry.argument(description="Tilt speed -100..100 (negative: down).")
        ] = 0,
        zoom: Annotated[
            int, strawberry.argument(description="Zoom speed -100..100 (negative: out).")
        ] = 0,
        preset: Annotated[
            int | None,
            strawberry.argument(description="Go to this preset (1..256) instead of moving."),
        ] = None,
    ) -> CameraResult:
        ctx = info.context

        async def run() -> CameraSuccess:
            camera = await service.ptz(
                ctx.actor,
                required_pk(camera_id, "Camera", "cameraId"),
                ctx.services.cipher,
                ctx.services.device_control,
                pan=pan,
                tilt=tilt,
                zoom=zoom,
                preset=preset,
            )
            return CameraSuccess(camera=Camera.from_model(camera))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Watch a plate (client users: their company's watchlist; staff: any or DOM-wide).",
            Permission.READ_EVENTS,
        ),
        extensions=requires(Permission.READ_EVENTS),
    )
    async def add_watchlist_entry(
        self,
        info: Info,
        plate: Annotated[str, strawberry.argument(description="Plate to watch (any format).")],
        reason: Annotated[str, strawberry.argument(description="Why it is watched.")] = "",
        company_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Company global id (staff; null: DOM-wide)."),
        ] = None,
    ) -> WatchlistResult:
        async def run() -> WatchlistSuccess:
            entry = await watch_service.add_entry(
                info.context.actor, plate, reason, optional_pk(company_id, "Company", "companyId")
            )
            return WatchlistSuccess(entry=WatchlistEntry.from_model(entry))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe("Stop watching a plate.", Permission.READ_EVENTS),
        extensions=requires(Permission.READ_EVENTS),
    )
    async def remove_watchlist_entry(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Watchlist entry global id.")],
    ) -> OkResult:
        async def run() -> OkSuccess:
            await watch_service.remove_entry(
                info.context.actor, required_pk(id, "WatchlistEntry", "id")
            )
            return OkSuccess(ok=True)

        return await mutate(run)  # type: ignore[return-value]
