"""PyAV against the simulator's RTSP ports exactly as against a camera, NVR or HikCentral,
and ``capture_rtsp`` turning streams into MP4s (checked by ffprobe) or into typed errors."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import aiohttp
import av
import pytest
from clipfeed import Clip, ClipFeed
from rawrtsp import until_released
from rtspsite import PLAYBACK_SPEED, site_config

from integrations.hikvision.hikcentral import HikCentralClient
from integrations.hikvision.isapi.client import IsapiClient
from integrations.hikvision.rtsp import (
    RtspAuthError,
    RtspNotFoundError,
    RtspStalledError,
    RtspUnavailableError,
    RtspUnreachableError,
    capture_rtsp,
)
from integrations.hikvision.simulator import SimulatedCamera, SimulatedSite

FFPROBE = "/usr/bin/ffprobe"
START = datetime(2025, 1, 15, 8, 0, 1, tzinfo=UTC)  # a keyframe of the clip (GOP = 1 s)
END = START + timedelta(seconds=2)
SPAN_FRAMES = 2 * 25 + 1  # both ends included


@dataclass(frozen=True)
class Decoded:
    frames: int
    first_is_key: bool
    size: tuple[int, int]


def _decode(url: str, max_frames: int = 1000) -> Decoded:
    """What a player sees: frames decoded by PyAV over RTSP/TCP, until EOF or ``max_frames``."""
    options = {"rtsp_transport": "tcp", "timeout": "3000000"}
    with av.open(url, options=options, timeout=5) as container:
        frames, first_is_key, size = 0, False, (0, 0)
        for frame in container.decode(video=0):
            if frames == 0:
                first_is_key, size = frame.key_frame, (frame.width, frame.height)
            frames += 1
            if frames >= max_frames:
                break
    return Decoded(frames, first_is_key, size)


def _closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _isapi(
    session: aiohttp.ClientSession,
    site: SimulatedSite,
    *,
    device_tz: tzinfo = UTC,
    z_is_local: bool = False,
) -> IsapiClient:
    cam = site.cameras[0]
    return IsapiClient(
        session,
        cam.base_url,
        cam.username,
        cam.password,
        rtsp_port=site.rtsp_port(cam),
        device_tz=device_tz,
        z_is_local=z_is_local,
    )


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _probe(path: Path) -> tuple[dict[str, object], str]:
    result = subprocess.run(  # noqa: S603 - fixed argv, our own temp file
        [FFPROBE, "-v", "error", "-count_frames", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=20,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["streams"][0], result.stderr


async def test_pyav_plays_back_a_span_and_live(
    site: SimulatedSite, session: aiohttp.ClientSession, feed: ClipFeed
) -> None:
    async with _isapi(session, site) as isapi:
        playback = isapi.playback_rtsp_url(101, START, END, include_credentials=True)
        live = isapi.live_rtsp_url(1, 1, include_credentials=True)
    began = time.monotonic()
    recorded = await asyncio.to_thread(_decode, playback)
    elapsed = time.monotonic() - began
    assert recorded == Decoded(SPAN_FRAMES, True, (320, 180))
    assert elapsed < 2.0 / PLAYBACK_SPEED + 1.5, "paced at playback_speed, not real time"
    assert await asyncio.to_thread(_decode, live, 20) == Decoded(20, True, (320, 180))
    await until_released(site, feed)


async def test_capture_playback_to_a_clean_faststart_mp4(
    site: SimulatedSite, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    async with _isapi(session, site) as isapi:
        url = isapi.playback_rtsp_url(101, START, END, include_credentials=True)
    target = tmp_path / "span.mp4"
    result = await capture_rtsp(url, START, END, target, timeout=3, max_seconds=10)
    assert (result.frames, result.keyframes, result.ended_by) == (SPAN_FRAMES, 3, "eof")
    assert result.duration == pytest.approx(2.0)
    assert (result.width, result.height) == (320, 180)
    stream, errors = await asyncio.to_thread(_probe, target)
    assert errors == ""
    assert stream["codec_name"] == "h264"
    assert int(str(stream["nb_read_frames"])) == SPAN_FRAMES
    data = target.read_bytes()
    assert 0 < data.index(b"moov") < data.index(b"mdat"), "+faststart: index before media"
    assert _names(tmp_path) == ["span.mp4"], "the .part file was renamed, nothing left over"


async def test_capture_live_stops_once_the_span_is_in(site: SimulatedSite, tmp_path: Path) -> None:
    url = site.rtsp_url(site.cameras[0])
    now = datetime.now(UTC)
    result = await capture_rtsp(
        url, now, now + timedelta(seconds=1), tmp_path / "live.mp4", timeout=3, max_seconds=10
    )
    assert result.ended_by == "span"
    assert 25 <= result.frames <= 27
    assert result.keyframes >= 1
    stream, errors = await asyncio.to_thread(_probe, result.path)
    assert errors == ""
    assert int(str(stream["nb_read_frames"])) == result.frames


async def test_rtsp_failures_become_typed_errors(
    site: SimulatedSite, feed: ClipFeed, tmp_path: Path
) -> None:
    cam = site.cameras[0]
    target = tmp_path / "x.mp4"

    async def capture(url: str, stall: float = 3) -> None:
        await capture_rtsp(url, START, END, target, timeout=stall, max_seconds=10)

    track = "/Streaming/tracks/101?starttime=20250115T080001Z&endtime=20250115T080003Z"
    with pytest.raises(RtspAuthError) as refused:
        await capture(site.rtsp_url(cam).replace(cam.password, "Wrong-Passw0rd"))
    assert "Passw0rd" not in str(refused.value)
    assert refused.value.__cause__ is None
    with pytest.raises(RtspNotFoundError):
        await capture(site.rtsp_url(cam, "/Streaming/Channels/401"))
    with pytest.raises(RtspUnavailableError) as no_recording:
        await capture(site.rtsp_url(cam, track.replace("T0800", "T0900")))
    assert not no_recording.value.retryable
    with pytest.raises(RtspUnreachableError):
        await capture(f"rtsp://127.0.0.1:{_closed_port()}/Streaming/Channels/101")
    feed.broken = True
    with pytest.raises(RtspUnavailableError) as offline:
        await capture(site.rtsp_url(cam, track))
    assert offline.value.retryable
    feed.broken, feed.stall_after = False, 30
    began = time.monotonic()
    with pytest.raises(RtspStalledError):
        await capture(site.rtsp_url(cam, track), stall=0.5)
    assert time.monotonic() - began < 4
    assert _names(tmp_path) == []
    await until_released(site, feed)


async def test_hikcentral_preview_and_playback_urls(
    site: SimulatedSite, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    cam = site.cameras[0]
    async with HikCentralClient(session, site.gateway_url, site.app_key, site.app_secret) as hcp:
        preview = await hcp.preview_url(cam.index_code)
        playback = await hcp.playback_url(cam.index_code, START, END)
        assert urlsplit(preview).port == site.streaming_port
        assert urlsplit(playback).path.startswith("/EUrl/")
        recorded = await capture_rtsp(
            playback, START, END, tmp_path / "hcp.mp4", timeout=3, max_seconds=10
        )
        assert (recorded.frames, recorded.ended_by) == (SPAN_FRAMES, "eof")
        now = datetime.now(UTC)
        live = await capture_rtsp(
            preview, now, now + timedelta(seconds=0.4), tmp_path / "p.mp4", timeout=3,
            max_seconds=10,
        )  # fmt: skip
        assert live.ended_by == "span"
        assert live.frames >= 10
        with pytest.raises(RtspNotFoundError):  # the streaming port serves tokens only
            await capture_rtsp(
                preview.replace(urlsplit(preview).path, "/Streaming/Channels/101"),
                START, END, tmp_path / "n.mp4", timeout=3, max_seconds=10,
            )  # fmt: skip
        site.stream_tokens.ttl = 0.05
        short_lived = await hcp.preview_url(cam.index_code)
        await asyncio.sleep(0.1)
        with pytest.raises(RtspNotFoundError):
            await capture_rtsp(
                short_lived, now, now + timedelta(seconds=1), tmp_path / "e.mp4", timeout=3,
                max_seconds=10,
            )  # fmt: skip


async def test_z_means_local_time_on_quirky_cameras(
    clip: Clip, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """With the "Z is local" knob, only the URL a z_is_local client builds finds the span."""
    feed = ClipFeed(clip)
    config = site_config(search_local_z=True)
    async with SimulatedSite(config, playback_speed=PLAYBACK_SPEED) as quirky:
        quirky.use_feed(quirky.cameras[0], feed)
        tz = ZoneInfo(config.timezone)
        async with _isapi(session, quirky, device_tz=tz, z_is_local=True) as local:
            good = local.playback_rtsp_url(101, START, END, include_credentials=True)
        async with _isapi(session, quirky) as naive:
            wrong = naive.playback_rtsp_url(101, START, END, include_credentials=True)
        assert "T050001Z" in good  # Santiago wall clock (UTC-3 in January) marked Z
        result = await capture_rtsp(good, START, END, tmp_path / "z.mp4", timeout=3, max_seconds=10)
        assert result.frames == SPAN_FRAMES
        with pytest.raises(RtspUnavailableError):
            await capture_rtsp(wrong, START, END, tmp_path / "w.mp4", timeout=3, max_seconds=10)


def _with_port(uri: str, cam: SimulatedCamera, port: int) -> str:
    """A search result's playbackURI names no port or credentials, as on real devices."""
    parts = urlsplit(uri)
    creds = f"{quote(cam.username, safe='')}:{quote(cam.password, safe='')}"
    return urlunsplit(parts._replace(netloc=f"{creds}@{parts.hostname}:{port}"))


async def test_search_playback_uri_streams(
    clip: Clip, session: aiohttp.ClientSession, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    feed = ClipFeed(clip, origin=now - timedelta(hours=2), history=3 * 3600)
    async with SimulatedSite(site_config(), playback_speed=PLAYBACK_SPEED) as running:
        cam = running.cameras[0]
        running.use_feed(cam, feed)
        async with _isapi(session, running) as isapi:
            matches = await isapi.search_recordings(101, now - timedelta(minutes=30), now)
        match = matches[0]
        assert "/Streaming/tracks/101/?starttime=" in match.playback_uri
        url = _with_port(match.playback_uri, cam, running.rtsp_port(cam))
        result = await capture_rtsp(
            url, match.start, match.end, tmp_path / "seg.mp4", timeout=3, max_seconds=0.5
        )
        assert result.ended_by == "max_seconds"
        assert result.frames > 10
        await until_released(running, feed)
