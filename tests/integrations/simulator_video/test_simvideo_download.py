"""ISAPI ContentMgmt/download against the simulator, through IsapiClient, over real sockets."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import av
import pytest
from simvideo_helpers import (
    FPS,
    GOP_FRAMES,
    aligned_past,
    ffmpeg_decode_errors,
    ffprobe,
    files_in,
    small_config,
)

from integrations.hikvision.errors import (
    HikvisionAuthError,
    HikvisionProtocolError,
    HikvisionRecorderOffline,
    HikvisionRecordingCorrupt,
    HikvisionRecordingMissing,
    HikvisionRecordingNotReady,
)
from integrations.hikvision.isapi import IsapiClient
from integrations.hikvision.simulator import SimulatedCamera, SimulatedSite

GOP_SECONDS = GOP_FRAMES / FPS


def _client(session: aiohttp.ClientSession, cam: SimulatedCamera, **kw: object) -> IsapiClient:
    return IsapiClient(session, cam.base_url, cam.username, cam.password, timeout=5, **kw)  # type: ignore[arg-type]


def _decode_all(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


async def test_download_is_a_clean_mp4_of_the_span(
    site: SimulatedSite, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    cam = site.cameras[0]
    start = aligned_past(120) + timedelta(seconds=1)  # not on a keyframe
    end = start + timedelta(seconds=9)
    target = tmp_path / "clip.mp4"
    async with _client(session, cam) as isapi:
        uri = isapi.playback_uri(101, start, end)
        written = await isapi.download_recording(uri, target)
    assert written == target.stat().st_size > 10_000
    assert not (tmp_path / "clip.mp4.part").exists()
    assert await ffmpeg_decode_errors(target) == ""
    probe = await ffprobe(target)
    stream = probe["streams"][0]  # type: ignore[index]
    assert stream["codec_name"] == "h264"
    assert (stream["width"], stream["height"]) == (320, 180)
    duration = float(probe["format"]["duration"])  # type: ignore[index]
    assert 9.0 <= duration <= 9.0 + GOP_SECONDS  # from the keyframe at or before start
    assert int(stream["nb_read_frames"]) == round(duration * FPS) == _decode_all(target)
    created = probe["format"]["tags"]["creation_time"]  # type: ignore[index]
    first_frame = datetime.fromisoformat(created)
    assert start - timedelta(seconds=GOP_SECONDS) <= first_frame <= start


async def test_search_results_download_and_the_response_is_streamed(
    site: SimulatedSite, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    cam = site.cameras[0]
    now = datetime.now(UTC)
    async with _client(session, cam) as isapi:
        matches = await isapi.search_recordings(
            101, now - timedelta(minutes=3), now - timedelta(minutes=2)
        )
        assert matches
        assert all(m.playback_uri for m in matches)
        first = matches[0]
        assert first.playback_uri is not None
        assert first.end is not None
        await isapi.download_recording(first.playback_uri, tmp_path / "segment.mp4")
    probe = await ffprobe(tmp_path / "segment.mp4")
    length = (first.end - first.start).total_seconds()
    assert abs(float(probe["format"]["duration"]) - length) < GOP_SECONDS  # type: ignore[index]
    # raw request: digest handshake, then a chunked video/mp4 body (no Content-Length)
    body = (
        "<downloadRequest><playbackURI>"
        + first.playback_uri.replace("&", "&amp;")
        + "</playbackURI></downloadRequest>"
    )
    auth = aiohttp.DigestAuthMiddleware(cam.username, cam.password)
    async with session.post(
        cam.base_url + "/ISAPI/ContentMgmt/download", data=body, middlewares=(auth,)
    ) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "video/mp4"
        assert "Content-Length" not in resp.headers
        assert resp.headers.get("Transfer-Encoding") == "chunked"
        head = await resp.content.read(8)
    assert head[4:8] == b"ftyp"


async def test_digest_auth_is_required(
    site: SimulatedSite, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    cam = site.cameras[0]
    async with session.post(cam.base_url + "/ISAPI/ContentMgmt/download", data=b"<x/>") as resp:
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Digest ")
    start = aligned_past(60)
    async with IsapiClient(session, cam.base_url, cam.username, "wrong", timeout=5) as isapi:
        with pytest.raises(HikvisionAuthError):
            await isapi.download_recording(
                isapi.playback_uri(101, start, start + timedelta(seconds=2)), tmp_path / "x.mp4"
            )
    assert files_in(tmp_path) == []


async def test_failures_are_typed_and_leave_no_file(
    site: SimulatedSite, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    cam = site.cameras[0]
    target = tmp_path / "clip.mp4"
    start = aligned_past(100)
    span = (start, start + timedelta(seconds=4))
    async with _client(session, cam) as isapi:
        uri = isapi.playback_uri(101, *span)
        cam.recorder_offline = True
        with pytest.raises(HikvisionRecorderOffline):
            await isapi.download_recording(uri, target)
        cam.recorder_offline = False
        cam.footage_corrupt = True
        with pytest.raises(HikvisionRecordingCorrupt):
            await isapi.download_recording(uri, target)
        cam.footage_corrupt = False
        cam.recording_gaps = [span]
        with pytest.raises(HikvisionRecordingMissing):
            await isapi.download_recording(uri, target, not_ready_window=30)
        cam.recording_gaps = []
        now = datetime.now(UTC)
        recent = isapi.playback_uri(101, now - timedelta(seconds=20), now - timedelta(seconds=5))
        cam.recorder_lag_seconds = 30
        with pytest.raises(HikvisionRecordingNotReady):
            await isapi.download_recording(recent, target)
        cam.recorder_lag_seconds = 0
        with pytest.raises(HikvisionProtocolError):  # malformed URI: HTTP 400
            await isapi.download_recording("rtsp://host/nothing?starttime=x", target)
        assert files_in(tmp_path) == []
        assert await isapi.download_recording(uri, target) > 0  # all knobs off: served
    assert await ffmpeg_decode_errors(target) == ""


async def test_corrupt_footage_really_does_not_decode(
    site: SimulatedSite, session: aiohttp.ClientSession
) -> None:
    cam = site.cameras[0]
    cam.footage_corrupt = True
    start = aligned_past(60)
    async with _client(session, cam) as isapi:
        body = (
            "<downloadRequest><playbackURI>"
            + isapi.playback_uri(101, start, start + timedelta(seconds=4)).replace("&", "&amp;")
            + "</playbackURI></downloadRequest>"
        )
    auth = aiohttp.DigestAuthMiddleware(cam.username, cam.password)
    async with session.post(
        cam.base_url + "/ISAPI/ContentMgmt/download", data=body, middlewares=(auth,)
    ) as resp:
        assert resp.status == 200
        data = await resp.read()
    assert len(data) > 4096
    with pytest.raises(av.error.InvalidDataError):
        av.open(io.BytesIO(data)).close()


async def test_local_time_z_quirk_round_trips(
    session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    async with SimulatedSite(small_config(search_local_z=True)) as site:
        cam = site.cameras[0]
        zone = ZoneInfo(site.config.timezone)
        start = aligned_past(80)
        end = start + timedelta(seconds=4)
        async with _client(session, cam, device_tz=zone, z_is_local=True) as isapi:
            uri = isapi.playback_uri(101, start, end)
            assert start.astimezone(zone).strftime("%Y%m%dT%H%M%SZ") in uri
            await isapi.download_recording(uri, tmp_path / "local.mp4")
        async with _client(session, cam) as naive:  # reads "Z" as UTC: hours off, no footage
            with pytest.raises((HikvisionRecordingMissing, HikvisionRecordingNotReady)):
                await naive.download_recording(
                    naive.playback_uri(101, start, end), tmp_path / "utc.mp4"
                )
    probe = await ffprobe(tmp_path / "local.mp4")
    created = datetime.fromisoformat(probe["format"]["tags"]["creation_time"])  # type: ignore[index]
    assert created == start


async def test_search_skips_gaps_and_every_item_downloads(
    site: SimulatedSite, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    cam = site.cameras[0]
    window_start = aligned_past(240)
    gap = (window_start + timedelta(seconds=20), window_start + timedelta(seconds=32))
    cam.recording_gaps = [gap]
    async with _client(session, cam) as isapi:
        matches = await isapi.search_recordings(
            101, window_start, window_start + timedelta(seconds=60)
        )
        spans = [(m.start, m.end) for m in matches]
        for start, end in spans:  # nothing the search lists overlaps the gap
            assert end is not None
            assert end <= gap[0] or start >= gap[1]
        assert any(end == gap[0] for _, end in spans)
        assert any(start == gap[1] for start, _ in spans)
        for number, match in enumerate(matches):
            assert match.playback_uri is not None
            target = tmp_path / f"{number}.mp4"
            await isapi.download_recording(match.playback_uri, target)
            assert await ffmpeg_decode_errors(target) == ""
