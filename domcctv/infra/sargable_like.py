"""Prefix lookups (``__startswith``) that MariaDB can serve from an index, and substring
lookups (``__contains``) on the bare column.

Tortoise ORM 1.1.9 compiles ``startswith`` on MySQL/MariaDB as ``CAST(col AS CHAR) LIKE
'x%'``. The cast exists for non-text columns, but on a text column it hides the column from
the optimizer: no index can serve the condition, so a guide-number prefix walked the whole
``basic_event_metadata`` table (2.4 s at 3M documented events). Every ``startswith`` in this
code base is on a text column, so the lookup is compiled as a plain ``col LIKE 'x%'`` (the
value is escaped exactly as before, by Tortoise's ``escape_like``). The SQL-shape tests in
tests/search fail if a cast or function ever wraps a searched column again. ``contains``
(used by the text search's word check, never an index lookup) gets the same treatment so the
column's case- and accent-insensitive collation applies as it does to every other comparison.
"""

from __future__ import annotations

from pypika_tortoise.terms import Term
from tortoise.backends.mysql.executor import MySQLExecutor, StrWrapper, escape_like
from tortoise.filters import Like, contains, starts_with


def _plain_starts_with(field: Term, value: str) -> Like:
    return Like(field, StrWrapper(f"{escape_like(value)}%"), escape="")


def _plain_contains(field: Term, value: str) -> Like:
    return Like(field, StrWrapper(f"%{escape_like(value)}%"), escape="")


def install_sargable_prefix_lookup() -> None:
    """Idempotently compile MySQL ``startswith``/``contains`` without the cast (before any
    query)."""
    MySQLExecutor.FILTER_FUNC_OVERRIDE[starts_with] = _plain_starts_with
    MySQLExecutor.FILTER_FUNC_OVERRIDE[contains] = _plain_contains
