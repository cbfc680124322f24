"""Prefix searches give the same pages whichever plan reaches them (services.search_plans).

The plan depends on how many rows match (sort the prefix's range below ``SORT_CAP``, walk the
time index above it; guide numbers: their metadata rows sorted by time below
``GUIDE_SORT_CAP``, the metadata's time index walked above it, in chunks). Here the caps are
forced to 0 or to a huge value so both plans run over the same small dataset, for staff and
for a client user, across keyset pages, and must agree row for row with a plain filter
computed in Python.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from domcctv.domain.access import Actor, Permission, Role
from domcctv.domain.lifecycle import EventStatus
from domcctv.domain.plates import canonical, skeleton
from domcctv.models import Event
from domcctv.services import search_plans
from domcctv.services.events import EventFilter, PlateMatch, search_events
from domcctv.services.pagination import PageRequest
from domcctv.services.search_plans import prefix_upper_bound

from factories import make_company, make_event, make_metadata, make_user

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
LETTERS = "BCDFGHJKLPRSTVWXYZ"


def _staff() -> Actor:
    return Actor(1, Role.ADMINISTRATOR, None, frozenset(Permission))


def _client(company_id: int) -> Actor:
    return Actor(
        2,
        Role.CLIENT_USER,
        company_id,
        frozenset({Permission.READ_EVENTS, Permission.SEARCH_OWN_COMPANY}),
    )


@pytest.mark.parametrize(
    ("prefix", "bound"),
    [
        ("B", "C"),
        ("BC", "BD"),
        ("AB9", "ABA"),
        ("A9", "AA"),
        ("AZ", "B"),
        ("HJKL4", "HJKL5"),
        ("Z", None),
        ("ZZZ", None),
        ("AÑ", None),
    ],
)
def test_prefix_bound_is_the_next_string_in_plate_order(prefix: str, bound: str | None) -> None:
    assert prefix_upper_bound(prefix) == bound


def test_every_plate_with_the_prefix_lies_in_the_range_and_no_other() -> None:
    rng = random.Random(7)
    alphabet = "0123456789" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    plates = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(3000)}
    for prefix in ["B", "BC", "Z", "A9", "9", "HZ", "ZZ"]:
        bound = prefix_upper_bound(prefix)
        in_range = {p for p in plates if p >= prefix and (bound is None or p < bound)}
        assert in_range == {p for p in plates if p.startswith(prefix)}, prefix


@pytest.fixture
async def dataset(db: str) -> dict[str, int]:
    """~300 events over two companies and none, several plates per prefix, some archived."""
    rng = random.Random(11)
    companies = [await make_company(), await make_company()]
    author = await make_user(Role.OPERATOR)
    plates = [
        "".join(rng.choice(LETTERS) for _ in range(4)) + f"{rng.randint(0, 99):02d}"
        for _ in range(40)
    ]
    plates += ["BCDF12", "BCDF13", "BCDG12", "BB1234", "BB1299"]
    for i in range(300):
        plate = rng.choice(plates)
        owner = rng.choice([companies[0], companies[1], None])
        event = await make_event(
            owner,
            plate,
            when=T0 - timedelta(minutes=rng.randint(0, 5000), seconds=i % 2),
            status=EventStatus.ARCHIVED if i % 37 == 0 else EventStatus.DETECTED,
        )
        if i % 3 == 0:
            await make_metadata(event, author, guide_number=f"GD-{rng.randint(0, 40):03d}-{i}")
    return {"company": companies[0].id}


async def _all_pages(actor: Actor, flt: EventFilter, first: int = 7) -> list[int]:
    ids: list[int] = []
    after: str | None = None
    for _ in range(200):
        page = await search_events(actor, flt, PageRequest(first, after), audit_search=False)
        ids += [e.id for e in page.items]
        if not page.has_next_page:
            return ids
        after = page.end_cursor
    raise AssertionError("pagination did not end")


async def _expected(flt: EventFilter, company_id: int | None) -> list[int]:
    """The same filter, computed in Python over every row."""
    rows = await Event.all()
    out = []
    for e in rows:
        if e.status is EventStatus.ARCHIVED:
            continue
        if company_id is not None and e.company_id != company_id:
            continue
        if flt.plate:
            norm = canonical(flt.plate)
            if flt.plate_match is PlateMatch.PREFIX and not e.plate.startswith(norm):
                continue
            if flt.plate_match is PlateMatch.OCR_PREFIX and not e.plate_skeleton.startswith(
                skeleton(norm)
            ):
                continue
        if flt.guide_number:
            meta = await e.basic_metadata  # type: ignore[misc]
            if meta is None or not (meta.guide_number or "").startswith(flt.guide_number):
                continue
        out.append(e)
    out.sort(key=lambda e: (e.event_time, e.id), reverse=True)
    return [e.id for e in out]


FILTERS = [
    EventFilter(plate="B", plate_match=PlateMatch.PREFIX),
    EventFilter(plate="BC", plate_match=PlateMatch.PREFIX),
    EventFilter(plate="BCDF", plate_match=PlateMatch.PREFIX),
    EventFilter(plate="BB", plate_match=PlateMatch.PREFIX),
    EventFilter(plate="Z", plate_match=PlateMatch.PREFIX),
    EventFilter(plate="B8", plate_match=PlateMatch.OCR_PREFIX),
    EventFilter(plate="8CDF", plate_match=PlateMatch.OCR_PREFIX),
    EventFilter(guide_number="GD-0"),
    EventFilter(guide_number="GD-01"),
    EventFilter(guide_number="GD-999"),
]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: f"{f.plate or ''}{f.guide_number or ''}")
@pytest.mark.parametrize("who", ["staff", "client"])
async def test_both_plans_give_the_filter_s_rows_newest_first(
    dataset: dict[str, int], monkeypatch: pytest.MonkeyPatch, flt: EventFilter, who: str
) -> None:
    company = dataset["company"] if who == "client" else None
    actor = _client(dataset["company"]) if who == "client" else _staff()
    expected = await _expected(flt, company)
    seen = {}
    for cap in (0, 10**9):
        monkeypatch.setattr(search_plans, "SORT_CAP", cap)
        monkeypatch.setattr(search_plans, "GUIDE_SORT_CAP", cap)
        seen[cap] = await _all_pages(actor, flt)
    assert seen[0] == expected
    assert seen[10**9] == expected


async def test_company_filter_and_dates_combine_with_a_prefix_under_both_plans(
    dataset: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    since = T0 - timedelta(minutes=2500)
    flt = EventFilter(
        plate="B", plate_match=PlateMatch.PREFIX, company_id=dataset["company"], since=since
    )
    expected = [
        i
        for i in await _expected(EventFilter(plate="B", plate_match=PlateMatch.PREFIX), None)
        if (e := await Event.get(id=i)).company_id == dataset["company"] and e.event_time >= since
    ]
    for cap in (0, 10**9):
        monkeypatch.setattr(search_plans, "SORT_CAP", cap)
        assert await _all_pages(_staff(), flt, first=5) == expected


@pytest.mark.parametrize("examined", [4, 10**9])
async def test_guide_chunks_skip_matches_the_other_filters_reject(
    dataset: dict[str, int], monkeypatch: pytest.MonkeyPatch, examined: int
) -> None:
    # Tiny chunks: most of a chunk's guide matches fail the company and time filters, so the
    # page is filled over many chunks (each chunk's survivors, in order, then the next chunk).
    since = T0 - timedelta(minutes=4000)
    until = T0 - timedelta(minutes=500)
    flt = EventFilter(guide_number="GD-0", company_id=dataset["company"], since=since, until=until)
    expected = []
    for i in await _expected(EventFilter(guide_number="GD-0"), None):
        event = await Event.get(id=i)
        if event.company_id == dataset["company"] and since <= event.event_time < until:
            expected.append(i)
    assert len(expected) > 5
    monkeypatch.setattr(search_plans, "GUIDE_CHUNK_MAX", 3)
    # MariaDB: walks that stop after examining 4 entries hand over to the sort, page by page
    monkeypatch.setattr(search_plans, "GUIDE_WALK_EXAMINED", examined)
    for cap in (0, 10**9):
        monkeypatch.setattr(search_plans, "GUIDE_SORT_CAP", cap)
        assert await _all_pages(_staff(), flt, first=2) == expected
        assert await _all_pages(_client(dataset["company"]), flt, first=4) == expected
