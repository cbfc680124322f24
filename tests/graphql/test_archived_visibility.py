"""One rule for archived events on every path: search, event(id), node(id) (can_see_archived).

The review found `events(filter: {statuses: [ARCHIVED]})` listing archived events without
ADVANCED_SEARCH (only includeArchived was checked), while event(id) hid them from the same
user. Archived evidence is now visible only with ADVANCED_SEARCH, whichever path asks.
"""

from __future__ import annotations

import pytest
from gqlkit import gid, signed_in, top_code

from domcctv.domain.access import Permission, Role
from domcctv.domain.lifecycle import EventStatus
from domcctv.models import Event, UserPermission

from factories import make_company, make_event
from graphql_client import gql

SEARCH = "query($f: EventFilterInput) { events(filter: $f) { edges { node { plate } } } }"
EVENT = "query($id: ID!) { event(id: $id) { plate } }"
NODE = "query($id: ID!) { node(id: $id) { ... on Event { plate } } }"


async def paths(api, token: str, archived: Event) -> dict[str, object]:
    """What each path answers about the archived event (plates, null, or an error code)."""

    async def listed(flt: dict[str, object]) -> object:
        body = await gql(api, SEARCH, {"f": flt}, token)
        if "errors" in body:
            return top_code(body)
        return sorted(e["node"]["plate"] for e in body["data"]["events"]["edges"])

    async def single(document: str, field: str) -> object:
        body = await gql(api, document, {"id": gid("Event", archived.id)}, token)
        assert "errors" not in body, body
        value = body["data"][field]
        return value["plate"] if value else None

    return {
        "statuses": await listed({"statuses": ["ARCHIVED"]}),
        "statuses+other": await listed({"statuses": ["DETECTED", "ARCHIVED"]}),
        "includeArchived": await listed({"includeArchived": True}),
        "event": await single(EVENT, "event"),
        "node": await single(NODE, "node"),
    }


@pytest.mark.parametrize(
    "extra",
    [None, Permission.DELETE_EVENTS],
    ids=["operator", "operator+DELETE_EVENTS"],
)
async def test_without_advanced_search_no_path_shows_archived_events(
    api, settings, extra: Permission | None
) -> None:
    company = await make_company()
    archived = await make_event(company, "HJKL44", status=EventStatus.ARCHIVED)
    await make_event(company, "HJKL41")
    operator, token = await signed_in(Role.OPERATOR, settings)
    if extra is not None:
        await UserPermission.create(user_id=operator.id, permission=extra)

    assert await paths(api, token, archived) == {
        "statuses": "FORBIDDEN",
        "statuses+other": "FORBIDDEN",
        "includeArchived": "FORBIDDEN",
        "event": None,
        "node": None,
    }


async def test_with_advanced_search_every_path_shows_them(api, settings) -> None:
    company = await make_company()
    archived = await make_event(company, "HJKL44", status=EventStatus.ARCHIVED)
    await make_event(company, "HJKL41")
    operator, token = await signed_in(Role.OPERATOR, settings)
    await UserPermission.create(user_id=operator.id, permission=Permission.ADVANCED_SEARCH)

    assert await paths(api, token, archived) == {
        "statuses": ["HJKL44"],
        "statuses+other": ["HJKL41", "HJKL44"],
        "includeArchived": ["HJKL41", "HJKL44"],
        "event": "HJKL44",
        "node": "HJKL44",
    }


async def test_a_supervisor_sees_them_by_role(api, settings) -> None:
    archived = await make_event(await make_company(), "HJKL44", status=EventStatus.ARCHIVED)
    _, token = await signed_in(Role.SUPERVISOR, settings)
    found = await paths(api, token, archived)
    assert found["statuses"] == ["HJKL44"]
    assert found["event"] == found["node"] == "HJKL44"
