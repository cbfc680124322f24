"""The no-Redis queue: the ``ingest_inbox`` table, drained by the consumer in batches.

A failed row gets ``next_attempt_at`` (exponential backoff) and the pass goes on with the next
rows, so a read that keeps failing never blocks the ones behind it; after ``max_attempts`` it
moves whole to the dead letters. Processed rows are purged after ``retention``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from domcctv.domain.reads import PlateRead
from domcctv.infra.queue.base import (
    BatchHandler,
    QueueLag,
    ReadResult,
    backoff_seconds,
    bury,
    error_text,
    handle_batch,
    is_outage,
    isolated,
    raw_payload,
)
from domcctv.models import DeadLetterStatus, IngestDeadLetter, IngestInbox
from domcctv.services.clock import utcnow

logger = logging.getLogger("domcctv.infra.queue")


class DatabaseQueue:
    """Inbox table + in-process wake-up."""

    def __init__(
        self,
        batch: int = 20,
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

    async def consume(self, handler: BatchHandler) -> None:
        pristine = contextvars.copy_context()
        while True:
            try:
                handled = await isolated(self._drain(handler), pristine)
            except Exception:
                logger.exception("ingest inbox drain failed; retrying")
                handled = 0
                await asyncio.sleep(min(self._poll, 0.5))
            if handled == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll)

    async def _drain(self, handler: BatchHandler) -> int:
        """One batch of due rows, oldest first; returns how many were taken (processed,
        deferred or dead-lettered). A failing row never stops the others."""
        now = utcnow()
        rows = (
            await IngestInbox.filter(processed_at__isnull=True)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("id")
            .limit(self._batch)
        )
        taken: list[tuple[IngestInbox, PlateRead]] = []
        for row in rows:
            try:
                taken.append((row, PlateRead.from_json(row.payload)))
            except ValueError as exc:
                logger.error("inbox row %s cannot be decoded; dead-lettered: %s", row.id, exc)
                await self._move_to_dead_letters(
                    row, raw_payload(row.payload), f"undecodable: {exc}", row.attempts
                )
        if taken:
            results = await handle_batch(handler, [read for _, read in taken])
            await self._settle(taken, results)
        await self.purge_processed()
        return len(rows)

    async def _settle(
        self, taken: list[tuple[IngestInbox, PlateRead]], results: list[ReadResult]
    ) -> None:
        done = [row.id for (row, _), result in zip(taken, results, strict=True) if result is None]
        if done:
            await IngestInbox.filter(id__in=done).update(processed_at=utcnow())
        for (row, read), result in zip(taken, results, strict=True):
            if result is not None:
                await self._failed(row, read, result)

    async def _failed(self, row: IngestInbox, read: PlateRead, exc: BaseException) -> None:
        if is_outage(exc):
            # Not the read's fault: it stays due, uncounted, and is taken again after the outage.
            logger.warning("inbox read %s waits for the database: %s", read.natural_key, exc)
            return
        attempts = row.attempts + 1
        if attempts >= self._max_attempts:
            logger.error(
                "inbox read %s failed %d times; dead-lettered: %s",
                read.natural_key,
                attempts,
                error_text(exc),
            )
            await self._move_to_dead_letters(row, read.to_json(), error_text(exc), attempts)
            return
        delay = backoff_seconds(attempts, self._backoff_base)
        logger.warning(
            "inbox read %s failed (attempt %d of %d, next in %.0fs): %s",
            read.natural_key,
            attempts,
            self._max_attempts,
            delay,
            error_text(exc),
        )
        # Raises while the database is down: the failure is then not counted.
        await IngestInbox.filter(id=row.id).update(
            attempts=attempts,
            last_error=error_text(exc)[:300],
            next_attempt_at=utcnow() + timedelta(seconds=delay),
        )

    @staticmethod
    async def _move_to_dead_letters(
        row: IngestInbox, payload: object, error: str, attempts: int
    ) -> None:
        """Bury first, then drop the inbox row. On SQLite the inbox is another database file,
        so the two cannot share a transaction: a crash in between leaves the row, which is
        then buried again only if no pending dead letter holds it already."""
        already = await IngestDeadLetter.filter(
            natural_key=row.natural_key[:190], status=DeadLetterStatus.PENDING
        ).exists()
        if not already:
            await bury(natural_key=row.natural_key, payload=payload, error=error, attempts=attempts)
        await IngestInbox.filter(id=row.id).delete()

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
