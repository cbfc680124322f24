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

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q
from tortoise.models import Model
from tortoise.queryset import QuerySet

from domcctv.models import BasicEventMetadata, Event
from domcctv.models.event_rows import EventRow, fetch_event_rows

SORT_CAP = 20_000
"""Up to this many prefix matches are sorted; beyond it the time index is walked instead."""

GUIDE_SORT_CAP = 2_000
"""Up to this many guide-number matches are read by guide number and sorted by time (from
the metadata index alone: a millisecond); beyond it the metadata's time index is walked
newest first, which meets matches often enough to fill a page soon (and hands over to the
sort when it does not: ``GUIDE_WALK_EXAMINED``). Counting up to the cap costs as much as
sorting that many, so it stays small."""

GUIDE_WALK_EXAMINED = 50_000
"""MariaDB: a walk that examines this many metadata entries without filling its chunk stops
(``ROWS EXAMINED``) and the sort takes over."""

GUIDE_CHUNK_MAX = 5_000
"""The largest chunk of guide-number matches checked against the other filters at once."""

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
_META_TIME_INDEX = {False: "idx_meta_time", True: "idx_meta_company_time"}


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


def older_than(moment: datetime, last_id: int, *, id_field: str = "id") -> Q:
    """Rows after ``(moment, last_id)`` in newest-first order. The redundant
    ``event_time <= moment`` keeps the condition an index range at any depth (an OR alone is
    not one)."""
    same_moment: dict[str, Any] = {"event_time": moment, f"{id_field}__lt": last_id}
    return Q(event_time__lte=moment) & (Q(event_time__lt=moment) | Q(**same_moment))


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
    return [row[0] for row in await wrapped_rows(query, wrap, extra_params)]


async def wrapped_rows(
    query: Any, wrap: Callable[[str], str], extra_params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """Every column of each row of ``query`` run inside ``wrap`` (see ``first_column``)."""
    query._choose_db_if_not_chosen()
    query._make_query()
    sql, params = query.query.get_parameterized_sql()
    assert query._db is not None
    _, rows = await query._db.execute_query(wrap(sql), [*params, *extra_params])
    return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in rows]


_MARIADB: dict[int, bool] = {}

# asyncmy logs each server warning; "The query exceeded LIMIT ROWS EXAMINED" is a capped
# walk doing its job (guide_page then sorts), not a problem.
logging.getLogger("asyncmy").addFilter(lambda record: "ROWS EXAMINED" not in record.getMessage())


async def is_mariadb(query: Any) -> bool:
    """Whether ``query`` runs on MariaDB (asked once per connection pool: ``SELECT
    VERSION()``); only MariaDB has ``LIMIT ... ROWS EXAMINED``."""
    query._choose_db_if_not_chosen()
    db = query._db
    if not db.capabilities.support_index_hint:  # SQLite
        return False
    if id(db) not in _MARIADB:
        _, rows = await db.execute_query("SELECT VERSION()")
        _MARIADB[id(db)] = "mariadb" in str(first_value(rows[0])).lower()
    return _MARIADB[id(db)]


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


async def page_ids(qs: QuerySet[Event], limit: int, *, index: str | None) -> list[int]:
    """Newest-first ids of the page (``(event_time, id)`` only: served by a covering index)."""
    if index is not None:
        qs = forced(qs, index)
    rows: list[Any] = list(await qs.order_by(*PAGE_ORDER).limit(limit).values_list("id", flat=True))
    return [int(i) for i in rows]


async def rows_in_order(qs: QuerySet[Event], ids: list[int]) -> list[EventRow]:
    """The rows of ``ids`` (primary-key lookups), in the order of ``ids``."""
    if not ids:
        return []
    by_id = {row.id: row for row in await fetch_event_rows(qs.filter(id__in=ids))}
    return [by_id[i] for i in ids if i in by_id]


async def prefix_page(
    qs: QuerySet[Event], search: PrefixSearch, limit: int, *, rows: QuerySet[Event]
) -> list[EventRow]:
    """The newest ``limit`` events of ``qs`` (which holds the prefix filter): sort or scan.
    ``rows`` is the caller's scoped base query the page's rows are read through."""
    sort_index = column_index(search.column, search.by_company)
    matches = await capped_count(forced(qs, sort_index), SORT_CAP)
    index = sort_index if matches <= SORT_CAP else time_index(search.by_company)
    ids = await page_ids(qs, limit, index=index)
    return await rows_in_order(rows, ids)


@dataclass(slots=True)
class DocumentedWalk:
    """What ``documented_newest`` found: the page's event ids so far, newest first; the last
    documentation row it read (a keyset to go on from); whether a ``ROWS EXAMINED`` cap cut
    it short (more matches may lie beyond ``last``)."""

    ids: list[int]
    last: tuple[datetime, int] | None
    stopped: bool


def meta_time_index(by_company: bool) -> str:
    """The documentation rows' time index (company first when a company leads)."""
    return _META_TIME_INDEX[by_company]


async def documented_newest(
    qs: QuerySet[Event],
    documented: QuerySet[BasicEventMetadata],
    *,
    index: str,
    limit: int,
    examined: int | None = None,
) -> DocumentedWalk:
    """The newest ``limit`` events of ``qs`` among the documentation rows ``documented``
    (each carries its event's time), read through ``index`` in time order.

    Rows are taken in growing chunks (``limit``, then four times larger up to
    ``GUIDE_CHUNK_MAX``), each
    chunk's events checked against ``qs``'s filters by primary key, until the page is full.
    ``examined`` (MariaDB only): each chunk stops after examining that many rows, and the walk
    reports ``stopped`` when a chunk came back short because of it.
    """
    found: list[int] = []
    last: tuple[datetime, int] | None = None
    chunk = limit
    rest = documented
    while len(found) < limit:
        query = (
            forced(rest, index)
            .order_by("-event_time", "-event_id")
            .limit(chunk)
            .values_list("event_id", "event_time")
        )
        capped = examined is not None and await is_mariadb(query)
        if capped:
            batch = await wrapped_rows(query, lambda sql: f"{sql} ROWS EXAMINED {examined}")
        else:
            batch = list(await query)
        if batch:
            candidates = qs.filter(id__in=[event_id for event_id, _ in batch])
            found += await page_ids(candidates, limit - len(found), index="PRIMARY")
            last_id, last_time = batch[-1]
            if last_time.tzinfo is None:  # a raw row: stored as naive UTC, as Tortoise does
                last_time = last_time.replace(tzinfo=UTC)
            last = (last_time, int(last_id))
            rest = documented.filter(older_than(last_time, last_id, id_field="event_id"))
        if len(batch) < chunk:
            return DocumentedWalk(found, last, stopped=capped)
        chunk = min(chunk * 4, GUIDE_CHUNK_MAX)
    return DocumentedWalk(found, last, stopped=False)


def older_documented(
    documented: QuerySet[BasicEventMetadata], last: tuple[datetime, int] | None
) -> QuerySet[BasicEventMetadata]:
    """``documented`` past a walk's last row (all of it when the walk read none)."""
    if last is None:
        return documented
    return documented.filter(older_than(last[0], last[1], id_field="event_id"))


async def guide_page(
    qs: QuerySet[Event],
    documented: QuerySet[BasicEventMetadata],
    *,
    by_company: bool,
    limit: int,
    rows: QuerySet[Event],
) -> list[EventRow]:
    """The newest ``limit`` events of ``qs`` whose metadata is among ``documented`` (a guide
    number prefix, already scoped and limited to the page's time range).

    The matches come newest first from a metadata index alone (each metadata row carries its
    event's time): few are read by guide number and sorted; many by walking the time index,
    which meets them often, unless they are all old (folios are issued in sequence, so
    "GD-2024" is one past year): a walk that examines ``GUIDE_WALK_EXAMINED`` entries without
    filling its chunk hands over to the sort, from where it stopped.
    """
    sort_index = _GUIDE_INDEX[by_company]
    matches = await capped_count(forced(documented, sort_index), GUIDE_SORT_CAP)
    if matches <= GUIDE_SORT_CAP:
        walk = await documented_newest(qs, documented, index=sort_index, limit=limit)
        return await rows_in_order(rows, walk.ids)
    walk = await documented_newest(
        qs,
        documented,
        index=meta_time_index(by_company),
        limit=limit,
        examined=GUIDE_WALK_EXAMINED,
    )
    ids = walk.ids
    if walk.stopped:
        rest = older_documented(documented, walk.last)
        sort = await documented_newest(qs, rest, index=sort_index, limit=limit - len(ids))
        ids += sort.ids
    return await rows_in_order(rows, ids)
