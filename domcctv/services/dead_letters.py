"""Dead letters: camera reads the ingest consumer could not store.

A read lands here after ``INGEST_MAX_ATTEMPTS`` processing failures, or at once when its
queued payload cannot even be decoded (kept whole, raw text included). Administrators
(SYSTEM_CONFIG) see them and either retry one (back on the ingest queue, after a fix) or
discard it; both are audited. They are DOM's operational data, not a tenant's: client users
never see them, whatever they are granted.
"""

from __future__ import annotations

from typing import Protocol

from tortoise.transactions import in_transaction

from domcctv.domain.access import Actor, Permission
from domcctv.domain.errors import (
    Conflict,
    ErrorCode,
    FieldCode,
    IntegrationUnavailable,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from domcctv.domain.reads import PlateRead
from domcctv.models import (
    AuditAction,
    DeadLetterStatus,
    IngestDeadLetter,
    ResourceType,
)
from domcctv.services import audit
from domcctv.services.clock import utcnow
from domcctv.services.pagination import Page, PageRequest, decode_cursor, encode_cursor, fetch_page

MAX_ID = 2**63 - 1


class ReadQueue(Protocol):
    """Where a retried read goes: the process's ingest queue."""

    async def enqueue(self, read: PlateRead) -> None: ...


def _require_admin(actor: Actor) -> None:
    if not actor.is_staff or not actor.can(Permission.SYSTEM_CONFIG):
        raise PermissionDenied("Dead letters need SYSTEM_CONFIG (DOM staff)")


def _after_id(cursor: str) -> int:
    (value,) = decode_cursor(cursor, 1)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise InvalidInput.single("after", FieldCode.INVALID_FORMAT, "Malformed cursor")
    return value


async def list_dead_letters(
    actor: Actor, status: DeadLetterStatus | None, page: PageRequest
) -> Page[IngestDeadLetter]:
    """Newest first (keyset on id; ``(status, id)`` index when filtered by status)."""
    _require_admin(actor)
    qs = IngestDeadLetter.all()
    if status is not None:
        qs = qs.filter(status=status)
    if page.after:
        qs = qs.filter(id__lt=_after_id(page.after))
    return await fetch_page(qs, page, ("-id",), lambda r: encode_cursor(r.id))


async def get_dead_letter(actor: Actor, letter_id: int) -> IngestDeadLetter | None:
    if not actor.is_staff or not actor.can(Permission.SYSTEM_CONFIG):
        return None
    return await IngestDeadLetter.get_or_none(id=letter_id)


async def _pending(actor: Actor, letter_id: int) -> IngestDeadLetter:
    _require_admin(actor)
    letter = await IngestDeadLetter.get_or_none(id=letter_id)
    if letter is None:
        raise NotFound("Dead letter not found")
    if letter.status is not DeadLetterStatus.PENDING:
        raise Conflict(
            f"This dead letter was already {letter.status.value.lower()}",
            code=ErrorCode.INVALID_TRANSITION,
        )
    return letter


async def _resolve(
    actor: Actor, letter: IngestDeadLetter, status: DeadLetterStatus, action: AuditAction
) -> IngestDeadLetter:
    now = utcnow()
    async with in_transaction("default") as conn:
        # Conditional on PENDING: two administrators resolving at once cannot both win.
        updated = (
            await IngestDeadLetter.filter(id=letter.id, status=DeadLetterStatus.PENDING)
            .using_db(conn)
            .update(status=status, resolved_at=now, resolved_by_id=actor.user_id)
        )
        if not updated:
            raise Conflict(
                "This dead letter was resolved meanwhile", code=ErrorCode.INVALID_TRANSITION
            )
        await audit.record(
            actor,
            action,
            ResourceType.INGEST,
            letter.id,
            before={"status": DeadLetterStatus.PENDING.value},
            after={
                "status": status.value,
                "naturalKey": letter.natural_key,
                "camera": letter.camera_code,
                "source": letter.source,
            },
            using_db=conn,
        )
    letter.status, letter.resolved_at, letter.resolved_by_id = status, now, actor.user_id
    return letter


async def retry_dead_letter(actor: Actor, letter_id: int, queue: ReadQueue) -> IngestDeadLetter:
    """Put the read back on the ingest queue (it gets its attempts afresh), then mark it
    RETRIED. Queued first: a read is never marked retried without being queued, and queuing
    twice is harmless (processing is idempotent on its natural key)."""
    letter = await _pending(actor, letter_id)
    try:
        read = PlateRead.from_json(letter.payload)
    except ValueError as exc:
        raise Conflict(
            f"This payload cannot be decoded ({exc}); it can only be discarded",
            code=ErrorCode.CONFLICT,
        ) from exc
    try:
        await queue.enqueue(read)
    except Exception as exc:
        raise IntegrationUnavailable("The ingest queue is unavailable; retry later") from exc
    return await _resolve(actor, letter, DeadLetterStatus.RETRIED, AuditAction.RETRY_DEAD_LETTER)


async def discard_dead_letter(actor: Actor, letter_id: int) -> IngestDeadLetter:
    """Give up on the read (kept, marked DISCARDED, audited)."""
    letter = await _pending(actor, letter_id)
    return await _resolve(
        actor, letter, DeadLetterStatus.DISCARDED, AuditAction.DISCARD_DEAD_LETTER
    )


async def unresolved_count(cap: int) -> int:
    """PENDING dead letters, counted up to ``cap`` (health needs "more than N", not N)."""
    ids = (
        await IngestDeadLetter.filter(status=DeadLetterStatus.PENDING)
        .limit(cap)
        .values_list("id", flat=True)
    )
    return len(ids)
