"""Video exports end to end: evidence bundles (contents, manifest hashes re-checked from the
ZIP, overlay copies), segments cut from the simulated site's recorder over real ISAPI, who may
ask, see, follow and download them, progress on the bus, typed failures that never loop, and
the audit trail.

Jobs run synchronously through ``ExportRunner.run`` (what the worker loop calls); GraphQL runs
on a schema made of the export operations alone (the same classes the app mounts), and
downloads go through the real streaming route with the export catalog.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import av
import httpx
import pytest
import strawberry
from clip_media import small_site
from PIL import Image, ImageChops
from starlette.applications import Starlette

from domcctv.config import Settings
from domcctv.devsite import register_cameras
from domcctv.domain.access import Actor, Permission, Role
from domcctv.domain.errors import InvalidInput, NotFound, PermissionDenied
from domcctv.domain.recordings import RecordingFailure
from domcctv.http.export_catalog import CatalogByKind, ExportCatalog
from domcctv.http.video import video_routes
from domcctv.infra.bus import InProcessBus
from domcctv.infra.media import MediaStore
from domcctv.infra.secrets_box import SecretBox
from domcctv.infra.storage.local import LocalBlobStore
from domcctv.infra.stream_tokens import StreamTokens
from domcctv.infra.video.overlay import box_position, caption_box
from domcctv.infra.video.runner import VideoWorkers
from domcctv.infra.video.thumbnail import thumbnail_jpeg
from domcctv.models import (
    AuditAction,
    AuditLog,
    Camera,
    ClipStatus,
    Event,
    ExportStatus,
    ResourceType,
    User,
    UserPermission,
    VideoClip,
    VideoExport,
)
from domcctv.services.auth import RequestInfo, build_actor
from domcctv.services.clock import utcnow
from domcctv.services.security import AccessTokens
from domcctv.services.video_exports import (
    ExportFailure,
    ExportPolicy,
    ExportRunner,
    claim_due,
    exports_channel,
    may_see,
    my_exports,
    request_evidence,
    request_segment,
    visible_export,
)
from domcctv.services.video_links import VideoLinks
from integrations.hikvision.simulator import SimulatedSite
from resolvers.errors import DomcctvSchema, ErrorPolicy
from resolvers.video_exports import (
    VideoExportMutation,
    VideoExportQuery,
    VideoExportSubscription,
)
from schema.context import AppServices, Context, Loaders
from schema.relay import to_global_id

from factories import make_company, make_event, make_metadata, make_user
from graphql_client import gql, token_for

INFO = RequestInfo("203.0.113.7", "pytest")


@strawberry.type
class Query(VideoExportQuery):
    pass


@strawberry.type
class Mutation(VideoExportMutation):
    pass


@strawberry.type
class Subscription(VideoExportSubscription):
    pass


SCHEMA = DomcctvSchema(
    query=Query, mutation=Mutation, subscription=Subscription, extensions=[ErrorPolicy]
)


class NoRecorder:
    """Evidence bundles never ask a recorder."""

    async def fetch(self, *args: object) -> Any:
        raise AssertionError("an evidence bundle asked the recorder")

    async def search(self, *args: object) -> Any:
        raise AssertionError("an evidence bundle searched the recorder")


@pytest.fixture(autouse=True)
def _database(db: str) -> str:
    return db


@pytest.fixture
def store(settings: Settings) -> LocalBlobStore:
    return LocalBlobStore(settings.video_dir)


@pytest.fixture
def media(settings: Settings) -> MediaStore:
    return MediaStore(settings.media_dir)


@pytest.fixture
def bus() -> InProcessBus:
    return InProcessBus()


def runner_for(
    settings: Settings,
    store: LocalBlobStore,
    media: MediaStore,
    bus: InProcessBus,
    source: Any = None,
    **policy: Any,
) -> ExportRunner:
    box = SecretBox(settings.jwt_secret.get_secret_value())
    return ExportRunner(
        source or NoRecorder(),
        store,
        VideoWorkers(2),
        media,
        box.decrypt,
        ExportPolicy(**policy),
        bus=bus,
        work_dir=settings.video_dir,
    )


@pytest.fixture
def runner(settings, store, media, bus) -> ExportRunner:
    return runner_for(settings, store, media, bus)


async def actor_of(user: User) -> Actor:
    return await build_actor(await User.get(id=user.id), None, INFO)


async def grant(user: User) -> None:
    await UserPermission.create(user_id=user.id, permission=Permission.EXPORT_VIDEO_SEGMENTS)


def jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 32), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
async def world(make_ready_clip, media) -> dict[str, Any]:
    a = await make_company(name="Áridos Atacama")
    b = await make_company(name="Bío Transportes")
    picture = await media.save_picture(jpeg((250, 250, 0)))
    event = await make_event(
        a,
        "HJKL42",
        primary_camera={
            "code": "CAM-1",
            "name": "PORTON",
            "plateReading": "HJKL42",
            "confidence": 95.0,
            "source": "push",
            "pictures": [{"kind": "licensePlatePicture", "path": picture}],
        },
    )
    clip = await make_ready_clip(event)
    supervisor = await make_user(Role.SUPERVISOR)
    users = {
        "supervisor": supervisor,
        "supervisor2": await make_user(Role.SUPERVISOR),
        "operator": await make_user(Role.OPERATOR),
        "client_a": await make_user(Role.CLIENT_USER, a),
        "client_a2": await make_user(Role.CLIENT_USER, a),
        "client_a_plain": await make_user(Role.CLIENT_USER, a),
        "client_b": await make_user(Role.CLIENT_USER, b),
    }
    for name in ("client_a", "client_a2", "client_b"):
        await grant(users[name])
    await make_metadata(event, supervisor, guide_number="GD-77", observations="sin novedad")
    return {"a": a, "b": b, "event": event, "clip": clip, "picture": picture, **users}


def zip_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        return {name: archive.read(name) for name in archive.namelist()}


async def bundle_of(store: LocalBlobStore, export_id: int) -> tuple[VideoExport, dict[str, bytes]]:
    row = await VideoExport.get(id=export_id)
    assert row.status is ExportStatus.READY, (row.failure_code, row.failure_reason)
    assert row.storage_key is not None
    path = store.path_of(row.storage_key)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
    assert path.stat().st_size == row.size_bytes
    return row, zip_members(path)


# --------------------------------------------------------------------------- evidence bundle


async def test_evidence_bundle_holds_every_piece_with_a_verifiable_manifest(
    world, runner, store, media, sample_clip
) -> None:
    actor = await actor_of(world["supervisor"])
    export = await request_evidence(actor, world["event"].id, overlay=False)
    assert export.company_id == world["a"].id

    assert await runner.run(export.id) is ExportStatus.READY
    row, members = await bundle_of(store, export.id)
    assert row.progress == 1.0
    assert row.file_name == f"evidence_HJKL42_{world['event'].id}_" + (
        f"{world['event'].event_time:%Y%m%dT%H%M%SZ}.zip"
    )
    manifest = json.loads(members.pop("manifest.json"))
    assert manifest["format"] == "domcctv-evidence-bundle/1"
    assert manifest["event"]["plate"] == "HJKL42"
    assert manifest["event"]["company"] == {"id": world["a"].id, "name": "Áridos Atacama"}
    assert manifest["clipsNotIncluded"] == []
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) == set(members)  # every member is in the manifest, nothing else
    for name, data in members.items():  # a recipient's re-check
        assert listed[name]["size"] == len(data), name
        assert listed[name]["sha256"] == hashlib.sha256(data).hexdigest(), name
    kinds = sorted(f["kind"] for f in manifest["files"])
    assert kinds == ["audit", "clip", "documentation", "picture", "still"]
    clip_name = next(n for n in members if n.startswith("clips/"))
    assert members[clip_name] == sample_clip.read_bytes()  # the original, byte for byte
    assert listed[clip_name]["sha256"] == world["clip"].sha256
    assert listed[clip_name]["camera"] == "CAM-1"
    picture = next(n for n in members if n.startswith("pictures/"))
    assert picture == "pictures/primary_CAM-1_01_licensePlatePicture.jpg"
    assert members[picture] == (media.resolve(world["picture"]) or Path()).read_bytes()
    still = next(n for n in members if n.startswith("stills/"))
    assert members[still][:3] == b"\xff\xd8\xff"
    documentation = json.loads(members["documentation.json"])
    assert documentation["metadata"]["guideNumber"] == "GD-77"
    assert documentation["metadata"]["createdBy"]["id"] == world["supervisor"].id
    trail = json.loads(members["audit_trail.json"])
    exported = [t for t in trail if t["action"] == "EXPORT_VIDEO"]
    assert exported[0]["after"]["exportId"] == export.id
    assert exported[0]["user"]["id"] == world["supervisor"].id
    assert "ipAddress" not in exported[0]  # who and when, not our users' addresses


async def test_audit_rows_of_another_company_lose_their_identity(world, runner, store) -> None:
    event = world["event"]
    await AuditLog.create(
        user_id=world["client_b"].id,
        action=AuditAction.VIEW_EVENT,
        resource_type=ResourceType.EVENT,
        resource_id=str(event.id),
        company_id=world["b"].id,  # the event belonged to B when this was written
    )
    export = await request_evidence(await actor_of(world["supervisor"]), event.id, False)
    await runner.run(export.id)
    _, members = await bundle_of(store, export.id)
    trail = json.loads(members["audit_trail.json"])
    foreign = [t for t in trail if t["otherCompany"]]
    assert len(foreign) == 1
    assert foreign[0]["user"] is None
    assert foreign[0]["action"] == "VIEW_EVENT"


def still_at(data: bytes, tmp: Path, at: float) -> Image.Image:
    path = tmp / f"{hashlib.sha256(data).hexdigest()[:8]}.mp4"
    path.write_bytes(data)
    return Image.open(io.BytesIO(thumbnail_jpeg(path, at, 640, 95))).convert("RGB")


async def test_overlay_adds_burned_in_copies_that_decode(world, runner, store, tmp_path) -> None:
    export = await request_evidence(await actor_of(world["client_a"]), world["event"].id, True)
    assert await runner.run(export.id) is ExportStatus.READY
    _, members = await bundle_of(store, export.id)
    manifest = json.loads(members["manifest.json"])
    overlay = next(f for f in manifest["files"] if f["kind"] == "clip-overlay")
    original = overlay["overlayOf"]
    assert overlay["path"].startswith("clips/overlay/")
    data = members[overlay["path"]]
    assert hashlib.sha256(data).hexdigest() == overlay["sha256"]
    decoded = tmp_path / "overlay.mp4"
    decoded.write_bytes(data)
    with av.open(str(decoded)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 100

    before = still_at(members[original], tmp_path, 1.0)
    after = still_at(data, tmp_path, 1.0)
    box = caption_box(("2025-01-01 00:00:00 -03", "Plate HJKL42", "Camera CAM-1"), 180)
    left, top = box_position(180)
    area = (left, top, left + box.width // 2, top + box.height)
    changed = ImageChops.difference(before.crop(area), after.crop(area)).convert("L")
    assert sum(changed.histogram()[61:]) > (box.width // 2) * box.height // 10
    below = (0, top + box.height + 8, 320, 180)
    rest = ImageChops.difference(before.crop(below), after.crop(below)).convert("L")
    assert max(v for v, n in enumerate(rest.histogram()) if n) < 60


async def test_an_event_without_clips_still_exports_pictures_and_documentation(
    world, runner, store
) -> None:
    await VideoClip.filter(id=world["clip"].id).update(
        status=ClipStatus.FAILED, failure_code="RECORDER_OFFLINE", failure_reason="no answer"
    )
    export = await request_evidence(await actor_of(world["supervisor"]), world["event"].id, True)
    assert await runner.run(export.id) is ExportStatus.READY
    _, members = await bundle_of(store, export.id)
    assert not any(n.startswith(("clips/", "stills/")) for n in members)
    assert "documentation.json" in members
    assert any(n.startswith("pictures/") for n in members)
    manifest = json.loads(members["manifest.json"])
    assert manifest["clipsNotIncluded"] == [
        {
            "camera": "CAM-1",
            "role": "PRIMARY",
            "status": "FAILED",
            "failureCode": "RECORDER_OFFLINE",
            "failureReason": "no answer",
        }
    ]


async def test_a_missing_blob_fails_with_a_reason_and_never_loops(world, runner, store) -> None:
    await store.delete(world["clip"].storage_key)
    export = await request_evidence(await actor_of(world["supervisor"]), world["event"].id, False)
    assert await runner.run(export.id) is ExportStatus.FAILED
    row = await VideoExport.get(id=export.id)
    assert row.failure_code == ExportFailure.EVIDENCE_MISSING.value
    assert "camera CAM-1" in (row.failure_reason or "")
    assert row.attempts == 1
    assert row.lease_until is None
    assert row.storage_key is None
    assert await claim_due(10, timedelta(minutes=5)) == []  # nothing left to pick up
    assert await runner.run(export.id) is ExportStatus.FAILED  # a stray run changes nothing
    assert (await VideoExport.get(id=export.id)).attempts == 1


async def test_altered_evidence_is_refused(world, runner, store, tmp_path) -> None:
    forged = tmp_path / "forged.mp4"
    forged.write_bytes(b"\x00" * 1000)
    await store.put_file(world["clip"].storage_key, forged, "video/mp4")
    export = await request_evidence(await actor_of(world["supervisor"]), world["event"].id, False)
    assert await runner.run(export.id) is ExportStatus.FAILED
    row = await VideoExport.get(id=export.id)
    assert row.failure_code == ExportFailure.EVIDENCE_ALTERED.value


async def test_a_missing_picture_fails_with_a_reason(world, runner, media) -> None:
    path = media.resolve(world["picture"])
    assert path is not None
    path.unlink()
    export = await request_evidence(await actor_of(world["supervisor"]), world["event"].id, False)
    assert await runner.run(export.id) is ExportStatus.FAILED
    row = await VideoExport.get(id=export.id)
    assert row.failure_code == ExportFailure.EVIDENCE_MISSING.value
    assert "picture 1 of camera CAM-1" in (row.failure_reason or "")


async def test_a_job_that_kills_its_worker_every_time_ends_failed(
    world, settings, store, media
) -> None:
    export = await request_evidence(await actor_of(world["supervisor"]), world["event"].id, False)
    runner = runner_for(settings, store, media, InProcessBus(), max_attempts=3)
    # While its worker is alive (RUNNING, lease valid) nobody else starts it.
    await VideoExport.filter(id=export.id).update(
        status=ExportStatus.RUNNING, attempts=1, lease_until=utcnow() + timedelta(minutes=1)
    )
    assert await claim_due(10, timedelta(minutes=5)) == []
    assert await runner.run(export.id) is ExportStatus.RUNNING
    assert (await VideoExport.get(id=export.id)).attempts == 1
    # It started three times and its worker died each time (RUNNING, lease run out).
    await VideoExport.filter(id=export.id).update(
        status=ExportStatus.RUNNING, attempts=3, lease_until=utcnow() - timedelta(seconds=1)
    )
    assert await claim_due(10, timedelta(minutes=5)) == [export.id]
    assert await runner.run(export.id) is ExportStatus.FAILED
    row = await VideoExport.get(id=export.id)
    assert row.failure_code == ExportFailure.INTERNAL.value
    assert "gave up after 3 attempts" in (row.failure_reason or "")


# --------------------------------------------------------------------------- permissions


async def test_who_may_ask_for_an_evidence_bundle(world) -> None:
    event_id = world["event"].id
    with pytest.raises(PermissionDenied):  # operators lack EXPORT_VIDEO_SEGMENTS
        await request_evidence(await actor_of(world["operator"]), event_id, False)
    with pytest.raises(PermissionDenied):  # a client without the grant
        await request_evidence(await actor_of(world["client_a_plain"]), event_id, False)
    with pytest.raises(NotFound):  # another company's event does not exist for B
        await request_evidence(await actor_of(world["client_b"]), event_id, False)
    assert await VideoExport.all().count() == 0
    assert await AuditLog.filter(action=AuditAction.EXPORT_VIDEO).count() == 0

    export = await request_evidence(await actor_of(world["client_a"]), event_id, False)
    rows = await AuditLog.filter(action=AuditAction.EXPORT_VIDEO).values(
        "user_id", "company_id", "resource_type", "resource_id", "after_state"
    )
    assert len(rows) == 1
    assert rows[0]["user_id"] == world["client_a"].id
    assert rows[0]["company_id"] == world["a"].id
    assert rows[0]["resource_type"] == ResourceType.EVENT
    assert rows[0]["resource_id"] == str(event_id)
    after = rows[0]["after_state"]
    after = json.loads(after) if isinstance(after, str) else after
    assert after == {"exportId": export.id, "kind": "EVIDENCE", "overlay": False}


async def test_who_may_see_an_evidence_bundle(world) -> None:
    export = await request_evidence(await actor_of(world["client_a"]), world["event"].id, False)
    for name in ("client_a", "client_a2"):  # the requester and its company (with the grant)
        assert (await visible_export(await actor_of(world[name]), export.id)).id == export.id
    for name in ("client_a_plain", "client_b", "operator", "supervisor"):
        with pytest.raises(NotFound):
            await visible_export(await actor_of(world[name]), export.id)
    assert [r.id for r in await my_exports(await actor_of(world["client_a"]), 10)] == [export.id]
    assert await my_exports(await actor_of(world["client_a2"]), 10) == []  # not theirs
    with pytest.raises(InvalidInput):
        await my_exports(await actor_of(world["client_a"]), 0)

    mine = await request_evidence(await actor_of(world["supervisor"]), world["event"].id, False)
    assert (await visible_export(await actor_of(world["supervisor"]), mine.id)).id == mine.id
    assert (await visible_export(await actor_of(world["client_a2"]), mine.id)).id == mine.id
    with pytest.raises(NotFound):  # another DOM supervisor: it is company A's copy
        await visible_export(await actor_of(world["supervisor2"]), mine.id)


# --------------------------------------------------------------------------- GraphQL


def context_for(settings: Settings, actor: Actor, bus: InProcessBus) -> Context:
    secret = settings.jwt_secret.get_secret_value()
    services = AppServices(
        settings=settings,
        tokens=AccessTokens(secret, 900),
        mailer=None,  # type: ignore[arg-type]
        bus=bus,
        video_links=VideoLinks(StreamTokens(secret), 900),
    )
    return Context(
        request=None,  # type: ignore[arg-type]
        response=None,
        services=services,
        request_info=INFO,
        actor=actor,
        loaders=Loaders.for_actor(actor),
        authenticated=True,
    )


EVIDENCE = """
mutation($id: ID!, $overlay: Boolean!) {
  exportEventEvidence(eventId: $id, overlay: $overlay) {
    __typename
    ... on VideoExportSuccess { export { id databaseId kind status progress overlay eventId } }
    ... on NotFoundError { message }
  }
}
"""
SEGMENT = """
mutation($camera: ID!, $from: DateTime!, $to: DateTime!) {
  exportVideoSegment(cameraId: $camera, from: $from, to: $to, overlay: true) {
    __typename
    ... on VideoExportSuccess { export { databaseId kind status cameraCode } }
    ... on PermissionDeniedError { message }
    ... on ValidationError { fields { field code } }
  }
}
"""
READ = """
query($id: ID!) {
  videoExport(id: $id) { databaseId status progress sha256 sizeBytes fileName downloadUrl }
  videoExports(first: 5) { databaseId }
}
"""
PROGRESS = """
subscription($id: ID!) { videoExportProgress(id: $id) { databaseId status progress } }
"""


async def run_gql(
    settings: Settings, user: User, bus: InProcessBus, query: str, variables: dict[str, Any]
) -> Any:
    ctx = context_for(settings, await actor_of(user), bus)
    return await SCHEMA.execute(query, variable_values=variables, context_value=ctx)


async def test_graphql_request_read_and_follow_an_export(
    world, settings, runner, bus, store
) -> None:
    event_gid = to_global_id("Event", world["event"].id)
    refused = await run_gql(
        settings, world["operator"], bus, EVIDENCE, {"id": event_gid, "overlay": False}
    )
    assert refused.errors
    assert refused.errors[0].extensions["code"] == "FORBIDDEN"
    foreign = await run_gql(
        settings, world["client_b"], bus, EVIDENCE, {"id": event_gid, "overlay": False}
    )
    assert foreign.data["exportEventEvidence"]["__typename"] == "NotFoundError"

    made = await run_gql(
        settings, world["client_a"], bus, EVIDENCE, {"id": event_gid, "overlay": False}
    )
    assert made.errors is None, made.errors
    export = made.data["exportEventEvidence"]["export"]
    assert (export["kind"], export["status"], export["progress"]) == ("EVIDENCE", "PENDING", 0.0)
    assert export["eventId"] == event_gid
    export_id = export["databaseId"]

    # Follow it: the subscriber sees the current state, then every step, up to READY.
    ctx = context_for(settings, await actor_of(world["client_a"]), bus)
    stream: Any = await SCHEMA.subscribe(
        PROGRESS, variable_values={"id": export["id"]}, context_value=ctx
    )
    first = await anext(stream)
    assert first.data["videoExportProgress"]["status"] == "PENDING"
    pushed: list[dict[str, Any]] = []
    async with bus.subscribe(lambda channel, m: m.get("exportId") == export_id) as spy:
        assert await runner.run(export_id) is ExportStatus.READY
        pushed = spy.pending()
    assert [m["progress"] for m in pushed] == sorted(m["progress"] for m in pushed)
    assert pushed[0]["status"] == "RUNNING"
    assert (pushed[-1]["status"], pushed[-1]["progress"]) == ("READY", 1.0)
    assert len(pushed) >= 4  # started, clip, pictures and documents, zip, ready
    assert {m["companyId"] for m in pushed} == {world["a"].id}
    followed = [r.data["videoExportProgress"] async for r in stream]
    assert followed[-1] == {"databaseId": export_id, "status": "READY", "progress": 1.0}
    await stream.aclose()

    read = await run_gql(settings, world["client_a2"], bus, READ, {"id": export["id"]})
    assert read.errors is None, read.errors
    assert read.data["videoExport"]["status"] == "READY"
    assert read.data["videoExport"]["downloadUrl"].startswith("/video/")
    assert read.data["videoExports"] == []  # a colleague's export, not theirs
    hidden = await run_gql(settings, world["client_b"], bus, READ, {"id": export["id"]})
    assert hidden.data["videoExport"] is None

    # Another company cannot follow it either.
    other = context_for(settings, await actor_of(world["client_b"]), bus)
    denied: Any = await SCHEMA.subscribe(
        PROGRESS, variable_values={"id": export["id"]}, context_value=other
    )
    result = await anext(denied)
    assert result.errors
    assert result.errors[0].extensions["code"] == "NOT_FOUND"
    await denied.aclose()


async def test_subscribers_hear_only_exports_they_may_see(world, settings, bus, runner) -> None:
    export = await request_evidence(await actor_of(world["client_a"]), world["event"].id, False)
    seen: dict[str, list[int]] = {"a2": [], "b": []}
    actor_a2 = await actor_of(world["client_a2"])
    actor_b = await actor_of(world["client_b"])

    def accepts(actor: Actor) -> Any:
        return lambda channel, m: may_see(actor, m.get("companyId"), m.get("requestedBy"))

    async with bus.subscribe(accepts(actor_a2)) as sub_a2, bus.subscribe(accepts(actor_b)) as sub_b:
        await runner.run(export.id)
        seen["a2"] = [m["exportId"] for m in sub_a2.pending()]
        seen["b"] = [m["exportId"] for m in sub_b.pending()]
    assert seen["a2"]
    assert set(seen["a2"]) == {export.id}
    assert seen["b"] == []
    assert exports_channel(world["a"].id) == f"domcctv:{world['a'].id}:video-exports"


# --------------------------------------------------------------------------- downloads


@pytest.fixture
async def route(settings, store) -> AsyncIterator[httpx.AsyncClient]:
    tokens = StreamTokens(settings.jwt_secret.get_secret_value())
    app = Starlette(routes=video_routes(store, tokens, CatalogByKind({"export": ExportCatalog()})))
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def link(settings: Settings, actor: Actor, export_id: int) -> str:
    links = VideoLinks(StreamTokens(settings.jwt_secret.get_secret_value()), 900)
    url = links.export_download(actor, export_id)
    assert url is not None
    return url


async def test_download_by_the_requester_and_its_company_only(
    world, settings, runner, store, route
) -> None:
    requester = await actor_of(world["client_a"])
    export = await request_evidence(requester, world["event"].id, False)
    pending = await route.get(link(settings, requester, export.id))
    assert pending.status_code == 409
    assert pending.json()["error"]["code"] == "EXPORT_NOT_READY"
    await runner.run(export.id)
    row = await VideoExport.get(id=export.id)

    for name in ("client_a", "client_a2"):
        response = await route.get(link(settings, await actor_of(world[name]), export.id))
        assert response.status_code == 200, name
        assert response.headers["content-type"] == "application/zip"
        assert "attachment" in response.headers["content-disposition"]
        assert row.file_name
        assert row.file_name in response.headers["content-disposition"]
        assert hashlib.sha256(response.content).hexdigest() == row.sha256
    # A signed link for the wrong people (as if leaked or minted by a bug) gets nothing.
    tokens = StreamTokens(settings.jwt_secret.get_secret_value())
    for name in ("client_b", "supervisor2"):
        token = tokens.issue(
            user_id=world[name].id, kind="export", subject_id=export.id, purpose="download"
        )
        response = await route.get(f"/video/{token}/download")
        assert response.status_code == 404, name
    play = tokens.issue(
        user_id=world["client_a"].id, kind="export", subject_id=export.id, purpose="play"
    )
    assert (await route.get(f"/video/{play}/clip.mp4")).status_code == 404
    downloads = await AuditLog.filter(action=AuditAction.DOWNLOAD_VIDEO).values(
        "user_id", "company_id", "resource_id"
    )
    assert sorted(d["user_id"] for d in downloads) == sorted(
        [world["client_a"].id, world["client_a2"].id]
    )
    assert {(d["company_id"], d["resource_id"]) for d in downloads} == {
        (world["a"].id, str(export.id))
    }
    await User.filter(id=world["client_a2"].id).update(is_active=False)
    gone = await route.get(link(settings, await actor_of(world["client_a2"]), export.id))
    assert gone.status_code == 403


# --------------------------------------------------------------------------- segments


@pytest.fixture
async def site() -> AsyncIterator[SimulatedSite]:
    async with SimulatedSite(small_site(11)) as running:
        yield running


@pytest.fixture
async def recordings() -> AsyncIterator[Any]:
    from domcctv.adapters.recordings import HikvisionRecordings

    adapter = HikvisionRecordings()
    yield adapter
    await adapter.close()


async def test_segment_export_from_the_simulated_recorder(
    site, settings, store, media, bus, recordings
) -> None:
    await register_cameras(site, SecretBox(settings.jwt_secret.get_secret_value()))
    camera = await Camera.get(code=site.cameras[0].index_code)
    supervisor = await make_user(Role.SUPERVISOR)
    end = utcnow().replace(microsecond=0) - timedelta(seconds=30)
    start = end - timedelta(seconds=8)
    variables = {
        "camera": to_global_id("Camera", camera.id),
        "from": start.isoformat(),
        "to": end.isoformat(),
    }
    client = await make_user(Role.CLIENT_USER, await make_company())
    await grant(client)
    refused = await run_gql(settings, client, bus, SEGMENT, variables)
    assert refused.data["exportVideoSegment"]["__typename"] == "PermissionDeniedError"
    too_long = {**variables, "from": (end - timedelta(hours=1)).isoformat()}
    invalid = await run_gql(settings, supervisor, bus, SEGMENT, too_long)
    assert invalid.data["exportVideoSegment"]["fields"] == [{"field": "to", "code": "OUT_OF_RANGE"}]

    made = await run_gql(settings, supervisor, bus, SEGMENT, variables)
    assert made.errors is None, made.errors
    export_id = made.data["exportVideoSegment"]["export"]["databaseId"]
    runner = runner_for(settings, store, media, bus, recordings)
    assert await runner.run(export_id) is ExportStatus.READY

    row = await VideoExport.get(id=export_id)
    assert row.company_id is None
    assert row.file_name is not None
    assert row.file_name.endswith(f"_{start:%Y%m%dT%H%M%SZ}_{end:%Y%m%dT%H%M%SZ}.mp4")
    assert row.storage_key is not None
    local = store.path_of(row.storage_key)
    assert hashlib.sha256(local.read_bytes()).hexdigest() == row.sha256
    with av.open(str(local)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert 8 * 25 <= frames <= 10 * 25  # the span, from the keyframe at or before `from`
    audit_row = await AuditLog.get(action=AuditAction.EXPORT_VIDEO)
    assert (audit_row.resource_type, audit_row.resource_id) == (ResourceType.VIDEO, str(export_id))
    assert audit_row.company_id is None
    other = await make_user(Role.SUPERVISOR)
    assert (await visible_export(await actor_of(other), export_id)).id == export_id  # DOM's


async def test_segment_of_an_offline_recorder_is_retried_then_failed(
    site, settings, store, media, bus, recordings
) -> None:
    await register_cameras(site, SecretBox(settings.jwt_secret.get_secret_value()))
    camera = await Camera.get(code=site.cameras[0].index_code)
    site.cameras[0].recorder_offline = True
    actor = await actor_of(await make_user(Role.SUPERVISOR))
    end = utcnow() - timedelta(seconds=30)
    export = await request_segment(actor, camera.id, end - timedelta(seconds=4), end, False)
    runner = runner_for(settings, store, media, bus, recordings, max_attempts=2)

    assert await runner.run(export.id) is ExportStatus.PENDING
    row = await VideoExport.get(id=export.id)
    assert row.failure_code == RecordingFailure.RECORDER_OFFLINE.value
    assert row.attempts == 1
    assert row.next_attempt_at > utcnow() + timedelta(seconds=20)
    assert await claim_due(5, timedelta(minutes=5)) == []  # not due yet

    assert await runner.run(export.id) is ExportStatus.FAILED
    row = await VideoExport.get(id=export.id)
    assert row.attempts == 2
    assert "gave up after 2 attempts" in (row.failure_reason or "")


async def test_segment_export_refuses_bad_spans_and_unknown_cameras(world) -> None:
    actor = await actor_of(world["supervisor"])
    now = utcnow()
    with pytest.raises(InvalidInput):
        await request_segment(
            actor, 1, now - timedelta(seconds=5), now + timedelta(minutes=5), False
        )
    with pytest.raises(InvalidInput):
        await request_segment(
            actor, 1, now - timedelta(seconds=5), now - timedelta(seconds=9), False
        )
    with pytest.raises(NotFound):
        await request_segment(actor, 999_999, now - timedelta(seconds=9), now, False)
    with pytest.raises(PermissionDenied):
        await request_segment(await actor_of(world["operator"]), 1, now, now, False)
    assert await Event.filter(id=world["event"].id).exists()


# --------------------------------------------------------------------------- through the app


async def test_an_evidence_bundle_through_the_real_app(api, settings, world, runner, store) -> None:
    """Asked by GraphQL on the composed app, produced by the job, downloaded through the app's
    own signed route (the catalog of export grants must be wired there), audited."""
    token = await token_for(world["client_a"], settings)
    asked = await gql(
        api,
        "mutation($id: ID!) { exportEventEvidence(eventId: $id) { __typename "
        "... on VideoExportSuccess { export { id databaseId status } } } }",
        {"id": str(to_global_id("Event", world["event"].id))},
        token,
    )
    export = asked["data"]["exportEventEvidence"]["export"]
    assert export["status"] == "PENDING"
    assert await runner.run(export["databaseId"]) is ExportStatus.READY
    done = await gql(
        api,
        "query($id: ID!) { videoExport(id: $id) { status sha256 downloadUrl } }",
        {"id": export["id"]},
        token,
    )
    row = done["data"]["videoExport"]
    assert row["status"] == "READY"
    response = await api.get(row["downloadUrl"])
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    assert hashlib.sha256(response.content).hexdigest() == row["sha256"]
    assert await AuditLog.filter(action=AuditAction.DOWNLOAD_VIDEO).count() == 1
    other = await token_for(world["client_b"], settings)
    foreign = await gql(
        api, "query($id: ID!) { videoExport(id: $id) { downloadUrl } }", {"id": export["id"]}, other
    )
    assert foreign["data"]["videoExport"] is None
