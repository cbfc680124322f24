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
from domcctv.infra.video.runner import VideoWorkers
from domcctv.models import CameraRole, ClipStatus, Event, VideoClip
from domcctv.services.clip_capture import store_clip_files
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
    workers = VideoWorkers(2)

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
        files = await store_clip_files(
            target, workers, clip, media, 2.0, tmp_path / f"hls-{clip.id}"
        )
        data = media.read_bytes()
        values: dict[str, object] = {
            "status": ClipStatus.READY,
            "storage_key": files.storage_key,
            "hls_prefix": files.hls_prefix,
            "still_key": files.still_key,
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
