"""Device management over GraphQL against the simulated cameras (real ISAPI digest), and the
watchlist alert subscription."""

from __future__ import annotations

import asyncio

import httpx
from pydantic import SecretStr

from domcctv.domain.access import Role
from domcctv.models import Camera

from factories import make_company, make_user, make_vehicle
from gql_ws import expect_ack, next_payload, open_session, subscribe
from graphql_client import token_for

ADD = """
mutation($input: AddCameraInput!) { addCamera(input: $input) { __typename
  ... on CameraTokenSuccess { pushToken camera { id code health } }
  ... on Error { code message } } }"""
SNAP = """
mutation($id: ID!) { takeSnapshot(cameraId: $id) { __typename
  ... on SnapshotSuccess { url camera { health lastSeenAt } } ... on Error { code message } } }"""
PTZ = """
mutation($id: ID!, $pan: Int!, $preset: Int) { ptzControl(cameraId: $id, pan: $pan,
  preset: $preset) { __typename ... on Error { code message }
  ... on ValidationError { fields { field code } } } }"""


async def _post(server, query, variables, token):  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(base_url=server.http) as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    return response.json()


async def test_admin_registers_camera_then_snapshot_and_ptz(server, site, settings) -> None:
    admin = await make_user(Role.ADMINISTRATOR)
    token = await token_for(admin, settings)
    sim = site.cameras[1]
    added = await _post(
        server,
        ADD,
        {
            "input": {
                "code": "MANUAL-1",
                "name": "Romana",
                "isapiUrl": sim.base_url,
                "username": sim.username,
                "password": sim.password,
                "supportsPtz": True,
            }
        },
        token,
    )
    result = added["data"]["addCamera"]
    assert result["__typename"] == "CameraTokenSuccess", result
    stored = await Camera.get(code="MANUAL-1")
    assert sim.password not in (stored.password_encrypted or "")  # encrypted at rest
    camera_id = result["camera"]["id"]

    snap = (await _post(server, SNAP, {"id": camera_id}, token))["data"]["takeSnapshot"]
    assert snap["__typename"] == "SnapshotSuccess", snap
    assert snap["camera"]["health"] == "ONLINE"
    async with httpx.AsyncClient(base_url=server.http) as client:
        picture = await client.get(snap["url"])
    assert picture.content[:2] == b"\xff\xd8"

    moved = await _post(server, PTZ, {"id": camera_id, "pan": 40, "preset": None}, token)
    assert moved["data"]["ptzControl"]["__typename"] == "CameraSuccess"
    bad = await _post(server, PTZ, {"id": camera_id, "pan": 400, "preset": None}, token)
    assert bad["data"]["ptzControl"]["__typename"] == "ValidationError"

    # Wrong credentials: a typed integration error, and the camera's health shows it.
    await _post(
        server,
        ADD,
        {
            "input": {
                "code": "MANUAL-2",
                "name": "Mal",
                "isapiUrl": sim.base_url,
                "username": sim.username,
                "password": "wrong-password",
            }
        },
        token,
    )
    broken = await Camera.get(code="MANUAL-2")
    from schema.relay import to_global_id

    failed = await _post(server, SNAP, {"id": to_global_id("Camera", broken.id)}, token)
    assert failed["data"]["takeSnapshot"]["__typename"] == "IntegrationError"
    assert (await Camera.get(code="MANUAL-2")).last_error is not None


async def test_client_user_cannot_manage_or_see_devices(server, site, settings) -> None:
    company = await make_company()
    client = await make_user(Role.CLIENT_USER, company=company)
    token = await token_for(client, settings)
    added = await _post(
        server,
        ADD,
        {
            "input": {
                "code": "X",
                "name": "X",
                "isapiUrl": "http://127.0.0.1:1",
                "username": "a",
                "password": "b",
            }
        },
        token,
    )
    assert added["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    listed = await _post(server, "{ cameras { code } }", {}, token)
    assert listed["data"] is None or listed["data"]["cameras"] is None
    assert await Camera.filter(code="X").count() == 0


async def test_watchlisted_plate_raises_alert_for_its_company_only(server, site, settings) -> None:
    andes, other = await make_company(name="Andes"), await make_company(name="Otra")
    await make_vehicle(andes, "HJKL42")
    client = await make_user(Role.CLIENT_USER, company=andes)
    outsider = await make_user(Role.CLIENT_USER, company=other)
    token = await token_for(client, settings)
    added = await _post(
        server,
        'mutation { addWatchlistEntry(plate: "hj-kl-42", reason: "robo") { __typename } }',
        {},
        token,
    )
    assert added["data"]["addWatchlistEntry"]["__typename"] == "WatchlistSuccess"
    query = "subscription { watchlistAlerts { watchedPlate reason event { plate plateRaw } } }"
    ws = await open_session(server.ws, token)
    ws_out = await open_session(server.ws, await token_for(outsider, settings))
    try:
        await expect_ack(ws)
        await expect_ack(ws_out)
        await subscribe(ws, "w", query)
        await subscribe(ws_out, "w", query)
        await asyncio.sleep(0.2)
        await site.cameras[0].emit_read(plate="HJKL42")
        alert = (await asyncio.wait_for(next_payload(ws), timeout=5))["data"]["watchlistAlerts"]
        assert alert["watchedPlate"] == "HJKL42"
        assert alert["reason"] == "robo"
        try:
            await asyncio.wait_for(next_payload(ws_out), timeout=0.5)
            raise AssertionError("another company's user received the alert")
        except TimeoutError:
            pass
    finally:
        await ws.close()
        await ws_out.close()


async def test_global_watchlist_matches_ocr_misreads_for_staff(server, site, settings) -> None:
    operator = await make_user(Role.OPERATOR)
    token = await token_for(operator, settings)
    added = await _post(
        server,
        'mutation { addWatchlistEntry(plate: "FK1234", reason: "deuda") { __typename } }',
        {},
        token,
    )
    assert added["data"]["addWatchlistEntry"]["__typename"] == "WatchlistSuccess"
    ws = await open_session(server.ws, token)
    try:
        await expect_ack(ws)
        await subscribe(
            ws,
            "w",
            "subscription { watchlistAlerts { watchedPlate globalEntry "
            "event { plate plateRaw } } }",
        )
        await asyncio.sleep(0.2)
        await site.cameras[0].emit_read(plate="FK1Z34")  # Z read for 2: same OCR skeleton
        alert = (await asyncio.wait_for(next_payload(ws), timeout=5))["data"]["watchlistAlerts"]
    finally:
        await ws.close()
    assert alert == {
        "watchedPlate": "FK1234",
        "globalEntry": True,
        "event": {"plate": "FK1Z34", "plateRaw": "FK1Z34"},
    }


async def test_sync_cameras_from_simulated_hikcentral(settings, db) -> None:
    """The app's HikCentral client (lifespan) lists the simulator's cameras over signed
    OpenAPI calls and upserts them."""
    from integrations.hikvision.simulator import SimulatedSite, SiteConfig

    from live_server import start_server, stop_server

    async with SimulatedSite(SiteConfig(cameras=3, seed=1)) as sim:
        running = await start_server(
            settings.model_copy(
                update={
                    "hikcentral_url": sim.gateway_url,
                    "hikcentral_app_key": sim.app_key,
                    "hikcentral_app_secret": SecretStr(sim.app_secret),
                    "backfill_interval_seconds": 3600.0,
                }
            )
        )
        try:
            admin = await make_user(Role.ADMINISTRATOR)
            token = await token_for(admin, settings)
            query = (
                "mutation { syncCamerasFromHikCentral { __typename ... on "
                "SyncCamerasSuccess { created updated cameras { code source } } } }"
            )
            first = await _post(running, query, {}, token)
            assert first.get("data"), first
            first = first["data"]
            again = (await _post(running, query, {}, token))["data"]
        finally:
            await stop_server(running)
    result = first["syncCamerasFromHikCentral"]
    assert result["__typename"] == "SyncCamerasSuccess", result
    assert result["created"] == 3
    assert {c["source"] for c in result["cameras"]} == {"HIKCENTRAL"}
    assert again["syncCamerasFromHikCentral"]["updated"] == 3
    assert await Camera.filter(source="HIKCENTRAL").count() == 3


async def test_duplicate_dom_wide_watch_is_refused(api, settings) -> None:
    operator = await make_user(Role.OPERATOR)
    token = await token_for(operator, settings)
    query = 'mutation { addWatchlistEntry(plate: "FK1234") { __typename ... on Error { code } } }'
    headers = {"Authorization": f"Bearer {token}"}
    first = (await api.post("/graphql", json={"query": query}, headers=headers)).json()
    second = (await api.post("/graphql", json={"query": query}, headers=headers)).json()
    assert first["data"]["addWatchlistEntry"]["__typename"] == "WatchlistSuccess"
    assert second["data"]["addWatchlistEntry"] == {
        "__typename": "ConflictError",
        "code": "DUPLICATE",
    }
