"""Fixtures for clip tests: a real H.264 clip (PyAV) stored as a READY clip of an event."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from clip_media import FPS, SECONDS, write_h264

from domcctv.config import Settings
from domcctv.infra.storage.base import BlobStore
from domcctv.infra.storage.local import LocalBlobStore
from domcctv.infra.video.hls import package_hls
from domcctv.infra.video.thumbnail import thumbnail_jpeg
from domcctv.models import CameraRole, ClipStatus, Event, VideoClip
from domcctv.services.clock import utcnow


@pytest.fixture(scope="session")
def sample_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clips") / "sample.mp4"
    write_h264(path)
    return path


MakeClip = Callable[..., Awaitable[VideoClip]]


@pytest.fixture
def make_ready_clip(settings: Settings, sample_clip: Path, tmp_path: Path) -> MakeClip:
    """Store the sample as a READY clip of ``event`` (MP4, HLS and plate still)."""
    store = LocalBlobStore(settings.video_dir)

    async def make(
        event: Event,
        camera_code: str = "CAM-1",
        source: Path | None = None,
        into: BlobStore | None = None,
        **fields: object,
    ) -> VideoClip:
        media = source or sample_clip
        target = into or store
        clip = await VideoClip.create(
            event_id=event.id,
            camera_code=camera_code,
            role=CameraRole.PRIMARY,
            anchor_time=event.event_time,
            next_attempt_at=utcnow(),
            status=ClipStatus.PENDING,
        )
        prefix = f"clips/{event.id}/{clip.id}"
        hls_dir = tmp_path / f"hls-{clip.id}"
        package_hls(media, hls_dir, 2)
        for item in hls_dir.iterdir():
            await target.put_file(f"{prefix}/hls/{item.name}", item, "video/mp4")
        still = thumbnail_jpeg(media, 2.0, 320, 80)
        await target.put_bytes(f"{prefix}/still.jpg", still, "image/jpeg")
        await target.put_file(f"{prefix}/clip.mp4", media, "video/mp4")
        data = media.read_bytes()
        values: dict[str, object] = {
            "status": ClipStatus.READY,
            "storage_key": f"{prefix}/clip.mp4",
            "hls_prefix": f"{prefix}/hls",
            "still_key": f"{prefix}/still.jpg",
            "size_bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "duration_seconds": float(SECONDS),
            "plate_offset_seconds": 2.0,
            "width": 320,
            "height": 180,
            "codec": "h264",
            "fps": float(FPS),
            "start_time": event.event_time - timedelta(seconds=2),
            "end_time": event.event_time + timedelta(seconds=2),
            "ready_at": utcnow(),
        }
        values.update(fields)
        await VideoClip.filter(id=clip.id).update(**values)
        return await VideoClip.get(id=clip.id)

    return make
