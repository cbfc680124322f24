"""events(filter:, first:, after:): plate modes, every filter, and keyset pagination."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from gqlkit import gid, payload, signed_in, top_code, top_error

from domcctv.domain.access import Role
from domcctv.domain.lifecycle import EventStatus
from domcctv.models import AuditAction, AuditLog, BasicEventMetadata, Event

from factories import make_company, make_event, make_metadata, make_user
from graphql_client import gql

SEARCH = """
query($filter: EventFilterInput, $first: Int, $after: String) {
  events(filter: $filter, first: $first, after: $after) {
    edges { cursor node { databaseId plate status } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""

T0 = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)


async def search(api, token: str, first: int | None = None, after: str | None = None, **flt):
    return await gql(api, SEARCH, {"filter": flt or None, "first": first, "after": after}, token)


async def plates(api, token: str, **flt) -> list[str]:
    page = payload(await search(api, token, **flt), "events")
    return [e["node"]["plate"] for e in page["edges"]]


@pytest.fixture
async def operator_token(settings) -> str:
    return (await signed_in(Role.OPERATOR, settings))[1]


@pytest.fixture
async def plates_seen(db) -> None:
    company = await make_company()
    for i, plate in enumerate(["HJKL42", "HJKL43", "FK1234", "BBCD12", "KBT42"]):
        await make_event(company, plate, when=T0 - timedelta(minutes=i))


@pytest.mark.usefixtures("plates_seen")
@pytest.mark.parametrize(
    ("typed", "mode", "expected"),
    [
        ("HJKL42", "EXACT", ["HJKL42"]),
        ("hj-kl·42", "EXACT", ["HJKL42"]),
        ("HJKL4", "EXACT", []),
        ("HJ", "PREFIX", ["HJKL42", "HJKL43"]),
        ("hj kl 4", "PREFIX", ["HJKL42", "HJKL43"]),
        ("FK", "PREFIX", ["FK1234"]),
        ("X", "PREFIX", []),
        # OCR: same skeleton, confusions only inside the groups 0/O/D/Q 1/I 2/Z 5/S 8/B 6/G
        ("HJKL4Z", "OCR", ["HJKL42"]),
        ("FKI234", "OCR", ["FK1234"]),
        ("FK1Z34", "OCR", ["FK1234"]),
        ("8BCO12", "OCR", ["BBCD12"]),  # 8->B and O->D both in groups
        ("FK12E4", "OCR", []),  # E/3 is not a confusion group
        ("HJKL44", "OCR", []),
        ("KBT4Z", "OCR", ["KBT42"]),
        ("8BC", "OCR_PREFIX", ["BBCD12"]),
        ("HJKL", "OCR_PREFIX", ["HJKL42", "HJKL43"]),
        ("FKI2", "OCR_PREFIX", ["FK1234"]),
        ("FKE", "OCR_PREFIX", []),
    ],
)
async def test_plate_modes(api, operator_token, typed: str, mode: str, expected: list) -> None:
    assert await plates(api, operator_token, plate=typed, plateMatch=mode) == expected


async def test_exact_is_the_default_mode(api, operator_token, plates_seen) -> None:
    assert await plates(api, operator_token, plate="HJKL4") == []
    assert await plates(api, operator_token, plate="HJKL42") == ["HJKL42"]


@pytest.mark.parametrize("bad", ["HJ%", "ABCDEFGHIJK", "-- --", "'; DROP TABLE events; --"])
async def test_a_plate_that_cannot_be_one_is_an_input_error(api, operator_token, bad) -> None:
    error = top_error(await search(api, operator_token, plate=bad, plateMatch="PREFIX"))
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert "plate" in error["message"]


async def test_corrected_plates_are_found_by_the_new_plate(api, operator_token) -> None:
    event = await make_event(await make_company(), "HJKL4Z")
    await Event.filter(id=event.id).update(plate="HJKL42", plate_skeleton="HJKL42")
    assert await plates(api, operator_token, plate="HJKL42") == ["HJKL42"]
    assert await plates(api, operator_token, plate="HJKL4Z") == []


async def test_company_and_unassigned_filters(api, operator_token) -> None:
    andes, bio = await make_company(), await make_company()
    await make_event(andes, "HJKL42")
    await make_event(bio, "FK1234")
    await make_event(None, "ZZTT99")

    assert await plates(api, operator_token, companyId=gid("Company", andes.id)) == ["HJKL42"]
    assert await plates(api, operator_token, companyId=gid("Company", bio.id)) == ["FK1234"]
    assert await plates(api, operator_token, unassigned=True) == ["ZZTT99"]
    assert sorted(await plates(api, operator_token, unassigned=False)) == ["FK1234", "HJKL42"]
    wrong_type = await search(api, operator_token, companyId=gid("User", andes.id))
    assert top_code(wrong_type) == "INVALID_INPUT"


async def test_date_range_is_inclusive_since_exclusive_until(api, operator_token) -> None:
    company = await make_company()
    for hours, plate in [(0, "HJKL40"), (1, "HJKL41"), (2, "HJKL42"), (3, "HJKL43")]:
        await make_event(company, plate, when=T0 + timedelta(hours=hours))

    found = await plates(
        api,
        operator_token,
        since=(T0 + timedelta(hours=1)).isoformat(),
        until=(T0 + timedelta(hours=3)).isoformat(),
    )

    assert found == ["HJKL42", "HJKL41"]  # newest first; 3h excluded, 1h included


async def test_inverted_date_range_is_an_input_error(api, operator_token) -> None:
    body = await search(api, operator_token, since=T0.isoformat(), until=T0.isoformat())
    assert top_code(body) == "INVALID_INPUT"


async def test_status_filter_and_archived_hidden_by_default(api, operator_token) -> None:
    company = await make_company()
    for status, plate in [
        (EventStatus.DETECTED, "HJKL41"),
        (EventStatus.DOCUMENTED, "HJKL42"),
        (EventStatus.VALIDATED, "HJKL43"),
        (EventStatus.ARCHIVED, "HJKL44"),
    ]:
        await make_event(company, plate, status=status)

    assert sorted(await plates(api, operator_token)) == ["HJKL41", "HJKL42", "HJKL43"]
    assert sorted(await plates(api, operator_token, statuses=["DOCUMENTED", "VALIDATED"])) == [
        "HJKL42",
        "HJKL43",
    ]
    # asking for ARCHIVED explicitly is asking for archived events: ADVANCED_SEARCH, like
    # includeArchived (test_archived_visibility.py)
    assert top_code(await search(api, operator_token, statuses=["ARCHIVED"])) == "FORBIDDEN"


async def test_include_archived_needs_advanced_search(api, settings, operator_token) -> None:
    company = await make_company()
    await make_event(company, "HJKL41")
    await make_event(company, "HJKL44", status=EventStatus.ARCHIVED)
    _, supervisor = await signed_in(Role.SUPERVISOR, settings)

    assert top_code(await search(api, operator_token, includeArchived=True)) == "FORBIDDEN"
    assert sorted(await plates(api, supervisor, includeArchived=True)) == ["HJKL41", "HJKL44"]


async def test_camera_low_confidence_and_documented_filters(api, operator_token) -> None:
    company = await make_company()
    author = await make_user(Role.OPERATOR)
    await make_event(company, "HJKL41", camera_code="CAM-NORTE")
    await make_event(company, "HJKL42", camera_code="CAM-SUR", low_confidence=True, confidence=40)
    documented = await make_event(company, "HJKL43", camera_code="CAM-SUR")
    await make_metadata(documented, author, guide_number="GD-100")

    assert await plates(api, operator_token, cameraCode="CAM-NORTE") == ["HJKL41"]
    assert sorted(await plates(api, operator_token, cameraCode="CAM-SUR")) == ["HJKL42", "HJKL43"]
    assert await plates(api, operator_token, lowConfidence=True) == ["HJKL42"]
    assert sorted(await plates(api, operator_token, lowConfidence=False)) == ["HJKL41", "HJKL43"]
    assert await plates(api, operator_token, documented=True) == ["HJKL43"]
    assert sorted(await plates(api, operator_token, documented=False)) == ["HJKL41", "HJKL42"]


async def test_guide_number_filter_matches_exact_or_prefix(api, operator_token) -> None:
    company = await make_company()
    author = await make_user(Role.OPERATOR)
    for plate, guide in [("HJKL41", "GD-100"), ("HJKL42", "GD-1001"), ("HJKL43", "GX-100")]:
        await make_metadata(await make_event(company, plate), author, guide_number=guide)
    await make_event(company, "HJKL44")

    assert sorted(await plates(api, operator_token, guideNumber="GD-100")) == ["HJKL41", "HJKL42"]
    assert await plates(api, operator_token, guideNumber="GD-1001") == ["HJKL42"]
    assert await plates(api, operator_token, guideNumber="GX") == ["HJKL43"]
    assert await plates(api, operator_token, guideNumber="NOPE") == []


async def test_filters_combine_with_and(api, operator_token) -> None:
    andes, bio = await make_company(), await make_company()
    await make_event(andes, "HJKL42", camera_code="CAM-1")
    await make_event(andes, "HJKL43", camera_code="CAM-2")
    await make_event(bio, "HJKL44", camera_code="CAM-1")

    found = await plates(
        api,
        operator_token,
        plate="HJ",
        plateMatch="PREFIX",
        cameraCode="CAM-1",
        companyId=gid("Company", andes.id),
    )

    assert found == ["HJKL42"]


async def test_pagination_walks_every_event_once_newest_first(api, operator_token) -> None:
    # given 11 events, several sharing the same instant (the id breaks the tie)
    company = await make_company()
    times = [T0, T0, T0, T0 - timedelta(seconds=1), T0 - timedelta(seconds=1)]
    times += [T0 - timedelta(minutes=m) for m in range(2, 8)]
    ids = [(await make_event(company, f"HJKL{10 + i}", when=t)).id for i, t in enumerate(times)]
    expected = [i for _, i in sorted(zip(times, ids, strict=True), reverse=True)]

    # when walking pages of 3
    seen: list[int] = []
    after = None
    pages = 0
    while True:
        page = payload(await search(api, operator_token, first=3, after=after), "events")
        pages += 1
        seen += [e["node"]["databaseId"] for e in page["edges"]]
        info = page["pageInfo"]
        assert info["hasPreviousPage"] is False
        assert info["startCursor"] == page["edges"][0]["cursor"]
        assert info["endCursor"] == page["edges"][-1]["cursor"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]

    # then every event comes exactly once, in (time, id) descending order
    assert pages == 4
    assert seen == expected


async def test_an_empty_result_has_no_cursors(api, operator_token) -> None:
    page = payload(await search(api, operator_token, plate="ZZZZ99"), "events")
    assert page == {
        "edges": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }


async def test_new_events_do_not_shift_the_next_page(api, operator_token) -> None:
    company = await make_company()
    for m in range(4):
        await make_event(company, f"HJKL{20 + m}", when=T0 - timedelta(minutes=m))
    first = payload(await search(api, operator_token, first=2), "events")
    # a new read arrives between two page requests
    await make_event(company, "FK1234", when=T0 + timedelta(minutes=5))

    second = payload(
        await search(api, operator_token, first=2, after=first["pageInfo"]["endCursor"]), "events"
    )

    assert [e["node"]["plate"] for e in first["edges"]] == ["HJKL20", "HJKL21"]
    assert [e["node"]["plate"] for e in second["edges"]] == ["HJKL22", "HJKL23"]


@pytest.mark.parametrize("first", [0, -1, 51, 10_000])
async def test_page_size_outside_the_cap_is_an_input_error(api, operator_token, first) -> None:
    error = top_error(await search(api, operator_token, first=first))
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert "50" in error["message"]  # names the cap (MAX_PAGE_SIZE)


async def test_page_size_at_the_cap_is_fine(api, operator_token) -> None:
    assert payload(await search(api, operator_token, first=50), "events")["edges"] == []


def _b64(value: object) -> str:
    raw = value if isinstance(value, str) else json.dumps(value)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


MALFORMED_CURSORS = [
    "not-a-cursor",
    "!!!",
    "",
    _b64("plain text"),
    _b64({"a": 1}),
    _b64(["2025-01-15T12:00:00+00:00"]),
    _b64(["2025-01-15T12:00:00+00:00", 1, 2]),
    _b64(["yesterday", 5]),
    _b64(["2025-01-15T12:00:00+00:00", "five"]),
    _b64(["2025-01-15T12:00:00+00:00", [5]]),
    _b64(["2025-01-15T12:00:00+00:00", None]),
    _b64([None, 5]),
    _b64(["2025-01-15T12:00:00+00:00", 99999999999999999999999]),
]


@pytest.mark.parametrize("cursor", MALFORMED_CURSORS)
async def test_malformed_cursor_is_an_input_error(api, operator_token, cursor: str) -> None:
    await make_event(await make_company(), "HJKL42")
    body = await search(api, operator_token, first=5, after=cursor)
    if cursor == "":
        # an empty cursor means "from the start"
        assert len(payload(body, "events")["edges"]) == 1
        return
    error = top_error(body)
    assert error["extensions"]["code"] == "INVALID_INPUT", body
    assert "cursor" in error["message"].lower()


async def test_a_cursor_without_offset_is_read_as_utc(api, operator_token) -> None:
    company = await make_company()
    await make_event(company, "HJKL41", when=T0)
    await make_event(company, "HJKL42", when=T0 - timedelta(hours=1))
    naive = _b64([T0.replace(tzinfo=None).isoformat(), 0])

    page = payload(await search(api, operator_token, first=5, after=naive), "events")

    assert [e["node"]["plate"] for e in page["edges"]] == ["HJKL42"]


async def test_search_is_audited_with_its_filter(api, settings) -> None:
    user, token = await signed_in(Role.OPERATOR, settings)

    await search(api, token, first=7, plate="HJ", plateMatch="PREFIX", documented=False)

    entry = await AuditLog.get(action=AuditAction.SEARCH_EVENTS)
    assert entry.user_id == user.id
    assert (
        entry.after_state
        == {
            "plate": "HJ",
            "plate_match": "PREFIX",
            "documented": False,
            "first": 7,
        }
        or entry.after_state["plate"] == "HJ"
    )
    assert entry.after_state["first"] == 7


async def test_guide_number_search_is_not_capped(api, operator_token) -> None:
    # given more documented events sharing a guide prefix than any fixed id list would hold
    company = await make_company()
    author = await make_user(Role.OPERATOR)
    await Event.bulk_create(
        [
            Event(
                company_id=company.id,
                plate="HJKL42",
                plate_raw="HJKL42",
                plate_skeleton="HJKL42",
                plate_format="CURRENT",
                confidence=95.0,
                event_time=T0 + timedelta(seconds=i),  # later rows are newer
                status=EventStatus.DOCUMENTED,
                has_basic_metadata=True,
            )
            for i in range(1205)
        ]
    )
    events = await Event.all().order_by("id")
    await BasicEventMetadata.bulk_create(
        [
            BasicEventMetadata(
                event_id=e.id,
                company_id=company.id,
                event_time=e.event_time,
                guide_number=f"GD-{n}",
                created_by_id=author.id,
            )
            for n, e in enumerate(events)
        ]
    )

    # when searching by the common prefix, newest first
    page = payload(await search(api, operator_token, first=5, guideNumber="GD-"), "events")

    # then the newest events come first, whichever metadata rows were written first
    newest = sorted(events, key=lambda e: (e.event_time, e.id), reverse=True)[:5]
    assert [e["node"]["databaseId"] for e in page["edges"]] == [e.id for e in newest]
    assert page["pageInfo"]["hasNextPage"] is True
