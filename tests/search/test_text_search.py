"""The ``text`` filter: words in the documentation (guide number, origin project, cargo,
observations), case- and accent-insensitive, every word required, scoped like every search,
and the same rows whichever plan reaches them (full-text ids or the time-index walk)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domcctv.domain.access import Actor, Permission, Role
from domcctv.domain.errors import InvalidInput
from domcctv.models import BasicEventMetadata, Event
from domcctv.services import text_search
from domcctv.services.events import EventFilter, PlateMatch, search_events
from domcctv.services.pagination import PageRequest

from factories import make_company, make_event, make_metadata, make_user

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

DOCUMENTS = [
    # plate, company index (None = unassigned), guide, origin, cargo, observations
    ("HJKL10", 0, "GD-2025-0001", "Proyecto Norte", "Áridos y gravilla", "Sin novedad"),
    ("HJKL11", 0, "GD-2025-0002", "Proyecto Sur", "Hormigón premezclado", "Llegó tarde"),
    ("HJKL12", 1, "GD-2025-0003", "Proyecto Norte", "Arena fina", "Carga húmeda"),
    ("HJKL13", 1, "GD-2025-0004", "Mina Andina", "Áridos lavados", None),
    ("HJKL14", None, "GD-2025-0005", None, "Chatarra", "Revisar sellos"),
]


def _staff() -> Actor:
    return Actor(1, Role.ADMINISTRATOR, None, frozenset(Permission))


def _client(company_id: int) -> Actor:
    perms = frozenset({Permission.READ_EVENTS, Permission.SEARCH_OWN_COMPANY})
    return Actor(2, Role.CLIENT_USER, company_id, perms)


@pytest.fixture
async def documented(db: str) -> list[int]:
    companies = [await make_company(), await make_company()]
    author = await make_user(Role.OPERATOR)
    for i, (plate, owner, guide, origin, cargo, notes) in enumerate(DOCUMENTS):
        company = companies[owner] if owner is not None else None
        event = await make_event(company, plate, when=T0 - timedelta(minutes=i))
        await make_metadata(
            event,
            author,
            guide_number=guide,
            origin_project=origin,
            cargo_description=cargo,
            observations=notes,
        )
    await make_event(companies[0], "ZZZZ99", when=T0)  # undocumented: never a text match
    return [c.id for c in companies]


async def _plates(actor: Actor, text: str, **flt: object) -> list[str]:
    page = await search_events(
        actor, EventFilter(text=text, **flt), PageRequest(50), audit_search=False
    )
    return [e.plate for e in page.items]


PLANS = ["walk", "ids", "walk-on"]


def _force(monkeypatch: pytest.MonkeyPatch, plan: str) -> None:
    """MariaDB's three ways to a page: the documentation walk fills it ("walk"); the walk
    stops at once and the full-text ids give the rest ("ids"); the ids are too many and the
    walk goes on without a cap ("walk-on"). SQLite has one way: each plan must agree."""
    if plan == "walk":
        monkeypatch.setattr(text_search, "TEXT_WALK_EXAMINED", 10**9)
    else:
        monkeypatch.setattr(text_search, "TEXT_WALK_EXAMINED", 1)
    if plan == "walk-on":
        monkeypatch.setattr(text_search, "TEXT_ID_CAP", 0)


@pytest.mark.parametrize("plan", PLANS)
async def test_words_are_found_ignoring_case_and_accents(
    documented: list[int], monkeypatch: pytest.MonkeyPatch, plan: str
) -> None:
    _force(monkeypatch, plan)
    staff = _staff()
    assert await _plates(staff, "aridos") == ["HJKL10", "HJKL13"]
    assert await _plates(staff, "ÁRIDOS lavados") == ["HJKL13"]  # every word required
    assert await _plates(staff, "proyecto norte") == ["HJKL10", "HJKL12"]
    assert await _plates(staff, "hormi") == ["HJKL11"]  # the start of a word
    assert await _plates(staff, "humeda") == ["HJKL12"]  # observations
    assert await _plates(staff, "chatarra sellos") == ["HJKL14"]  # unassigned, staff only
    assert await _plates(staff, "cemento") == []


@pytest.mark.parametrize("plan", PLANS)
async def test_a_client_finds_only_its_company_s_documents(
    documented: list[int], monkeypatch: pytest.MonkeyPatch, plan: str
) -> None:
    _force(monkeypatch, plan)
    first, second = documented
    assert await _plates(_client(first), "proyecto") == ["HJKL10", "HJKL11"]
    assert await _plates(_client(second), "proyecto") == ["HJKL12"]
    assert await _plates(_client(second), "chatarra") == []
    assert await _plates(_staff(), "aridos", company_id=second) == ["HJKL13"]


@pytest.mark.parametrize("plan", PLANS)
async def test_pages_of_one_follow_on_under_every_plan(
    documented: list[int], monkeypatch: pytest.MonkeyPatch, plan: str
) -> None:
    _force(monkeypatch, plan)
    for flt, expected in [
        (EventFilter(text="proyecto"), ["HJKL10", "HJKL11", "HJKL12"]),
        (EventFilter(text="a", unassigned=True), None),  # too short: a typed error
        (EventFilter(text="sellos", unassigned=True), ["HJKL14"]),
        (EventFilter(text="proyecto", since=T0 - timedelta(minutes=1)), ["HJKL10", "HJKL11"]),
    ]:
        if expected is None:
            with pytest.raises(InvalidInput):
                await search_events(_staff(), flt, PageRequest(1), audit_search=False)
            continue
        plates: list[str] = []
        after = None
        for _ in range(10):
            page = await search_events(_staff(), flt, PageRequest(1, after), audit_search=False)
            plates += [e.plate for e in page.items]
            if not page.has_next_page:
                break
            after = page.end_cursor
        assert plates == expected, flt


async def test_text_combines_with_a_plate_and_a_guide_number(documented: list[int]) -> None:
    assert await _plates(_staff(), "norte", plate="HJKL12") == ["HJKL12"]
    assert await _plates(_staff(), "norte", guide_number="GD-2025-000") == ["HJKL10", "HJKL12"]
    assert await _plates(_staff(), "norte", guide_number="GD-2025-0003") == ["HJKL12"]
    assert await _plates(_staff(), "norte", plate="HJKL1", plate_match=PlateMatch.PREFIX) == [
        "HJKL10",
        "HJKL12",
    ]


async def test_a_text_without_a_searchable_word_is_a_typed_error(documented: list[int]) -> None:
    with pytest.raises(InvalidInput) as raised:
        await _plates(_staff(), "a b -- !!")
    assert raised.value.errors[0].field == "text"


async def test_sqlite_pages_a_common_word_in_one_statement(db: str) -> None:
    """SQLite pages a word found in thousands of documents in one statement, the FTS5 match a
    subquery of the page query: never a list of ids, which a word found in more documents than
    SQLite takes bound parameters would break (32,766 by default; 250,000 in Debian's build,
    so a test at that size is left to the code's structure rather than run here)."""
    if not text_search.is_sqlite():
        pytest.skip("SQLite's limit on bound parameters (MariaDB pages a common word by walking)")
    author = await make_user(Role.OPERATOR)
    first = await make_event(None, "HJKL10", when=T0)
    events = [
        Event(
            plate=first.plate,
            plate_raw=first.plate_raw,
            plate_skeleton=first.plate_skeleton,
            plate_format=first.plate_format,
            event_time=T0 - timedelta(seconds=i + 1),
            confidence=90.0,
            camera_code="CAM-1",
            primary_camera={},
            has_basic_metadata=True,
        )
        for i in range(3_000)
    ]
    await Event.bulk_create(events, batch_size=2_000)
    ids = await Event.filter(has_basic_metadata=True).values_list("id", flat=True)
    await BasicEventMetadata.bulk_create(
        [
            BasicEventMetadata(event_id=i, cargo_description="Áridos", created_by_id=author.id)
            for i in ids
        ],
        batch_size=2_000,
    )
    page = await search_events(
        _staff(), EventFilter(text="aridos"), PageRequest(50), audit_search=False
    )
    assert len(page.items) == 50
    assert page.has_next_page
    assert page.items[0].event_time == T0 - timedelta(seconds=1)
