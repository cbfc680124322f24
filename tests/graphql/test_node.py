"""node(id:) resolves every type implementing Node, through that type's scoped lookup.

The review found node() answering null even for administrators for Vehicle, Camera, Site and
AuditEntry (only Event, Company and User were wired). Foreign-company paths are in the tenancy
leak suite (tests/tenancy/test_leaks.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from gqlkit import gid, payload, signed_in

from domcctv.domain.access import Permission, Role
from domcctv.models import (
    AuditAction,
    AuditLog,
    Camera,
    Company,
    IngestDeadLetter,
    ResourceType,
    Site,
    User,
    UserPermission,
    WatchlistEntry,
)
from resolvers.node import RESOLVERS

from factories import make_company, make_event, make_user, make_vehicle
from graphql_client import gql

NODE = """
query($id: ID!) {
  node(id: $id) {
    __typename id
    ... on Event { plate } ... on Company { name } ... on User { email }
    ... on Vehicle { plate } ... on Site { name } ... on Camera { code }
    ... on WatchlistEntry { plate } ... on AuditEntry { action resourceId }
    ... on DeadLetter { naturalKey }
  }
}"""
POSSIBLE = '{ __type(name: "Node") { possibleTypes { name } } }'


@dataclass
class Rows:
    company: Company
    client: User
    ids: dict[str, int]


@pytest.fixture
async def rows() -> Rows:
    company = await make_company(name="Áridos Norte")
    client = await make_user(Role.CLIENT_USER, company, email="cli@norte.cl")
    site = await Site.create(name="Patio Norte")
    camera = await Camera.create(code="CAM-N1", name="PORTON NORTE", site_id=site.id)
    watch = await WatchlistEntry.create(
        company_id=company.id, plate="HJKL42", plate_skeleton="HJKL42", reason="robo"
    )
    entry = await AuditLog.create(
        action=AuditAction.EXPORT_DATA,
        resource_type=ResourceType.EVENT,
        resource_id="77",
        company_id=company.id,
    )
    ids = {
        "Event": (await make_event(company, "HJKL42")).id,
        "Company": company.id,
        "User": client.id,
        "Vehicle": (await make_vehicle(company, "HJKL42")).id,
        "Site": site.id,
        "Camera": camera.id,
        "WatchlistEntry": watch.id,
        "AuditEntry": entry.id,
        "DeadLetter": (
            await IngestDeadLetter.create(natural_key="uuid:CAM-N1:x", payload={"raw": "x"})
        ).id,
    }
    return Rows(company, client, ids)


async def node(api, token: str, type_name: str, pk: int) -> dict | None:
    body = await gql(api, NODE, {"id": gid(type_name, pk)}, token)
    assert "errors" not in body, body
    value: dict | None = body["data"]["node"]
    return value


async def test_every_node_type_of_the_schema_has_a_lookup(api, settings) -> None:
    _, token = await signed_in(Role.ADMINISTRATOR, settings)
    body = payload(await gql(api, POSSIBLE, token=token), "__type")
    assert {t["name"] for t in body["possibleTypes"]} == set(RESOLVERS)


async def test_an_administrator_reaches_every_node_type(api, settings, rows: Rows) -> None:
    _, token = await signed_in(Role.ADMINISTRATOR, settings)

    found = {name: await node(api, token, name, pk) for name, pk in rows.ids.items()}

    assert {name: (v or {}).get("__typename") for name, v in found.items()} == {
        name: name for name in rows.ids
    }
    for name, value in found.items():
        assert value is not None
        assert value["id"] == gid(name, rows.ids[name])
    assert found["Vehicle"]["plate"] == "HJKL42"
    assert found["Camera"]["code"] == "CAM-N1"
    assert found["Site"]["name"] == "Patio Norte"
    assert found["AuditEntry"] == {
        "__typename": "AuditEntry",
        "id": gid("AuditEntry", rows.ids["AuditEntry"]),
        "action": "EXPORT_DATA",
        "resourceId": "77",
    }


async def test_a_client_user_reaches_its_own_rows_and_no_device(api, settings, rows: Rows) -> None:
    token = (await signed_in(Role.CLIENT_USER, settings, rows.company))[1]

    visible = {
        name: (await node(api, token, name, pk)) is not None for name, pk in rows.ids.items()
    }

    assert visible == {
        "Event": True,
        "Company": True,
        "User": False,  # another user of its company: needs MANAGE_USERS, like user(id:)
        "Vehicle": True,
        "Site": False,  # DOM's yards and cameras are staff-only
        "Camera": False,
        "WatchlistEntry": True,
        "AuditEntry": False,  # needs VIEW_AUDIT_LOGS
        "DeadLetter": False,  # SYSTEM_CONFIG, staff
    }


async def test_audit_entries_need_view_audit_logs(api, settings, rows: Rows) -> None:
    operator, token = await signed_in(Role.OPERATOR, settings)
    pk = rows.ids["AuditEntry"]
    assert await node(api, token, "AuditEntry", pk) is None

    await UserPermission.create(user_id=operator.id, permission=Permission.VIEW_AUDIT_LOGS)

    assert (await node(api, token, "AuditEntry", pk) or {}).get("resourceId") == "77"


@pytest.mark.parametrize(
    "global_id",
    [
        gid("Vehicle", 0),
        gid("Vehicle", 2**63),
        gid("Camera", "abc"),
        gid("Nope", 1),
        gid("AuditEntry", 2**40),
        "not-base64!",
    ],
)
async def test_malformed_or_unknown_ids_are_null(api, settings, global_id: str) -> None:
    _, token = await signed_in(Role.ADMINISTRATOR, settings)
    body = await gql(api, NODE, {"id": global_id}, token)
    assert body == {"data": {"node": None}}
