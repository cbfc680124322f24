"""Running the blocking PyAV functions off the event loop, with bounded concurrency.

Every function of this package blocks (file I/O, demuxing, decoding, encoding), so async code
calls them through ``VideoWorkers.run``, which hands them to a worker thread
(``anyio.to_thread.run_sync``) under a ``CapacityLimiter``:

* **Two limits.** Light jobs (probe, cut, remux, HLS packaging, thumbnails: stream copies and
  single-frame decodes, milliseconds each) share ``max_workers`` slots. Heavy jobs (quality
  variants, overlays: a full decode + encode, seconds to minutes, and libx264 spreads itself
  over several cores) have their own, smaller limit (default ``max(1, max_workers // 2)``).
  An export queue of heavy jobs therefore never holds the slots a thumbnail request needs,
  and a burst of thumbnails never starts more encoders.
* **Threads, not processes.** PyAV releases the GIL while FFmpeg demuxes, decodes, scales and
  encodes, so threads run in parallel on several cores. Measured on the 2-core dev box with a
  320x180 clip, warm (200 thumbnails each; the box is shared, so numbers vary by ~30 %):
  one thumbnail round trip took 2.4-3.7 ms through a thread and 3.8-5.3 ms through a
  ``ProcessPoolExecutor`` (pickling arguments and the JPEG back); throughput with 2 workers was
  2.8-3.6 ms per thumbnail with threads vs 2.3-2.8 ms with processes. The small throughput
  gain of processes does not pay for a 240 ms cold start per worker, an interpreter plus
  FFmpeg per worker in memory, and results and exceptions that must pickle (``MediaError``
  takes two arguments). Threads also share the open-file limit and the media directory view
  with the server, which keeps deployment unchanged.
* **Cancellation waits.** A cancelled caller does not abandon its thread: the thread finishes
  (PyAV cannot be interrupted mid-call) and only then is the slot released, so the limits
  are never exceeded by orphaned work. Keep inputs bounded (clips, not whole days).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio
import anyio.to_thread

from domcctv.infra.video.overlay import burn_overlay
from domcctv.infra.video.variants import transcode_variant

HEAVY_JOBS: frozenset[Callable[..., Any]] = frozenset({transcode_variant, burn_overlay})


class VideoWorkers:
    """Bounded worker threads for the video toolkit: ``await workers.run(fn, *args)``."""

    def __init__(self, max_workers: int, heavy_workers: int | None = None) -> None:
        if max_workers < 1 or (heavy_workers is not None and heavy_workers < 1):
            raise ValueError("worker limits must be at least 1")
        self.max_workers = max_workers
        self.heavy_workers = heavy_workers or max(1, max_workers // 2)
        self._light = anyio.CapacityLimiter(self.max_workers)
        self._heavy = anyio.CapacityLimiter(self.heavy_workers)

    async def run[*Ts, R](self, fn: Callable[[*Ts], R], *args: *Ts, heavy: bool | None = None) -> R:
        """Run ``fn(*args)`` in a worker thread once a slot is free; returns or raises its result.

        ``heavy`` picks the limit; by default the toolkit's encoders are heavy and everything
        else is light.
        """
        is_heavy = any(fn is job for job in HEAVY_JOBS) if heavy is None else heavy
        limiter = self._heavy if is_heavy else self._light
        return await anyio.to_thread.run_sync(fn, *args, limiter=limiter)

    @property
    def busy(self) -> tuple[int, int]:
        """(light, heavy) slots in use: for health metrics."""
        return int(self._light.borrowed_tokens), int(self._heavy.borrowed_tokens)
