"""Camera time settings over GraphQL: each camera's IANA zone (null: its site's) and the
"Z is local time" quirk, set by addCamera and the new updateCamera (SYSTEM_CONFIG, audited,
validated against the zone list: ZoneInfo would accept paths)."""

from __future__ import annotations

from typing import Any

import pytest

from domcctv.domain.access import Role
from domcctv.models import AuditAction, AuditLog, Camera, LiveOutbox, Site
from domcctv.services.cameras import DEVICE_CHANGES_CHANNEL
from schema.relay import to_global_id

from factories import make_company, make_user
from graphql_client import gql, token_for

UPDATE = """
mutation($id: ID!, $input: UpdateCameraInput!) { updateCamera(cameraId: $id, input: $input) {
  __typename ... on CameraSuccess { camera { name timezone zIsLocalTime supportsPtz isActive } }
  ... on Error { code } ... on ValidationError { fields { field code } } } }"""
ADD = """
mutation($input: AddCameraInput!) { addCamera(input: $input) { __typename
  ... on CameraTokenSuccess { camera { code timezone zIsLocalTime } }
  ... on ValidationError { fields { field code } } } }"""


async def _admin(settings: Any) -> str:
    return await token_for(await make_user(Role.ADMINISTRATOR), settings)


async def _camera() -> Camera:
    site = await Site.create(name="Patio Norte", timezone="America/Santiago")
    return await Camera.create(code="CAM-TZ", name="Camera 01", site_id=site.id)


async def test_admin_sets_and_clears_a_cameras_time_settings(api, settings) -> None:
    token = await _admin(settings)
    camera = await _camera()
    cid = str(to_global_id("Camera", camera.id))

    changed = await gql(
        api,
        UPDATE,
        {
            "id": cid,
            "input": {"name": "PORTON NORTE", "timezone": "Asia/Tokyo", "zIsLocalTime": True},
        },
        token,
    )
    result = changed["data"]["updateCamera"]
    assert result == {
        "__typename": "CameraSuccess",
        "camera": {
            "name": "PORTON NORTE",
            "timezone": "Asia/Tokyo",
            "zIsLocalTime": True,
            "supportsPtz": False,
            "isActive": True,
        },
    }
    stored = await Camera.get(id=camera.id)
    assert (stored.name, stored.timezone, stored.z_is_local_time) == (
        "PORTON NORTE",
        "Asia/Tokyo",
        True,
    )
    entry = await AuditLog.get(action=AuditAction.CONFIGURE_DEVICE, resource_id=str(camera.id))
    assert entry.before_state == {
        "camera": "CAM-TZ",
        "name": "Camera 01",
        "timezone": None,
        "z_is_local_time": False,
    }
    assert entry.after_state["timezone"] == "Asia/Tokyo"

    cleared = await gql(api, UPDATE, {"id": cid, "input": {"timezone": None}}, token)
    assert cleared["data"]["updateCamera"]["camera"]["timezone"] is None
    assert (await Camera.get(id=camera.id)).name == "PORTON NORTE"  # omitted: unchanged
    # The change is announced to every process (relayed from the outbox after the request).
    assert not await LiveOutbox.filter(
        channel=DEVICE_CHANGES_CHANNEL, published_at__isnull=True
    ).exists()


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"timezone": "America"}, "timezone", "INVALID_FORMAT"),  # a directory of the zone db
        ({"timezone": "../../../etc/passwd"}, "timezone", "INVALID_FORMAT"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "INVALID_FORMAT"),
        ({"timezone": "x" * 300}, "timezone", "INVALID_FORMAT"),
        ({"timezone": ""}, "timezone", "INVALID_FORMAT"),
        ({"name": ""}, "name", "REQUIRED"),
        ({"name": None}, "name", "REQUIRED"),
        ({"isActive": None}, "isActive", "REQUIRED"),
        ({"name": "n" * 101}, "name", "TOO_LONG"),
        ({"siteId": str(to_global_id("Site", 999_999))}, "siteId", "UNKNOWN_REFERENCE"),
    ],
)
async def test_bad_changes_are_typed_errors_and_change_nothing(
    api, settings, changes, field, code
) -> None:
    token = await _admin(settings)
    camera = await _camera()

    body = await gql(
        api, UPDATE, {"id": str(to_global_id("Camera", camera.id)), "input": changes}, token
    )

    result = body["data"]["updateCamera"]
    assert result["__typename"] == "ValidationError", result
    assert {f["field"]: f["code"] for f in result["fields"]} == {field: code}
    stored = await Camera.get(id=camera.id)
    assert (stored.name, stored.timezone, stored.is_active) == ("Camera 01", None, True)
    assert not await AuditLog.exists()


@pytest.mark.parametrize("role", [Role.CLIENT_USER, Role.OPERATOR, Role.SUPERVISOR])
async def test_only_system_config_changes_a_camera(api, settings, role) -> None:
    company = await make_company() if role is Role.CLIENT_USER else None
    token = await token_for(await make_user(role, company), settings)
    camera = await _camera()

    body = await gql(
        api,
        UPDATE,
        {"id": str(to_global_id("Camera", camera.id)), "input": {"timezone": "UTC"}},
        token,
    )

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await Camera.get(id=camera.id)).timezone is None


async def test_add_camera_takes_the_time_settings(api, settings) -> None:
    token = await _admin(settings)
    base = {
        "code": "CAM-NEW",
        "name": "Romana",
        "isapiUrl": "http://10.0.0.9",
        "username": "admin",
        "password": "secret-pass",
    }

    bad = await gql(api, ADD, {"input": {**base, "timezone": "America"}}, token)
    good = await gql(
        api, ADD, {"input": {**base, "timezone": "America/Lima", "zIsLocalTime": True}}, token
    )

    assert bad["data"]["addCamera"]["fields"] == [{"field": "timezone", "code": "INVALID_FORMAT"}]
    assert good["data"]["addCamera"]["camera"] == {
        "code": "CAM-NEW",
        "timezone": "America/Lima",
        "zIsLocalTime": True,
    }
