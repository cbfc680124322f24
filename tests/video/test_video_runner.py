"""VideoWorkers: PyAV runs in worker threads, within two separate concurrency limits."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import anyio
import pytest
from video_samples import Samples

from domcctv.infra.video import (
    MediaError,
    MediaErrorCode,
    VideoWorkers,
    burn_overlay,
    probe,
    thumbnail_jpeg,
    transcode_variant,
)


class InFlight:
    """A blocking job that records how many copies of itself run at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0
        self.threads: set[int] = set()

    def __call__(self, seconds: float) -> int:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self.threads.add(threading.get_ident())
        time.sleep(seconds)
        with self.lock:
            self.now -= 1
        return threading.get_ident()


async def test_light_jobs_never_exceed_the_limit() -> None:
    workers = VideoWorkers(max_workers=3)
    job = InFlight()
    async with anyio.create_task_group() as tg:
        for _ in range(12):
            tg.start_soon(workers.run, job, 0.03)
    assert job.peak == 3  # bounded, and really parallel
    assert threading.get_ident() not in job.threads  # never on the event loop's thread


async def test_heavy_jobs_have_their_own_smaller_limit() -> None:
    workers = VideoWorkers(max_workers=4)
    assert workers.heavy_workers == 2
    heavy, light = InFlight(), InFlight()
    async with anyio.create_task_group() as tg:
        for _ in range(6):
            tg.start_soon(lambda: workers.run(heavy, 0.04, heavy=True))
        for _ in range(8):
            tg.start_soon(workers.run, light, 0.02)
    assert heavy.peak == 2
    assert light.peak == 4  # heavy work did not take the light slots


async def test_encoders_are_heavy_by_default(samples: Samples, tmp_path: Path) -> None:
    workers = VideoWorkers(max_workers=2, heavy_workers=1)
    seen: set[tuple[int, int]] = set()
    done = anyio.Event()

    async def encode() -> None:
        await workers.run(transcode_variant, samples.gop25, tmp_path / "v.mp4", 90, 50_000)
        done.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(encode)
        while not done.is_set():
            seen.add(workers.busy)
            await anyio.sleep(0.001)
    assert (0, 1) in seen
    assert all(light == 0 for light, _ in seen)
    assert workers.busy == (0, 0)


async def test_the_event_loop_keeps_ticking_during_an_encode(
    samples: Samples, tmp_path: Path
) -> None:
    workers = VideoWorkers(max_workers=2)
    gaps: list[float] = []
    took: list[float] = []

    async def export() -> None:
        started = time.perf_counter()
        await workers.run(burn_overlay, samples.gop25, tmp_path / "e.mp4", lambda t: [f"{t:.2f}"])
        took.append(time.perf_counter() - started)

    async with anyio.create_task_group() as tg:
        tg.start_soon(export)
        last = time.perf_counter()
        while not took:
            await anyio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now
    assert took[0] > 0.2  # long enough that running it on the loop would show
    assert max(gaps) < took[0] / 2


async def test_results_and_media_errors_come_back_to_the_caller(
    samples: Samples, tmp_path: Path
) -> None:
    workers = VideoWorkers(max_workers=2)
    jpeg = await workers.run(thumbnail_jpeg, samples.gop25, 1.0)
    assert jpeg.startswith(b"\xff\xd8")
    with pytest.raises(MediaError) as caught:
        await workers.run(probe, tmp_path / "missing.mp4")
    assert caught.value.code is MediaErrorCode.NOT_FOUND


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        VideoWorkers(max_workers=0)
