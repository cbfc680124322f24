"""End to end with the simulator's own recorder (``SimulatedCamera.feed``), no test double:
the footage the ISAPI search lists is what RTSP plays back, live works, faults refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rtspsite import PLAYBACK_SPEED, site_config

from integrations.hikvision.rtsp import RtspUnavailableError, capture_rtsp
from integrations.hikvision.simulator import SimulatedSite

SMALL_VIDEO = {
    "video_width": 320,
    "video_height": 180,
    "video_fps": 25,
    "video_gop_frames": 25,
    "video_chunk_seconds": 2,
}


def _track(start: datetime, end: datetime) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    return f"/Streaming/tracks/101?starttime={start:{fmt}}&endtime={end:{fmt}}"


async def test_recorder_footage_over_rtsp(tmp_path: Path) -> None:
    async with SimulatedSite(site_config(**SMALL_VIDEO), playback_speed=PLAYBACK_SPEED) as site:
        cam = site.cameras[0]
        start = (datetime.now(UTC) - timedelta(seconds=20)).replace(microsecond=0)
        end = start + timedelta(seconds=3)
        recorded = await capture_rtsp(
            site.rtsp_url(cam, _track(start, end)), start, end, tmp_path / "rec.mp4",
            timeout=10, max_seconds=20,
        )  # fmt: skip
        assert recorded.ended_by == "eof"
        assert (recorded.width, recorded.height) == (320, 180)
        assert 3 * 25 <= recorded.frames <= 4 * 25 + 1  # from the keyframe at/before start
        now = datetime.now(UTC)
        live = await capture_rtsp(
            site.rtsp_url(cam), now, now + timedelta(seconds=1), tmp_path / "live.mp4",
            timeout=10, max_seconds=20,
        )  # fmt: skip
        assert live.ended_by == "span"
        assert live.keyframes >= 1
        cam.recorder_offline = True
        with pytest.raises(RtspUnavailableError) as offline:
            await capture_rtsp(
                site.rtsp_url(cam, _track(start, end)), start, end, tmp_path / "x.mp4",
                timeout=5, max_seconds=10,
            )  # fmt: skip
        assert offline.value.retryable
        cam.recorder_offline = False
        future = datetime.now(UTC) + timedelta(minutes=5)
        with pytest.raises(RtspUnavailableError) as not_yet:
            await capture_rtsp(
                site.rtsp_url(cam, _track(future, future + timedelta(seconds=2))), future,
                future + timedelta(seconds=2), tmp_path / "y.mp4", timeout=5, max_seconds=10,
            )  # fmt: skip
        assert not not_yet.value.retryable
