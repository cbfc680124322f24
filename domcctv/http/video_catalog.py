"""The streaming route's :class:`~domcctv.http.video.VideoCatalog`, backed by the services.

Authorization is ``services.video_access`` (user, tenancy, permission, READY), re-decided on
every request with a short cache. Thumbnails at any moment are made on first request from a
local copy of the clip (PyAV reads files), quantised to the clip's frames so the number of
cached stills per clip is bounded by its frame count, and stored beside the clip.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from pathlib import Path

from domcctv.http.video import RequestMeta, StreamDenied, StreamTarget
from domcctv.infra.storage.base import BlobStore
from domcctv.infra.stream_tokens import StreamGrant
from domcctv.infra.video.runner import VideoWorkers
from domcctv.infra.video.thumbnail import thumbnail_jpeg
from domcctv.models import VideoClip
from domcctv.services.auth import RequestInfo
from domcctv.services.video_access import (
    AccessRefused,
    ClipAccess,
    ClipAccessDecider,
    clip_file_name,
    record_clip_view,
)

THUMB_MAX_WIDTH = 640
THUMB_QUALITY = 80
DEFAULT_FPS = 25.0


def _info(meta: RequestMeta) -> RequestInfo:
    return RequestInfo(ip_address=meta.ip_address, user_agent=meta.user_agent)


class ClipCatalog:
    """Clips for the streaming route (exports and live are added by their own catalogs)."""

    def __init__(
        self,
        store: BlobStore,
        workers: VideoWorkers,
        cache_dir: Path,
        decider: ClipAccessDecider | None = None,
        *,
        variants_on_view: bool = False,
    ) -> None:
        self._store = store
        self._workers = workers
        self._cache_dir = cache_dir
        self._decider = decider or ClipAccessDecider()
        self._copying: dict[int, asyncio.Lock] = {}
        self._variants_on_view = variants_on_view

    async def _access(self, grant: StreamGrant, meta: RequestMeta) -> ClipAccess:
        if grant.kind != "clip":
            raise StreamDenied("NOT_FOUND", "No such video", 404)
        try:
            return await self._decider.clip_access(
                grant.user_id, int(grant.subject_id), grant.purpose, _info(meta)
            )
        except AccessRefused as refused:
            raise StreamDenied(refused.code, refused.message, refused.status) from None

    async def authorize(self, grant: StreamGrant, request_info: RequestMeta) -> StreamTarget:
        access = await self._access(grant, request_info)
        clip = access.clip
        if grant.variant == "original":
            key = clip.storage_key
        else:
            key = (clip.variants or {}).get(grant.variant.upper())
        if not key:
            raise StreamDenied("NOT_FOUND", "This quality is not available yet", 404)
        return StreamTarget(
            blob_key=key,
            content_type="video/mp4",
            filename=clip_file_name(access),
            hls_prefix=clip.hls_prefix,
            default_thumbnail_at=clip.plate_offset_seconds,
        )

    async def thumbnail_key(
        self, grant: StreamGrant, target: StreamTarget, at_seconds: float
    ) -> str:
        clip = (await self._access(grant, RequestMeta())).clip
        duration = clip.duration_seconds or 0.0
        if at_seconds > duration + 1e-3:
            raise StreamDenied(
                "BAD_REQUEST", f"`at` is past the clip's end ({duration:.3f} s)", 400
            )
        fps = clip.fps or DEFAULT_FPS
        frame = round(at_seconds * fps)
        plate_frame = (
            round(clip.plate_offset_seconds * fps) if clip.plate_offset_seconds is not None else -1
        )
        if clip.still_key and frame == plate_frame:
            return clip.still_key
        key = f"clips/{clip.event_id}/{clip.id}/thumbs/{frame}.jpg"
        if await self._store.stat(key) is not None:
            return key
        local = await self._local_copy(clip)
        jpeg = await self._workers.run(
            thumbnail_jpeg, local, frame / fps, THUMB_MAX_WIDTH, THUMB_QUALITY
        )
        await self._store.put_bytes(key, jpeg, "image/jpeg")
        return key

    async def record_view(
        self, grant: StreamGrant, request_info: RequestMeta, *, whole: bool
    ) -> None:
        access = await self._access(grant, request_info)
        await record_clip_view(
            access,
            download=grant.purpose == "download",
            whole=whole,
            want_variants=self._variants_on_view,
        )

    async def _local_copy(self, clip: VideoClip) -> Path:
        """The clip as a local file (the store's own file when it is local)."""
        assert clip.storage_key is not None
        path_of = getattr(self._store, "path_of", None)
        if callable(path_of):
            local = path_of(clip.storage_key)
            if isinstance(local, Path):
                return local
        target = self._cache_dir / f"clip-{clip.id}-{(clip.sha256 or '')[:16]}.mp4"
        lock = self._copying.setdefault(clip.id, asyncio.Lock())
        async with lock:
            if not target.exists():
                self._cache_dir.mkdir(parents=True, exist_ok=True)
                part = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
                try:
                    await self._store.fetch_to_path(clip.storage_key, part)
                    os.replace(part, target)
                finally:
                    with contextlib.suppress(FileNotFoundError):
                        part.unlink()
        return target
