"""Counting what the database did: SQL statements run during a block, and rows it holds.

Tortoise's clients (SQLite, MySQL, and their transaction wrappers) log every statement they
send on the ``tortoise.db_client`` logger at DEBUG level, just before executing it: one record
per ``execute_query``/``execute_query_dict``/``execute_insert``/``execute_many``/
``execute_script``. Counting those records counts the statements on both backends without
wrapping private methods. Connection open/close messages go to the same logger and are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tortoise import connections

_LOGGER = logging.getLogger("tortoise.db_client")
_NOT_STATEMENTS = ("Created connection", "Closed connection")


@dataclass
class QueryLog:
    """The statements seen inside a ``count_queries()`` block."""

    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    def __str__(self) -> str:
        return "\n".join(f"{i + 1:3d}. {s[:200]}" for i, s in enumerate(self.statements))


class _Collector(logging.Handler):
    def __init__(self, log: QueryLog) -> None:
        super().__init__(level=logging.DEBUG)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        message = str(record.msg)
        if message.startswith(_NOT_STATEMENTS):
            return
        text = record.args[0] if record.args and isinstance(record.args, tuple) else message
        self.log.statements.append(str(text))


@contextmanager
def count_queries() -> Iterator[QueryLog]:
    """Collect every SQL statement Tortoise sends while the block runs."""
    log = QueryLog()
    handler = _Collector(log)
    previous_level, previous_propagate = _LOGGER.level, _LOGGER.propagate
    _LOGGER.addHandler(handler)
    _LOGGER.setLevel(logging.DEBUG)
    _LOGGER.propagate = False  # keep the statements out of pytest's captured log
    try:
        yield log
    finally:
        _LOGGER.removeHandler(handler)
        _LOGGER.setLevel(previous_level)
        _LOGGER.propagate = previous_propagate


async def table_names() -> list[str]:
    """Every application table in the current database (not Tortoise's migration ledger)."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "sqlite":
        rows = await conn.execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        names = [r["name"] for r in rows]
    else:
        rows = await conn.execute_query_dict(
            "SELECT table_name AS name FROM information_schema.tables "
            "WHERE table_schema = DATABASE()"
        )
        names = [r["name"] for r in rows]
    return sorted(n for n in names if n != "tortoise_migrations")


async def snapshot_tables(*, exclude: tuple[str, ...] = ()) -> dict[str, list[dict[str, Any]]]:
    """The full content of every table (rows in key order), to prove nothing was written."""
    conn = connections.get("default")
    state: dict[str, list[dict[str, Any]]] = {}
    for name in await table_names():
        if name in exclude:
            continue
        rows = await conn.execute_query_dict(f"SELECT * FROM {name}")
        state[name] = sorted(rows, key=lambda r: repr(sorted(r.items(), key=lambda kv: kv[0])))
    return state


def diff_tables(
    before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]
) -> dict[str, str]:
    """Human-readable summary of which tables changed (empty when nothing did)."""
    changed: dict[str, str] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, []), after.get(name, [])
        if old != new:
            added = [r for r in new if r not in old]
            removed = [r for r in old if r not in new]
            changed[name] = (
                f"+{len(added)} -{len(removed)}: added={added[:2]} removed={removed[:2]}"
            )
    return changed
