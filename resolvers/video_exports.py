"""Video exports: request a segment or an evidence bundle, read them, follow their progress.

Every read goes through ``services.video_exports`` (tenancy plus the requester rule), including
each pushed progress message: a subscriber only hears of exports it may see, and the export is
re-read (and re-checked) for every push.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated, Any

import strawberry

from domcctv.domain.access import Permission
from domcctv.domain.errors import NotFound
from domcctv.models import ExportStatus
from domcctv.services import video_exports
from resolvers.common import mutate, required_pk
from schema.context import Context, Info
from schema.errors import NotFoundError, PermissionDeniedError, ValidationError
from schema.permissions import describe, requires
from schema.relay import Node
from schema.video import VideoExport

FINISHED = frozenset({ExportStatus.READY, ExportStatus.FAILED})


@strawberry.type(description="The export as queued.")
class VideoExportSuccess:
    export: VideoExport = strawberry.field(description="The export job (PENDING).")


VideoExportResult = Annotated[
    VideoExportSuccess | ValidationError | NotFoundError | PermissionDeniedError,
    strawberry.union("VideoExportResult", description="Export request outcome."),
]


async def resolve_video_export_node(ctx: Context, pk: int) -> Node | None:
    """``node(id:)`` for VideoExport: the same rule as ``videoExport(id:)``."""
    try:
        return VideoExport.from_model(await video_exports.visible_export(ctx.actor, pk))
    except NotFound:
        return None


@strawberry.type
class VideoExportQuery:
    @strawberry.field(
        description=describe(
            "One export you may see (yours, or your company's), or null.",
            Permission.EXPORT_VIDEO_SEGMENTS,
        ),
        extensions=requires(Permission.EXPORT_VIDEO_SEGMENTS),
    )
    async def video_export(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="VideoExport id.")],
    ) -> VideoExport | None:
        node = await resolve_video_export_node(info.context, required_pk(id, "VideoExport", "id"))
        return node if isinstance(node, VideoExport) else None

    @strawberry.field(
        description=describe(
            "Your own exports, newest first (at most 100).", Permission.EXPORT_VIDEO_SEGMENTS
        ),
        extensions=requires(Permission.EXPORT_VIDEO_SEGMENTS),
    )
    async def video_exports(
        self,
        info: Info,
        first: Annotated[
            int, strawberry.argument(description="How many (1..100, default 20).")
        ] = 20,
    ) -> list[VideoExport]:
        rows = await video_exports.my_exports(info.context.actor, first)
        return [VideoExport.from_model(r) for r in rows]


@strawberry.type
class VideoExportMutation:
    @strawberry.mutation(
        description=describe(
            "Export `from`..`to` (at most 30 minutes, in the past) of one camera's recording "
            "as MP4, in the background; `overlay` burns the time and camera into the picture. "
            "Follow it with videoExportProgress. DOM staff only.",
            Permission.EXPORT_VIDEO_SEGMENTS,
        ),
        extensions=requires(Permission.EXPORT_VIDEO_SEGMENTS),
    )
    async def export_video_segment(
        self,
        info: Info,
        camera_id: Annotated[strawberry.ID, strawberry.argument(description="Camera id.")],
        from_: Annotated[datetime, strawberry.argument(name="from", description="Start.")],
        to: Annotated[datetime, strawberry.argument(description="End.")],
        overlay: Annotated[
            bool, strawberry.argument(description="Burn in time and camera.")
        ] = False,
    ) -> VideoExportResult:
        ctx = info.context

        async def run() -> VideoExportSuccess:
            row = await video_exports.request_segment(
                ctx.actor, required_pk(camera_id, "Camera", "cameraId"), from_, to, overlay
            )
            return VideoExportSuccess(export=VideoExport.from_model(row))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Bundle an event's evidence as one ZIP in the background: its clips (originals), "
            "plate stills, pictures, documentation and audit trail as JSON, and manifest.json "
            "with the SHA-256 and size of every file. `overlay` adds copies of the clips with "
            "time, plate and camera burned in. Only you and your company see the result.",
            Permission.EXPORT_VIDEO_SEGMENTS,
        ),
        extensions=requires(Permission.EXPORT_VIDEO_SEGMENTS),
    )
    async def export_event_evidence(
        self,
        info: Info,
        event_id: Annotated[strawberry.ID, strawberry.argument(description="Event id.")],
        overlay: Annotated[
            bool, strawberry.argument(description="Add burned-in copies of the clips.")
        ] = False,
    ) -> VideoExportResult:
        ctx = info.context

        async def run() -> VideoExportSuccess:
            row = await video_exports.request_evidence(
                ctx.actor, required_pk(event_id, "Event", "eventId"), overlay
            )
            return VideoExportSuccess(export=VideoExport.from_model(row))

        return await mutate(run)  # type: ignore[return-value]


@strawberry.type
class VideoExportSubscription:
    @strawberry.subscription(
        description=describe(
            "The export now, then again at every progress step until READY or FAILED "
            "(graphql-transport-ws). Only exports you may see.",
            Permission.EXPORT_VIDEO_SEGMENTS,
        ),
        extensions=requires(Permission.EXPORT_VIDEO_SEGMENTS),
    )
    async def video_export_progress(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="VideoExport id.")],
    ) -> AsyncGenerator[VideoExport, None]:
        ctx = info.context
        actor = ctx.actor
        pk = required_pk(id, "VideoExport", "id")

        def accepts(channel: str, message: dict[str, Any]) -> bool:
            company = message.get("companyId")
            requester = message.get("requestedBy")
            return (
                message.get("type") == video_exports.MESSAGE_TYPE
                and message.get("exportId") == pk
                and video_exports.may_see(
                    actor,
                    company if isinstance(company, int) else None,
                    requester if isinstance(requester, int) else None,
                )
            )

        # Subscribed before the first read: no step can fall between the read and the stream.
        async with ctx.services.bus.subscribe(accepts) as sub:
            row = await video_exports.visible_export(actor, pk)
            yield VideoExport.from_model(row)
            if row.status in FINISHED:
                return
            async for _ in sub.messages():
                row = await video_exports.visible_export(actor, pk)
                yield VideoExport.from_model(row)
                if row.status in FINISHED:
                    return
