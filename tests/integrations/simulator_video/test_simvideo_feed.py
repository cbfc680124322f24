"""The recorder's VideoFeed: chunks, keyframes, caching, the burned-in clock and trucks."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta

import pytest
from simvideo_helpers import (
    CHUNK_SECONDS,
    FPS,
    GOP_FRAMES,
    aligned_past,
    collect,
    decode_units,
    difference,
    small_config,
)

from integrations.hikvision.simulator import SimulatedSite
from integrations.hikvision.simulator.video.annexb import NAL_IDR, NAL_PPS, NAL_SPS, nal_type
from integrations.hikvision.simulator.video.feed import (
    RecorderOffline,
    RecordingCorrupt,
    RecordingNotYetRecorded,
    RecordingUnavailable,
)

LANE = (110, 70, 210, 175)  # where a truck drives at 320x180
SKY = (150, 25, 200, 45)  # away from the truck, the clock and the camera name
CLOCK = (0, 0, 170, 22)


async def test_chunks_start_with_keyframes_and_share_parameter_sets(site: SimulatedSite) -> None:
    feed = site.cameras[0].feed
    start = aligned_past(120)
    units = await collect(feed.recorded(start, start + timedelta(seconds=2 * CHUNK_SECONDS)))
    assert len(units) == 2 * CHUNK_SECONDS * FPS
    assert [u.time for u in units] == [
        start + timedelta(milliseconds=40 * i) for i in range(len(units))
    ]
    keyframes = [i for i, u in enumerate(units) if u.keyframe]
    assert keyframes == list(range(0, len(units), GOP_FRAMES))  # every chunk starts with one
    params = feed.parameters()
    assert (params.width, params.height, params.fps, params.gop_frames) == (320, 180, 25, 50)
    for index in keyframes:  # SPS/PPS in-band, byte-identical across chunks
        types = [nal_type(n) for n in units[index].nal_units]
        assert types == [NAL_SPS, NAL_PPS, NAL_IDR]
        assert units[index].nal_units[:2] == (params.sps, params.pps)
    assert len(decode_units(units)) == len(units)  # the two chunks concatenate cleanly


async def test_gop_is_configurable() -> None:
    async with SimulatedSite(small_config(video_gop_frames=25)) as site:
        start = aligned_past(60)
        units = await collect(site.cameras[0].feed.recorded(start, start + timedelta(seconds=4)))
    assert [i for i, u in enumerate(units) if u.keyframe] == [0, 25, 50, 75]


async def test_span_starts_at_the_keyframe_before_it(site: SimulatedSite) -> None:
    start = aligned_past(90) + timedelta(seconds=3, milliseconds=500)  # mid second GOP
    units = await collect(site.cameras[0].feed.recorded(start, start + timedelta(seconds=1)))
    assert units[0].keyframe
    assert units[0].time == start - timedelta(seconds=1, milliseconds=500)
    assert units[-1].time < start + timedelta(seconds=1)


async def test_chunks_render_once_and_are_cached(site: SimulatedSite) -> None:
    feed = site.cameras[0].feed
    start = aligned_past(150)
    end = start + timedelta(seconds=CHUNK_SECONDS)
    first, second = await asyncio.gather(
        collect(feed.recorded(start, end)), collect(feed.recorded(start, end))
    )  # concurrent requests share one render
    assert feed.renders == 1
    assert first == second
    again = await collect(feed.recorded(start, end))
    assert feed.renders == 1
    assert again == first
    directory = feed.cache_directory
    assert directory is not None
    assert len(list(directory.glob("*.units"))) == 1


async def test_a_read_added_later_rerenders_its_chunk(site: SimulatedSite) -> None:
    camera = site.cameras[0]
    start = aligned_past(200)
    end = start + timedelta(seconds=CHUNK_SECONDS)
    before = await collect(camera.feed.recorded(start, end))
    read_at = start + timedelta(seconds=2)
    await camera.emit_read("HJKL42", at=read_at, push=False)
    after = await collect(camera.feed.recorded(start, end))
    assert camera.feed.renders == 2
    index = 2 * FPS  # the frame at the read
    frames_before, frames_after = decode_units(before), decode_units(after)
    assert difference(frames_before[index], frames_after[index], LANE) > 20


async def test_clock_ticks_and_truck_passes(site: SimulatedSite) -> None:
    camera = site.cameras[0]
    start = aligned_past(300)
    read_at = start + timedelta(seconds=6)
    await camera.emit_read("HJKL42", at=read_at, push=False)
    frames = decode_units(await collect(camera.feed.recorded(start, start + timedelta(seconds=12))))
    second = FPS
    # no truck in the first 2 s: within a second the clock stands still (only the encoder
    # refines the picture), at the next second it changes, and nothing else does
    within = difference(frames[second // 2], frames[second - 1], CLOCK)
    tick = difference(frames[second - 1], frames[second], CLOCK)
    # a few digits in the box, so a small mean: measured 0.23-0.85 over a minute of ticks
    # (1 -> 2 changes fewer pixels than 9 -> 0), 0.000 within a second
    assert within < 0.05 < 0.12 < tick
    assert difference(frames[second - 1], frames[second], SKY) < 1.0
    # at the read the truck fills the lane; 5 s later it is gone again
    at_read = 6 * second
    assert difference(frames[at_read], frames[0], LANE) > 20
    assert difference(frames[at_read], frames[at_read + 5 * second], LANE) > 20
    assert difference(frames[0], frames[at_read + 5 * second], LANE) < 2
    # the plate sits light-on-dark in the middle of the lane at capture time
    plate = frames[at_read].crop((140, 112, 185, 125)).convert("L")
    low, high = plate.getextrema()
    assert isinstance(low, int)
    assert isinstance(high, int)
    assert high > 200
    assert low < 60


async def test_unavailable_spans(site: SimulatedSite) -> None:
    camera = site.cameras[0]
    feed = camera.feed
    now = datetime.now(UTC)
    with pytest.raises(RecordingUnavailable):  # before the 1 h history
        await collect(feed.recorded(now - timedelta(hours=2), now - timedelta(hours=1, minutes=59)))
    with pytest.raises(RecordingUnavailable):  # the future
        await collect(feed.recorded(now + timedelta(minutes=1), now + timedelta(minutes=2)))
    camera.recorder_lag_seconds = 30
    with pytest.raises(RecordingNotYetRecorded):
        await collect(feed.recorded(now - timedelta(seconds=40), now - timedelta(seconds=20)))
    camera.recorder_lag_seconds = 0
    gap_start = aligned_past(100)
    camera.recording_gaps = [(gap_start, gap_start + timedelta(seconds=10))]
    with pytest.raises(RecordingUnavailable):
        await collect(
            feed.recorded(gap_start - timedelta(seconds=4), gap_start + timedelta(seconds=1))
        )
    camera.recording_gaps = []
    camera.recorder_offline = True
    with pytest.raises(RecorderOffline):
        await collect(feed.recorded(gap_start, gap_start + timedelta(seconds=1)))
    camera.recorder_offline = False
    camera.footage_corrupt = True
    with pytest.raises(RecordingCorrupt):
        await collect(feed.recorded(gap_start, gap_start + timedelta(seconds=1)))
    assert feed.renders == 0  # every refusal came before any rendering


async def test_live_is_paced_from_a_recent_keyframe(site: SimulatedSite) -> None:
    feed = site.cameras[0].feed
    units = []
    live = feed.live()
    try:
        began = time.monotonic()
        async for unit in live:
            units.append(unit)
            if len(units) == 16:
                break
    finally:
        await live.aclose()
    elapsed = time.monotonic() - began
    assert units[0].keyframe
    lag = (datetime.now(UTC) - units[0].time).total_seconds()
    assert 2.0 < lag < 7.0  # a GOP or two behind the wall clock
    assert elapsed >= 15 / FPS - 0.1  # paced in real time, not as fast as possible
    assert all(b.time - a.time == timedelta(milliseconds=40) for a, b in itertools.pairwise(units))


async def test_cache_is_bounded_least_recently_used_first() -> None:
    async with SimulatedSite(small_config(video_cache_bytes=1)) as site:
        feed = site.cameras[0].feed
        start = aligned_past(300)
        for k in range(3):
            begin = start + timedelta(seconds=k * CHUNK_SECONDS)
            await collect(feed.recorded(begin, begin + timedelta(seconds=1)))
        directory = feed.cache_directory
        assert directory is not None
        assert len(list(directory.glob("*.units"))) == 1  # only the newest survives
        await collect(feed.recorded(start, start + timedelta(seconds=1)))
        assert feed.renders == 4  # the evicted chunk had to be rendered again
    assert not directory.exists()  # the site's temporary cache is removed at shutdown
