"""Workaround for a connection leak in Tortoise ORM 1.1.9 when a transaction's BEGIN fails.

``TransactionContextPooled.__aenter__`` takes a connection from the pool, points the
connection context variable at the transaction, then sends BEGIN. When BEGIN fails (the
database link dropped at that moment), ``__aexit__`` never runs: the connection is never
given back to the pool and the context variable keeps pointing at the dead transaction. A
long-lived task (the ingest consumer, the outbox sweeper) then fails every later query with
"Not connected", and every such failure costs the pool one connection for good, so a few
outages exhaust it. Upstream fixed the same leak for a failing COMMIT/ROLLBACK
(tortoise/tortoise-orm#1796), not for BEGIN. Remove this once Tortoise cleans up there too.
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Any

from tortoise.backends.base.client import TransactionContextPooled
from tortoise.connection import get_connections

_MARK = "_domcctv_begin_cleanup"


def install_begin_failure_cleanup() -> None:
    """Idempotently patch ``TransactionContextPooled.__aenter__`` to undo its work when it
    fails: reset the context variable, close the connection and give it back (the pool drops
    a closed connection)."""
    original = TransactionContextPooled.__aenter__
    if getattr(original, _MARK, False):
        return

    async def __aenter__(self: TransactionContextPooled) -> Any:
        try:
            return await original(self)
        except BaseException:
            token = getattr(self, "token", None)
            if token is not None:  # the connection was taken and the context pointed at it
                get_connections().reset(token)
                pool = self.client._parent._pool
                connection = self.client._connection
                if pool is not None and connection is not None:
                    # Closed first: a BEGIN that may be half sent leaves the protocol state
                    # unknown, so the connection must never be handed out again.
                    with contextlib.suppress(Exception):
                        closing = connection.close()
                        if inspect.isawaitable(closing):
                            await closing
                    with contextlib.suppress(Exception):
                        await pool.release(connection)
            raise

    setattr(__aenter__, _MARK, True)
    TransactionContextPooled.__aenter__ = __aenter__  # type: ignore[method-assign]
