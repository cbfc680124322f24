"""The live view link: ``liveStreamUrl(cameraId)``.

The URL is a signed, user-bound ``/video/<token>/live.mp4`` (``domcctv.http.live``) that a
``<video>`` element plays directly; the route re-checks the user and camera on every request,
so this field only decides whether to hand one out (``services.live_view``: an active camera
the actor may watch). Refusals are top-level errors with their code, as for ``recordings``.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from domcctv.domain.access import Permission
from domcctv.services import live_view
from resolvers.common import mutate, required_pk
from resolvers.devices import CameraResult
from schema.context import Info
from schema.devices import Camera, CameraSuccess
from schema.permissions import describe, requires
from schema.relay import to_global_id


@strawberry.type
class LiveViewQuery:
    @strawberry.field(
        description=describe(
            "A short-lived URL of the camera's live picture: fragmented MP4 over HTTP that a "
            "`<video>` element plays as it arrives (no transcoding; one camera session is "
            "shared by all viewers). DOM staff may watch any active camera; a client user "
            "only a camera listed for its company. Null when no link can be minted for the "
            "caller; NOT_FOUND for a camera it may not see, CONFLICT for a deactivated one.",
            Permission.VIEW_VIDEOS,
        ),
        extensions=requires(Permission.VIEW_VIDEOS),
    )
    async def live_stream_url(
        self,
        info: Info,
        camera_id: Annotated[strawberry.ID, strawberry.argument(description="Camera global id.")],
    ) -> str | None:
        ctx = info.context
        return await live_view.live_stream_url(
            ctx.actor,
            required_pk(camera_id, "Camera", "cameraId"),
            ctx.services.video_links,
        )


@strawberry.type(description="A camera the caller may watch live.")
class LiveCamera:
    id: strawberry.ID = strawberry.field(description="Camera global id (for liveStreamUrl).")
    code: str = strawberry.field(description="Camera code.")
    name: str = strawberry.field(description="Human name (e.g. PORTON NORTE).")


@strawberry.type
class LiveCamerasQuery:
    @strawberry.field(
        description=describe(
            "Active cameras you may watch live: every camera for DOM staff, the cameras listed "
            "for your company for a client user.",
            Permission.VIEW_VIDEOS,
        ),
        extensions=requires(Permission.VIEW_VIDEOS),
    )
    async def live_cameras(self, info: Info) -> list[LiveCamera]:
        cameras = await live_view.watchable_cameras(info.context.actor)
        return [
            LiveCamera(id=to_global_id("Camera", c.id), code=c.code, name=c.name) for c in cameras
        ]


@strawberry.type
class LiveCamerasMutation:
    @strawberry.mutation(
        description=describe(
            "Which client companies may watch a camera live (e.g. the camera at a client's own "
            "gate); an empty list: DOM staff only. Audited. DOM staff.",
            Permission.SYSTEM_CONFIG,
        ),
        extensions=requires(Permission.SYSTEM_CONFIG),
    )
    async def set_camera_live_companies(
        self,
        info: Info,
        camera_id: Annotated[strawberry.ID, strawberry.argument(description="Camera id.")],
        company_ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Company ids (may be empty).")
        ],
    ) -> CameraResult:
        ctx = info.context

        async def run() -> CameraSuccess:
            companies = [required_pk(c, "Company", "companyIds") for c in company_ids]
            camera = await live_view.set_camera_companies(
                ctx.actor, required_pk(camera_id, "Camera", "cameraId"), companies
            )
            return CameraSuccess(camera=Camera.from_model(camera))

        return await mutate(run)  # type: ignore[return-value]
