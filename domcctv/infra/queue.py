"""Durable ingest queue: Redis Stream with a consumer group, or a database inbox.

Receiving and processing are split so a camera push is acknowledged as soon as the read is
durable, and processing can fail (database down) without losing it: Redis keeps unacked
entries pending and they are re-claimed; the inbox keeps unprocessed rows. Processing is
idempotent on the read's natural key, so at-least-once redelivery stores each read once.

A read that keeps failing never blocks the reads behind it: the inbox gives a failed row a
``next_attempt_at`` (exponential backoff) and goes on with the next rows; the stream leaves a
failed entry pending (re-claimed after ``claim_idle_ms``) and goes on. After ``max_attempts``
processing failures (inbox attempts, or the stream entry's delivery count) the read moves to
``ingest_dead_letters`` whole, for an administrator to retry or discard. A payload that
cannot even be decoded goes there at once, with its raw text. Nothing is dropped.

A failure is only counted when it can be recorded: with the database down the failure cannot
be written, the row or entry stays as it was, and is processed again after the outage.

Each read is processed in its own task (and each pass over the queue in a fresh copy of the
consumer's starting context), so nothing one read leaves behind in context variables can
affect the next: Tortoise leaves a dead transaction connection in its context variable when
a BEGIN fails on a cut database link, and before this one such failure made every later
query of the long-lived consumer fail ("Not connected") until the process restarted.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from tortoise.exceptions import DBConnectionError, IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from domcctv.domain.reads import PlateRead
from domcctv.models import DeadLetterStatus, IngestDeadLetter, IngestInbox
from domcctv.services.clock import utcnow

if TYPE_CHECKING:
    from domcctv.config import Settings

logger = logging.getLogger(__name__)

Handler = Callable[[PlateRead], Coroutine[Any, Any, None]]
GROUP = "ingest"
MAX_RAW_PAYLOAD = 1_000_000  # characters of an undecodable payload kept in its dead letter
ERROR_TEXT = 500  # ingest_dead_letters.error
# Failures that say "the database or network is unreachable", not "this read is bad".
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (DBConnectionError, ConnectionError, OSError)


@dataclass(frozen=True, slots=True)
class QueueLag:
    """How far processing is behind: reads waiting, and the age of the oldest one."""

    waiting: int
    oldest_age_seconds: float


class IngestQueue(Protocol):
    """Where receivers put reads and the consumer takes them from."""

    async def enqueue(self, read: PlateRead) -> None: ...

    async def consume(self, handler: Handler) -> None: ...

    async def lag(self) -> QueueLag: ...


async def _isolated[T](
    work: Coroutine[Any, Any, T], context: contextvars.Context | None = None
) -> T:
    """Run ``work`` in its own task, in a copy of ``context`` (default: the current one)."""
    return await asyncio.create_task(work, context=(context or contextvars.copy_context()).copy())


def backoff_seconds(attempts: int, base: float = 1.0, cap: float = 300.0) -> float:
    """Delay before the next attempt after ``attempts`` failures: base, 2·base, 4·base..."""
    return float(min(cap, base * 2.0 ** max(0, attempts - 1)))


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_TEXT]


def _raw_payload(raw: Any) -> Any:
    """What an undecodable payload is kept as: its JSON if it was JSON, else its text."""
    if isinstance(raw, bytes | bytearray):
        raw = bytes(raw).decode("utf-8", errors="replace")
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return {"raw": raw[:MAX_RAW_PAYLOAD], "truncated": len(raw) > MAX_RAW_PAYLOAD}
    return raw if isinstance(raw, dict | list) else {"raw": repr(raw)[:MAX_RAW_PAYLOAD]}


def _label(payload: Any, key: str) -> str:
    value = payload.get(key) if isinstance(payload, dict) else None
    return str(value) if isinstance(value, str | int) else ""


async def bury(
    *,
    natural_key: str,
    payload: Any,
    error: str,
    attempts: int,
    source: str = "",
    camera_code: str = "",
    using_db: Any = None,
) -> IngestDeadLetter:
    """Write one dead letter (the whole payload, the last error, how often it was tried)."""
    return await IngestDeadLetter.create(
        natural_key=natural_key[:190],
        source=source[:12],
        camera_code=camera_code[:64],
        payload=payload,
        error=error[:ERROR_TEXT],
        attempts=attempts,
        status=DeadLetterStatus.PENDING,
        using_db=using_db,
    )


class DatabaseQueue:
    """Inbox table + in-process wake-up (the no-Redis fallback)."""

    def __init__(
        self,
        batch: int = 50,
        poll_seconds: float = 1.0,
        *,
        max_attempts: int = 5,
        retention: timedelta = timedelta(hours=24),
        backoff_base_seconds: float = 1.0,
        purge_every_seconds: float = 5.0,
        purge_batch: int = 1000,
    ) -> None:
        self._wake = asyncio.Event()
        self._batch = batch
        self._poll = poll_seconds
        self._max_attempts = max_attempts
        self._retention = retention
        self._backoff_base = backoff_base_seconds
        self._purge_every = purge_every_seconds
        self._purge_batch = purge_batch
        self._next_purge = 0.0

    async def enqueue(self, read: PlateRead) -> None:
        try:
            await IngestInbox.create(natural_key=read.natural_key, payload=read.to_json())
        except IntegrityError:
            logger.debug("read %s already in the inbox", read.natural_key)
        self._wake.set()

    async def consume(self, handler: Handler) -> None:
        pristine = contextvars.copy_context()
        while True:
            try:
                handled = await _isolated(self._drain(handler), pristine)
            except Exception:
                logger.exception("ingest inbox drain failed; retrying")
                handled = 0
                await asyncio.sleep(min(self._poll, 0.5))
            if handled == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll)

    async def _drain(self, handler: Handler) -> int:
        """One pass over the due rows, oldest first; returns how many were taken (processed,
        deferred or dead-lettered). A failing row never stops the pass."""
        now = utcnow()
        rows = (
            await IngestInbox.filter(processed_at__isnull=True)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("id")
            .limit(self._batch)
        )
        for row in rows:
            await self._take(row, handler)
        await self.purge_processed()
        return len(rows)

    async def _take(self, row: IngestInbox, handler: Handler) -> None:
        try:
            read = PlateRead.from_json(row.payload)
        except ValueError as exc:
            logger.error("inbox row %s cannot be decoded; dead-lettered: %s", row.id, exc)
            await self._move_to_dead_letters(
                row, _raw_payload(row.payload), f"undecodable: {exc}", row.attempts
            )
            return
        try:
            await _isolated(handler(read))
        except Exception as exc:
            attempts = row.attempts + 1
            if attempts >= self._max_attempts:
                logger.exception(
                    "inbox read %s failed %d times; dead-lettered", read.natural_key, attempts
                )
                await self._move_to_dead_letters(row, read.to_json(), _error_text(exc), attempts)
                return
            delay = backoff_seconds(attempts, self._backoff_base)
            logger.warning(
                "inbox read %s failed (attempt %d of %d, next in %.0fs): %s",
                read.natural_key,
                attempts,
                self._max_attempts,
                delay,
                _error_text(exc),
            )
            # Raises while the database is down: the failure is then not counted.
            await IngestInbox.filter(id=row.id).update(
                attempts=attempts,
                last_error=_error_text(exc)[:300],
                next_attempt_at=utcnow() + timedelta(seconds=delay),
            )
            return
        await IngestInbox.filter(id=row.id).update(processed_at=utcnow(), attempts=row.attempts + 1)

    @staticmethod
    async def _move_to_dead_letters(
        row: IngestInbox, payload: Any, error: str, attempts: int
    ) -> None:
        async with in_transaction() as conn:
            await bury(
                natural_key=row.natural_key,
                payload=payload,
                error=error,
                attempts=attempts,
                source=_label(payload, "source"),
                camera_code=_label(payload, "cameraCode"),
                using_db=conn,
            )
            await IngestInbox.filter(id=row.id).using_db(conn).delete()

    async def purge_processed(self, *, force: bool = False) -> int:
        """Delete processed rows older than the retention, in batches, at most every few
        seconds (index range scan on ``processed_at``); returns how many were deleted."""
        clock = time.monotonic()
        if not force and clock < self._next_purge:
            return 0
        self._next_purge = clock + self._purge_every
        cutoff = utcnow() - self._retention
        deleted = 0
        for _ in range(10):
            ids = (
                await IngestInbox.filter(processed_at__lt=cutoff)
                .limit(self._purge_batch)
                .values_list("id", flat=True)
            )
            if not ids:
                break
            deleted += await IngestInbox.filter(id__in=list(ids)).delete()
            if len(ids) < self._purge_batch:
                break
        return deleted

    async def lag(self) -> QueueLag:
        waiting = IngestInbox.filter(processed_at__isnull=True)
        oldest = await waiting.order_by("id").first()
        if oldest is None:
            return QueueLag(0, 0.0)
        count = await waiting.count()
        age = (utcnow() - oldest.received_at).total_seconds()
        return QueueLag(count, max(0.0, age))


def _entry_ms(entry_id: Any) -> int | None:
    text = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
    head = text.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _next_id(entry_id: Any) -> str:
    text = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
    ms, _, seq = text.partition("-")
    return f"{ms}-{int(seq or 0) + 1}"


class RedisStreamQueue:
    """XADD on receive; XREADGROUP + XACK after the database commit; XAUTOCLAIM retries.

    A failed entry stays pending and is re-claimed once idle for ``claim_idle_ms``; its
    delivery count (XPENDING) is its attempt count. Acknowledged entries are trimmed from the
    stream (XTRIM MINID below the oldest unacknowledged one), never unprocessed ones.
    """

    def __init__(
        self,
        redis: Any,
        *,
        namespace: str = "domcctv",
        claim_idle_ms: int = 3000,
        batch: int = 50,
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

    async def consume(self, handler: Handler) -> None:
        """Forever. The consumer group is (re)created whenever it is missing: at start, and
        after a Redis restart without persistence (NOGROUP), so the reads queued since are
        consumed instead of waiting for a process restart."""
        pristine = contextvars.copy_context()
        group_ready = False
        while True:
            try:
                if not group_ready:
                    await self.ensure_group()
                    group_ready = True
                await _isolated(self._round(handler), pristine)
                await self.trim_acknowledged()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if "NOGROUP" in str(exc):
                    logger.warning("ingest consumer group missing (Redis restarted?); recreating")
                    group_ready = False
                    continue
                logger.exception("ingest stream round failed; retrying")
                await asyncio.sleep(1)

    async def _round(self, handler: Handler) -> int:
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
        for entry_id, fields in entries:
            key = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
            await self._take(key, fields, deliveries.get(key, 1), handler)
        return len(entries)

    async def _delivery_counts(self, ids: list[Any]) -> dict[str, int]:
        """Delivery count of each re-claimed entry (after this claim): its attempt number."""
        texts = [i.decode() if isinstance(i, bytes) else str(i) for i in ids]
        rows = await self._redis.xpending_range(
            self._stream,
            GROUP,
            min=texts[0],
            max=texts[-1],
            count=len(texts) + 10 * self._batch,
            consumername=self._consumer,
        )
        counts: dict[str, int] = {}
        for row in rows:
            mid = row["message_id"]
            counts[mid.decode() if isinstance(mid, bytes) else str(mid)] = int(
                row["times_delivered"]
            )
        # Not listed (another consumer took it meanwhile): assume the limit is reached, so a
        # poison entry cannot escape its dead letter by racing.
        return {t: counts.get(t, self._max_attempts) for t in texts}

    async def _take(self, entry_id: str, fields: Any, delivery: int, handler: Handler) -> None:
        raw = fields.get(b"read") or fields.get("read")
        try:
            text = raw.decode() if isinstance(raw, bytes) else raw
            read = PlateRead.from_json(json.loads(text))
        except (ValueError, TypeError) as exc:
            logger.error("stream entry %s cannot be decoded; dead-lettered: %s", entry_id, exc)
            payload = _raw_payload(raw)
            key = _label(payload, "naturalKey") or f"stream:{entry_id}"
            await self._dead_letter(key, payload, f"undecodable: {exc}", delivery, entry_id)
            return
        try:
            await _isolated(handler(read))
        except Exception as exc:
            if delivery >= self._max_attempts and not isinstance(exc, OUTAGE_ERRORS):
                logger.exception(
                    "stream read %s failed %d times; dead-lettered", read.natural_key, delivery
                )
                await self._dead_letter(
                    read.natural_key, read.to_json(), _error_text(exc), delivery, entry_id
                )
            else:
                logger.warning(
                    "stream read %s failed (delivery %d of %d); stays pending: %s",
                    read.natural_key,
                    delivery,
                    self._max_attempts,
                    _error_text(exc),
                )
            return
        await self._redis.xack(self._stream, GROUP, entry_id)

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
                await bury(
                    natural_key=key,
                    payload=payload,
                    error=error,
                    attempts=attempts,
                    source=_label(payload, "source"),
                    camera_code=_label(payload, "cameraCode"),
                )
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
            name = group.get("name")
            if _as_text(name) == GROUP:
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


def _as_text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _id_order(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return (int(ms or 0), int(seq or 0))


def build_queue(settings: Settings, redis: Any = None) -> IngestQueue:
    """The durable ingest queue: the Redis stream when Redis is configured, else the inbox."""
    if redis is not None:
        return RedisStreamQueue(
            redis, namespace=settings.redis_namespace, max_attempts=settings.ingest_max_attempts
        )
    return DatabaseQueue(
        max_attempts=settings.ingest_max_attempts,
        retention=timedelta(hours=settings.ingest_inbox_retention_hours),
    )
