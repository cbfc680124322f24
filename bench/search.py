"""Search bench: event searches at scale on MariaDB, GraphQL against the raw SQL of the page.

    .venv/bin/python -m bench.search --quick --events 20000                 # smoke run
    .venv/bin/python -m bench.search --events 10000000 --keep-db domcctv_bench_10m
    .venv/bin/python -m bench.search --keep-db domcctv_bench_10m --drop      # remove it

A realistic dataset (``bench/search_data.py``: 3 years, 20 companies, 30k registered plates,
15 % unassigned, 30 % documented, misreads, archived events...) is generated and loaded with
``LOAD DATA LOCAL INFILE`` into a fresh database created by the real migrations (or reused
with ``--keep-db``). The server runs as ``domcctv serve`` in its own process. For every search
shape, ``--requests`` GraphQL ``events`` queries (values drawn at random from the dataset per
request) are timed one at a time, interleaved with the *raw SQL that produces the same page*
over one asyncmy connection (``SELECT e.* FROM events e WHERE <filters> AND status <>
'ARCHIVED' ORDER BY event_time DESC, id DESC LIMIT 51``): the baseline measured in the same
run. A few requests per shape run both ways with the same value and must return the same
page. Then 8 concurrent clients run a mix of the shapes for 15 s against the server, and the
same mix as raw SQL over 8 connections. The plans (``EXPLAIN`` and ``ANALYZE FORMAT=JSON``) of
the raw SQL of every shape are in the JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import re
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from asyncmy.errors import MySQLError

from bench._common import (
    REPO,
    Backend,
    CpuMeter,
    HostMeter,
    ServerProcess,
    _claim_redis_db,
    cleanup_backend,
    domcctv_serve_argv,
    free_port,
    freeze_heap,
    machine_note,
    print_summary,
    ratio,
    run_main,
    server_env,
    stats_ms,
    temp_dir,
)
from bench.search_data import (
    DatasetSpec,
    MysqlTarget,
    connect,
    create_reference_rows,
    execute,
    load_events,
    query,
)
from domcctv.domain.plates import canonical, skeleton
from domcctv.services import search_plans
from domcctv.services.text_search import TEXT_FIELDS, TEXT_WALK_EXAMINED

# asyncmy logs every server warning; a capped guide walk that stops early is expected
# (RawClient._guide_page then reads the page the other way).
logging.getLogger("asyncmy").addFilter(lambda record: "ROWS EXAMINED" not in record.getMessage())

P95_TARGET_MS = 25.0
RATIO_TARGET = 5.0
THROUGHPUT_TARGET = 300.0
PAGE = 50
ADMIN_EMAIL = "admin.bench@domcctv.cl"
CLIENT_EMAIL = "cliente.bench@andes.cl"
DB_PREFIX = "domcctv_bench_"


def log(message: str) -> None:
    print(f"[search] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- documents

LEAN_DOCUMENT = """
query BenchSearch($filter: EventFilterInput, $first: Int, $after: String) {
  events(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id databaseId plate eventTime cameraCode status } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def _block(text: str, head: str) -> str:
    """The definition starting with ``head`` in a .graphql file, up to its closing brace."""
    start = text.index(head)
    depth = 0
    for i in range(text.index("{", start), len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return text[start : i + 1]
    raise ValueError(f"unbalanced {head!r}")


def dashboard_document() -> str:
    """The dashboard's list document (web/graphql/events.graphql ``SearchEvents`` with its
    ``EventRow`` and ``PageInfoFields``), verbatim, plus the row's pictures (thumbnail and
    the primary camera's signed picture URLs) so the page costs what a picture grid costs."""
    events = (REPO / "web/graphql/events.graphql").read_text()
    fragments = (REPO / "web/graphql/fragments.graphql").read_text()
    search = _block(events, "query SearchEvents")
    search = search.replace("...EventRow", "...EventRow\n        ...BenchPictures", 1)
    return "\n\n".join(
        [
            search,
            _block(events, "fragment EventRow on Event"),
            _block(fragments, "fragment PageInfoFields on PageInfo"),
            "fragment BenchPictures on Event {\n  thumbnailUrl\n  primaryCamera {\n"
            "    pictures {\n      kind\n      url\n    }\n  }\n}",
        ]
    )


def global_id(type_name: str, pk: int) -> str:
    import base64

    return base64.urlsafe_b64encode(f"{type_name}:{pk}".encode()).decode()


# --------------------------------------------------------------------------- shapes


@dataclass
class Pool:
    """Query values sampled from the dataset (random events and metadata rows)."""

    plates: list[str]
    client_plates: list[str]
    companies: list[int]  # company of random assigned events: weighted like the traffic
    cameras: list[str]
    guides: list[str]
    min_time: datetime  # naive UTC, as stored
    max_time: datetime
    client_company: int
    events: int = 0  # highest event id (= the number of events generated)
    shares: dict[str, Any] = field(default_factory=dict)  # of the sampled events


@dataclass(frozen=True, slots=True)
class Request:
    """One search: GraphQL variables and the equivalent raw SQL (without the cursor part).

    Guide-number searches (``guide``: the metadata condition and its value) are driven from
    the metadata, which carries each event's time: a selective value from the guide index
    (its matches sorted by time), a common prefix (``GD-`` matches a quarter of all events)
    by walking the metadata's time index newest first. ``RawClient`` counts the matches first
    (capped) and picks, as a DBA would."""

    variables: dict[str, Any]
    where: tuple[str, ...]
    params: tuple[Any, ...]
    guide: tuple[str, str] | None = None
    text: tuple[str, ...] = ()  # the words of a text search (walked before the full text)
    dashboard: bool = False

    def sql(
        self, after: tuple[datetime, int] | None = None, *, by_time: bool = False
    ) -> tuple[str, list[Any]]:
        where = [*self.where, "e.status <> 'ARCHIVED'"]
        params = list(self.params)
        source, order = "e.* FROM events e", ("e.event_time", "e.id")
        if self.guide is not None:
            where.insert(0, self.guide[0])
            params.insert(0, self.guide[1])
            index = "idx_meta_time" if by_time else "idx_meta_guide"
            source = (
                f"STRAIGHT_JOIN e.* FROM basic_event_metadata m FORCE INDEX ({index}) "
                "JOIN events e ON e.id = m.event_id"
            )
            order = ("m.event_time", "m.event_id")
        if after is not None:
            where.append(f"({order[0]} < %s OR ({order[0]} = %s AND {order[1]} < %s))")
            params += [after[0], after[0], after[1]]
        sql = (
            f"SELECT {source} WHERE {' AND '.join(where)} "
            f"ORDER BY {order[0]} DESC, {order[1]} DESC LIMIT {PAGE + 1}"
        )
        return sql, params


@dataclass(frozen=True, slots=True)
class Shape:
    name: str
    make: Callable[[random.Random, Pool], Request]
    actor: str = "admin"  # "admin" (ADMINISTRATOR, staff) or "client" (CLIENT_USER)
    document: str = "lean"  # "lean" or "dashboard"
    pages: int = 1  # > 1: follow the cursor, time the last page only


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).isoformat()


def _req(flt: dict[str, Any], where: Sequence[str], params: Sequence[Any], **kw: Any) -> Request:
    return Request({"filter": flt, "first": PAGE}, tuple(where), tuple(params), **kw)


def plate_shape(mode: str, length: int | None) -> Callable[[random.Random, Pool], Request]:
    def make(rng: random.Random, pool: Pool) -> Request:
        text = rng.choice(pool.plates)
        text = text[:length] if length else text
        norm = canonical(text)
        flt = {"plate": text, "plateMatch": mode}
        if mode == "EXACT":
            return _req(flt, ["e.plate = %s"], [norm])
        if mode == "PREFIX":
            return _req(flt, ["e.plate LIKE %s"], [norm + "%"])
        if mode == "OCR":
            return _req(flt, ["e.plate_skeleton = %s"], [skeleton(norm)])
        return _req(flt, ["e.plate_skeleton LIKE %s"], [skeleton(norm) + "%"])

    return make


def client_plate(length: int | None) -> Callable[[random.Random, Pool], Request]:
    def make(rng: random.Random, pool: Pool) -> Request:
        text = rng.choice(pool.client_plates)
        text = text[:length] if length else text
        mode = "PREFIX" if length else "EXACT"
        cond, value = ("e.plate LIKE %s", text + "%") if length else ("e.plate = %s", text)
        # The client's scope is the tenant filter the server adds (services.scoping).
        return _req(
            {"plate": text, "plateMatch": mode},
            ["e.company_id = %s", cond],
            [pool.client_company, value],
        )

    return make


def company_last_days(days: int) -> Callable[[random.Random, Pool], Request]:
    def make(rng: random.Random, pool: Pool) -> Request:
        company = rng.choice(pool.companies)
        since = pool.max_time - timedelta(days=days)
        return _req(
            {"companyId": global_id("Company", company), "since": _iso(since)},
            ["e.company_id = %s", "e.event_time >= %s"],
            [company, since],
        )

    return make


def latest(rng: random.Random, pool: Pool) -> Request:
    return _req({}, [], [])


def camera_range(rng: random.Random, pool: Pool) -> Request:
    camera = rng.choice(pool.cameras)
    span = (pool.max_time - pool.min_time).total_seconds() - 7 * 86_400
    since = pool.min_time + timedelta(seconds=int(rng.random() * max(span, 0)))
    until = since + timedelta(days=7)
    return _req(
        {"cameraCode": camera, "since": _iso(since), "until": _iso(until)},
        ["e.camera_code = %s", "e.event_time >= %s", "e.event_time < %s"],
        [camera, since, until],
    )


def guide(length: int | None) -> Callable[[random.Random, Pool], Request]:
    def make(rng: random.Random, pool: Pool) -> Request:
        text = rng.choice(pool.guides)
        if length:
            text = text[:length]
            return _req({"guideNumber": text}, [], [], guide=("m.guide_number LIKE %s", text + "%"))
        return _req({"guideNumber": text}, [], [], guide=("m.guide_number = %s", text))

    return make


TEXT_MATCH = (
    "e.id IN (SELECT event_id FROM basic_event_metadata WHERE MATCH(guide_number, "
    "origin_project, cargo_description, observations) AGAINST (%s IN BOOLEAN MODE))"
)


def text_shape(queries: Sequence[str]) -> Callable[[random.Random, Pool], Request]:
    """The ``text`` filter; the raw SQL is the full-text semi-join ordered by time."""

    def make(rng: random.Random, pool: Pool) -> Request:
        text = rng.choice(queries)
        boolean = " ".join(f"+{word}*" for word in text.split())
        return _req({"text": text}, [TEXT_MATCH], [boolean], text=tuple(text.split()))

    return make


# Words of the generated documentation (bench/search_data.py): a tenth or more of the
# documents for the common ones, one or two hundredths for the selective ones.
TEXT_COMMON = ("hormigon", "ruta", "embalse", "carga", "planta")
TEXT_SELECTIVE = ("chironta", "desaladora", "enmienda", "neumatico bajo", "arena lavada")


def documented(rng: random.Random, pool: Pool) -> Request:
    return _req({"documented": True}, ["e.has_basic_metadata = 1"], [])


def unassigned(rng: random.Random, pool: Pool) -> Request:
    return _req({"unassigned": True}, ["e.company_id IS NULL"], [])


def year_ago_window(rng: random.Random, pool: Pool) -> Request:
    since = pool.max_time - timedelta(days=380) + timedelta(seconds=int(rng.random() * 30 * 86_400))
    until = since + timedelta(days=30)
    return _req(
        {"since": _iso(since), "until": _iso(until)},
        ["e.event_time >= %s", "e.event_time < %s"],
        [since, until],
    )


def company_any(rng: random.Random, pool: Pool) -> Request:
    company = rng.choice(pool.companies)
    return _req({"companyId": global_id("Company", company)}, ["e.company_id = %s"], [company])


def dashboard(rng: random.Random, pool: Pool) -> Request:
    """The events page as the dashboard sends it (every criterion present, null when unset)
    with one company chosen."""
    company = rng.choice(pool.companies)
    flt = {
        "plate": None,
        "plateMatch": "EXACT",
        "companyId": global_id("Company", company),
        "unassigned": None,
        "since": None,
        "until": None,
        "statuses": None,
        "cameraCode": None,
        "guideNumber": None,
        "documented": None,
        "lowConfidence": None,
        "timeIssue": None,
        "includeArchived": False,
    }
    return Request(
        {"filter": flt, "first": PAGE, "after": None},
        ("e.company_id = %s",),
        (company,),
        dashboard=True,
    )


SHAPES: tuple[Shape, ...] = (
    Shape("plate_exact", plate_shape("EXACT", None)),
    Shape("plate_prefix_1", plate_shape("PREFIX", 1)),
    Shape("plate_prefix_2", plate_shape("PREFIX", 2)),
    Shape("plate_prefix_3", plate_shape("PREFIX", 3)),
    Shape("plate_prefix_4", plate_shape("PREFIX", 4)),
    Shape("ocr", plate_shape("OCR", None)),
    Shape("ocr_prefix_3", plate_shape("OCR_PREFIX", 3)),
    Shape("client_plate_exact", client_plate(None), actor="client"),
    Shape("client_plate_prefix_2", client_plate(2), actor="client"),
    Shape("company_last_7_days", company_last_days(7)),
    Shape("latest_no_filter", latest),
    Shape("camera_7_day_range", camera_range),
    Shape("guide_exact", guide(None)),
    Shape("guide_prefix_3", guide(3)),
    # "GD-2024": one year of folios (old, clustered in time) or a numeric folio's 7 digits
    Shape("guide_prefix_7", guide(7)),
    Shape("deep_page_20_guide", guide(3), pages=20),
    Shape("text_common", text_shape(TEXT_COMMON)),
    Shape("text_selective", text_shape(TEXT_SELECTIVE)),
    Shape("documented", documented),
    Shape("unassigned", unassigned),
    Shape("dates_30_days_a_year_ago", year_ago_window),
    Shape("deep_page_20_company", company_any, pages=20),
    Shape("dashboard_list_company", dashboard, document="dashboard"),
)


# --------------------------------------------------------------------------- clients


class SearchError(RuntimeError):
    pass


@dataclass
class GraphQLClient:
    session: aiohttp.ClientSession
    url: str
    tokens: dict[str, str]
    documents: dict[str, str]

    async def page(
        self, shape: Shape, variables: dict[str, Any]
    ) -> tuple[list[int], str | None, bool]:
        body = {"query": self.documents[shape.document], "variables": variables}
        headers = {"Authorization": f"Bearer {self.tokens[shape.actor]}"}
        try:
            async with self.session.post(self.url, json=body, headers=headers) as resp:
                raw = await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SearchError(f"{type(exc).__name__}: {exc}") from exc
        if status != 200:
            raise SearchError(f"http_{status}: {raw[:300]!r}")
        payload = json.loads(raw)
        if payload.get("errors"):
            raise SearchError(f"graphql: {json.dumps(payload['errors'])[:300]}")
        events = payload["data"]["events"]
        ids = [edge["node"]["databaseId"] for edge in events["edges"]]
        info = events["pageInfo"]
        return ids, info.get("endCursor"), bool(info.get("hasNextPage"))

    async def run(self, shape: Shape, request: Request) -> tuple[float, list[int]]:
        """Seconds of the (last) page and its ids."""
        variables = dict(request.variables)
        ids: list[int] = []
        elapsed = 0.0
        for _ in range(shape.pages):
            t0 = time.perf_counter()
            ids, cursor, more = await self.page(shape, variables)
            elapsed = time.perf_counter() - t0
            if not more or cursor is None:
                break
            variables["after"] = cursor
        return elapsed, ids


class RawClient:
    """The same pages straight over asyncmy (what Tortoise uses): the query, and for the
    dashboard document the two lookups its company and metadata fields need."""

    def __init__(self, conn: Any, guide_threshold: int) -> None:
        self.conn = conn
        self.guide_threshold = guide_threshold
        self.last_sql: tuple[str, list[Any]] | None = None
        self.guide_plans: Counter[str] = Counter()

    async def _fetch(self, sql: str, params: Sequence[Any]) -> tuple[list[Any], list[str]]:
        self.last_sql = (sql, list(params))
        async with self.conn.cursor() as cur:
            await cur.execute(sql, params)
            rows = await cur.fetchall()
            return list(rows or []), [d[0] for d in cur.description]

    async def _guide_page(
        self, request: Request, after: tuple[datetime, int] | None
    ) -> tuple[list[Any], list[str]]:
        """A guide-number page by the cheaper of its two plans, as the app picks them: count
        the matches (stopping at ``guide_threshold``); few are sorted from the guide index;
        many are met by walking the metadata's time index, capped with ``LIMIT ... ROWS
        EXAMINED`` (folios follow time, so a common prefix may still be all old): a page that
        did not fill within the cap is read from the guide index."""
        assert request.guide is not None
        cap = int(self.guide_threshold)
        rows, _ = await self._fetch(
            "SELECT COUNT(*) FROM (SELECT 1 FROM basic_event_metadata m "  # noqa: S608
            f"WHERE {request.guide[0]} LIMIT {cap + 1}) AS hits",
            [request.guide[1]],
        )
        if int(rows[0][0]) > cap:
            sql, params = request.sql(after, by_time=True)
            examined = search_plans.GUIDE_WALK_EXAMINED
            rows, names = await self._fetch(f"{sql} ROWS EXAMINED {examined}", params)
            if len(rows) > PAGE:
                self.guide_plans["by_time"] += 1
                return rows, names
            self.guide_plans["by_time_then_by_guide"] += 1
        else:
            self.guide_plans["by_guide"] += 1
        return await self._fetch(*request.sql(after))

    async def _text_page(
        self, request: Request, after: tuple[datetime, int] | None
    ) -> tuple[list[Any], list[str]]:
        """A text page as the server reaches it: the documentation rows walked newest first
        with each word checked on the row (``LIKE``), capped with ``ROWS EXAMINED``; a page
        that did not fill comes from the full-text semi-join (rare words)."""
        fields = TEXT_FIELDS
        where, params = [], []
        for word in request.text:
            likes = [f"m.{f} LIKE %s OR m.{f} LIKE %s" for f in fields]
            where.append("(" + " OR ".join(likes) + ")")
            for _ in fields:
                params += [f"{word}%", f"% {word}%"]
        where.append("e.status <> 'ARCHIVED'")
        if after is not None:
            where.append("(m.event_time < %s OR (m.event_time = %s AND m.event_id < %s))")
            params += [after[0], after[0], after[1]]
        examined = TEXT_WALK_EXAMINED
        sql = (
            "SELECT STRAIGHT_JOIN e.* FROM basic_event_metadata m FORCE INDEX (idx_meta_time) "  # noqa: S608 - values are parameters
            f"JOIN events e ON e.id = m.event_id WHERE {' AND '.join(where)} "
            f"ORDER BY m.event_time DESC, m.event_id DESC LIMIT {PAGE + 1} "
            f"ROWS EXAMINED {examined}"
        )
        rows, names = await self._fetch(sql, params)
        if len(rows) > PAGE:
            self.guide_plans["text_walk"] += 1
            return rows, names
        self.guide_plans["text_walk_then_full_text"] += 1
        return await self._fetch(*request.sql(after))

    async def page(
        self, request: Request, after: tuple[datetime, int] | None
    ) -> tuple[list[int], tuple[datetime, int] | None]:
        try:
            if request.guide is not None:
                rows, names = await self._guide_page(request, after)
            elif request.text:
                rows, names = await self._text_page(request, after)
            else:
                rows, names = await self._fetch(*request.sql(after))
        except MySQLError as exc:  # e.g. max_statement_time exceeded
            raise SearchError(f"{type(exc).__name__}: {exc}") from exc
        id_at, time_at, company_at = (
            names.index("id"),
            names.index("event_time"),
            names.index("company_id"),
        )
        rows = list(rows)[: PAGE + 1]
        page = rows[:PAGE]
        if request.dashboard and page:
            companies = sorted({r[company_at] for r in page if r[company_at] is not None})
            async with self.conn.cursor() as cur:
                if companies:
                    marks = ", ".join(["%s"] * len(companies))
                    await cur.execute(
                        f"SELECT id, rut, name FROM companies WHERE id IN ({marks})",  # noqa: S608
                        companies,
                    )
                    await cur.fetchall()
                marks = ", ".join(["%s"] * len(page))
                await cur.execute(
                    f"SELECT * FROM basic_event_metadata WHERE event_id IN ({marks})",  # noqa: S608
                    [r[id_at] for r in page],
                )
                await cur.fetchall()
        nxt = (page[-1][time_at], page[-1][id_at]) if len(rows) > PAGE else None
        return [r[id_at] for r in page], nxt

    async def run(self, shape: Shape, request: Request) -> tuple[float, list[int]]:
        after: tuple[datetime, int] | None = None
        ids: list[int] = []
        elapsed = 0.0
        for _ in range(shape.pages):
            t0 = time.perf_counter()
            ids, after = await self.page(request, after)
            elapsed = time.perf_counter() - t0
            if after is None:
                break
        return elapsed, ids


# --------------------------------------------------------------------------- plans


def _plan_tables(node: Any, out: list[dict[str, Any]], flags: set[str]) -> None:
    if isinstance(node, dict):
        table = node.get("table")
        if isinstance(table, dict) and "table_name" in table:
            out.append(
                {
                    k: table[k]
                    for k in (
                        "table_name",
                        "access_type",
                        "key",
                        "used_key_parts",
                        "rows",
                        "r_rows",
                        "filtered",
                        "r_filtered",
                        "r_total_time_ms",
                        "attached_condition",
                        "using_index",
                    )
                    if k in table
                }
            )
        for key, value in node.items():
            if key in ("filesort", "temporary_table", "read_sorted_file"):
                flags.add(key)
            _plan_tables(value, out, flags)
    elif isinstance(node, list):
        for item in node:
            _plan_tables(item, out, flags)


async def explain(conn: Any, sql: str, params: Sequence[Any]) -> dict[str, Any]:
    """Plain EXPLAIN rows plus what ANALYZE FORMAT=JSON measured (rows read per table)."""
    rows = await query(conn, "EXPLAIN " + sql, params)
    plain = [
        {
            k: row.get(k)
            for k in ("table", "type", "possible_keys", "key", "key_len", "ref", "rows", "Extra")
        }
        for row in rows
    ]
    try:
        analyzed = await query(conn, "ANALYZE FORMAT=JSON " + sql, params)
    except MySQLError as exc:  # ANALYZE runs the query: max_statement_time applies
        analyzed = [{"error": json.dumps({"error": f"{type(exc).__name__}: {exc}"})}]
    doc = json.loads(next(iter(analyzed[0].values())))
    tables: list[dict[str, Any]] = []
    flags: set[str] = set()
    _plan_tables(doc, tables, flags)
    block = doc.get("query_block", {})
    total_read = sum(float(t.get("r_rows") or 0) for t in tables)
    return {
        "sql": sql,
        "params": [str(p) for p in params],
        "explain": plain,
        "analyze": {
            "error": doc.get("error"),
            "r_total_time_ms": block.get("r_total_time_ms"),
            "tables": tables,
            "sorts": sorted(flags),
        },
        "full_scan": any(r["type"] == "ALL" for r in plain),
        "full_index_scan": any(r["type"] == "index" for r in plain),
        "rows_read": round(total_read),
    }


# --------------------------------------------------------------------------- phases


@dataclass
class ShapeResult:
    graphql: list[float] = field(default_factory=list)
    raw: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    same_page: list[bool] = field(default_factory=list)
    mismatch: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False


async def measure_shape(
    shape: Shape,
    gql: GraphQLClient,
    raw: RawClient,
    pool: Pool,
    rng: random.Random,
    *,
    requests: int,
    warmup: int,
    checks: int,
    budget: float,
) -> ShapeResult:
    """Same-value checks, warm-up, then ``requests`` timed searches per side, interleaved
    (alternating which side goes first), each with its own random value; the whole shape
    stops at ``budget`` seconds (a pathological shape must not stall the run)."""
    result = ShapeResult()
    deadline = time.perf_counter() + budget

    async def one(client: GraphQLClient | RawClient, req: Request) -> tuple[float, list[int]]:
        try:
            return await client.run(shape, req)
        except SearchError as exc:
            result.errors[f"{'graphql' if client is gql else 'raw'}: {str(exc)[:80]}"] += 1
            raise

    # Same value both ways: the pages must be identical (these also warm up).
    for _ in range(checks):
        if time.perf_counter() > deadline:
            break
        req = shape.make(rng, pool)
        try:
            _, gql_ids = await one(gql, req)
            _, raw_ids = await one(raw, req)
        except SearchError:
            continue
        result.same_page.append(gql_ids == raw_ids)
        if gql_ids != raw_ids and len(result.mismatch) < 2:
            result.mismatch.append(
                {"variables": req.variables, "graphql": gql_ids[:5], "raw": raw_ids[:5]}
            )
    for _ in range(max(0, warmup - checks)):
        if time.perf_counter() > deadline:
            break
        for client in (gql, raw):
            with contextlib.suppress(SearchError):
                await one(client, shape.make(rng, pool))
    # Timed: interleaved, each side with its own random value.
    for i in range(requests):
        if time.perf_counter() > deadline:
            result.truncated = True
            break
        g_req, r_req = shape.make(rng, pool), shape.make(rng, pool)
        sides: list[tuple[GraphQLClient | RawClient, Request, list[float]]] = [
            (gql, g_req, result.graphql),
            (raw, r_req, result.raw),
        ]
        for client, req, times in sides if i % 2 == 0 else sides[::-1]:
            try:
                seconds, ids = await one(client, req)
            except SearchError:
                continue
            times.append(seconds)
            if client is gql:
                result.rows.append(len(ids))
    return result


MIX = tuple(s for s in SHAPES if s.pages == 1)


async def throughput(
    run_one: Callable[[int, Shape, Request], Any],
    pool: Pool,
    *,
    mix: Sequence[Shape],
    concurrency: int,
    seconds: float,
    seed: int,
    server_pid: int | None,
) -> dict[str, Any]:
    """``concurrency`` closed-loop clients running the mix for ``seconds``."""
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    per_shape: Counter[str] = Counter()
    deadline = time.perf_counter() + seconds
    cap = int(seconds * 5000)

    async def worker(index: int) -> None:
        rng = random.Random(seed * 100 + index)
        for _ in range(cap):
            if time.perf_counter() >= deadline:
                return
            shape = rng.choice(mix)
            req = shape.make(rng, pool)
            t0 = time.perf_counter()
            try:
                await run_one(index, shape, req)
            except SearchError as exc:
                errors[str(exc)[:80]] += 1
                continue
            latencies.append(time.perf_counter() - t0)
            per_shape[shape.name] += 1

    cpu = CpuMeter(server_pid)
    host = HostMeter({"server": server_pid})
    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    wall = time.perf_counter() - started
    host_use = host.read()
    n = max(1, len(latencies))
    return {
        "concurrency": concurrency,
        "seconds": round(wall, 2),
        "searches": len(latencies),
        "searches_per_s": round(len(latencies) / wall, 1) if wall > 0 else 0.0,
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(5)),
        "latency_ms": stats_ms(latencies),
        "per_shape": dict(per_shape),
        "server_cpu": cpu.read(),
        "host": host_use,
        # Where a search's CPU goes: the API process and the database server.
        "cpu_ms_per_search": {
            name: round(host_use["cpu_s"][key] / n * 1000, 2)
            for name, key in (("server", "server"), ("mariadb", "mariadbd"), ("bench", "bench"))
            if key in host_use["cpu_s"]
        },
    }


# --------------------------------------------------------------------------- setup


def parse_size(text: str) -> int:
    match = re.fullmatch(r"(\d+)([KMGkmg]?)", text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 2G, 512M)")
    return (
        int(match.group(1))
        * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[match.group(2).upper()]
    )


def mysql_target(mysql_url: str, database: str) -> MysqlTarget:
    parts = urlsplit(mysql_url)
    return MysqlTarget(
        parts.hostname or "127.0.0.1",
        parts.port or 3306,
        parts.username or "root",
        parts.password or "",
        database,
    )


async def set_buffer_pool(target: MysqlTarget, size: int) -> None:
    conn = await connect(target, database=False)
    try:
        await execute(conn, f"SET GLOBAL innodb_buffer_pool_size = {int(size)}")
        for _ in range(240):  # the resize runs in the background: wait (bounded) for it
            status = await query(conn, "SHOW STATUS LIKE 'Innodb_buffer_pool_resize_status'")
            text = str(status[0]["Value"]) if status else ""
            if "Resizing" not in text and "Withdrawing" not in text:
                break
            await asyncio.sleep(0.5)
    finally:
        conn.close()


async def server_variable(target: MysqlTarget, name: str) -> Any:
    conn = await connect(target, database=False)
    try:
        rows = await query(conn, f"SELECT @@{name} AS v")
        return rows[0]["v"]
    finally:
        conn.close()


async def database_exists(target: MysqlTarget) -> bool:
    conn = await connect(target, database=False)
    try:
        rows = await query(
            conn,
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
            (target.database,),
        )
        return bool(rows)
    finally:
        conn.close()


async def drop_database(target: MysqlTarget) -> None:
    if not target.database.startswith(DB_PREFIX):
        raise SystemExit(f"refusing to drop {target.database!r}: not a {DB_PREFIX}* database")
    conn = await connect(target, database=False)
    try:
        await execute(conn, f"DROP DATABASE IF EXISTS `{target.database}`")
    finally:
        conn.close()


async def count_rows(target: MysqlTarget) -> dict[str, int]:
    conn = await connect(target)
    try:
        out = {}
        for table in ("events", "basic_event_metadata", "vehicles", "companies", "users"):
            rows = await query(conn, f"SELECT COUNT(*) AS n FROM `{table}`")  # noqa: S608
            out[table] = int(rows[0]["n"])
        return out
    finally:
        conn.close()


async def build_dataset(
    args: argparse.Namespace, target: MysqlTarget, database_url: str, tmp: Path
) -> dict[str, Any]:
    """Fresh schema (real migrations), reference rows, then the events load."""
    from domcctv.db import migrate_database

    started = time.perf_counter()
    await migrate_database(database_url)
    rng = random.Random(args.seed)
    _, vehicles, styles = await create_reference_rows(
        database_url, rng, vehicles=args.vehicles, companies=args.companies
    )
    conn = await connect(target)
    try:
        users = await query(conn, "SELECT id, role FROM users")
    finally:
        conn.close()
    spec = DatasetSpec(
        events=args.events,
        seed=args.seed,
        end_epoch=time.time(),
        years=args.years,
        chunk_rows=args.chunk_rows,
        vehicles=vehicles,
        companies=styles,
        authors=[int(u["id"]) for u in users if u["role"] in ("OPERATOR", "SUPERVISOR")],
        supervisors=[int(u["id"]) for u in users if u["role"] == "SUPERVISOR"],
    )
    reference_seconds = time.perf_counter() - started
    log(f"schema + reference rows in {reference_seconds:.1f}s; generating {args.events:,} events")
    timings = await load_events(target, spec, tmp, progress=log)
    timings["schema_and_reference_rows_s"] = round(reference_seconds, 1)
    total = time.perf_counter() - started
    timings["total_s"] = round(total, 1)
    timings["seconds_per_million_events"] = round(total / max(args.events, 1) * 1e6, 1)
    log(
        f"dataset ready in {total:.0f}s ({timings['seconds_per_million_events']:.0f} s per "
        f"million events; load {timings['generate_and_load_s']:.0f}s, indexes "
        f"{timings['index_build_s']:.0f}s)"
    )
    return timings


async def sample_pool(target: MysqlTarget, client_company: int, seed: int) -> Pool:
    """Random events and metadata rows (random ids), so values follow the data's skew."""
    rng = random.Random(seed)
    conn = await connect(target)
    try:
        bounds = (
            await query(
                conn,
                "SELECT MAX(id) AS hi, MIN(event_time) AS t0, MAX(event_time) AS t1 FROM events",
            )
        )[0]
        hi = int(bounds["hi"] or 0)
        ids = sorted({rng.randint(1, hi) for _ in range(6000)}) if hi else [0]
        marks = ", ".join(["%s"] * len(ids))
        rows = await query(
            conn,
            "SELECT plate, company_id, camera_code, status, has_basic_metadata, low_confidence "  # noqa: S608
            f"FROM events WHERE id IN ({marks})",
            ids,
        )
        meta_hi = int(
            (await query(conn, "SELECT MAX(id) AS hi FROM basic_event_metadata"))[0]["hi"] or 0
        )
        meta_ids = sorted({rng.randint(1, meta_hi) for _ in range(3000)}) if meta_hi else [0]
        marks = ", ".join(["%s"] * len(meta_ids))
        guides = [
            str(r["guide_number"])
            for r in await query(
                conn,
                f"SELECT guide_number FROM basic_event_metadata WHERE id IN ({marks}) "  # noqa: S608
                "AND guide_number IS NOT NULL",
                meta_ids,
            )
        ]
        client_rows = await query(
            conn,
            "SELECT plate FROM events WHERE company_id = %s AND id IN "  # noqa: S608
            f"({', '.join(['%s'] * len(ids))})",
            [client_company, *ids],
        )
    finally:
        conn.close()
    plates = [r["plate"] for r in rows if r["plate"] != "UNKNOWN"]
    n = max(1, len(rows))
    shares = {
        "sampled_events": len(rows),
        "unassigned": round(sum(r["company_id"] is None for r in rows) / n, 4),
        "documented": round(sum(bool(r["has_basic_metadata"]) for r in rows) / n, 4),
        "archived": round(sum(r["status"] == "ARCHIVED" for r in rows) / n, 4),
        "low_confidence": round(sum(bool(r["low_confidence"]) for r in rows) / n, 4),
        "unread": round(sum(r["plate"] == "UNKNOWN" for r in rows) / n, 4),
    }
    return Pool(
        plates=plates,
        client_plates=[r["plate"] for r in client_rows] or plates,
        companies=[int(r["company_id"]) for r in rows if r["company_id"] is not None],
        cameras=sorted({r["camera_code"] for r in rows}),
        guides=guides or ["GD-"],
        min_time=bounds["t0"],
        max_time=bounds["t1"],
        client_company=client_company,
        events=hi,
        shares=shares,
    )


async def open_sessions(
    database_url: str, jwt_secret: str
) -> tuple[dict[str, str], list[str], int]:
    """Access tokens for the staff and client users, issued like tests.graphql_client.token_for
    (with a TTL that outlives the run). Returns tokens, session ids, the client's company."""
    from bench._common import orm
    from domcctv.config import Settings
    from domcctv.models import User
    from domcctv.services.auth import RequestInfo, _open_session
    from domcctv.services.security import AccessTokens

    settings = Settings(
        _env_file=None, jwt_secret=jwt_secret, database_url=database_url, seed_demo_data=False
    )
    tokens = AccessTokens(jwt_secret, 6 * 3600)
    info = RequestInfo("127.0.0.1", "bench-search")
    async with orm(database_url):
        admin = await User.get(email=ADMIN_EMAIL)
        client = await User.get(email=CLIENT_EMAIL)
        pairs = {
            "admin": await _open_session(admin, settings, tokens, info),
            "client": await _open_session(client, settings, tokens, info),
        }
    assert client.company_id is not None
    return (
        {k: p.access_token for k, p in pairs.items()},
        [p.session_id for p in pairs.values()],
        int(client.company_id),
    )


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=200, help="timed requests per shape/side")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per shape/side")
    parser.add_argument("--checks", type=int, default=3, help="same-value page comparisons")
    parser.add_argument(
        "--shape-seconds",
        type=float,
        default=90.0,
        help="time budget per shape (checks + warm-up + timed); slow shapes stop early",
    )
    parser.add_argument(
        "--statement-seconds",
        type=float,
        default=30.0,
        help="max_statement_time of the raw SQL connections",
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0, help="throughput phase length")
    parser.add_argument("--keep-db", metavar="NAME", help=f"keep/reuse this {DB_PREFIX}* db")
    parser.add_argument("--drop", action="store_true", help="with --keep-db: drop it and exit")
    parser.add_argument("--load-only", action="store_true", help="build the dataset and stop")
    parser.add_argument(
        "--buffer-pool",
        type=parse_size,
        metavar="SIZE",
        help="SET GLOBAL innodb_buffer_pool_size for the run (e.g. 4G); restored at the end",
    )
    parser.add_argument("--shapes", help="comma-separated subset of shape names")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--companies", type=int, default=20)
    parser.add_argument("--vehicles", type=int, default=30_000)
    parser.add_argument("--years", type=float, default=3.0)
    parser.add_argument("--chunk-rows", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="smoke run: 30 requests, 5 s mix")
    parser.add_argument("--mysql-url", default="mysql://root:@127.0.0.1:3306")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.warmup = min(args.requests, 30), min(args.warmup, 5)
        args.seconds = min(args.seconds, 5.0)
        args.shape_seconds = min(args.shape_seconds, 30.0)
    if args.keep_db and not re.fullmatch(rf"{DB_PREFIX}[A-Za-z0-9_]{{1,40}}", args.keep_db):
        parser.error(f"--keep-db must look like {DB_PREFIX}<letters, digits, _>")
    if args.drop and not args.keep_db:
        parser.error("--drop needs --keep-db NAME")
    if not (1000 <= args.events <= 50_000_000 and 1 <= args.requests <= 10_000):
        parser.error("events must be in [1000, 50M], requests in [1, 10000]")
    if not (1 <= args.concurrency <= 64 and 0 < args.seconds <= 600):
        parser.error("concurrency must be in [1, 64], seconds in (0, 600]")
    if not (1 <= args.companies <= 200 and 100 <= args.vehicles <= 500_000):
        parser.error("companies must be in [1, 200], vehicles in [100, 500000]")
    if not 10_000 <= args.chunk_rows <= 2_000_000:
        parser.error("chunk rows must be in [10000, 2000000]")
    if args.shapes:
        known = {s.name for s in SHAPES}
        unknown = set(args.shapes.split(",")) - known
        if unknown:
            parser.error(f"unknown shapes {sorted(unknown)}; known: {sorted(known)}")
    if args.buffer_pool is not None and not (128 << 20 <= args.buffer_pool <= 16 << 30):
        parser.error("--buffer-pool must be between 128M and 16G")
    return args


async def run_searches(
    args: argparse.Namespace,
    target: MysqlTarget,
    backend: Backend,
    tmp: Path,
    jwt_secret: str,
    tokens: dict[str, str],
    pool: Pool,
) -> dict[str, Any]:
    shapes = [s for s in SHAPES if not args.shapes or s.name in args.shapes.split(",")]
    # The throughput mix: the chosen shapes that are one page each (all of them by default).
    mix_shapes = [s for s in MIX if s in shapes] or list(MIX)
    rng = random.Random(args.seed + 1)
    conns = [await connect(target) for _ in range(max(1, args.concurrency))]
    for conn in conns:  # a raw search that runs away is cut, as a client would give up
        await execute(conn, f"SET SESSION max_statement_time = {float(args.statement_seconds)}")
    plans: dict[str, Any] = {}
    try:
        # Plans first (ANALYZE runs the query: one value per shape).
        guide_threshold = search_plans.GUIDE_SORT_CAP  # the app's own threshold
        raw = RawClient(conns[0], guide_threshold)
        for shape in shapes:
            req = shape.make(rng, pool)
            with contextlib.suppress(SearchError):  # the plan of a runaway query still counts
                await raw.run(shape, req)  # the last page's SQL (the deep page's cursor query)
            assert raw.last_sql is not None
            plans[shape.name] = await explain(conns[0], *raw.last_sql)
        full = [n for n, p in plans.items() if p["full_scan"]]
        log(f"plans recorded; full scans in: {full or 'none'}")

        port = free_port()
        server = ServerProcess(
            "domcctv",
            domcctv_serve_argv(),
            server_env(backend, port=port, media_dir=tmp / "media", jwt_secret=jwt_secret, tmp=tmp),
            tmp,
            tmp / "domcctv.log",
        )
        base = f"http://127.0.0.1:{port}"
        await server.start(f"{base}/health", limit_seconds=300)
        try:
            pid = server.proc.pid if server.proc else None
            documents = {"lean": LEAN_DOCUMENT, "dashboard": dashboard_document()}
            connector = aiohttp.TCPConnector(limit=max(1, args.concurrency))
            timeout = aiohttp.ClientTimeout(total=60)
            async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
                gql = GraphQLClient(session, f"{base}/graphql", tokens, documents)
                freeze_heap()
                results: dict[str, Any] = {}
                cpu = CpuMeter(pid)
                host = HostMeter({"server": pid})
                for shape in shapes:
                    t0 = time.perf_counter()
                    raw.guide_plans.clear()
                    res = await measure_shape(
                        shape,
                        gql,
                        raw,
                        pool,
                        rng,
                        requests=args.requests,
                        warmup=args.warmup,
                        checks=args.checks,
                        budget=args.shape_seconds,
                    )
                    g, r = stats_ms(res.graphql), stats_ms(res.raw)
                    results[shape.name] = {
                        "actor": shape.actor,
                        "document": shape.document,
                        "pages": shape.pages,
                        "graphql_ms": g,
                        "raw_ms": r,
                        "ratio_p50": ratio(g["p50"], r["p50"]),
                        "rows_avg": round(sum(res.rows) / len(res.rows), 1) if res.rows else 0,
                        "errors": sum(res.errors.values()),
                        "error_kinds": dict(res.errors.most_common(3)),
                        "same_page": f"{sum(res.same_page)}/{len(res.same_page)}",
                        "truncated_at_budget": res.truncated,
                        "raw_guide_plans": dict(raw.guide_plans) or None,
                        "mismatch": res.mismatch or None,
                        "plan": plans[shape.name],
                    }
                    log(
                        f"{shape.name:<26} graphql p50/p95/p99 {g['p50']}/{g['p95']}/{g['p99']} "
                        f"ms, raw {r['p50']}/{r['p95']}/{r['p99']} ms, ratio "
                        f"{results[shape.name]['ratio_p50']}, same page "
                        f"{results[shape.name]['same_page']}, rows read "
                        f"{plans[shape.name]['rows_read']} ({time.perf_counter() - t0:.0f}s)"
                    )
                latency_cpu, latency_host = cpu.read(), host.read()

                mix: dict[str, Any] = {}
                if not args.no_throughput:
                    log(f"throughput: {args.concurrency} clients x {args.seconds:g}s, graphql")

                    async def gql_one(_: int, shape: Shape, req: Request) -> Any:
                        return await gql.run(shape, req)

                    mix["graphql"] = await throughput(
                        gql_one,
                        pool,
                        mix=mix_shapes,
                        concurrency=args.concurrency,
                        seconds=args.seconds,
                        seed=args.seed,
                        server_pid=pid,
                    )
                    log(f"  graphql: {mix['graphql']['searches_per_s']}/s")
                    raws = [RawClient(c, guide_threshold) for c in conns]

                    async def raw_one(index: int, shape: Shape, req: Request) -> Any:
                        return await raws[index].run(shape, req)

                    mix["raw"] = await throughput(
                        raw_one,
                        pool,
                        mix=mix_shapes,
                        concurrency=args.concurrency,
                        seconds=args.seconds,
                        seed=args.seed,
                        server_pid=None,
                    )
                    log(f"  raw: {mix['raw']['searches_per_s']}/s")
                    mix["shapes"] = [s.name for s in mix_shapes]
        finally:
            await server.stop()
        problems = server.log_problems()
    finally:
        for conn in conns:
            conn.close()
    return {
        "raw_guide_threshold": guide_threshold,
        "shapes": results,
        "latency_phase": {"server_cpu": latency_cpu, "host": latency_host},
        "throughput": mix or None,
        "server_log_problems": problems,
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    from domcctv.db import migrate_database

    name = args.keep_db or f"{DB_PREFIX}{secrets.token_hex(4)}"
    target = mysql_target(args.mysql_url, name)
    if args.drop:
        await drop_database(target)
        log(f"dropped {name}")
        return {"bench": "search", "dropped": name}
    server_url = args.mysql_url.rstrip("/")
    database_url = f"{server_url}/{name}"
    original_pool = int(await server_variable(target, "innodb_buffer_pool_size"))
    jwt_secret = secrets.token_urlsafe(40)
    backend = Backend(
        "mariadb-redis",
        database_url,
        redis_base_url=args.redis_url.rstrip("/"),
        redis_namespace=f"{name}-{secrets.token_hex(3)}".replace("_", "-"),
    )
    created = complete = False
    kept_cleanup: dict[str, Any] = {}
    summary: dict[str, Any] = {"bench": "search", "database": name}
    summary["buffer_pool"] = {
        "original_bytes": original_pool,
        "used_bytes": args.buffer_pool or original_pool,
        "restored": False,
    }
    with temp_dir("domcctv-bench-search-") as tmp:
        try:
            if args.buffer_pool:
                await set_buffer_pool(target, args.buffer_pool)
                log(f"innodb_buffer_pool_size {original_pool} -> {args.buffer_pool}")
            reused = bool(args.keep_db) and await database_exists(target)
            dataset: dict[str, Any] = {"reused": reused}
            if reused:
                counts = await count_rows(target)
                if counts["events"] != args.events:
                    raise SystemExit(
                        f"{name} exists with {counts['events']:,} events, not {args.events:,}: "
                        "pass the right --events, or --drop it first"
                    )
                log(f"reusing {name} ({counts['events']:,} events); applying new migrations")
                await migrate_database(database_url)
            else:
                conn = await connect(target, database=False)
                try:
                    await execute(conn, f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
                finally:
                    conn.close()
                created = True
                dataset["load"] = await build_dataset(args, target, database_url, tmp)
                counts = await count_rows(target)
            complete = True
            dataset["rows"] = counts
            summary["dataset"] = dataset
            if args.load_only:
                return summary

            backend.redis_db = await _claim_redis_db(args.redis_url)
            backend.redis_url = f"{backend.redis_base_url}/{backend.redis_db}"
            conn = await connect(target)
            try:
                audit_before = int(
                    (await query(conn, "SELECT COALESCE(MAX(id), 0) AS n FROM audit_logs"))[0]["n"]
                )
            finally:
                conn.close()
            tokens, session_ids, client_company = await open_sessions(database_url, jwt_secret)
            kept_cleanup = {"audit_after": audit_before, "sessions": session_ids}
            pool = await sample_pool(target, client_company, args.seed + 2)
            dataset["sample"] = {
                "plates": len(pool.plates),
                "guides": len(pool.guides),
                "cameras": pool.cameras,
                "client_company_id": client_company,
                "client_share_of_sample": round(
                    pool.companies.count(client_company) / max(1, len(pool.plates)), 3
                ),
                "time_range": [str(pool.min_time), str(pool.max_time)],
                "shares": pool.shares,
            }
            summary.update(await run_searches(args, target, backend, tmp, jwt_secret, tokens, pool))
        finally:
            if kept_cleanup and args.keep_db:
                # A kept dataset stays as generated: remove the sessions and audit rows we added.
                with contextlib.suppress(Exception):
                    conn = await connect(target)
                    try:
                        await execute(
                            conn,
                            "DELETE FROM audit_logs WHERE id > %s",
                            (kept_cleanup["audit_after"],),
                        )
                        marks = ", ".join(["%s"] * len(kept_cleanup["sessions"]))
                        await execute(
                            conn,
                            f"DELETE FROM auth_sessions WHERE id IN ({marks})",  # noqa: S608
                            kept_cleanup["sessions"],
                        )
                    finally:
                        conn.close()
            if created and (not args.keep_db or not complete):
                # A half-built kept dataset is dropped too: the next run would refuse it.
                backend.mysql_admin_url, backend.mysql_database = server_url, name
            await cleanup_backend(backend)
            if args.buffer_pool:
                await set_buffer_pool(target, original_pool)
                now = int(await server_variable(target, "innodb_buffer_pool_size"))
                summary["buffer_pool"]["restored"] = now == original_pool
                log(f"innodb_buffer_pool_size restored to {now}")
            summary["kept"] = bool(args.keep_db) and (complete or not created)
    return summary


def add_targets(summary: dict[str, Any]) -> None:
    shapes = summary.get("shapes") or {}
    if not shapes:
        return
    p95_missed = [
        n
        for n, s in shapes.items()
        if s["graphql_ms"]["p95"] is None or s["graphql_ms"]["p95"] > P95_TARGET_MS
    ]
    ratio_missed = [
        n for n, s in shapes.items() if s["ratio_p50"] is None or s["ratio_p50"] > RATIO_TARGET
    ]
    mix = summary.get("throughput") or {}
    rate = (mix.get("graphql") or {}).get("searches_per_s")
    summary["targets"] = {
        "every_shape_p95_le_25ms": not p95_missed,
        "p95_missed_by": p95_missed,
        "graphql_over_raw_p50_le_5x": not ratio_missed,
        "ratio_missed_by": ratio_missed,
        "throughput_ge_300_per_s": rate is not None and rate >= THROUGHPUT_TARGET,
        "same_pages": all(
            s["same_page"].split("/")[0] == s["same_page"].split("/")[1] for s in shapes.values()
        ),
        "full_scans": [n for n, s in shapes.items() if s["plan"]["full_scan"]],
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    summary = run_main(main_async(args))
    add_targets(summary)
    summary["events"] = args.events
    summary["requests_per_shape"] = args.requests
    summary["machine"] = machine_note()
    print_summary(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
