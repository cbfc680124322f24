"""Text search over what operators wrote about events: guide number, origin project, cargo
and observations (the ``text`` filter of a search).

Every word of the query must appear, as a word or the start of one, in any of those fields,
ignoring case and accents ("arido" finds "Áridos"). The index is a FULLTEXT index on
MariaDB/MySQL and an FTS5 table on SQLite (migration 0007). Like a prefix, a word can match a
few documents or half of them, so the page is reached in one of two ways
(``services.search_plans`` explains the trade-off):

* **a common word** (MariaDB): the documentation rows are walked newest first on their own
  time index (each carries its event's time) and checked on the spot (``LIKE 'word%' OR LIKE
  '% word%'`` per field, under the column's case- and accent-insensitive collation) until the
  page is full. InnoDB's full-text search computes every match before its LIMIT applies: a
  word found in a tenth of 3M documents took seconds that way.
* **a rare word**: the walk stops after examining ``TEXT_WALK_EXAMINED`` rows, and the
  full-text index gives the remaining documents' event ids (up to ``TEXT_ID_CAP``); the rest
  of the page is found among those events by primary key. More ids than that (a common word
  whose matches are all old): the walk goes on without a cap.

SQLite (the embedded, single-site default) pages in one statement, the FTS5 match a subquery of
the page query (``sqlite_page_ids``).
"""

from __future__ import annotations

import re

from tortoise import connections
from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from domcctv.domain.errors import FieldCode, InvalidInput
from domcctv.models import BasicEventMetadata, Event
from domcctv.models.event_rows import EventRow
from domcctv.services import search_plans

TEXT_ID_CAP = 5_000
"""Up to this many matching documents (after a walk that met too few), their events are paged
by id; beyond, the walk goes on. Each id costs a random primary-key read (bench/search.py at
1M events: a word in 12,000 documents took 1.45 s by id)."""

TEXT_WALK_EXAMINED = 10_000
"""A walk for a word examines at most this many documentation rows (one primary-key read
each) before the full-text index takes over: a word in 1 document of 200 fills a page of 50
within it."""

MIN_WORD = 3  # InnoDB's default innodb_ft_min_token_size: shorter words are not indexed
MAX_WORDS = 8
MAX_WORD = 40
TEXT_FIELDS = ("guide_number", "origin_project", "cargo_description", "observations")
_WORD = re.compile(r"\w+", re.UNICODE)


def search_words(text: str) -> list[str]:
    """The words of a text query (lower case, at least ``MIN_WORD`` characters), or a typed
    error when there is none to search for."""
    words = [w.lower()[:MAX_WORD] for w in _WORD.findall(text) if len(w) >= MIN_WORD]
    unique = list(dict.fromkeys(words))[:MAX_WORDS]
    if not unique:
        raise InvalidInput.single(
            "text",
            FieldCode.INVALID_FORMAT,
            f"Text search needs a word of at least {MIN_WORD} letters or digits",
        )
    return unique


def is_sqlite() -> bool:
    """Whether the default connection is SQLite (text search takes its own path there)."""
    return bool(connections.get("default").capabilities.dialect == "sqlite")


async def _matching_event_ids(words: list[str], cap: int) -> list[int] | None:
    """MariaDB: event ids of the documents containing every word (None: more than ``cap``).

    No company condition here: with one, MariaDB reads every document containing the words
    before the LIMIT applies (a third of them for a common word). Without it the read stops
    at the cap; the page query applies the scope to the ids.
    """
    match = " ".join(f"+{w}*" for w in words)
    columns = ", ".join(TEXT_FIELDS)
    sql = (
        f"SELECT event_id FROM basic_event_metadata WHERE MATCH({columns}) "  # noqa: S608
        f"AGAINST (%s IN BOOLEAN MODE) LIMIT {int(cap) + 1}"
    )
    _, rows = await connections.get("default").execute_query(sql, [match])
    ids = [int(search_plans.first_value(r)) for r in rows]
    return None if len(ids) > cap else ids


def _word_q(word: str) -> Q:
    """``word`` starts one of the words of a documentation field (any field)."""
    parts = [Q(**{f"{f}__startswith": word}) for f in TEXT_FIELDS]
    parts += [Q(**{f"{f}__contains": f" {word}"}) for f in TEXT_FIELDS]
    return Q(*parts, join_type="OR")


async def text_page(
    qs: QuerySet[Event],
    documented: QuerySet[BasicEventMetadata],
    words: list[str],
    *,
    by_company: bool,
    limit: int,
    rows: QuerySet[Event],
) -> list[EventRow]:
    """MariaDB: the newest ``limit`` events of ``qs`` whose documentation contains every word
    (``documented``: the caller's scoped documentation rows, within the page's time range and
    past its cursor). SQLite: ``sqlite_page_ids``."""
    matching = documented.filter(*[_word_q(w) for w in words])
    index = search_plans.meta_time_index(by_company)
    walk = await search_plans.documented_newest(
        qs, matching, index=index, limit=limit, examined=TEXT_WALK_EXAMINED
    )
    ids = walk.ids
    if walk.stopped and len(ids) < limit:
        event_ids = await _matching_event_ids(words, TEXT_ID_CAP)
        if event_ids is None:  # many matches, all older than the walk reached: go on
            rest = search_plans.older_documented(matching, walk.last)
            more = await search_plans.documented_newest(
                qs, rest, index=index, limit=limit - len(ids)
            )
            ids += more.ids
        elif event_ids:
            older = qs if walk.last is None else qs.filter(search_plans.older_than(*walk.last))
            candidates = older.filter(id__in=event_ids)
            ids += await search_plans.page_ids(candidates, limit - len(ids), index="PRIMARY")
    return await search_plans.rows_in_order(rows, ids)


async def text_condition(documented: QuerySet[BasicEventMetadata], words: list[str]) -> Q:
    """The text filter as a plain condition (MariaDB), for searches led by another filter (a
    plate, a guide number) whose own index already narrows the rows."""
    matching = documented.filter(*[_word_q(w) for w in words])
    return Q(id__in=Subquery(matching.values("event_id")))


async def sqlite_page_ids(qs: QuerySet[Event], words: list[str], limit: int) -> list[int]:
    """SQLite: the newest ``limit`` ids of ``qs`` whose documentation matches, in one statement.

    The FTS5 match is a subquery of the page query (``qs``'s own parameterised SQL wrapped),
    never a list of ids: a common word can match more documents than SQLite takes bound
    parameters (32,766).
    """
    # Tortoise names the columns of values_list "0", "1": ids and times of the candidates.
    ids = await search_plans.first_column(
        qs.values_list("id", "event_time"),
        lambda sql: (
            f'SELECT "0" FROM ({sql}) AS candidates WHERE "0" IN ('  # noqa: S608
            "SELECT m.event_id FROM metadata_fts f JOIN basic_event_metadata m "
            'ON m.id = f.rowid WHERE metadata_fts MATCH ?) ORDER BY "1" DESC, "0" DESC LIMIT ?'
        ),
        [_fts_match(words), limit],
    )
    return [int(i) for i in ids]


def _fts_match(words: list[str]) -> str:
    return " AND ".join(f'"{w}"*' for w in words)
