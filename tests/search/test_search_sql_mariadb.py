"""What every search shape costs MariaDB, measured by MariaDB itself (no clock involved).

Seeds ~200,000 events (30 % documented, a few archived, validated, time-review and
low-confidence ones, three companies and unassigned ones) with ``INSERT ... SELECT`` from
MariaDB's sequence engine, runs every search shape through ``services.events.search_events``
as staff and as a client user, captures each statement the search sends, and then:

* fails if a searched column is wrapped in a cast or a function (no index could serve it);
* runs each statement again under ``ANALYZE FORMAT=JSON`` and fails on a full table scan or
  on any statement that examined more than ``MAX_EXAMINED`` rows, a bound well below the
  table (a walk over an index "newest first" is fine only when it stops early).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from tortoise import connections

from domcctv.config import environment_flag
from domcctv.domain.access import Actor, Permission, Role
from domcctv.domain.lifecycle import EventStatus
from domcctv.domain.plates import skeleton
from domcctv.services.clock import utcnow
from domcctv.services.events import EventFilter, PlateMatch, search_events
from domcctv.services.pagination import PageRequest
from domcctv.services.search_plans import SORT_CAP

from factories import make_company, make_user

IS_MYSQL = (environment_flag("TEST_DB_URL") or "").startswith("mysql://")
pytestmark = pytest.mark.skipif(not IS_MYSQL, reason="MariaDB's plans (TEST_DB_URL=mysql://...)")

EVENTS = 200_000
PLATES = 6_000
MAX_EXAMINED = SORT_CAP + 5_000  # per table access, against a table of EVENTS rows
LETTERS = "BCDFGHJKLPRSTVWXYZ"
WRAPPED_COLUMN = re.compile(
    r"\b(CAST|CONVERT|UPPER|LOWER|DATE|COALESCE|IFNULL|SUBSTR\w*|LEFT|TRIM|CONCAT)\s*\(\s*`",
    re.IGNORECASE,
)


def _plate(i: int) -> str:
    if i % 7 == 0:  # old format: two letters, four digits
        return f"{LETTERS[i % 18]}{LETTERS[i // 18 % 18]}{i % 10000:04d}"
    return (
        LETTERS[i % 18] + LETTERS[i // 18 % 18] + LETTERS[i // 324 % 18] + LETTERS[i // 5832 % 18]
    ) + f"{i * 7 % 100:02d}"


@contextmanager
def _statements() -> Iterator[list[tuple[str, Any]]]:
    """(sql, params) of every statement Tortoise sends inside the block."""
    seen: list[tuple[str, Any]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if isinstance(record.args, tuple) and len(record.args) == 2:
                seen.append((str(record.args[0]), record.args[1]))

    logger = logging.getLogger("tortoise.db_client")
    handler, level, propagate = Collect(logging.DEBUG), logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def _accesses(node: Any) -> Iterator[dict[str, Any]]:
    """Every table access in an ANALYZE FORMAT=JSON tree."""
    if isinstance(node, dict):
        if "table_name" in node and "access_type" in node:
            yield node
        for value in node.values():
            yield from _accesses(value)
    elif isinstance(node, list):
        for value in node:
            yield from _accesses(value)


@pytest.fixture
async def seeded(db: str) -> dict[str, Any]:
    conn = connections.get("default")
    companies = [await make_company() for _ in range(3)]
    author = await make_user(Role.OPERATOR)
    await conn.execute_script(
        "CREATE TEMPORARY TABLE seed_plates (i INT PRIMARY KEY, plate VARCHAR(10), "
        "skel VARCHAR(10), fmt VARCHAR(10))"
    )
    rows = [
        (i, _plate(i), skeleton(_plate(i)), "OLD" if i % 7 == 0 else "CURRENT")
        for i in range(PLATES)
    ]
    await conn.execute_many("INSERT INTO seed_plates VALUES (%s, %s, %s, %s)", rows)
    c0, c1, c2 = (c.id for c in companies)
    await conn.execute_script(
        f"""
        INSERT INTO events (company_id, plate, plate_raw, plate_skeleton, plate_format,
            event_time, time_issue, confidence, low_confidence, camera_code, primary_camera,
            status, has_basic_metadata, ready_for_phase2, documentary_videos,
            created_at, updated_at)
        SELECT ELT(1 + s.seq % 4, {c0}, {c1}, {c2}, NULL), p.plate, p.plate, p.skel, p.fmt,
            UTC_TIMESTAMP() - INTERVAL (s.seq * 473) SECOND,
            IF(s.seq % 997 = 0, 'CLOCK_SKEW', NULL),
            IF(s.seq % 10 = 0, 55, 93), s.seq % 10 = 0,
            CONCAT('CAM-', s.seq % 6), '{{}}',
            CASE WHEN s.seq % 211 = 0 THEN 'ARCHIVED' WHEN s.seq % 3 = 0 AND s.seq % 89 = 0
                 THEN 'VALIDATED' WHEN s.seq % 3 = 0 THEN 'DOCUMENTED' ELSE 'DETECTED' END,
            s.seq % 3 = 0, 0, '[]', UTC_TIMESTAMP(), UTC_TIMESTAMP()
        FROM seq_1_to_{EVENTS} s JOIN seed_plates p ON p.i = (s.seq * 7919) % {PLATES}
        """
    )
    await conn.execute_script(
        f"""
        INSERT INTO basic_event_metadata (event_id, company_id, event_time, guide_number,
            origin_project, cargo_description, observations, ready_for_detailed_processing,
            created_by_id, created_at, updated_at)
        SELECT id, company_id, event_time, CONCAT('GD-', LPAD(id % 90000, 6, '0')),
            'Proyecto Norte',
            'Áridos', IF(id % 500 = 0, 'Sellos rotos', 'Sin novedad'), 0, {author.id},
            UTC_TIMESTAMP(), UTC_TIMESTAMP()
        FROM events WHERE has_basic_metadata = 1
        """
    )
    await conn.execute_script("ANALYZE TABLE events, basic_event_metadata")
    return {"company": c0}


def _staff() -> Actor:
    return Actor(1, Role.ADMINISTRATOR, None, frozenset(Permission))


def _client(company_id: int) -> Actor:
    perms = frozenset({Permission.READ_EVENTS, Permission.SEARCH_OWN_COMPANY})
    return Actor(2, Role.CLIENT_USER, company_id, perms)


def _shapes(company: int) -> list[tuple[str, Actor, EventFilter]]:
    now = utcnow()
    staff, client = _staff(), _client(company)
    plate = _plate(1234)
    return [
        ("exact plate", staff, EventFilter(plate=plate)),
        ("prefix 1", staff, EventFilter(plate=plate[:1], plate_match=PlateMatch.PREFIX)),
        ("prefix 2", staff, EventFilter(plate=plate[:2], plate_match=PlateMatch.PREFIX)),
        ("prefix 3", staff, EventFilter(plate=plate[:3], plate_match=PlateMatch.PREFIX)),
        ("prefix 4", staff, EventFilter(plate=plate[:4], plate_match=PlateMatch.PREFIX)),
        ("ocr", staff, EventFilter(plate=plate, plate_match=PlateMatch.OCR)),
        ("ocr prefix 3", staff, EventFilter(plate=plate[:3], plate_match=PlateMatch.OCR_PREFIX)),
        ("client exact", client, EventFilter(plate=plate)),
        ("client prefix 2", client, EventFilter(plate=plate[:2], plate_match=PlateMatch.PREFIX)),
        ("client latest", client, EventFilter()),
        ("company 7 days", staff, EventFilter(company_id=company, since=now - timedelta(days=7))),
        ("latest", staff, EventFilter()),
        (
            "camera range",
            staff,
            EventFilter(camera_code="CAM-2", since=now - timedelta(days=60), until=now),
        ),
        (
            "dates a year ago",
            staff,
            EventFilter(since=now - timedelta(days=395), until=now - timedelta(days=365)),
        ),
        ("guide exact", staff, EventFilter(guide_number="GD-001233")),
        ("guide prefix 3", staff, EventFilter(guide_number="GD-")),
        ("guide prefix 6", staff, EventFilter(guide_number="GD-012")),
        ("client guide", client, EventFilter(guide_number="GD-01")),
        ("text rare", staff, EventFilter(text="sellos")),
        ("text common", staff, EventFilter(text="aridos")),
        ("client text common", client, EventFilter(text="proyecto norte")),
        ("documented", staff, EventFilter(documented=True)),
        ("unassigned", staff, EventFilter(unassigned=True)),
        ("validated", staff, EventFilter(statuses=(EventStatus.VALIDATED,))),
        ("time review", staff, EventFilter(time_issue=True)),
        ("low confidence", staff, EventFilter(low_confidence=True)),
    ]


async def _run(actor: Actor, flt: EventFilter, pages: int = 1) -> list[tuple[str, Any]]:
    with _statements() as seen:
        after = None
        for _ in range(pages):
            page = await search_events(actor, flt, PageRequest(50, after), audit_search=False)
            after = page.end_cursor
            if not page.has_next_page:
                break
    return seen


async def _problems(name: str, statements: list[tuple[str, Any]]) -> list[str]:
    conn = connections.get("default")
    found = []
    for sql, params in statements:
        select = sql.lstrip()
        if not select.upper().startswith("SELECT"):
            continue
        if WRAPPED_COLUMN.search(sql):
            found.append(f"{name}: a searched column is wrapped in a function: {sql[:300]}")
        _, rows = await conn.execute_query(f"ANALYZE FORMAT=JSON {select}", params)
        plan = json.loads(next(iter(rows[0].values())))
        for access in _accesses(plan):
            if access["table_name"].startswith("<"):
                continue  # a derived or temporary table: the result of an access listed too
            examined = float(access.get("r_rows") or 0) * float(access.get("r_loops") or 1)
            where = f"{access['table_name']} via {access.get('key')} ({access['access_type']})"
            if access["access_type"] == "ALL" and examined > 1000:
                found.append(f"{name}: full table scan of {where}, {examined:.0f} rows")
            if examined > MAX_EXAMINED:
                found.append(f"{name}: {where} examined {examined:.0f} rows: {sql[:300]}")
    return found


async def test_every_search_shape_is_served_by_an_index_at_scale(seeded: dict[str, Any]) -> None:
    problems: list[str] = []
    for name, actor, flt in _shapes(seeded["company"]):
        statements = await _run(actor, flt)
        assert statements, name
        problems += await _problems(name, statements)
    assert problems == [], "\n".join(problems)


async def test_a_deep_page_costs_what_the_first_page_costs(seeded: dict[str, Any]) -> None:
    # 20 pages deep (1,000 rows in), newest first, keyset: the last page's statements
    problems: list[str] = []
    for name, flt in [
        ("deep latest", EventFilter()),
        ("deep prefix", EventFilter(plate=_plate(99)[:2], plate_match=PlateMatch.PREFIX)),
        ("deep company", EventFilter(company_id=seeded["company"])),
        ("deep guide", EventFilter(guide_number="GD-0")),
    ]:
        statements = await _run(_staff(), flt, pages=20)
        last_page = statements[-3:]  # at most: count, ids, rows
        problems += await _problems(name, last_page)
    assert problems == [], "\n".join(problems)
