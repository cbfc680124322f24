"""Watchlist alerts fire however an event comes to match an entry: when it is created, and also
when a plate correction or a company assignment makes it match (before, only creation did)."""

from __future__ import annotations

from typing import Any

from domcctv.domain.access import Actor, Permission, Role
from domcctv.infra.bus import InProcessBus
from domcctv.models import WatchlistEntry
from domcctv.services import documentation, outbox

from factories import make_company, make_event, make_user


def _operator(user_id: int) -> Actor:
    return Actor(
        user_id=user_id,
        role=Role.OPERATOR,
        company_id=None,
        permissions=frozenset({Permission.READ_EVENTS, Permission.WRITE_BASIC_METADATA}),
    )


async def _watch(plate: str, skeleton: str, company_id: int | None) -> WatchlistEntry:
    return await WatchlistEntry.create(
        company_id=company_id, plate=plate, plate_skeleton=skeleton, reason="robada"
    )


def _alerts(sub: Any) -> list[dict[str, Any]]:
    got = []
    while not sub.queue.empty():
        got.append(sub.queue.get_nowait())
    return got


async def test_plate_correction_that_matches_a_watched_plate_raises_an_alert(db) -> None:
    bus = InProcessBus()
    user = await make_user(Role.OPERATOR)
    event = await make_event(plate="ZZYX11")
    await _watch("HJKL42", "HJKL42", None)
    async with bus.subscribe(lambda c, m: m.get("type") == "watchlist") as sub:
        async with outbox.delivering(bus):
            await documentation.correct_plate(_operator(user.id), event.id, "HJKL42", "misread")
        alerts = _alerts(sub)
    assert len(alerts) == 1
    assert alerts[0]["entry"]["plate"] == "HJKL42"
    assert alerts[0]["event"]["id"] == event.id


async def test_assigning_the_company_of_a_company_watchlist_raises_its_alert(db) -> None:
    bus = InProcessBus()
    company = await make_company()
    user = await make_user(Role.OPERATOR)
    event = await make_event(plate="FK1234")  # unassigned: the company's entry cannot match yet
    await _watch("FK1234", "FK1234", company.id)
    async with bus.subscribe(lambda c, m: m.get("type") == "watchlist") as sub:
        async with outbox.delivering(bus):
            await documentation.assign_company(_operator(user.id), event.id, company.id)
        alerts = _alerts(sub)
    assert [a["companyId"] for a in alerts] == [company.id]


async def test_a_status_change_does_not_repeat_the_alert(db) -> None:
    bus = InProcessBus()
    company = await make_company()
    user = await make_user(Role.OPERATOR)
    event = await make_event(company=company, plate="FK1234")
    await _watch("FK1234", "FK1234", company.id)
    async with bus.subscribe(lambda c, m: m.get("type") == "watchlist") as sub:
        async with outbox.delivering(bus):
            await documentation.document_event(
                _operator(user.id), event.id, documentation.MetadataInput(guide_number="G-1")
            )
        assert _alerts(sub) == []
