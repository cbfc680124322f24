"""Clip capture against the simulated site over real sockets: ISAPI download (digest HTTP),
keyframe-aligned cuts, packaging, storage; and every failure a recorder can give.

The simulator renders real H.264 (320x180 here) for the camera's timeline; the capture uses
the production adapter (``HikvisionRecordings``) and stores through ``LocalBlobStore``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import av
import pytest
from clip_media import small_site

from domcctv.adapters.recordings import HikvisionRecordings
from domcctv.config import Settings
from domcctv.devsite import register_cameras
from domcctv.domain.reads import PlateRead, ReadSource
from domcctv.domain.recordings import RecordingFailure
from domcctv.infra.secrets_box import SecretBox
from domcctv.infra.storage.local import LocalBlobStore
from domcctv.infra.video.runner import VideoWorkers
from domcctv.models import (
    Camera,
    CameraRole,
    ClipStatus,
    Event,
    LiveOutbox,
    Site,
    VideoClip,
)
from domcctv.services.clip_capture import CapturePolicy, ClipCapture, claim_due
from domcctv.services.clock import utcnow
from domcctv.services.ingest import record_plate_reads
from integrations.hikvision.hikcentral.client import HikCentralClient
from integrations.hikvision.simulator import SimulatedSite

from factories import make_event

FFPROBE = "/usr/bin/ffprobe"
GOP_SECONDS = 2.0


@pytest.fixture(autouse=True)
def _database(db: str) -> str:
    return db


@pytest.fixture
async def site() -> AsyncIterator[SimulatedSite]:
    async with SimulatedSite(small_site(7)) as running:
        yield running


@pytest.fixture
async def recordings() -> AsyncIterator[HikvisionRecordings]:
    adapter = HikvisionRecordings()
    yield adapter
    await adapter.close()


@pytest.fixture
def store(settings: Settings) -> LocalBlobStore:
    return LocalBlobStore(settings.video_dir)


def capture_with(
    settings: Settings,
    recordings: HikvisionRecordings,
    store: LocalBlobStore,
    **policy: Any,
) -> ClipCapture:
    box = SecretBox(settings.jwt_secret.get_secret_value())
    return ClipCapture(
        recordings,
        store,
        VideoWorkers(2),
        box.decrypt,
        CapturePolicy(**policy),
        work_dir=settings.video_dir,
    )


async def registered(site: SimulatedSite, settings: Settings, **details: Any) -> Camera:
    await register_cameras(site, SecretBox(settings.jwt_secret.get_secret_value()))
    camera = await Camera.get(code=site.cameras[0].index_code)
    if details:
        camera.details = {**camera.details, **details}
        await camera.save()
    return camera


async def pending_clip(camera: Camera, seconds_ago: int = 45) -> tuple[Event, VideoClip]:
    anchor = utcnow().replace(microsecond=0) - timedelta(seconds=seconds_ago)
    event = await make_event(None, "HJKL42", when=anchor, camera_code=camera.code)
    clip = await VideoClip.create(
        event_id=event.id,
        camera_code=camera.code,
        role=CameraRole.PRIMARY,
        anchor_time=anchor,
        next_attempt_at=utcnow(),
    )
    return event, clip


def ffprobe_errors(path: Path) -> str:
    done = subprocess.run(  # noqa: S603 - a fixed binary on a file this test wrote
        [FFPROBE, "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


async def test_isapi_download_gives_a_keyframe_aligned_playable_clip(
    site, settings, recordings, store
) -> None:
    camera = await registered(site, settings)
    _event, clip = await pending_clip(camera)
    await site.cameras[0].emit_read("HJKL42", push=False, at=clip.anchor_time)

    status = await capture_with(settings, recordings, store).capture(clip.id)

    assert status is ClipStatus.READY
    clip = await VideoClip.get(id=clip.id)
    assert clip.source == "ISAPI_DOWNLOAD"
    assert clip.failure_code is None
    asked_start = clip.anchor_time - timedelta(seconds=10)
    assert clip.start_time is not None
    # cut on the keyframe at or before the asked start: at most one GOP earlier
    assert asked_start - timedelta(seconds=GOP_SECONDS) <= clip.start_time <= asked_start
    assert clip.duration_seconds is not None
    assert abs(clip.duration_seconds - 30.0) <= GOP_SECONDS + 0.05
    assert clip.plate_offset_seconds is not None
    assert 10.0 <= clip.plate_offset_seconds <= 10.0 + GOP_SECONDS
    assert (clip.width, clip.height, clip.codec) == (320, 180, "h264")
    assert clip.storage_key is not None
    local = store.path_of(clip.storage_key)
    assert ffprobe_errors(local) == ""
    with av.open(str(local)) as container:
        first = next(container.demux(video=0))
        assert first.is_keyframe
    head = local.read_bytes()[:4096]
    assert head.find(b"moov") < head.find(b"mdat") or b"mdat" not in head  # faststart
    assert clip.hls_prefix is not None
    assert store.path_of(f"{clip.hls_prefix}/index.m3u8").exists()
    assert clip.still_key is not None
    assert store.path_of(clip.still_key).read_bytes()[:3] == b"\xff\xd8\xff"
    # the event's screens hear about it on the event stream
    pushed = [
        json.loads(r) if isinstance(r, str) else r
        for r in await LiveOutbox.all().values_list("message", flat=True)
    ]
    assert any(p.get("kind") == "CLIP_STATUS_CHANGED" for p in pushed), pushed


async def test_recorder_offline_is_retried_with_backoff_then_failed(
    site, settings, recordings, store
) -> None:
    camera = await registered(site, settings)
    _, clip = await pending_clip(camera)
    site.cameras[0].recorder_offline = True
    capture = capture_with(settings, recordings, store, max_attempts=2, retry_base_seconds=30)

    assert await capture.capture(clip.id) is ClipStatus.PENDING
    clip = await VideoClip.get(id=clip.id)
    assert clip.attempts == 1
    assert clip.failure_code == RecordingFailure.RECORDER_OFFLINE.value
    assert clip.next_attempt_at > utcnow() + timedelta(seconds=20)
    assert clip.lease_until is None

    assert await capture.capture(clip.id) is ClipStatus.FAILED
    clip = await VideoClip.get(id=clip.id)
    assert clip.attempts == 2
    assert clip.failure_code == RecordingFailure.RECORDER_OFFLINE.value
    assert "gave up after 2 attempts" in (clip.failure_reason or "")
    assert await Event.exists(id=clip.event_id)  # the event stays fully usable


async def test_corrupt_recording_fails_at_once(site, settings, recordings, store) -> None:
    camera = await registered(site, settings)
    _, clip = await pending_clip(camera)
    site.cameras[0].footage_corrupt = True
    status = await capture_with(settings, recordings, store).capture(clip.id)
    clip = await VideoClip.get(id=clip.id)
    assert status is ClipStatus.FAILED
    assert clip.failure_code == RecordingFailure.RECORDING_CORRUPT.value
    assert clip.attempts == 1
    assert not list(store.path_of("clips").parent.glob("clips/**/*.mp4"))


async def test_missing_recording_is_retried_then_failed(site, settings, recordings, store) -> None:
    camera = await registered(site, settings)
    _, clip = await pending_clip(camera, seconds_ago=300)
    site.cameras[0].recording_gaps = [
        (clip.anchor_time - timedelta(minutes=2), clip.anchor_time + timedelta(minutes=2))
    ]
    capture = capture_with(settings, recordings, store, max_attempts=2)
    assert await capture.capture(clip.id) is ClipStatus.PENDING
    assert (await VideoClip.get(id=clip.id)).failure_code == "RECORDING_MISSING"
    assert await capture.capture(clip.id) is ClipStatus.FAILED
    assert (await VideoClip.get(id=clip.id)).failure_code == "RECORDING_MISSING"


async def test_a_clip_of_an_unknown_camera_fails_with_a_reason(settings, recordings, store) -> None:
    event = await make_event(None, "HJKL42", camera_code="CAM-NOWHERE")
    clip = await VideoClip.create(
        event_id=event.id,
        camera_code="CAM-NOWHERE",
        role=CameraRole.PRIMARY,
        anchor_time=utcnow() - timedelta(minutes=2),
        next_attempt_at=utcnow(),
    )
    status = await capture_with(settings, recordings, store).capture(clip.id)
    clip = await VideoClip.get(id=clip.id)
    assert status is ClipStatus.FAILED
    assert clip.failure_code == "CAMERA_UNKNOWN"


async def test_a_longer_site_post_roll_waits_without_counting_an_attempt(
    site, settings, recordings, store
) -> None:
    camera = await registered(site, settings)
    await Site.filter(id=camera.site_id).update(clip_post_roll_seconds=120)
    _, clip = await pending_clip(camera, seconds_ago=30)
    assert await capture_with(settings, recordings, store).capture(clip.id) is ClipStatus.PENDING
    clip = await VideoClip.get(id=clip.id)
    assert clip.attempts == 0
    assert clip.failure_code is None
    assert clip.next_attempt_at >= clip.anchor_time + timedelta(seconds=120)


async def test_claims_lease_each_due_clip_to_one_worker(settings) -> None:
    event = await make_event(None, "HJKL42")
    due = [
        await VideoClip.create(
            event_id=event.id,
            camera_code=f"CAM-{i}",
            role=CameraRole.PRIMARY,
            anchor_time=event.event_time,
            next_attempt_at=utcnow() - timedelta(seconds=1),
        )
        for i in range(3)
    ]
    later_clip = await VideoClip.create(
        event_id=event.id,
        camera_code="CAM-LATER",
        role=CameraRole.PRIMARY,
        anchor_time=event.event_time,
        next_attempt_at=utcnow() + timedelta(minutes=5),
    )
    first = await claim_due(2, timedelta(minutes=5))
    second = await claim_due(5, timedelta(minutes=5))
    assert len(first) == 2
    assert sorted(first + second) == sorted(c.id for c in due)
    assert await claim_due(5, timedelta(minutes=5)) == []
    # an expired lease (a worker that died) makes the clip claimable again
    later = utcnow() + timedelta(minutes=6)
    again = await claim_due(5, timedelta(minutes=5), now=later)
    assert sorted(again) == sorted([*(c.id for c in due), later_clip.id])


async def test_ingest_requests_a_clip_per_camera_of_the_pass(settings) -> None:
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)

    def read(camera: str, offset: float, key: str) -> PlateRead:
        return PlateRead(
            natural_key=key,
            source=ReadSource.PUSH,
            camera_code=camera,
            camera_name=camera,
            plate_text="HJKL42",
            confidence=95.0,
            occurred_at=when + timedelta(seconds=offset),
        )

    await record_plate_reads(
        [read("CAM-IN", 0, "k1"), read("CAM-OUT", 3, "k2")],
        threshold=80,
        merge_window_seconds=60,
    )
    clips = await VideoClip.all().order_by("id").values("camera_code", "role", "status")
    assert clips == [
        {"camera_code": "CAM-IN", "role": CameraRole.PRIMARY, "status": ClipStatus.PENDING},
        {"camera_code": "CAM-OUT", "role": CameraRole.SECONDARY, "status": ClipStatus.PENDING},
    ]
    await record_plate_reads(
        [read("CAM-IN", 0, "k3")], threshold=80, merge_window_seconds=60, capture_clips=False
    )
    assert await VideoClip.all().count() == 2


@pytest.fixture
async def fast_site() -> AsyncIterator[SimulatedSite]:
    """Recorded spans are streamed 8x faster than real time (NVR download mode)."""
    async with SimulatedSite(small_site(7), playback_speed=8.0) as running:
        yield running


def assert_playable(clip: VideoClip, store: LocalBlobStore) -> None:
    assert clip.status is ClipStatus.READY, (clip.failure_code, clip.failure_reason)
    assert clip.duration_seconds is not None
    assert abs(clip.duration_seconds - 30.0) <= GOP_SECONDS + 0.1
    assert clip.storage_key is not None
    local = store.path_of(clip.storage_key)
    assert ffprobe_errors(local) == ""
    with av.open(str(local)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert abs(frames - clip.duration_seconds * 25) <= 2


async def test_rtsp_playback_by_time_captures_the_clip(
    fast_site, settings, recordings, store
) -> None:
    camera = await registered(fast_site, settings, recordings="rtsp")
    _, clip = await pending_clip(camera)
    status = await capture_with(settings, recordings, store).capture(clip.id)
    clip = await VideoClip.get(id=clip.id)
    assert status is ClipStatus.READY
    assert clip.source == "RTSP_PLAYBACK"
    assert_playable(clip, store)
    asked_start = clip.anchor_time - timedelta(seconds=10)
    assert clip.start_time is not None
    assert asked_start - timedelta(seconds=GOP_SECONDS + 0.1) <= clip.start_time <= asked_start


async def test_hikcentral_playback_urls_capture_the_clip(
    fast_site, settings, recordings, store
) -> None:
    camera = await registered(fast_site, settings, recordings="hikcentral")
    _, clip = await pending_clip(camera)
    async with aiohttp.ClientSession() as session:
        client = HikCentralClient(
            session, fast_site.gateway_url, fast_site.app_key, fast_site.app_secret
        )
        async with client:
            recordings.use_hikcentral(client)
            status = await capture_with(settings, recordings, store).capture(clip.id)
    clip = await VideoClip.get(id=clip.id)
    assert status is ClipStatus.READY
    assert clip.source == "HIKCENTRAL"
    assert_playable(clip, store)


async def test_rtsp_recorder_offline_is_a_retryable_failure(
    fast_site, settings, recordings, store
) -> None:
    camera = await registered(fast_site, settings, recordings="rtsp")
    _, clip = await pending_clip(camera)
    fast_site.cameras[0].recorder_offline = True
    status = await capture_with(settings, recordings, store).capture(clip.id)
    clip = await VideoClip.get(id=clip.id)
    assert status is ClipStatus.PENDING
    assert clip.failure_code == "RECORDER_OFFLINE"
    assert clip.attempts == 1
