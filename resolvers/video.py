"""Video evidence operations: recorder search, clip retry and legal hold.

Clips themselves are read through ``Event.clips`` (the tenancy of the event) and ``node``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from domcctv.domain.access import Permission
from domcctv.services import video_admin
from resolvers.common import mutate, required_pk
from resolvers.devices import SiteResult
from schema.companies import Company
from schema.context import Info
from schema.devices import Site, SiteSuccess
from schema.errors import (
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from schema.events import Event
from schema.payloads import CompanyResult, CompanySuccess, EventSuccess
from schema.permissions import describe, requires
from schema.video import RecordingSpan, VideoClip


@strawberry.type(description="The clip after the change.")
class VideoClipSuccess:
    clip: VideoClip = strawberry.field(description="The clip.")


VideoErrors = ValidationError | NotFoundError | PermissionDeniedError
VideoClipResult = Annotated[
    VideoClipSuccess | VideoErrors,
    strawberry.union("VideoClipResult", description="Clip action outcome."),
]
LegalHoldResult = Annotated[
    EventSuccess | VideoErrors,
    strawberry.union("LegalHoldResult", description="Legal hold change."),
]


@strawberry.type
class VideoQuery:
    @strawberry.field(
        description=describe(
            "Recorded spans a camera's recorder holds between `from` and `to` (at most 3 "
            "days), asked of the device or HikCentral. DOM staff only.",
            Permission.VIEW_VIDEOS,
        ),
        extensions=requires(Permission.VIEW_VIDEOS),
    )
    async def recordings(
        self,
        info: Info,
        camera_id: Annotated[strawberry.ID, strawberry.argument(description="Camera global id.")],
        from_: Annotated[
            datetime, strawberry.argument(name="from", description="Start of the search.")
        ],
        to: Annotated[datetime, strawberry.argument(description="End of the search.")],
    ) -> list[RecordingSpan]:
        ctx = info.context
        spans = await video_admin.search_recordings(
            ctx.actor,
            required_pk(camera_id, "Camera", "cameraId"),
            from_,
            to,
            ctx.services.recordings,
            ctx.services.cipher.decrypt,
        )
        return [RecordingSpan(start=s.start, end=s.end) for s in spans]


@strawberry.type
class VideoMutation:
    @strawberry.mutation(
        description=describe(
            "Capture a FAILED clip again (its attempts start over). DOM staff only.",
            Permission.VIEW_VIDEOS,
        ),
        extensions=requires(Permission.VIEW_VIDEOS),
    )
    async def retry_video_clip(
        self,
        info: Info,
        clip_id: Annotated[strawberry.ID, strawberry.argument(description="VideoClip id.")],
    ) -> VideoClipResult:
        ctx = info.context

        async def run() -> VideoClipSuccess:
            clip = await video_admin.retry_clip(
                ctx.actor, required_pk(clip_id, "VideoClip", "clipId")
            )
            return VideoClipSuccess(clip=VideoClip.from_model(clip))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Put an event's evidence on legal hold (never purged by retention) or release "
            "it. A hold needs a reason. Supervisors and administrators.",
            Permission.DELETE_EVENTS,
        ),
        extensions=requires(Permission.DELETE_EVENTS),
    )
    async def set_legal_hold(
        self,
        info: Info,
        event_id: Annotated[strawberry.ID, strawberry.argument(description="Event id.")],
        hold: Annotated[bool, strawberry.argument(description="True to hold, false to release.")],
        reason: Annotated[
            str | None, strawberry.argument(description="Why (required to hold).")
        ] = None,
    ) -> LegalHoldResult:
        ctx = info.context

        async def run() -> EventSuccess:
            event = await video_admin.set_legal_hold(
                ctx.actor, required_pk(event_id, "Event", "eventId"), hold, reason
            )
            return EventSuccess(event=Event.from_model(event, ctx.services.media_signer))

        return await mutate(run)  # type: ignore[return-value]


@strawberry.type
class VideoSettingsMutation:
    @strawberry.mutation(
        description=describe(
            "Footage kept around each read by the site's cameras, for new clips: seconds "
            "before (0-300) and after (1-600). Audited. DOM staff.",
            Permission.SYSTEM_CONFIG,
        ),
        extensions=requires(Permission.SYSTEM_CONFIG),
    )
    async def set_site_clip_window(
        self,
        info: Info,
        site_id: Annotated[strawberry.ID, strawberry.argument(description="Site id.")],
        pre_roll_seconds: Annotated[int, strawberry.argument(description="Seconds before.")],
        post_roll_seconds: Annotated[int, strawberry.argument(description="Seconds after.")],
    ) -> SiteResult:
        ctx = info.context

        async def run() -> SiteSuccess:
            site = await video_admin.set_site_clip_window(
                ctx.actor,
                required_pk(site_id, "Site", "siteId"),
                pre_roll_seconds,
                post_roll_seconds,
            )
            return SiteSuccess(site=Site.from_model(site))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Days a company's video evidence (clips, exports) is kept, 1-3650; null returns "
            "it to the server default. Events on legal hold are kept regardless. Audited.",
            Permission.MANAGE_COMPANIES,
        ),
        extensions=requires(Permission.MANAGE_COMPANIES),
    )
    async def set_company_video_retention(
        self,
        info: Info,
        company_id: Annotated[strawberry.ID, strawberry.argument(description="Company id.")],
        days: Annotated[
            int | None, strawberry.argument(description="Days to keep (null: server default).")
        ],
    ) -> CompanyResult:
        ctx = info.context

        async def run() -> CompanySuccess:
            company = await video_admin.set_company_retention(
                ctx.actor, required_pk(company_id, "Company", "companyId"), days
            )
            return CompanySuccess(company=Company.from_model(company))

        return await mutate(run)  # type: ignore[return-value]
