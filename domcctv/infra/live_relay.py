"""Live camera pictures for many browsers from ONE upstream RTSP session per camera.

Cameras and recorders allow few concurrent RTSP sessions (often 4-6, shared with the NVR), so
viewers never open their own: the first viewer of a camera starts a :class:`_Hub` that runs
:func:`~integrations.hikvision.rtsp.live.read_live` in a worker thread of the relay's own pool
(PyAV never runs on the event loop; the pool bounds how many cameras stream at once). The hub
keeps the fMP4 init segment and fans each GOP fragment out to its viewers.

* A viewer gets the init segment, then fragments from the next one completed on (each
  fragment starts with a keyframe), rebased so its own timeline starts at 0.
* Each viewer has a bounded queue. A viewer that falls that many fragments behind (a slow
  link, a tab that stopped reading) is dropped: its stream ends; the others never wait.
* The last viewer leaving starts a grace period (a page reload or a second tab should not
  cost a new RTSP handshake and a keyframe wait); the upstream stops when it expires idle.
* An upstream failure ends every viewer's stream. The next request starts a new hub, but
  consecutive failures back off exponentially: until then requests are refused at once
  (:class:`LiveUnavailable` with ``retry_after``) instead of hammering a dead camera.
* :meth:`LiveRelay.aclose` stops everything and waits for the threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Final, Literal

from integrations.hikvision.errors import HikvisionError
from integrations.hikvision.rtsp.errors import (
    RtspAuthError,
    RtspNotFoundError,
    RtspStalledError,
    RtspUnavailableError,
    RtspUnreachableError,
)
from integrations.hikvision.rtsp.live import LiveFragment, LiveInit, read_live, rebase_moof

logger = logging.getLogger("domcctv.live")

UrlSource = Callable[[], Awaitable[str]]
"""Gives the upstream RTSP URL when a hub starts (HikCentral URLs expire: ask per start)."""
EndReason = Literal["closed", "slow", "upstream", "shutdown"]

DEFAULT_GRACE_SECONDS: Final = 15.0


_PUBLIC_REASONS: Final[tuple[tuple[type[HikvisionError], str], ...]] = (
    (RtspUnreachableError, "The camera did not answer"),
    (RtspAuthError, "The camera refused the configured credentials"),
    (RtspNotFoundError, "The camera has no such live stream"),
    (RtspUnavailableError, "The camera refused to stream"),
    (RtspStalledError, "The camera stopped sending video"),
)


def public_reason(exc: HikvisionError) -> str:
    """What a viewer may be told: never the camera's address (the details go to the log)."""
    return next(
        (text for cls, text in _PUBLIC_REASONS if isinstance(exc, cls)), "The live stream failed"
    )


class LiveUnavailable(Exception):
    """No live picture now: the camera failed to stream, is backing off, or the relay is full
    or closed. ``retry_after``: seconds after which asking again may help (None: unknown)."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class RelaySettings:
    """``grace_seconds``: how long an unwatched upstream stays open; ``open_timeout``: how
    long a first viewer waits for the init segment; ``stall_timeout``: seconds without an
    RTSP answer or packet; ``viewer_queue``: fragments a viewer may lag before it is dropped;
    ``max_cameras``: cameras streaming at once; ``backoff_*``: after consecutive failures."""

    grace_seconds: float = DEFAULT_GRACE_SECONDS
    open_timeout: float = 15.0
    stall_timeout: float = 10.0
    viewer_queue: int = 8
    max_cameras: int = 16
    backoff_base: float = 1.0
    backoff_max: float = 30.0

    def __post_init__(self) -> None:
        if min(self.open_timeout, self.stall_timeout, self.backoff_base, self.backoff_max) <= 0:
            raise ValueError("timeouts and backoff must be positive")
        if self.grace_seconds < 0 or self.viewer_queue < 1 or self.max_cameras < 1:
            raise ValueError("grace_seconds >= 0, viewer_queue >= 1 and max_cameras >= 1")


class LiveViewer:
    """One browser's subscription: iterate :meth:`stream` for the bytes; :meth:`close` (or
    the stream's end) leaves the hub. Created by :meth:`LiveRelay.subscribe` only."""

    def __init__(self, hub: _Hub, init: bytes, limit: int) -> None:
        self._hub = hub
        self._init = init
        self._limit = limit
        self._queue: deque[LiveFragment] = deque()
        self._wake = asyncio.Event()
        self._base: int | None = None
        self._sequence = 0
        self.ended: EndReason | None = None
        self.sent_fragments = 0

    @property
    def key(self) -> str:
        return self._hub.key

    def offer(self, fragment: LiveFragment) -> bool:
        """Queue a fragment (event loop); False and the viewer ends when it lags too far."""
        if self.ended is not None:
            return False
        if len(self._queue) >= self._limit:
            self._end("slow")
            return False
        self._queue.append(fragment)
        self._wake.set()
        return True

    def _end(self, reason: EndReason) -> None:
        if self.ended is None:
            self.ended = reason
            self._queue.clear()
            self._wake.set()
            self._hub.leave(self)

    def close(self) -> None:
        """Leave the hub (idempotent); a pending :meth:`stream` ends."""
        self._end("closed")

    async def stream(self) -> AsyncGenerator[bytes]:
        """The init segment, then each fragment (``moof``, ``mdat``) until the viewer ends."""
        try:
            yield self._init
            while True:
                while not self._queue:
                    if self.ended is not None:
                        return
                    self._wake.clear()
                    await self._wake.wait()
                fragment = self._queue.popleft()
                if self._base is None:
                    self._base = fragment.decode_time
                self._sequence += 1
                yield rebase_moof(fragment.moof, self._base, self._sequence)
                yield fragment.mdat
                self.sent_fragments += 1
        finally:
            self.close()


class _Hub:
    """One camera's upstream and its viewers (all state touched on the event loop only)."""

    def __init__(self, relay: LiveRelay, key: str, url: UrlSource) -> None:
        self.relay = relay
        self.key = key
        self._url = url
        self.viewers: set[LiveViewer] = set()
        self.init: bytes | None = None
        self.error: LiveUnavailable | None = None
        self.ready = asyncio.Event()  # init received, or failed
        self.done = asyncio.Event()  # the thread has returned
        self.stopping = False
        self.fragments = 0
        self.started_at = time.monotonic()
        self._stop = threading.Event()
        self._grace: asyncio.TimerHandle | None = None
        self._job: Future[None] | None = None
        self._loop = asyncio.get_running_loop()
        self.task = self._loop.create_task(self._run(), name=f"live-hub-{key}")

    def post(self, callback: Callable[..., None], *args: object) -> None:
        """Run ``callback`` on the hub's event loop (called from the reader thread)."""
        try:
            self._loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop is gone: nobody is watching any more
            self._stop.set()

    # -- event loop side -----------------------------------------------------------------

    def on_init(self, data: bytes) -> None:
        if self.init is None and not self.stopping:
            self.init = data
            self.ready.set()

    def on_fragment(self, fragment: LiveFragment) -> None:
        if self.stopping:
            return
        self.fragments += 1
        for viewer in list(self.viewers):
            if not viewer.offer(fragment):
                self.relay.dropped_viewers += 1
                logger.info("live %s: dropped a viewer that fell behind", self.key)

    async def _run(self) -> None:
        try:
            url = await self._url()
            if self._stop.is_set():
                return
            self._job = self.relay.executor.submit(
                read_live,
                url,
                _ThreadSink(self),
                timeout=self.relay.settings.stall_timeout,
                stop=self._stop,
            )
            await asyncio.shield(asyncio.wrap_future(self._job))
        except asyncio.CancelledError:
            self._stop.set()
            raise
        except LiveUnavailable as exc:
            self._fail(exc)
        except HikvisionError as exc:  # the RTSP reader's typed errors
            logger.warning("live %s: %s: %s", self.key, type(exc).__name__, exc)
            self._fail(LiveUnavailable(public_reason(exc)))
        except Exception as exc:  # a bug must end the viewers, not leave them hanging
            logger.exception("live %s: the upstream reader crashed", self.key)
            self._fail(LiveUnavailable(f"live stream failed ({type(exc).__name__})"))
        finally:
            self.done.set()
            self.relay.hub_finished(self)

    def _fail(self, error: LiveUnavailable) -> None:
        if self.stopping:
            return  # stopped on purpose; whatever the reader said on the way out
        logger.warning("live %s: upstream ended: %s", self.key, error.message)
        self.error = error
        self.stopping = True
        self.relay.record_failure(self)
        self.ready.set()
        self._end_viewers("upstream")

    def _end_viewers(self, reason: EndReason) -> None:
        for viewer in list(self.viewers):
            viewer._end(reason)

    def join(self, viewer: LiveViewer) -> None:
        self.viewers.add(viewer)
        if self._grace is not None:
            self._grace.cancel()
            self._grace = None

    def leave(self, viewer: LiveViewer) -> None:
        self.viewers.discard(viewer)
        if not self.viewers and not self.stopping and self._grace is None:
            grace = self.relay.settings.grace_seconds
            self._grace = self._loop.call_later(grace, self._grace_expired)

    def _grace_expired(self) -> None:
        self._grace = None
        if not self.viewers:
            logger.info("live %s: no viewer for the grace period; stopping", self.key)
            self.stop("closed")

    def stop(self, reason: EndReason) -> None:
        """Stop the upstream (the thread notices between packets) and end every viewer."""
        if self._grace is not None:
            self._grace.cancel()
            self._grace = None
        if not self.stopping:
            self.stopping = True
            self.relay.detach(self)
        self._stop.set()
        if self._job is None:
            self.task.cancel()  # still asking for the URL: no thread to wait for
        if self.init is None and self.error is None:
            self.error = LiveUnavailable("the live stream was stopped")
        self.ready.set()
        self._end_viewers(reason)


class _ThreadSink:
    """The :class:`LiveSink` handed to the reader thread: posts to the hub's event loop."""

    def __init__(self, hub: _Hub) -> None:
        self._hub = hub

    def init(self, segment: LiveInit) -> None:
        self._hub.post(self._hub.on_init, segment.data)

    def fragment(self, fragment: LiveFragment) -> None:
        self._hub.post(self._hub.on_fragment, fragment)


@dataclass
class _Failures:
    count: int
    not_before: float


class LiveRelay:
    """Per-camera hubs keyed by ``key`` (e.g. ``"camera:12"``); one upstream per key."""

    def __init__(self, settings: RelaySettings | None = None) -> None:
        self.settings = settings or RelaySettings()
        self.executor = ThreadPoolExecutor(
            max_workers=self.settings.max_cameras, thread_name_prefix="live-rtsp"
        )
        self._hubs: dict[str, _Hub] = {}
        self._stopping: set[_Hub] = set()
        self._failures: dict[str, _Failures] = {}
        self._closed = False
        self.upstream_starts = 0
        self.dropped_viewers = 0

    # -- introspection (health, tests) ---------------------------------------------------

    def viewer_count(self, key: str) -> int:
        hub = self._hubs.get(key)
        return len(hub.viewers) if hub is not None else 0

    def streaming(self) -> set[str]:
        """Keys whose upstream is open (or still closing)."""
        return set(self._hubs) | {hub.key for hub in self._stopping}

    # -- viewers -------------------------------------------------------------------------

    async def subscribe(self, key: str, url: UrlSource) -> LiveViewer:
        """A viewer of ``key``'s live picture, once its hub has the init segment.

        Raises :class:`LiveUnavailable` when the upstream cannot be opened (within
        ``open_timeout``), is backing off after failures, the relay is full or closed.
        """
        if self._closed:
            raise LiveUnavailable("the live relay is shutting down")
        hub = self._hubs.get(key)
        if hub is None:
            hub = await self._start(key, url)
        try:
            async with asyncio.timeout(self.settings.open_timeout):
                await hub.ready.wait()
        except TimeoutError:
            if not hub.viewers and not hub.stopping:
                hub.stop("closed")
                self.record_failure(hub)
            raise LiveUnavailable(
                f"no picture within {self.settings.open_timeout:g}s", retry_after=5.0
            ) from None
        if hub.init is None or hub.stopping:
            raise hub.error or LiveUnavailable("the live stream ended")
        viewer = LiveViewer(hub, hub.init, self.settings.viewer_queue)
        hub.join(viewer)
        return viewer

    async def _start(self, key: str, url: UrlSource) -> _Hub:
        failures = self._failures.get(key)
        now = time.monotonic()
        if failures is not None and now < failures.not_before:
            wait = failures.not_before - now
            raise LiveUnavailable(
                f"the camera failed {failures.count} time(s); retrying in {wait:.1f}s",
                retry_after=wait,
            )
        # The previous upstream of this camera may still be closing: one session at a time.
        for old in [h for h in self._stopping if h.key == key]:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.stall_timeout + 1.0):
                    await old.done.wait()
        hub = self._hubs.get(key)  # another request may have started it meanwhile
        if hub is not None:
            return hub
        if self._closed:
            raise LiveUnavailable("the live relay is shutting down")
        if len(self._hubs) + len(self._stopping) >= self.settings.max_cameras:
            raise LiveUnavailable("too many cameras are being viewed live", retry_after=10.0)
        hub = _Hub(self, key, url)
        self._hubs[key] = hub
        self.upstream_starts += 1
        logger.info("live %s: starting upstream", key)
        return hub

    # -- hub callbacks ---------------------------------------------------------------------

    def detach(self, hub: _Hub) -> None:
        """The hub is stopping: new viewers get a new hub (after this one's thread ends)."""
        if self._hubs.get(hub.key) is hub:
            del self._hubs[hub.key]
        if not hub.done.is_set():
            self._stopping.add(hub)

    def hub_finished(self, hub: _Hub) -> None:
        self.detach(hub)
        self._stopping.discard(hub)
        if hub.error is None:
            self._failures.pop(hub.key, None)  # a clean stop resets the backoff

    def record_failure(self, hub: _Hub) -> None:
        self.detach(hub)
        now = time.monotonic()
        previous = self._failures.get(hub.key)
        fresh = previous is None or now - hub.started_at > self.settings.backoff_max
        count = 1 if previous is None or fresh else previous.count + 1
        delay = min(self.settings.backoff_base * 2 ** (count - 1), self.settings.backoff_max)
        self._failures[hub.key] = _Failures(count, now + delay)

    # -- lifecycle ---------------------------------------------------------------------------

    async def aclose(self) -> None:
        """End every viewer, stop every upstream and wait for the reader threads."""
        self._closed = True
        hubs = list(self._hubs.values()) + list(self._stopping)
        for hub in hubs:
            hub.stop("shutdown")
        if hubs:
            await asyncio.wait([hub.task for hub in hubs])
        self.executor.shutdown(wait=True)
