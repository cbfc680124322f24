"""Transactional outbox: live pushes are written with the change they announce.

Publishing to the bus after a commit can fail (Redis down, process killed), and the change
would then never be pushed: a redelivered ingest read is a duplicate and publishes nothing.
So every push is first a ``live_outbox`` row written in the change's own transaction. After
the commit, whoever made the change relays its rows at once (``delivering``); a sweeper relays
whatever is left behind. Relaying publishes and stamps ``published_at`` under row locks
(``SKIP LOCKED``), so two processes never relay the same row together; a row published twice
after a crash carries the same message id (``mid``), which the bus drops the second time.
Published rows stay for ``REPLAY_WINDOW``: Redis pub/sub delivers nothing to a process while
its subscription is down, so the bus replays from here what it may have missed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domcctv.infra.bus import Bus
from domcctv.models import LiveOutbox
from domcctv.services.clock import utcnow

logger = logging.getLogger(__name__)

RELAY_BATCH = 200
# Published rows are kept this long for replay after a dropped bus subscription.
REPLAY_WINDOW = timedelta(minutes=2)
REPLAY_LIMIT = 20_000

# Ids staged by the current operation (a GraphQL request, one ingest read); None outside one.
_staged: ContextVar[list[int] | None] = ContextVar("outbox_staged", default=None)


async def stage(channel: str, message: dict[str, Any], *, using_db: BaseDBAsyncClient) -> int:
    """Write one push inside the caller's transaction; it is published after the commit."""
    row = await LiveOutbox.create(channel=channel, message=message, using_db=using_db)
    row_id: int = row.id
    pending = _staged.get()
    if pending is not None:
        pending.append(row_id)
    return row_id


# Told of each message this process relays, just before it is published (see ``delivering``).
LocalHook = Callable[[str, dict[str, Any]], None]


@contextlib.asynccontextmanager
async def delivering(bus: Bus | None, *, local: LocalHook | None = None) -> AsyncIterator[None]:
    """Relay, when the block ends, what it staged (only rows that were really committed).

    ``local`` hears each relayed message before it is published, so this process's own caches
    apply a change at once rather than when the bus brings the message back."""
    ids: list[int] = []
    token = _staged.set(ids)
    try:
        yield
    finally:
        _staged.reset(token)
        if ids and bus is not None:
            try:
                await relay(bus, ids=ids, local=local)
            except Exception:
                # The rows stay; the sweeper publishes them. The change itself is committed.
                logger.warning("live push deferred to the outbox sweeper", exc_info=True)


async def relay(
    bus: Bus,
    *,
    ids: list[int] | None = None,
    older_than: timedelta | None = None,
    local: LocalHook | None = None,
) -> int:
    """Publish unpublished outbox rows (the given ids, or the oldest ones) and stamp them
    published; returns how many. ``local`` hears each message just before it is published."""
    async with in_transaction("default") as conn:
        qs = LiveOutbox.filter(published_at__isnull=True).using_db(conn)
        if ids is not None:
            qs = qs.filter(id__in=ids)
        if older_than is not None:
            qs = qs.filter(created_at__lte=utcnow() - older_than)
        rows = await qs.order_by("id").limit(RELAY_BATCH).select_for_update(skip_locked=True)
        for row in rows:
            message = {**row.message, "mid": row.id}
            if local is not None:
                local(row.channel, message)
            await bus.publish(row.channel, message)
        if rows:
            await (
                LiveOutbox.filter(id__in=[r.id for r in rows])
                .using_db(conn)
                .update(published_at=utcnow())
            )
    return len(rows)


async def published_since(since: datetime) -> list[tuple[str, dict[str, Any]]]:
    """Messages published from ``since`` on, oldest first: what a process whose bus
    subscription dropped replays to its own subscribers (they drop what they already had)."""
    rows = (
        await LiveOutbox.filter(published_at__gte=since)
        .order_by("published_at", "id")
        .limit(REPLAY_LIMIT)
    )
    return [(row.channel, {**row.message, "mid": row.id}) for row in rows]


async def purge_published(older_than: timedelta = REPLAY_WINDOW) -> int:
    """Delete published rows past the replay window (in batches)."""
    cutoff = utcnow() - older_than
    ids = (
        await LiveOutbox.filter(published_at__lt=cutoff)
        .order_by("published_at")
        .limit(5000)
        .values_list("id", flat=True)
    )
    if not ids:
        return 0
    return await LiveOutbox.filter(id__in=list(ids)).delete()


async def pending_count() -> int:
    """Rows not yet relayed (for health and tests)."""
    return await LiveOutbox.filter(published_at__isnull=True).count()
