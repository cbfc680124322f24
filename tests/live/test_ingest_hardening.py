"""Ingest that never stalls and never loses a read, against the real server on uvicorn and the
simulated site over real sockets (raw multipart pushes built from the simulator's own
payloads, so the bytes are what a camera sends).

- Poison pushes (year 9999, year 1, unreadable or missing time, a clock years or hours off)
  are acknowledged and stored at their arrival time, flagged for a time review; what can never
  be stored (inf/nan/out-of-range confidence, oversized or non-printable plate text) is a 400
  that writes nothing; and the read after each of them is stored.
- A poison read already queued (acknowledged before the fix) is dead-lettered while the reads
  behind it are stored; /health says so (200, degraded) until an administrator resolves it.
- Another camera reusing an event UUID is its own read, and never changes stored evidence.
- The read's camera name and time zone are the registered camera's.
- A rotated push token stops working at once, in every process.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from domcctv.config import Settings
from domcctv.devsite import register_cameras
from domcctv.domain.access import Role
from domcctv.infra.bus import create_redis
from domcctv.infra.media import MediaStore
from domcctv.infra.secrets_box import SecretBox
from domcctv.models import (
    Camera,
    DeadLetterStatus,
    Event,
    IngestDeadLetter,
    IngestInbox,
    PlateReadRecord,
)
from integrations.hikvision.simulator import SimulatedSite, SiteConfig
from integrations.hikvision.simulator.camera import payloads
from integrations.hikvision.simulator.camera.device import SimulatedCamera
from schema.relay import to_global_id

from factories import make_user
from graphql_client import token_for
from live_server import (
    RunningServer,
    server_process,
    start_server,
    stop_server,
    wait_for,
)

MULTIPART = {"Content-Type": "multipart/form-data; boundary=boundary"}


async def raw_push(
    camera: SimulatedCamera,
    *,
    plate: str,
    when: str | None = "keep",
    confidence: str | None = None,
    uuid: str | None = None,
    token: str | None = None,
    render: str | None = None,
    server: RunningServer,
) -> tuple[httpx.Response, Any, list[tuple[str, bytes]]]:
    """One HTTP-listening push of a fresh read, with its dateTime / confidenceLevel / UUID
    text replaced as given (``when=None`` drops the dateTime element)."""
    # The camera renders its pictures from the plate (a sane stand-in for hostile text).
    shown = render or (plate if plate.isalnum() and len(plate) <= 8 else "ZZZZ99")
    read = await camera.emit_read(plate=shown, push=False)
    xml = payloads.anpr_alert(camera.identity, read).decode()
    xml = re.sub(r"<licensePlate>.*?</licensePlate>", f"<licensePlate>{plate}</licensePlate>", xml)
    if when is None:
        xml = re.sub(r"<dateTime>.*?</dateTime>", "", xml)
    elif when != "keep":
        xml = re.sub(r"<dateTime>.*?</dateTime>", f"<dateTime>{when}</dateTime>", xml)
    if confidence is not None:
        xml = re.sub(
            r"<confidenceLevel>.*?</confidenceLevel>",
            f"<confidenceLevel>{confidence}</confidenceLevel>",
            xml,
        )
    if uuid is not None:
        xml = re.sub(r"<UUID>.*?</UUID>", f"<UUID>{uuid}</UUID>", xml)
    pictures = payloads.pictures_of(read)
    body = payloads.push_body(xml.encode(), pictures)
    async with httpx.AsyncClient(base_url=server.http) as client:
        response = await client.post(
            f"/ingest/isapi/{token or camera.push_token}", content=body, headers=MULTIPART
        )
    return response, read, pictures


async def graphql(server: RunningServer, query: str, variables: dict[str, Any], token: str) -> Any:
    async with httpx.AsyncClient(base_url=server.http) as client:
        response = await client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    return response.json()


def _key(camera: SimulatedCamera, read: Any) -> str:
    return f"uuid:{camera.index_code}:{read.uuid}"


# ---------------------------------------------------------------- poison pushes


@pytest.mark.parametrize(
    ("when", "issue", "reported"),
    [
        ("9999-12-31T23:59:59+00:00", "CLOCK_SKEW", None),  # the push that stalled ingest
        ("0001-01-01T00:00:00+00:00", "CLOCK_SKEW", None),
        ("0001-01-01T00:00:00+05:00", "CLOCK_SKEW", None),
        ("2034-03-01T08:00:00Z", "CLOCK_SKEW", datetime(2034, 3, 1, 8, 0, tzinfo=UTC)),
        ("not a time", "UNREADABLE", None),
        (None, "UNREADABLE", None),  # no dateTime element at all
    ],
)
async def test_a_bad_clock_is_stored_at_arrival_flagged_and_never_stalls_ingest(
    server, site, when, issue, reported
) -> None:
    camera = site.cameras[0]
    before = datetime.now(UTC)

    poison, _, _ = await raw_push(camera, plate="BCDF21", when=when, server=server)
    after, good, _ = await raw_push(camera, plate="FK1234", server=server)

    assert poison.status_code == 200, poison.text
    assert after.status_code == 200
    stored = await wait_for(lambda: PlateReadRecord.filter(natural_key=_key(camera, good)).first())
    assert stored is not None
    flagged = await Event.get(plate="BCDF21")
    assert flagged.time_issue == issue
    assert before - timedelta(seconds=1) <= flagged.event_time <= datetime.now(UTC)
    assert flagged.reported_time == reported
    if when:
        assert flagged.primary_camera["reportedTimeText"] == when
    normal = await Event.get(plate="FK1234")
    assert normal.time_issue is None
    assert await IngestDeadLetter.all().count() == 0


async def test_a_camera_hours_off_is_flagged_and_keeps_its_claim(server, site, settings) -> None:
    camera = site.cameras[0]
    wrong_zone = (datetime.now(UTC) + timedelta(hours=3, minutes=30)).replace(microsecond=0)

    response, _, _ = await raw_push(
        camera, plate="KBWZ93", when=wrong_zone.isoformat(), server=server
    )

    assert response.status_code == 200
    event = await wait_for(lambda: Event.filter(plate="KBWZ93").first())
    assert event.time_issue == "CLOCK_SKEW"
    assert event.reported_time == wrong_zone
    assert abs(event.event_time - datetime.now(UTC)) < timedelta(minutes=1)

    token = await token_for(await make_user(Role.OPERATOR), settings)
    found = await graphql(
        server,
        "query { events(filter: {timeIssue: true}) { edges { node { plate timeIssue "
        "reportedTime } } } }",
        {},
        token,
    )
    nodes = [e["node"] for e in found["data"]["events"]["edges"]]
    assert nodes == [
        {"plate": "KBWZ93", "timeIssue": "CLOCK_SKEW", "reportedTime": wrong_zone.isoformat()}
    ]


@pytest.mark.parametrize(
    ("plate", "confidence", "field"),
    [
        ("HJKL42", "inf", "confidence"),
        ("HJKL42", "-inf", "confidence"),
        ("HJKL42", "nan", "confidence"),
        ("HJKL42", "101", "confidence"),
        ("HJKL42", "-3", "confidence"),
        ("X" * 40, None, "plateText"),
        ("HJ\u202eKL42", None, "plateText"),
    ],
)
async def test_what_can_never_be_stored_is_a_400_that_writes_nothing(
    server, site, settings, plate, confidence, field
) -> None:
    camera = site.cameras[1]

    refused, read, pictures = await raw_push(
        camera, plate=plate, confidence=confidence, server=server
    )
    after, good, _ = await raw_push(camera, plate="FK1234", server=server)

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "INVALID_READ"
    assert refused.json()["error"]["field"] == field
    assert after.status_code == 200
    await wait_for(lambda: PlateReadRecord.filter(natural_key=_key(camera, good)).exists())
    assert not await PlateReadRecord.filter(natural_key=_key(camera, read)).exists()
    assert not await IngestInbox.filter(natural_key=_key(camera, read)).exists()
    assert await Event.all().count() == 1
    assert await IngestDeadLetter.all().count() == 0
    store = MediaStore(settings.media_dir)
    for _, data in pictures:  # not even its pictures were written
        assert not (settings.media_dir / store.relative_path(data)).exists()


# ---------------------------------------------------------------- queued poison, dead letters


async def test_a_queued_poison_read_is_dead_lettered_and_health_shows_it(
    settings, db, tmp_path
) -> None:
    # given a year-9999 read that the old receiver acknowledged and queued, before start-up
    poison = {
        "v": 1,
        "source": "push",
        "naturalKey": "uuid:CAM-OLD:poison",
        "cameraCode": "CAM-OLD",
        "cameraName": "Camera 01",
        "plateText": "BCDF21",
        "confidence": 97.0,
        "occurredAt": "9999-12-31T23:59:59+00:00",
        "pictures": [],
    }
    redis = create_redis(settings.redis_url) if settings.redis_url else None
    if redis is not None:
        await redis.xadd(f"{settings.redis_namespace}:ingest:reads", {"read": json.dumps(poison)})
    else:
        await IngestInbox.create(natural_key="uuid:CAM-OLD:poison", payload=poison)
    running = await start_server(settings)
    try:
        config = SiteConfig(cameras=1, seed=3, push_url=f"{running.http}/ingest/isapi/{{token}}")
        async with SimulatedSite(config) as sim:
            await register_cameras(sim, SecretBox(settings.jwt_secret.get_secret_value()))
            read = await sim.cameras[0].emit_read(plate="HJKL42")
            assert read.push_status == 200
            # when the consumer runs: the read behind the poison one is stored
            await wait_for(
                lambda: PlateReadRecord.filter(natural_key=_key(sim.cameras[0], read)).exists()
            )
        letter = await wait_for(
            lambda: IngestDeadLetter.filter(natural_key__endswith="poison").first()
        )
        async with httpx.AsyncClient(base_url=running.http) as client:
            degraded = await client.get("/health")
        admin = await token_for(await make_user(Role.ADMINISTRATOR), settings)
        discarded = await graphql(
            running,
            "mutation($id: ID!) { discardDeadLetter(id: $id) { __typename } }",
            {"id": str(to_global_id("DeadLetter", letter.id))},
            admin,
        )
        async with httpx.AsyncClient(base_url=running.http) as client:
            healthy = await client.get("/health")
    finally:
        await stop_server(running)
        if redis is not None:
            await redis.delete(f"{settings.redis_namespace}:ingest:reads")
            await redis.aclose()

    assert letter.payload["occurredAt"] == "9999-12-31T23:59:59+00:00"
    assert degraded.status_code == 200
    assert degraded.json()["status"] == "degraded"
    assert degraded.json()["checks"]["ingest"]["warnings"] == ["DEAD_LETTERS"]
    assert discarded["data"]["discardDeadLetter"]["__typename"] == "DeadLetterSuccess"
    assert (await IngestDeadLetter.get(id=letter.id)).status is DeadLetterStatus.DISCARDED
    assert healthy.json()["status"] == "ok"


# ---------------------------------------------------------------- evidence and identity


async def test_another_camera_reusing_a_uuid_never_changes_stored_evidence(
    server, site, settings
) -> None:
    cam_a, cam_b = site.cameras
    first, _, pictures_a = await raw_push(
        cam_a, plate="HJKL42", uuid="11111111-2222-4333-8444-555555555555", server=server
    )
    event = await wait_for(lambda: Event.filter(plate="HJKL42").first())
    stored_paths = [p["path"] for p in event.primary_camera["pictures"]]

    # camera B pushes the same event UUID with its own pictures; camera A replays it with others
    other, _, pictures_b = await raw_push(
        cam_b, plate="FK1234", uuid="11111111-2222-4333-8444-555555555555", server=server
    )
    replay, _, pictures_replay = await raw_push(
        cam_a,
        plate="HJKL42",
        uuid="11111111-2222-4333-8444-555555555555",
        render="HJKL43",  # other picture bytes
        server=server,
    )

    assert first.status_code == other.status_code == replay.status_code == 200
    key_b = f"uuid:{cam_b.index_code}:11111111-2222-4333-8444-555555555555"
    assert other.json()["key"] == key_b
    await wait_for(lambda: PlateReadRecord.filter(natural_key=key_b).exists())  # not dropped
    await asyncio.sleep(0.3)
    assert await PlateReadRecord.filter(event_id=event.id).count() == 1  # the replay: a dup
    again = await Event.get(id=event.id)
    assert [p["path"] for p in again.primary_camera["pictures"]] == stored_paths
    stored_bytes = sorted((settings.media_dir / p).read_bytes() for p in stored_paths)
    assert stored_bytes == sorted(data for _, data in pictures_a)
    assert pictures_b[0][1] != pictures_a[0][1]
    assert pictures_replay[1][1] != pictures_a[1][1]


UPDATE = """
mutation($id: ID!, $input: UpdateCameraInput!) { updateCamera(cameraId: $id, input: $input) {
  __typename } }"""


async def _update_camera(
    server: RunningServer, settings: Settings, code: str, changes: dict
) -> None:
    camera = await Camera.get(code=code)
    admin = await token_for(await make_user(Role.ADMINISTRATOR), settings)
    body = await graphql(
        server, UPDATE, {"id": str(to_global_id("Camera", camera.id)), "input": changes}, admin
    )
    assert body["data"]["updateCamera"]["__typename"] == "CameraSuccess", body


async def test_the_read_names_the_registered_camera_not_the_payload(server, site, settings) -> None:
    camera = site.cameras[0]
    await raw_push(camera, plate="GHTR57", server=server)  # cached by the receiver
    await _update_camera(server, settings, camera.index_code, {"name": "ROMANA SUR"})

    response, _, _ = await raw_push(camera, plate="PRST18", server=server)

    assert response.status_code == 200
    event = await wait_for(lambda: Event.filter(plate="PRST18").first())
    assert event.primary_camera["name"] == "ROMANA SUR"
    assert (
        f"<channelName>{camera.name}</channelName>"
        in payloads.anpr_alert(camera.identity, (await camera.emit_read(push=False))).decode()
    )  # what the payload said instead
    assert camera.name != "ROMANA SUR"


async def test_offsetless_device_times_are_read_in_the_cameras_zone(server, site, settings) -> None:
    camera = site.cameras[1]
    tokyo_now = datetime.now(ZoneInfo("Asia/Tokyo")).replace(tzinfo=None, microsecond=0)
    # the site's zone (America/Santiago) would put this 12-13 hours off: CLOCK_SKEW
    await raw_push(camera, plate="DKRT21", when=tokyo_now.isoformat(), server=server)
    await _update_camera(server, settings, camera.index_code, {"timezone": "Asia/Tokyo"})

    response, _, _ = await raw_push(
        camera, plate="HJKL42", when=tokyo_now.isoformat(), server=server
    )
    await _update_camera(server, settings, camera.index_code, {"zIsLocalTime": True})
    z_local = await raw_push(
        camera, plate="FK1234", when=tokyo_now.isoformat() + "Z", server=server
    )

    assert response.status_code == z_local[0].status_code == 200
    before = await wait_for(lambda: Event.filter(plate="DKRT21").first())
    assert before.time_issue == "CLOCK_SKEW"
    for plate in ("HJKL42", "FK1234"):
        event = await wait_for(lambda plate=plate: Event.filter(plate=plate).first())
        assert event.time_issue is None
        assert event.event_time == tokyo_now.replace(tzinfo=ZoneInfo("Asia/Tokyo"))


# ---------------------------------------------------------------- push token rotation

ROTATE = """
mutation($id: ID!) { rotateCameraPushToken(cameraId: $id) { __typename
  ... on CameraTokenSuccess { pushToken } } }"""


async def _rotate(server: RunningServer, settings: Settings, code: str) -> str:
    camera = await Camera.get(code=code)
    admin = await token_for(await make_user(Role.ADMINISTRATOR), settings)
    body = await graphql(server, ROTATE, {"id": str(to_global_id("Camera", camera.id))}, admin)
    token: str = body["data"]["rotateCameraPushToken"]["pushToken"]
    return token


async def _status(url: str, token: str) -> int:
    async with httpx.AsyncClient(base_url=url) as client:
        response = await client.post(
            f"/ingest/isapi/{token}", content=b"<x/>", headers={"Content-Type": "application/xml"}
        )
    return response.status_code


async def test_a_rotated_token_stops_working_at_once(server, site, settings) -> None:
    camera = site.cameras[0]
    old = camera.push_token
    assert await _status(server.http, old) == 400  # known device (a bad body, but known)

    new = await _rotate(server, settings, camera.index_code)

    assert await _status(server.http, old) == 401  # not ~30 s later: now
    assert await _status(server.http, new) == 400


async def test_a_rotated_token_stops_working_at_once_in_another_process(
    server, site, settings, tmp_path: Path
) -> None:
    if not settings.redis_url:
        pytest.skip("several processes share changes through Redis (TEST_REDIS_URL)")
    if not settings.is_mysql:
        pytest.skip("two server processes need a shared database server (TEST_DB_URL)")
    camera = site.cameras[0]
    async with server_process(settings, tmp_path) as other:
        assert await _status(other, camera.push_token) == 400  # B caches the device now

        await _rotate(server, settings, camera.index_code)  # on process A

        async def refused() -> bool:
            return await _status(other, camera.push_token) == 401

        # "at once": the announcement, not B's 30-second cache, ends the old token
        await wait_for(refused, limit=3.0)


# ---------------------------------------------------------------- alert stream


async def test_the_alert_stream_applies_the_same_policy(settings, db) -> None:
    running = await start_server(
        settings.model_copy(
            update={"alert_stream_enabled": True, "alert_stream_rescan_seconds": 0.1}
        )
    )
    try:
        config = SiteConfig(cameras=1, seed=9, heartbeat_interval=0.3, push_url=None)
        async with SimulatedSite(config) as sim:
            await register_cameras(sim, SecretBox(settings.jwt_secret.get_secret_value()))
            camera = sim.cameras[0]
            await wait_for(lambda: _streams(camera))
            poison = await camera.emit_read(
                plate="BCDF21", at=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
            )
            good = await camera.emit_read(plate="HJKL42")
            record = await wait_for(
                lambda: PlateReadRecord.filter(natural_key=_key(camera, good)).first()
            )
            flagged = await wait_for(
                lambda: PlateReadRecord.filter(natural_key=_key(camera, poison)).first()
            )
    finally:
        await stop_server(running)
    assert record.source == flagged.source == "alertStream"
    event = await Event.get(id=flagged.event_id)
    assert event.time_issue == "CLOCK_SKEW"
    assert event.primary_camera["name"] == (await Camera.get(code=camera.index_code)).name


async def _streams(camera: SimulatedCamera) -> bool:
    return camera.stream_count > 0


async def test_a_non_jpeg_picture_part_is_dropped_logged_and_the_read_kept(
    server, site, settings, caplog
) -> None:
    camera = site.cameras[0]
    read = await camera.emit_read(plate="HJKL42", push=False)
    html = b"<html><body>503 Service Unavailable</body></html>"
    body = payloads.push_body(
        payloads.anpr_alert(camera.identity, read),
        [("detectionPicture.jpg", read.detection_picture), ("licensePlatePicture.jpg", html)],
    )
    caplog.set_level("WARNING", logger="domcctv.adapters.anpr")

    async with httpx.AsyncClient(base_url=server.http) as client:
        response = await client.post(
            f"/ingest/isapi/{camera.push_token}", content=body, headers=MULTIPART
        )

    assert response.status_code == 200
    event = await wait_for(lambda: Event.filter(plate="HJKL42").first())
    kinds = [p["kind"] for p in event.primary_camera["pictures"]]
    assert kinds == ["detectionPicture"]
    assert not (settings.media_dir / MediaStore.relative_path(html)).exists()
    dropped = [r.getMessage() for r in caplog.records if "not JPEG" in r.getMessage()]
    assert dropped
    assert camera.index_code in dropped[0]
    assert camera.push_token not in caplog.text  # tokens are never logged
