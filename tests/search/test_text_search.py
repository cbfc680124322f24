"""The ``text`` filter: words in the documentation (guide number, origin project, cargo,
observations), case- and accent-insensitive, every word required, scoped like every search,
and the same rows whichever plan reaches them (full-text ids or the time-index walk)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domcctv.domain.access import Actor, Permission, Role
from domcctv.domain.errors import InvalidInput
from domcctv.services import text_search
from domcctv.services.events import EventFilter, search_events
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


@pytest.mark.parametrize("walk", [False, True], ids=["ids", "time-walk"])
async def test_words_are_found_ignoring_case_and_accents(
    documented: list[int], monkeypatch: pytest.MonkeyPatch, walk: bool
) -> None:
    if walk:
        monkeypatch.setattr(text_search, "TEXT_ID_CAP", 0)  # MariaDB: force the walk
    staff = _staff()
    assert await _plates(staff, "aridos") == ["HJKL10", "HJKL13"]
    assert await _plates(staff, "ÁRIDOS lavados") == ["HJKL13"]  # every word required
    assert await _plates(staff, "proyecto norte") == ["HJKL10", "HJKL12"]
    assert await _plates(staff, "hormi") == ["HJKL11"]  # the start of a word
    assert await _plates(staff, "humeda") == ["HJKL12"]  # observations
    assert await _plates(staff, "chatarra sellos") == ["HJKL14"]  # unassigned, staff only
    assert await _plates(staff, "cemento") == []


@pytest.mark.parametrize("walk", [False, True], ids=["ids", "time-walk"])
async def test_a_client_finds_only_its_company_s_documents(
    documented: list[int], monkeypatch: pytest.MonkeyPatch, walk: bool
) -> None:
    if walk:
        monkeypatch.setattr(text_search, "TEXT_ID_CAP", 0)
    first, second = documented
    assert await _plates(_client(first), "proyecto") == ["HJKL10", "HJKL11"]
    assert await _plates(_client(second), "proyecto") == ["HJKL12"]
    assert await _plates(_client(second), "chatarra") == []
    assert await _plates(_staff(), "aridos", company_id=second) == ["HJKL13"]


async def test_text_combines_with_a_plate_and_a_guide_number(documented: list[int]) -> None:
    assert await _plates(_staff(), "norte", plate="HJKL12") == ["HJKL12"]
    assert await _plates(_staff(), "norte", guide_number="GD-2025-000") == ["HJKL10", "HJKL12"]


async def test_a_text_without_a_searchable_word_is_a_typed_error(documented: list[int]) -> None:
    with pytest.raises(InvalidInput) as raised:
        await _plates(_staff(), "a b -- !!")
    assert raised.value.errors[0].field == "text"
