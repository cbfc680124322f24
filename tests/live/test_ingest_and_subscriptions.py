"""Camera pushes from the simulated site reach the database exactly once and reach live
subscribers (graphql-transport-ws), filtered by tenancy. Latency is measured by
bench/fanout.py against a baseline, not asserted here."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from domcctv.domain.access import Role
from domcctv.models import Camera, Event, PlateReadRecord
from integrations.hikvision.simulator.camera import payloads

from factories import make_company, make_user, make_vehicle
from gql_ws import expect_ack, next_payload, open_session, subscribe
from graphql_client import token_for
from live_server import wait_for

STREAM = """
subscription($filter: EventStreamFilter) {
  eventStream(filter: $filter) { kind at event { id plate plateRaw cameraCode
    company { name } primaryCamera { cameraName source pictures { kind url } } } }
}"""


async def _event_count() -> int:
    return await Event.all().count()


async def test_push_is_stored_once_and_reaches_the_subscriber(server, site, settings) -> None:
    company = await make_company(name="Andes")
    await make_vehicle(company, "HJKL42")
    operator = await make_user(Role.OPERATOR)
    ws = await open_session(server.ws, await token_for(operator, settings))
    try:
        await expect_ack(ws)
        await subscribe(ws, "1", STREAM)
        await asyncio.sleep(0.2)  # let the subscription register on the bus
        read = await site.cameras[0].emit_read(plate="HJKL42", confidence=97.0)
        payload = await asyncio.wait_for(next_payload(ws), timeout=5)
    finally:
        await ws.close()
    assert read.push_status == 200
    change = payload["data"]["eventStream"]
    assert change["kind"] == "CREATED"
    assert change["event"]["plate"] == "HJKL42"
    assert change["event"]["company"]["name"] == "Andes"
    assert change["event"]["primaryCamera"]["source"] == "push"
    assert {p["kind"] for p in change["event"]["primaryCamera"]["pictures"]} >= {
        "licensePlatePicture"
    }
    assert (
        await PlateReadRecord.filter(
            natural_key=f"uuid:{read.camera_index_code}:{read.uuid}"
        ).count()
        == 1
    )
    picture_url = change["event"]["primaryCamera"]["pictures"][0]["url"]
    async with httpx.AsyncClient(base_url=server.http) as client:
        ok = await client.get(picture_url)
        tampered = await client.get(picture_url.replace("sig=", "sig=0"))
    assert ok.status_code == 200
    assert ok.content[:2] == b"\xff\xd8"
    assert ok.headers["content-type"] == "image/jpeg"
    assert ok.headers["x-content-type-options"] == "nosniff"
    assert tampered.status_code == 403


async def test_client_user_receives_only_its_company_events(server, site, settings) -> None:
    andes, pacifico = await make_company(name="Andes"), await make_company(name="Pacifico")
    await make_vehicle(andes, "HJKL42")
    await make_vehicle(pacifico, "KBWZ93")
    client = await make_user(Role.CLIENT_USER, company=pacifico)
    ws = await open_session(server.ws, await token_for(client, settings))
    try:
        await expect_ack(ws)
        # Even asking for the other company's id must not leak it.
        await subscribe(ws, "1", STREAM)
        await subscribe(ws, "2", STREAM, {"filter": {"plates": ["HJKL42"]}})
        await asyncio.sleep(0.2)
        await site.cameras[0].emit_read(plate="HJKL42")
        await site.cameras[1].emit_read(plate="XY1234")  # unassigned: staff only
        await site.cameras[1].emit_read(plate="KBWZ93")
        payload = await asyncio.wait_for(next_payload(ws), timeout=5)
        assert payload["data"]["eventStream"]["event"]["plate"] == "KBWZ93"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(next_payload(ws), timeout=0.7)
    finally:
        await ws.close()


async def test_unauthenticated_websocket_is_rejected(server) -> None:
    ws = await open_session(server.ws, None)
    with pytest.raises(ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_duplicate_push_is_deduplicated(server, site) -> None:
    camera = site.cameras[0]
    read = await camera.emit_read(plate="FK1234", push=False)
    body = payloads.push_body(
        payloads.anpr_alert(camera.identity, read), payloads.pictures_of(read)
    )
    url = f"{server.http}/ingest/isapi/{camera.push_token}"
    headers = {"Content-Type": "multipart/form-data; boundary=boundary"}
    async with httpx.AsyncClient() as client:
        first = await client.post(url, content=body, headers=headers)
        second = await client.post(url, content=body, headers=headers)
    assert first.status_code == second.status_code == 200
    await wait_for(
        lambda: PlateReadRecord.filter(
            natural_key=f"uuid:{read.camera_index_code}:{read.uuid}"
        ).exists()
    )
    await asyncio.sleep(0.3)
    assert (
        await PlateReadRecord.filter(
            natural_key=f"uuid:{read.camera_index_code}:{read.uuid}"
        ).count()
        == 1
    )
    assert await Event.filter(plate="FK1234").count() == 1


async def test_two_cameras_same_pass_merge_into_one_event(server, site) -> None:
    first = await site.cameras[0].emit_read(plate="GHTR57")
    await site.cameras[1].emit_read(plate="GHTR57", at=first.occurred_at)
    event = await wait_for(
        lambda: Event.filter(plate="GHTR57", secondary_camera__isnull=False).first()
    )
    assert await Event.filter(plate="GHTR57").count() == 1
    assert event.primary_camera["code"] != event.secondary_camera["code"]
    assert await PlateReadRecord.filter(event_id=event.id).count() == 2


async def test_low_confidence_read_is_kept_and_flagged(server, site, settings) -> None:
    await site.cameras[0].emit_read(plate="BCDF21", confidence=40.0)
    event = await wait_for(lambda: Event.filter(plate="BCDF21").first())
    assert event.low_confidence is True
    assert event.confidence == pytest.approx(40.0)


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (
            b'--boundary\r\nContent-Disposition: form-data; name="anpr.xml"\r\n'
            b"Content-Type: text/xml\r\n\r\n<EventNotificationAlert><broken>\r\n--boundary--\r\n",
            "multipart/form-data; boundary=boundary",
            400,
        ),
        (
            b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;'>]><x>&b;</x>",
            "application/xml",
            400,
        ),
        (
            b"--boundary\r\nContent-Type: text/xml\r\n\r\n<x/>",
            "multipart/form-data; boundary=boundary",
            400,
        ),
    ],
    ids=["malformed-xml", "entity-expansion", "truncated-multipart"],
)
async def test_hostile_pushes_get_clear_errors_and_write_nothing(
    server, site, body, content_type, status
) -> None:
    token = site.cameras[0].push_token
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{server.http}/ingest/isapi/{token}",
            content=body,
            headers={"Content-Type": content_type},
        )
    assert response.status_code == status
    assert response.json()["error"]["code"] == "MALFORMED_PUSH"
    assert await _event_count() == 0
    assert await PlateReadRecord.all().count() == 0


async def test_wrong_token_and_oversize_push_are_refused(server, site) -> None:
    async with httpx.AsyncClient() as client:
        wrong = await client.post(f"{server.http}/ingest/isapi/not-a-device", content=b"x")
        huge = await client.post(
            f"{server.http}/ingest/isapi/{site.cameras[0].push_token}",
            content=b"0" * (9 * 1024 * 1024),
            headers={"Content-Type": "application/xml"},
        )
    assert wrong.status_code == 401
    assert huge.status_code == 413
    assert await _event_count() == 0
    assert await Camera.filter(last_seen_at__isnull=False).count() == 0
