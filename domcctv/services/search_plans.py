"""How a prefix search reaches its page at any table size (10M events and beyond).

Exact plate, OCR skeleton, company, camera and date filters each have an index ordered by
time, so their page is one index range read newest first and the database finds it alone.
A *prefix* (plate, OCR skeleton or guide number) is different: "B" matches a twentieth of the
table, "BCDF1" a few rows. Two ways reach the newest matches:

* **sort**: read the prefix's index range (every match) and sort by time: one step per match;
* **scan**: walk the time index newest first and keep the matches until the page is full:
  about ``page size / density`` steps.

The cheaper one depends on how many rows match, so the search first counts the matches,
capped at ``SORT_CAP`` (an index-only read of at most that many entries), and forces the
matching index: sort below the cap, scan above it. With *N* events the worst case of either is
about ``sqrt(page size * N)`` index entries (~22,000 at 10M), instead of a walk over the whole
table. Both read only ``(event_time, id)`` from covering indexes (status and the plate columns
are part of them); the page's rows are then fetched by primary key.

Index hints apply where the backend has them (MariaDB/MySQL); SQLite ignores them and plans
alone, which is right at the sizes SQLite is meant for.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q, Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from domcctv.models import BasicEventMetadata, Event

SORT_CAP = 20_000
"""Up to this many prefix matches are sorted; beyond it the time index is walked instead."""

GUIDE_ID_CAP = 20_000
"""Up to this many guide-number matches, the page is found among their events by id.

As large as ``SORT_CAP``: guide numbers are folios, issued in sequence, so a prefix's matches
are usually clustered in time ("GD-2024" is all of one year). Walking the time index from now
back to such a cluster can read a large part of the table (bench/search.py: 27-36 s for the
time-ordered SQL of an old folio prefix at 1M events), while the id path costs one primary-key
read per match whatever their age."""

PAGE_ORDER = ("-event_time", "-id")


class PrefixColumn(StrEnum):
    """Event columns searched by prefix, each with its own (time-ordered) indexes."""

    PLATE = "plate"
    SKELETON = "plate_skeleton"


# Index names (domcctv.models.event): the prefix's own range, with and without a company
# first; the time index, with and without a company first.
_SORT_INDEX = {
    (PrefixColumn.PLATE, False): "idx_event_plate_time",
    (PrefixColumn.PLATE, True): "search_combined",
    (PrefixColumn.SKELETON, False): "idx_event_skel_time",
    (PrefixColumn.SKELETON, True): "idx_event_company_skel",
}
_TIME_INDEX = {False: "idx_event_time", True: "idx_event_company_time"}
_GUIDE_INDEX = {False: "idx_meta_guide", True: "idx_meta_company_guide"}


def time_index(by_company: bool) -> str:
    """The index walked newest first (company first when a company leads the query)."""
    return _TIME_INDEX[by_company]


def column_index(column: PrefixColumn, by_company: bool) -> str:
    """The index of a plate column ordered by time (company first when a company leads)."""
    return _SORT_INDEX[(column, by_company)]


_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string above every string that starts with ``prefix`` (canonical plates).

    Plates and skeletons hold only 0-9 and A-Z, which sort in that order under SQLite's binary
    collation and MariaDB's general and Unicode collations alike, so ``prefix <= x < bound``
    is "starts with" as a plain index range, with no function or cast around the column.
    None when there is no bound ("ZZ": everything from the prefix on) or the prefix holds a
    character outside the alphabet (the caller then uses LIKE).
    """
    chars = list(prefix)
    if not chars or any(c not in _ALPHABET for c in chars):
        return None
    while chars:
        last = chars.pop()
        position = _ALPHABET.index(last)
        if position + 1 < len(_ALPHABET):
            return "".join(chars) + _ALPHABET[position + 1]
    return None


def prefix_q(column: PrefixColumn, prefix: str) -> Q:
    """``column`` starts with ``prefix``, as an index range wherever possible."""
    bound = prefix_upper_bound(prefix)
    if bound is None and all(c in _ALPHABET for c in prefix):
        return Q(**{f"{column.value}__gte": prefix})
    if bound is None:
        return Q(**{f"{column.value}__startswith": prefix})
    return Q(**{f"{column.value}__gte": prefix, f"{column.value}__lt": bound})


@dataclass(frozen=True, slots=True)
class PrefixSearch:
    """A prefix filter already applied to the query, and what its plan needs to know."""

    column: PrefixColumn
    by_company: bool  # a company_id equality (scope, filter or "unassigned") leads the query


async def capped_count[M: Model](qs: QuerySet[M], cap: int) -> int:
    """How many rows ``qs`` matches, counting at most ``cap + 1`` (never a full COUNT)."""
    ids = qs.limit(cap + 1).values_list("id", flat=True)
    return int((await first_column(ids, _counted))[0])


def _counted(sql: str) -> str:
    return f"SELECT COUNT(*) FROM ({sql}) AS capped"  # noqa: S608


async def first_column(
    query: Any, wrap: Callable[[str], str], extra_params: Sequence[Any] = ()
) -> list[Any]:
    """Run Tortoise's own parameterised SQL of ``query`` (a values-list query) inside ``wrap``
    with ``extra_params`` after its own; the first column of each row. For what Tortoise
    cannot say: a capped count, a per-statement optimizer setting, a subquery it cannot
    express. No value is ever spliced into the SQL text."""
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    assert query._db is not None
    _, rows = await query._db.execute_query(wrap(sql), [*params, *extra_params])
    return [first_value(row) for row in rows]


def forced[M: Model](qs: QuerySet[M], index: str) -> QuerySet[M]:
    """``qs`` with ``FORCE INDEX (index)`` only, leaving ``qs`` itself untouched.

    Tortoise 1.1.9's ``force_index`` clones the query set but shares its set of index names
    with the original, so forcing one index on a clone forces it on every other clone too
    (a later query would carry two hints and the optimizer could take either).
    """
    clone = qs._clone()
    if qs.capabilities.support_index_hint:
        clone._force_indexes = {index}
    return clone


def first_value(row: Any) -> Any:
    """The first column of a raw result row (a dict on MariaDB, a row object on SQLite)."""
    return next(iter(row.values())) if isinstance(row, dict) else row[0]


async def page_ids(
    qs: QuerySet[Event], limit: int, *, index: str | None, probe_per_row: bool = False
) -> list[int]:
    """Newest-first ids of the page (``(event_time, id)`` only: served by a covering index).

    ``probe_per_row``: the query holds an ``IN (subquery)`` that must be checked row by row
    while the index is walked (stopping at the page), not materialised whole first, which is
    what MariaDB's semi-join strategies would do with a dense guide-number prefix.
    """
    if index is not None:
        qs = forced(qs, index)
    query = qs.order_by(*PAGE_ORDER).limit(limit).values_list("id", flat=True)
    if probe_per_row and qs.capabilities.support_index_hint:  # MariaDB/MySQL
        per_row = "SET STATEMENT optimizer_switch='semijoin=off,materialization=off' FOR "
        return [int(i) for i in await first_column(query, lambda sql: per_row + sql)]
    rows: list[Any] = list(await query)
    return [int(i) for i in rows]


async def rows_in_order(qs: QuerySet[Event], ids: list[int]) -> list[Event]:
    """The rows of ``ids`` (primary-key lookups), in the order of ``ids``."""
    if not ids:
        return []
    by_id = {row.id: row for row in await qs.filter(id__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


async def prefix_page(
    qs: QuerySet[Event], search: PrefixSearch, limit: int, *, rows: QuerySet[Event]
) -> list[Event]:
    """The newest ``limit`` events of ``qs`` (which holds the prefix filter): sort or scan.
    ``rows`` is the caller's scoped base query the page's rows are read through."""
    sort_index = column_index(search.column, search.by_company)
    matches = await capped_count(forced(qs, sort_index), SORT_CAP)
    index = sort_index if matches <= SORT_CAP else time_index(search.by_company)
    ids = await page_ids(qs, limit, index=index)
    return await rows_in_order(rows, ids)


async def guide_page(
    qs: QuerySet[Event],
    documented: QuerySet[BasicEventMetadata],
    *,
    by_company: bool,
    limit: int,
    rows: QuerySet[Event],
) -> list[Event]:
    """The newest ``limit`` events of ``qs`` whose metadata is among ``documented`` (a guide
    number prefix, already scoped).

    Few matching guides: their event ids, then the page among those rows by primary key.
    Many: walk the time index and keep events that have a matching guide (a semi-join).
    """
    guide_index = _GUIDE_INDEX[by_company]
    matches = await capped_count(forced(documented, guide_index), GUIDE_ID_CAP)
    if matches <= GUIDE_ID_CAP:
        event_ids = list(await forced(documented, guide_index).values_list("event_id", flat=True))
        if not event_ids:
            return []
        ids = await page_ids(qs.filter(id__in=event_ids), limit, index="PRIMARY")
    else:
        semi = qs.filter(id__in=Subquery(documented.values("event_id")))
        ids = await page_ids(semi, limit, index=time_index(by_company), probe_per_row=True)
    return await rows_in_order(rows, ids)
