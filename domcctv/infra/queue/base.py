"""What both ingest queues share: the handler contract, lag, backoff and dead letters.

The consumer hands the pipeline a batch of reads and gets one result per read back (``None``:
stored or already stored; an exception: that read failed). A batch that fails as a whole is
retried read by read, so one poison read never takes the others down with it; a failure that
says "the database or network is unreachable" (``OUTAGE_ERRORS``) is not the reads' fault and
is never counted against them.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from tortoise.exceptions import DBConnectionError

from domcctv.domain.reads import PlateRead
from domcctv.models import DeadLetterStatus, IngestDeadLetter

logger = logging.getLogger("domcctv.infra.queue")

ReadResult = BaseException | None
BatchHandler = Callable[[list[PlateRead]], Coroutine[Any, Any, list[ReadResult]]]

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

    async def consume(self, handler: BatchHandler) -> None: ...

    async def lag(self) -> QueueLag: ...


async def isolated[T](
    work: Coroutine[Any, Any, T], context: contextvars.Context | None = None
) -> T:
    """Run ``work`` in its own task, in a copy of ``context`` (default: the current one).

    Nothing one batch leaves in context variables can affect the next: Tortoise leaves a dead
    transaction connection in its context variable when a BEGIN fails on a cut database link,
    and before this one such failure made every later query of the long-lived consumer fail
    ("Not connected") until the process restarted.
    """
    return await asyncio.create_task(work, context=(context or contextvars.copy_context()).copy())


async def handle_batch(handler: BatchHandler, reads: list[PlateRead]) -> list[ReadResult]:
    """One result per read. A batch that fails as a whole (not an outage) is retried read by
    read, so only the read that causes it fails; an outage fails them all, uncounted."""
    try:
        results = await isolated(handler(reads))
    except Exception as exc:
        if len(reads) == 1 or isinstance(exc, OUTAGE_ERRORS):
            return [exc] * len(reads)
        logger.warning("batch of %d reads failed (%s); retrying one by one", len(reads), exc)
        return [(await handle_batch(handler, [read]))[0] for read in reads]
    if len(results) != len(reads):  # a handler bug: never acknowledge what was not handled
        error = RuntimeError(f"handler returned {len(results)} results for {len(reads)} reads")
        return [error] * len(reads)
    return results


def is_outage(error: BaseException) -> bool:
    return isinstance(error, OUTAGE_ERRORS)


def backoff_seconds(attempts: int, base: float = 1.0, cap: float = 300.0) -> float:
    """Delay before the next attempt after ``attempts`` failures: base, 2·base, 4·base..."""
    return float(min(cap, base * 2.0 ** max(0, attempts - 1)))


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:ERROR_TEXT]


def raw_payload(raw: Any) -> Any:
    """What an undecodable payload is kept as: its JSON if it was JSON, else its text."""
    if isinstance(raw, bytes | bytearray):
        raw = bytes(raw).decode("utf-8", errors="replace")
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return {"raw": raw[:MAX_RAW_PAYLOAD], "truncated": len(raw) > MAX_RAW_PAYLOAD}
    return raw if isinstance(raw, dict | list) else {"raw": repr(raw)[:MAX_RAW_PAYLOAD]}


def label(payload: Any, key: str) -> str:
    value = payload.get(key) if isinstance(payload, dict) else None
    return str(value) if isinstance(value, str | int) else ""


async def bury(
    *,
    natural_key: str,
    payload: Any,
    error: str,
    attempts: int,
    using_db: Any = None,
) -> IngestDeadLetter:
    """Write one dead letter (the whole payload, the last error, how often it was tried)."""
    return await IngestDeadLetter.create(
        natural_key=natural_key[:190],
        source=label(payload, "source")[:12],
        camera_code=label(payload, "cameraCode")[:64],
        payload=payload,
        error=error[:ERROR_TEXT],
        attempts=attempts,
        status=DeadLetterStatus.PENDING,
        using_db=using_db,
    )
