"""The streaming route's catalog for finished exports (grants of kind ``export``), and a
catalog that routes each grant to the catalog of its kind.

An export link (``VideoLinks.export_download``) only proves that its user was shown the export
when it was minted. Every request re-decides here: the account is active, the user may still
see the export (``services.video_exports.may_see``: the requester, or a user of the export's
company, with EXPORT_VIDEO_SEGMENTS), and the export is READY. Exports are downloads only: no
playback, HLS or thumbnails. Each download is audited as DOWNLOAD_VIDEO (``after.exportId``
tells it from a clip download).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from domcctv.domain.access import Actor
from domcctv.domain.errors import NotFound
from domcctv.http.video import RequestMeta, StreamDenied, StreamTarget, VideoCatalog
from domcctv.infra.stream_tokens import StreamGrant
from domcctv.models import AuditAction, ExportKind, ExportStatus, ResourceType, VideoExport
from domcctv.services import audit
from domcctv.services.auth import RequestInfo
from domcctv.services.video_access import AccessRefused, actor_for_user
from domcctv.services.video_exports import MP4_TYPE, ZIP_TYPE, visible_export


@dataclass(frozen=True, slots=True)
class ExportAccess:
    actor: Actor
    export: VideoExport


class ExportCatalog:
    """Finished exports for ``/video/<token>/download``."""

    async def _access(self, grant: StreamGrant, meta: RequestMeta) -> ExportAccess:
        if grant.kind != "export" or not grant.subject_id.isdigit():
            raise StreamDenied("NOT_FOUND", "No such video", 404)
        if grant.purpose != "download":
            raise StreamDenied("NOT_FOUND", "An export can only be downloaded", 404)
        info = RequestInfo(ip_address=meta.ip_address, user_agent=meta.user_agent)
        try:
            actor = await actor_for_user(grant.user_id, info)
        except AccessRefused as refused:
            raise StreamDenied(refused.code, refused.message, refused.status) from None
        try:
            export = await visible_export(actor, int(grant.subject_id))
        except NotFound:
            raise StreamDenied("NOT_FOUND", "No such video export", 404) from None
        if export.status is not ExportStatus.READY or not export.storage_key:
            raise StreamDenied("EXPORT_NOT_READY", "This export is not ready", 409)
        return ExportAccess(actor, export)

    async def authorize(self, grant: StreamGrant, request_info: RequestMeta) -> StreamTarget:
        access = await self._access(grant, request_info)
        export = access.export
        assert export.storage_key is not None  # checked by _access
        return StreamTarget(
            blob_key=export.storage_key,
            content_type=ZIP_TYPE if export.kind is ExportKind.EVIDENCE else MP4_TYPE,
            filename=export.file_name or export.storage_key.rsplit("/", 1)[-1],
        )

    async def thumbnail_key(
        self, grant: StreamGrant, target: StreamTarget, at_seconds: float
    ) -> str:
        raise StreamDenied("NOT_FOUND", "Exports have no thumbnails", 404)

    async def record_view(
        self, grant: StreamGrant, request_info: RequestMeta, *, whole: bool
    ) -> None:
        access = await self._access(grant, request_info)
        export = access.export
        await audit.record(
            access.actor,
            AuditAction.DOWNLOAD_VIDEO,
            ResourceType.VIDEO,
            export.id,
            company_id=export.company_id,
            after={
                "exportId": export.id,
                "kind": export.kind.value,
                "eventId": export.event_id,
                "camera": export.camera_code,
                "sha256": export.sha256,
                "whole": whole,
            },
        )


class CatalogByKind:
    """One :class:`VideoCatalog` for the route, handing each grant to its kind's catalog
    (``clip``, ``export``, ``live``); a kind without one is NOT_FOUND."""

    def __init__(self, catalogs: Mapping[str, VideoCatalog]) -> None:
        self._catalogs = dict(catalogs)

    def _for(self, grant: StreamGrant) -> VideoCatalog:
        catalog = self._catalogs.get(grant.kind)
        if catalog is None:
            raise StreamDenied("NOT_FOUND", "No such video", 404)
        return catalog

    async def authorize(self, grant: StreamGrant, request_info: RequestMeta) -> StreamTarget:
        return await self._for(grant).authorize(grant, request_info)

    async def thumbnail_key(
        self, grant: StreamGrant, target: StreamTarget, at_seconds: float
    ) -> str:
        return await self._for(grant).thumbnail_key(grant, target, at_seconds)

    async def record_view(
        self, grant: StreamGrant, request_info: RequestMeta, *, whole: bool
    ) -> None:
        await self._for(grant).record_view(grant, request_info, whole=whole)
