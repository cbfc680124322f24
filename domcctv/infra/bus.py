"""Domain-event fan-out: Redis pub/sub across processes, or in-process when no Redis.

One Redis (pattern) subscription per process feeds local subscriber queues. Each subscriber
queue is bounded; a subscriber that falls behind is dropped (its stream ends with
``SlowConsumer``) instead of slowing everyone else. Channels are per tenant
(``domcctv:{company}:events``); payloads are versioned JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

logger = logging.getLogger(__name__)

QUEUE_SIZE = 256
UNASSIGNED = "unassigned"


def events_channel(company_id: int | None) -> str:
    return f"domcctv:{company_id if company_id is not None else UNASSIGNED}:events"


def alerts_channel(company_id: int | None) -> str:
    return f"domcctv:{company_id if company_id is not None else UNASSIGNED}:alerts"


class SlowConsumerError(Exception):
    """The subscriber's queue overflowed; it was disconnected to protect the others."""


@dataclass(eq=False)
class Subscription:
    """A local subscriber: a predicate over (channel, message) and a bounded queue."""

    accepts: Callable[[str, dict[str, Any]], bool]
    queue: asyncio.Queue[dict[str, Any] | None] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_SIZE)
    )
    dropped: bool = False

    def offer(self, channel: str, message: dict[str, Any]) -> None:
        if self.dropped or not self.accepts(channel, message):
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.dropped = True
            logger.warning("dropping a slow subscriber (queue of %s full)", QUEUE_SIZE)

    def pending(self) -> list[dict[str, Any]]:
        """The messages already delivered to this subscriber and not yet consumed, taken now
        without waiting (a reader that must act on every delivered message before it answers
        drains them here; ``messages()`` then simply does not see them)."""
        taken: list[dict[str, Any]] = []
        while not self.queue.empty():
            item = self.queue.get_nowait()
            if item is not None:
                taken.append(item)
        return taken

    async def messages(self) -> AsyncIterator[dict[str, Any]]:
        while True:
            if self.dropped and self.queue.empty():
                raise SlowConsumerError("subscriber too slow")
            item = await self.queue.get()
            if item is None:
                return
            yield item


class Bus(Protocol):
    """What services and subscriptions need from the bus."""

    async def publish(self, channel: str, message: dict[str, Any]) -> None: ...

    @property
    def delivery_epoch(self) -> int | None:
        """None while messages published by other processes cannot reach this one (the Redis
        subscription is down or not started); otherwise a number that changes whenever
        delivery resumed after a gap. A process-local cache kept valid by announcements serves
        only while it is not None, and forgets everything when it changes."""
        ...

    def subscribe(
        self, accepts: Callable[[str, dict[str, Any]], bool]
    ) -> contextlib.AbstractAsyncContextManager[Subscription]: ...


SEEN_MESSAGE_IDS = 20_000


class _LocalFanout:
    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        # Outbox message ids recently dispatched: a row re-published after a crash between
        # publish and delete reaches subscribers once.
        self._seen: OrderedDict[int, None] = OrderedDict()

    def _first_time(self, message: dict[str, Any]) -> bool:
        mid = message.get("mid")
        if not isinstance(mid, int):
            return True
        if mid in self._seen:
            return False
        self._seen[mid] = None
        if len(self._seen) > SEEN_MESSAGE_IDS:
            self._seen.popitem(last=False)
        return True

    def dispatch(self, channel: str, message: dict[str, Any]) -> None:
        if not self._first_time(message):
            return
        for sub in list(self._subs):
            sub.offer(channel, message)

    @contextlib.asynccontextmanager
    async def subscribe(
        self, accepts: Callable[[str, dict[str, Any]], bool]
    ) -> AsyncIterator[Subscription]:
        sub = Subscription(accepts)
        self._subs.add(sub)
        try:
            yield sub
        finally:
            self._subs.discard(sub)

    @property
    def subscriber_count(self) -> int:
        return len(self._subs)


class InProcessBus(_LocalFanout):
    """Single-process fallback: publish dispatches directly to local subscribers."""

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        self.dispatch(channel, message)

    @property
    def delivery_epoch(self) -> int | None:
        return 0  # every message is published in this process: delivery never has a gap

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


Replay = Callable[[datetime], Awaitable[list[tuple[str, dict[str, Any]]]]]

# How far back to replay after the subscription drops: a silent network loss is noticed within
# the client's health-check interval plus its socket timeout (see create_redis).
LOSS_DETECTION_MARGIN = timedelta(seconds=40)


class RedisBus(_LocalFanout):
    """Redis pub/sub: one PSUBSCRIBE per process, local fan-out to subscribers.

    Pub/sub keeps nothing for a subscriber that is not connected, so when the subscription
    drops (Redis restarted, network cut) messages published meanwhile never reach this process.
    With ``replay`` (the outbox's recently published messages), the bus re-dispatches what was
    published since shortly before the loss once it has resubscribed; subscribers receive each
    message once because dispatch drops message ids it has already seen.
    """

    def __init__(
        self, redis: Any, namespace: str = "domcctv", *, replay: Replay | None = None
    ) -> None:
        super().__init__()
        self._redis = redis
        # Pub/sub ignores Redis database numbers, so deployments (and test runs) sharing a
        # server are kept apart by a namespace prefix on the wire.
        self._prefix = f"{namespace}|"
        self._replay = replay
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._subscribed = 0  # successful (re)subscriptions so far
        self._epoch: int | None = None

    @property
    def delivery_epoch(self) -> int | None:
        return self._epoch

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        await self._redis.publish(
            self._prefix + channel, json.dumps(message, separators=(",", ":"))
        )

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="redis-bus")
        await asyncio.wait_for(self._ready.wait(), timeout=5)

    async def _run(self) -> None:
        lost_since: datetime | None = None
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(f"{self._prefix}domcctv:*")
                self._subscribed += 1
                self._epoch = self._subscribed
                self._ready.set()
                if lost_since is not None:
                    logger.warning("Redis bus subscription restored; replaying missed messages")
                    await self._replay_from(lost_since)
                    lost_since = None
                async for raw in pubsub.listen():
                    self._handle(raw)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._epoch = None
                if lost_since is None:
                    lost_since = datetime.now(UTC) - LOSS_DETECTION_MARGIN
                    logger.warning("Redis bus subscription lost (%s); resubscribing", exc)
                await asyncio.sleep(1)
            finally:
                self._epoch = None  # this subscription is over (lost or cancelled)
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def _replay_from(self, since: datetime) -> None:
        if self._replay is None:
            return
        try:
            missed = await self._replay(since)
        except Exception:
            logger.warning("could not replay missed bus messages", exc_info=True)
            return
        for channel, message in missed:
            self.dispatch(channel, message)

    def _handle(self, raw: dict[str, Any]) -> None:
        if raw.get("type") not in ("pmessage", "message"):
            return
        channel = raw["channel"]
        channel = channel.decode() if isinstance(channel, bytes) else str(channel)
        channel = channel.removeprefix(self._prefix)
        try:
            message = json.loads(raw["data"])
        except (ValueError, TypeError):
            logger.warning("ignoring malformed bus message on %s", channel)
            return
        if isinstance(message, dict):
            self.dispatch(channel, message)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def create_redis(url: str) -> Any:
    """The process's Redis pool (redis.asyncio); the only place a client is created."""
    import redis.asyncio as redis_asyncio

    return redis_asyncio.from_url(
        url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
    )
