"""The Redis queue: a stream with a consumer group (XADD on receive, XREADGROUP in batches,
XACK after the database commit, XAUTOCLAIM for entries left pending).

A failed entry stays pending and is re-claimed once idle for ``claim_idle_ms``; its delivery
count (XPENDING) is its attempt count, and after ``max_attempts`` it becomes a dead letter
(then it is acknowledged). Acknowledged entries are trimmed from the stream (XTRIM MINID below
the oldest unacknowledged one), never unprocessed ones. The consumer group is re-created when
Redis lost it (a restart without persistence), so reads queued since are not stranded.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import socket
import time
from typing import Any

from domcctv.domain.reads import PlateRead
from domcctv.infra.queue.base import (
    BatchHandler,
    QueueLag,
    bury,
    error_text,
    handle_batch,
    is_outage,
    isolated,
    label,
    raw_payload,
)
from domcctv.models import DeadLetterStatus, IngestDeadLetter

logger = logging.getLogger("domcctv.infra.queue")

GROUP = "ingest"


def _as_text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _entry_ms(entry_id: Any) -> int | None:
    head = _as_text(entry_id).split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _next_id(entry_id: Any) -> str:
    ms, _, seq = _as_text(entry_id).partition("-")
    return f"{ms}-{int(seq or 0) + 1}"


def _id_order(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return (int(ms or 0), int(seq or 0))


class RedisStreamQueue:
    """The stream queue; several consumers (API processes, workers) share its group."""

    def __init__(
        self,
        redis: Any,
        *,
        namespace: str = "domcctv",
        claim_idle_ms: int = 3000,
        batch: int = 20,
        max_attempts: int = 5,
        trim_every_seconds: float = 10.0,
    ) -> None:
        self._redis = redis
        self._stream = f"{namespace}:ingest:reads"
        self._consumer = f"{socket.gethostname()}-{os.getpid()}"
        self._claim_idle_ms = claim_idle_ms
        self._batch = batch
        self._max_attempts = max_attempts
        self._trim_every = trim_every_seconds
        self._next_trim = 0.0

    @property
    def stream(self) -> str:
        return self._stream

    async def enqueue(self, read: PlateRead) -> None:
        await self._redis.xadd(self._stream, {"read": json.dumps(read.to_json())})

    async def ensure_group(self) -> None:
        try:
            await self._redis.xgroup_create(self._stream, GROUP, id="0", mkstream=True)
        except Exception as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def consume(self, handler: BatchHandler) -> None:
        """Forever. The consumer group is (re)created whenever it is missing: at start, and
        after a Redis restart without persistence (NOGROUP)."""
        pristine = contextvars.copy_context()
        group_ready = False
        while True:
            try:
                if not group_ready:
                    await self.ensure_group()
                    group_ready = True
                await isolated(self._round(handler), pristine)
                await self.trim_acknowledged()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if "NOGROUP" in str(exc):
                    logger.warning("ingest consumer group missing (Redis restarted?); recreating")
                    group_ready = False
                    continue
                logger.warning("ingest stream round failed (%s); retrying", exc, exc_info=True)
                await asyncio.sleep(1)

    async def _round(self, handler: BatchHandler) -> int:
        claimed = await self._redis.xautoclaim(
            self._stream,
            GROUP,
            self._consumer,
            min_idle_time=self._claim_idle_ms,
            start_id="0-0",
            count=self._batch,
        )
        entries = [(i, f) for i, f in (claimed[1] if claimed else []) if f is not None]
        deliveries: dict[str, int] = {}
        if entries:
            deliveries = await self._delivery_counts([i for i, _ in entries])
        # New entries too, every round: retries never keep fresh reads waiting. Block for
        # them only when there was nothing to retry.
        response = await self._redis.xreadgroup(
            GROUP,
            self._consumer,
            {self._stream: ">"},
            count=self._batch,
            block=None if entries else 1000,
        )
        entries += [e for _, items in (response or []) for e in items if e[1] is not None]
        taken: list[tuple[str, PlateRead]] = []
        for entry_id, fields in entries:
            key = _as_text(entry_id)
            read = await self._decode(key, fields, deliveries.get(key, 1))
            if read is not None:
                taken.append((key, read))
        if taken:
            results = await handle_batch(handler, [read for _, read in taken])
            done = [key for (key, _), result in zip(taken, results, strict=True) if result is None]
            if done:
                await self._redis.xack(self._stream, GROUP, *done)
            for (key, read), result in zip(taken, results, strict=True):
                if result is not None:
                    await self._failed(key, read, result, deliveries.get(key, 1))
        return len(entries)

    async def _decode(self, entry_id: str, fields: Any, delivery: int) -> PlateRead | None:
        """The entry's read, or None after dead-lettering an undecodable one."""
        raw = fields.get(b"read") or fields.get("read")
        try:
            text = raw.decode() if isinstance(raw, bytes) else raw
            return PlateRead.from_json(json.loads(text))
        except (ValueError, TypeError) as exc:
            logger.error("stream entry %s cannot be decoded; dead-lettered: %s", entry_id, exc)
            payload = raw_payload(raw)
            key = label(payload, "naturalKey") or f"stream:{entry_id}"
            await self._dead_letter(key, payload, f"undecodable: {exc}", delivery, entry_id)
            return None

    async def _failed(
        self, entry_id: str, read: PlateRead, exc: BaseException, delivery: int
    ) -> None:
        if delivery >= self._max_attempts and not is_outage(exc):
            logger.error(
                "stream read %s failed %d times; dead-lettered: %s",
                read.natural_key,
                delivery,
                error_text(exc),
            )
            await self._dead_letter(
                read.natural_key, read.to_json(), error_text(exc), delivery, entry_id
            )
            return
        logger.warning(
            "stream read %s failed (delivery %d of %d); stays pending: %s",
            read.natural_key,
            delivery,
            self._max_attempts,
            error_text(exc),
        )

    async def _delivery_counts(self, ids: list[Any]) -> dict[str, int]:
        """Delivery count of each re-claimed entry (after this claim): its attempt number."""
        texts = [_as_text(i) for i in ids]
        rows = await self._redis.xpending_range(
            self._stream,
            GROUP,
            min=texts[0],
            max=texts[-1],
            count=len(texts) + 10 * self._batch,
            consumername=self._consumer,
        )
        counts = {_as_text(row["message_id"]): int(row["times_delivered"]) for row in rows}
        # Not listed (another consumer took it meanwhile): assume the limit is reached, so a
        # poison entry cannot escape its dead letter by racing.
        return {t: counts.get(t, self._max_attempts) for t in texts}

    async def _dead_letter(
        self, key: str, payload: Any, error: str, attempts: int, entry_id: str
    ) -> None:
        """Write the dead letter, then acknowledge; if the database is down, the entry stays
        pending (and is tried again later). A repeat after a lost XACK is not written twice."""
        try:
            exists = await IngestDeadLetter.filter(
                natural_key=key[:190], status=DeadLetterStatus.PENDING
            ).exists()
            if not exists:
                await bury(natural_key=key, payload=payload, error=error, attempts=attempts)
        except Exception:
            logger.exception("could not dead-letter stream entry %s; it stays pending", entry_id)
            return
        await self._redis.xack(self._stream, GROUP, entry_id)

    async def trim_acknowledged(self, *, force: bool = False) -> None:
        """Drop entries every consumer has acknowledged (below the oldest pending or
        undelivered one); unprocessed entries are never trimmed."""
        clock = time.monotonic()
        if not force and clock < self._next_trim:
            return
        self._next_trim = clock + self._trim_every
        group = await self._group_info()
        if group is None:
            return
        floor = _next_id(group.get("last-delivered-id", "0-0"))
        summary = await self._redis.xpending(self._stream, GROUP)
        oldest_pending = summary.get("min") if isinstance(summary, dict) else None
        if oldest_pending:
            floor = min(floor, _as_text(oldest_pending), key=_id_order)
        await self._redis.xtrim(self._stream, minid=floor, approximate=False)

    async def _group_info(self) -> dict[str, Any] | None:
        try:
            groups = await self._redis.xinfo_groups(self._stream)
        except Exception as exc:
            if "no such key" in str(exc).lower():
                return None
            raise
        for group in groups:
            if _as_text(group.get("name")) == GROUP:
                return {_as_text(k): v for k, v in group.items()}
        return None

    async def lag(self) -> QueueLag:
        """Entries not yet acknowledged (pending + never delivered) and the oldest one's age,
        by the Redis server's clock (entry ids are its milliseconds)."""
        seconds, micros = await self._redis.time()
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        group = await self._group_info()
        if group is None:  # no consumer ever ran (or Redis lost it): everything waits
            first = await self._redis.xrange(self._stream, count=1)
            if not first:
                return QueueLag(0, 0.0)
            waiting_since = _entry_ms(first[0][0]) or now_ms
            count = int(await self._redis.xlen(self._stream))
            return QueueLag(count, max(0.0, (now_ms - waiting_since) / 1000))
        oldest_ms: list[int] = []
        summary = await self._redis.xpending(self._stream, GROUP)
        pending = int(summary.get("pending", 0)) if isinstance(summary, dict) else 0
        if pending and summary.get("min"):
            oldest_ms.append(_entry_ms(summary["min"]) or now_ms)
        undelivered = int(group.get("lag") or 0)
        first_new = await self._redis.xrange(
            self._stream, min=_next_id(group.get("last-delivered-id", "0-0")), count=1
        )
        if first_new:
            oldest_ms.append(_entry_ms(first_new[0][0]) or now_ms)
            undelivered = max(undelivered, 1)
        age = max(0.0, (now_ms - min(oldest_ms)) / 1000) if oldest_ms else 0.0
        return QueueLag(pending + undelivered, age)

    async def pending_count(self) -> int:
        info = await self._redis.xpending(self._stream, GROUP)
        return int(info["pending"]) if isinstance(info, dict) else int(info[0])
