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
from resolvers.common import required_pk
from schema.context import Info
from schema.permissions import describe, requires


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
