"""``RecorderFeed``: one camera's footage as a :class:`VideoFeed`, rendered lazily and cached.

Recorded footage is cut into chunks aligned to the wall clock (``chunk_seconds``, a whole
number of GOPs, each starting with an IDR).  A chunk is rendered the first time someone asks
for it, in a worker thread, at most ``render_concurrency`` at a time per camera, and only
once its end is in the past; concurrent requests for the same chunk share one render.

Cache validity: a chunk's cache key is its index plus a fingerprint of everything drawn in it
(the trucks in view, the camera clock's offset and zone).  ``emit_read(at=...)`` may add a
read inside a chunk that was already rendered; the chunk's fingerprint then changes and the
next request renders it again (the stale file is dropped).  This is exact, unlike "never
cache recent chunks", and costs one bisect per chunk.

Live footage is rendered GOP by GOP (2 s), not by chunk, so the live stream trails the
wall clock by only about two GOPs; live pieces are kept in a small in-memory cache shared by
all viewers and never touch the recorder's faults (the sensor works when the disk does not).
"""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import logging
import math
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable, Coroutine, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from integrations.hikvision.simulator.video.chunks import ChunkStore
from integrations.hikvision.simulator.video.encoder import (
    EncodedUnit,
    VideoSettings,
    encode,
    parameter_sets,
    probe_parameters,
)
from integrations.hikvision.simulator.video.feed import (
    AccessUnit,
    RecordingCorrupt,
    StreamParameters,
)
from integrations.hikvision.simulator.video.render import Osd, TruckPass, YardRenderer
from integrations.hikvision.simulator.video.timeline import Timeline

logger = logging.getLogger(__name__)

LIVE_CACHE = 4  # live GOPs kept in memory for other viewers
LIVE_MARGIN = timedelta(milliseconds=500)  # render a live GOP this long after it ends
LIVE_RENDER_ALLOWANCE = timedelta(seconds=1)  # live trails by a GOP + margin + this, at least
LIVE_MAX_LATE = 0.5  # seconds behind schedule before live pacing re-anchors
MAX_TRUCKS = 100_000


class RecorderFeed:
    """The :class:`~integrations.hikvision.simulator.video.feed.VideoFeed` of one camera.

    Call :meth:`start` (renders nothing; prepares the cache directory and the codec
    parameters off the loop) before use and :meth:`close` at shutdown (waits for renders in
    flight, removes the cache directory when it created it).
    """

    def __init__(
        self,
        *,
        settings: VideoSettings,
        timeline: Timeline,
        camera_name: str,
        tz: tzinfo,
        clock_offset: Callable[[], float],
        now: Callable[[], datetime],
        cache_dir: Path | None,
        cache_bytes: int,
        render_concurrency: int = 1,
        seed: int = 11,
    ) -> None:
        if render_concurrency < 1:
            raise ValueError("render_concurrency must be at least 1")
        self.settings = settings
        self.timeline = timeline
        self._name, self._tz, self._clock_offset, self._now = camera_name, tz, clock_offset, now
        self._cache_dir, self._cache_bytes = cache_dir, cache_bytes
        self._renderer = YardRenderer(settings.width, settings.height, seed=seed)
        self._semaphore = asyncio.Semaphore(render_concurrency)
        self._inflight: dict[str, asyncio.Task[list[EncodedUnit]]] = {}
        self._live: OrderedDict[str, list[EncodedUnit]] = OrderedDict()
        self._trucks: list[TruckPass] = []
        self._keys: dict[int, str] = {}  # chunk index -> key of its cached rendering
        self._store: ChunkStore | None = None
        self._owned_dir: Path | None = None
        self._params: StreamParameters | None = None
        self.renders = 0  # chunks and live GOPs encoded so far (tests assert on it)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        if self._store is not None:
            return
        if self._cache_dir is None:
            self._owned_dir = Path(tempfile.mkdtemp(prefix="hiksim-video-"))
            directory = self._owned_dir
        else:
            directory = self._cache_dir / f"{_slug(self._name)}-{self.settings.digest()}"
        self._params = await asyncio.to_thread(probe_parameters, self.settings)
        self._store = await asyncio.to_thread(ChunkStore, directory, self._cache_bytes)

    async def close(self) -> None:
        tasks = list(self._inflight.values())
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._store = None
        if self._owned_dir is not None:
            await asyncio.to_thread(shutil.rmtree, self._owned_dir, True)
            self._owned_dir = None

    @property
    def cache_directory(self) -> Path | None:
        return None if self._store is None else self._store.directory

    def _require_store(self) -> ChunkStore:
        if self._store is None:
            raise RuntimeError("video feed not started (or already closed)")
        return self._store

    # ------------------------------------------------------------------ reads

    def add_read(
        self, occurred_at: datetime, plate_text: str, color: str, direction: str, read_id: str
    ) -> None:
        """Put a truck in the footage at ``occurred_at`` (invalidates the chunk showing it)."""
        bisect.insort(
            self._trucks,
            TruckPass(occurred_at, plate_text, color, direction, read_id),
            key=lambda t: t.occurred_at,
        )
        oldest = self._now() - self.timeline.history - timedelta(minutes=5)
        drop = bisect.bisect_left(self._trucks, oldest, key=lambda t: t.occurred_at)
        drop = max(drop, len(self._trucks) - MAX_TRUCKS)
        if drop > 0:
            del self._trucks[:drop]

    def _trucks_between(self, start: datetime, end: datetime) -> tuple[TruckPass, ...]:
        """Trucks in view at some instant of [start, end)."""
        lo = bisect.bisect_left(
            self._trucks, start - timedelta(seconds=10), key=lambda t: t.occurred_at
        )
        hi = bisect.bisect_right(
            self._trucks, end + timedelta(seconds=10), key=lambda t: t.occurred_at
        )
        return tuple(
            t for t in self._trucks[lo:hi] if t.last_visible >= start and t.first_visible < end
        )

    # ------------------------------------------------------------------ VideoFeed

    def parameters(self) -> StreamParameters:
        if self._params is None:
            raise RuntimeError("video feed not started")
        return self._params

    async def recorded(self, start: datetime, end: datetime) -> AsyncGenerator[AccessUnit]:
        self._require_store()
        self.timeline.check(start, end, self._now())
        if self.timeline.faults.corrupt:
            raise RecordingCorrupt("stored footage for that span does not decode")
        first, last = (
            self.timeline.chunk_index(start),
            self.timeline.chunk_index(end - timedelta(microseconds=1)),
        )
        units = self._with_times(self.timeline.chunk_start(first), await self._chunk(first))
        begin = max((i for i, u in enumerate(units) if u.keyframe and u.time <= start), default=0)
        for index in range(first, last + 1):
            if index > first:
                units, begin = (
                    self._with_times(self.timeline.chunk_start(index), await self._chunk(index)),
                    0,
                )
            if index < last:
                self._prefetch(index + 1)
            for unit in units[begin:]:
                if unit.time >= end:
                    return
                yield unit

    async def live(self) -> AsyncGenerator[AccessUnit]:
        self._require_store()
        loop = asyncio.get_running_loop()
        lead = timedelta(seconds=self.settings.gop_seconds) + LIVE_MARGIN + LIVE_RENDER_ALLOWANCE
        index = self._gop_index(self._now() - lead)
        origin: tuple[datetime, float] | None = None
        upcoming = asyncio.create_task(self._live_gop_when_ready(index))
        try:
            while True:
                units = self._with_times(self._gop_start(index), await upcoming)
                index += 1
                upcoming = asyncio.create_task(self._live_gop_when_ready(index))
                for unit in units:
                    if origin is None:
                        origin = (unit.time, loop.time())
                    due = origin[1] + (unit.time - origin[0]).total_seconds()
                    late = loop.time() - due
                    if late > LIVE_MAX_LATE:  # a render stalled us: re-anchor, don't burst
                        origin = (unit.time, loop.time())
                    elif late < 0:
                        await asyncio.sleep(-late)
                    yield unit
        finally:
            upcoming.cancel()
            await asyncio.gather(upcoming, return_exceptions=True)

    async def _live_gop_when_ready(self, index: int) -> list[EncodedUnit]:
        ready_at = self._gop_start(index + 1) + LIVE_MARGIN
        wait = (ready_at - self._now()).total_seconds()
        if wait > 0:
            await asyncio.sleep(wait)
        return await self._live_gop(index)

    # ------------------------------------------------------------------ rendering

    def _osd(self) -> Osd:
        return Osd(self._tz, self._clock_offset(), self._name)

    def _key(self, kind: str, index: int, trucks: Sequence[TruckPass], osd: Osd) -> str:
        probe = self.timeline.chunk_start(index)
        state = repr(
            (
                osd.clock_offset_seconds,
                osd.clock(probe).utcoffset(),
                [
                    (t.read_id, t.plate_text, t.color, t.direction, t.occurred_at.timestamp())
                    for t in trucks
                ],
            )
        )
        return f"{kind}{index}-{hashlib.sha1(state.encode()).hexdigest()[:12]}"  # noqa: S324

    def _with_times(self, start: datetime, units: Sequence[EncodedUnit]) -> list[AccessUnit]:
        fps = self.settings.fps
        return [
            AccessUnit(
                start + timedelta(microseconds=round(i * 1_000_000 / fps)), u.nal_units, u.keyframe
            )
            for i, u in enumerate(units)
        ]

    def _chunk_job(
        self, index: int
    ) -> tuple[str, Callable[[], Coroutine[Any, Any, list[EncodedUnit]]]]:
        store = self._require_store()
        start, end = self.timeline.chunk_start(index), self.timeline.chunk_end(index)
        trucks, osd = self._trucks_between(start, end), self._osd()
        key = self._key("c", index, trucks, osd)
        stale = self._keys.get(index)
        if stale is not None and stale != key:
            self._keys.pop(index, None)
            store.discard(stale)  # tiny unlink; a read changed what this chunk shows

        async def job() -> list[EncodedUnit]:
            cached = await asyncio.to_thread(store.load, key)
            if cached is not None:
                self._keys[index] = key
                return cached
            async with self._semaphore:
                units = await asyncio.to_thread(
                    self._render, start, self.settings.chunk_frames, trucks, osd
                )
                self.renders += 1
                await asyncio.to_thread(store.save, key, units)
            self._keys[index] = key
            return units

        return key, job

    async def _chunk(self, index: int) -> list[EncodedUnit]:
        end = self.timeline.chunk_end(index)
        if end > self._now():
            raise RuntimeError(
                f"chunk {index} ends in the future; the timeline should have refused"
            )
        key, job = self._chunk_job(index)
        return await self._shared(key, job)

    def _prefetch(self, index: int) -> None:
        if self.timeline.chunk_end(index) <= self._now():
            key, job = self._chunk_job(index)
            self._task(key, job)

    def _task(
        self, key: str, job: Callable[[], Coroutine[Any, Any, list[EncodedUnit]]]
    ) -> asyncio.Task[list[EncodedUnit]]:
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(job(), name=f"video-render-{key}")
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return task

    def _finished(self, key: str, task: asyncio.Task[list[EncodedUnit]]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled() and task.exception() is not None:
            logger.error("video render %s failed", key, exc_info=task.exception())

    async def _shared(
        self, key: str, job: Callable[[], Coroutine[Any, Any, list[EncodedUnit]]]
    ) -> list[EncodedUnit]:
        # shield: one requester going away must not cancel a render others wait for
        return await asyncio.shield(self._task(key, job))

    def _gop_index(self, when: datetime) -> int:
        return math.floor(when.timestamp() * self.settings.fps / self.settings.gop_frames)

    def _gop_start(self, index: int) -> datetime:
        return self.timeline.chunk_start(0) + timedelta(seconds=index * self.settings.gop_seconds)

    async def _live_gop(self, index: int) -> list[EncodedUnit]:
        start = self._gop_start(index)
        trucks = self._trucks_between(start, start + timedelta(seconds=self.settings.gop_seconds))
        osd = self._osd()
        key = self._key("l", index, trucks, osd)
        cached = self._live.get(key)
        if cached is not None:
            return cached

        async def job() -> list[EncodedUnit]:
            async with self._semaphore:
                units = await asyncio.to_thread(
                    self._render, start, self.settings.gop_frames, trucks, osd
                )
                self.renders += 1
            self._live[key] = units
            while len(self._live) > LIVE_CACHE:
                self._live.popitem(last=False)
            return units

        return await self._shared(key, job)

    def _render(
        self, start: datetime, frames: int, trucks: Sequence[TruckPass], osd: Osd
    ) -> list[EncodedUnit]:
        """Blocking: draw and encode ``frames`` frames from ``start`` (worker thread only)."""
        units = encode(
            self.settings, self._renderer.frames(start, frames, self.settings.fps, trucks, osd)
        )
        if len(units) != frames or not units[0].keyframe:
            raise RuntimeError(f"encoder returned {len(units)} units for {frames} frames")
        params = self.parameters()
        for unit in units:
            if unit.keyframe and parameter_sets(unit) != (params.sps, params.pps):
                raise RuntimeError(
                    "encoder produced different SPS/PPS; pieces would not concatenate"
                )
        return units


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)[:40] or "camera"
