"""Which cameras a user may watch live (liveCameras) and how staff list a camera for client
companies (setCameraLiveCompanies)."""

from __future__ import annotations

from typing import Any

from domcctv.domain.access import Role
from domcctv.models import AuditAction, AuditLog, Camera
from schema.relay import to_global_id

from factories import make_company, make_user
from graphql_client import gql, token_for

LIVE_CAMERAS = "{ liveCameras { id code name } }"
SET = """
mutation($c: ID!, $ids: [ID!]!) {
  setCameraLiveCompanies(cameraId: $c, companyIds: $ids) {
    __typename
    ... on ValidationError { fields { field code } }
  }
}
"""


def gid(kind: str, pk: int) -> str:
    return str(to_global_id(kind, pk))


async def codes(api: Any, token: str) -> list[str]:
    body = await gql(api, LIVE_CAMERAS, token=token)
    assert "errors" not in body, body
    return [c["code"] for c in body["data"]["liveCameras"]]


async def test_staff_see_every_active_camera_and_clients_only_theirs(api, settings) -> None:
    andes = await make_company(name="Andes", rut="76086428-5")
    other = await make_company(name="Otra", rut="96790240-3")
    gate = await Camera.create(code="CAM-ANDES", name="PORTON ANDES")
    await Camera.create(code="CAM-YARD", name="PATIO")
    await Camera.create(code="CAM-OFF", name="APAGADA", is_active=False)
    admin = await token_for(await make_user(Role.ADMINISTRATOR), settings)
    operator = await token_for(await make_user(Role.OPERATOR), settings)
    client = await token_for(await make_user(Role.CLIENT_USER, andes), settings)
    stranger = await token_for(await make_user(Role.CLIENT_USER, other), settings)

    assert await codes(api, operator) == ["CAM-YARD", "CAM-ANDES"]  # by name, active only
    assert await codes(api, client) == []

    body = await gql(
        api, SET, {"c": gid("Camera", gate.id), "ids": [gid("Company", andes.id)]}, admin
    )
    assert body["data"]["setCameraLiveCompanies"]["__typename"] == "CameraSuccess"
    assert await codes(api, client) == ["CAM-ANDES"]
    assert await codes(api, stranger) == []
    listed = await gql(api, "{ cameras { code liveCompanies { name } } }", token=admin)
    by_code = {c["code"]: c["liveCompanies"] for c in listed["data"]["cameras"]}
    assert by_code["CAM-ANDES"] == [{"name": "Andes"}]
    assert by_code["CAM-YARD"] == []
    assert await AuditLog.filter(action=AuditAction.CONFIGURE_DEVICE).count() == 1

    refused = await gql(api, SET, {"c": gid("Camera", gate.id), "ids": []}, operator)
    assert refused.get("errors") or refused["data"]["setCameraLiveCompanies"]["__typename"] == (
        "PermissionDeniedError"
    )
    bad = await gql(
        api, SET, {"c": gid("Camera", gate.id), "ids": [gid("Company", 999_999)]}, admin
    )
    assert bad["data"]["setCameraLiveCompanies"]["fields"] == [
        {"field": "companyIds", "code": "UNKNOWN_REFERENCE"}
    ]
    assert await codes(api, client) == ["CAM-ANDES"]  # the bad request changed nothing
