"""Durable ingest queue: Redis Stream with a consumer group, or a database inbox.

Receiving and processing are split so a camera push is acknowledged as soon as the read is
durable, and processing can fail (database down) without losing it: Redis keeps unacked
entries pending and they are re-claimed; the inbox keeps unprocessed rows. Processing is
idempotent on the read's natural key, so at-least-once redelivery stores each read once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError

from domcctv.domain.reads import PlateRead
from domcctv.models import IngestInbox
from domcctv.services.clock import utcnow

logger = logging.getLogger(__name__)

Handler = Callable[[PlateRead], Awaitable[None]]
GROUP = "ingest"


class IngestQueue(Protocol):
    """Where receivers put reads and the consumer takes them from."""

    async def enqueue(self, read: PlateRead) -> None: ...

    async def consume(self, handler: Handler) -> None: ...


class DatabaseQueue:
    """Inbox table + in-process wake-up (the no-Redis fallback)."""

    def __init__(self, batch: int = 50, poll_seconds: float = 1.0) -> None:
        self._wake = asyncio.Event()
        self._batch = batch
        self._poll = poll_seconds

    async def enqueue(self, read: PlateRead) -> None:
        try:
            await IngestInbox.create(natural_key=read.natural_key, payload=read.to_json())
        except IntegrityError:
            logger.debug("read %s already in the inbox", read.natural_key)
        self._wake.set()

    async def consume(self, handler: Handler) -> None:
        while True:
            try:
                handled = await self._drain(handler)
            except Exception:
                logger.exception("ingest inbox drain failed; retrying")
                handled = 0
            if handled == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll)

    async def _drain(self, handler: Handler) -> int:
        rows = await IngestInbox.filter(processed_at__isnull=True).order_by("id").limit(self._batch)
        done = 0
        for row in rows:
            try:
                await handler(PlateRead.from_json(row.payload))
            except Exception as exc:
                logger.exception("processing inbox read %s failed", row.natural_key)
                await IngestInbox.filter(id=row.id).update(
                    attempts=row.attempts + 1, last_error=str(exc)[:300]
                )
                await asyncio.sleep(min(5.0, 0.2 * (row.attempts + 1)))
                return done
            await IngestInbox.filter(id=row.id).update(
                processed_at=utcnow(), attempts=row.attempts + 1
            )
            done += 1
        return done


class RedisStreamQueue:
    """XADD on receive; XREADGROUP + XACK after the database commit; XAUTOCLAIM retries."""

    def __init__(
        self, redis: Any, *, namespace: str = "domcctv", claim_idle_ms: int = 3000, batch: int = 50
    ) -> None:
        self._redis = redis
        self._stream = f"{namespace}:ingest:reads"
        self._consumer = f"{socket.gethostname()}-{os.getpid()}"
        self._claim_idle_ms = claim_idle_ms
        self._batch = batch

    async def enqueue(self, read: PlateRead) -> None:
        await self._redis.xadd(
            self._stream, {"read": json.dumps(read.to_json())}, maxlen=1_000_000, approximate=True
        )

    async def ensure_group(self) -> None:
        try:
            await self._redis.xgroup_create(self._stream, GROUP, id="0", mkstream=True)
        except Exception as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def consume(self, handler: Handler) -> None:
        await self.ensure_group()
        while True:
            try:
                await self._round(handler)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("ingest stream round failed; retrying")
                await asyncio.sleep(1)

    async def _round(self, handler: Handler) -> None:
        claimed = await self._redis.xautoclaim(
            self._stream,
            GROUP,
            self._consumer,
            min_idle_time=self._claim_idle_ms,
            start_id="0-0",
            count=self._batch,
        )
        entries = list(claimed[1]) if claimed else []
        if not entries:
            response = await self._redis.xreadgroup(
                GROUP, self._consumer, {self._stream: ">"}, count=self._batch, block=1000
            )
            entries = [e for _, items in (response or []) for e in items]
        for entry_id, fields in entries:
            if fields is None:
                continue
            raw = fields.get(b"read") or fields.get("read")
            try:
                read = PlateRead.from_json(json.loads(raw))
            except (ValueError, TypeError, KeyError):
                logger.error("dropping malformed stream entry %s", entry_id)
                await self._redis.xack(self._stream, GROUP, entry_id)
                continue
            try:
                await handler(read)
            except Exception:
                logger.exception("processing stream read %s failed; will retry", read.natural_key)
                await asyncio.sleep(0.5)
                return
            await self._redis.xack(self._stream, GROUP, entry_id)

    async def pending_count(self) -> int:
        info = await self._redis.xpending(self._stream, GROUP)
        return int(info["pending"]) if isinstance(info, dict) else int(info[0])
