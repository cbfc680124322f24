"""The leak suite: a CLIENT_USER of company B tries every path to company A's data.

Company B's client is made as strong as a client can be (granted MANAGE_USERS,
VIEW_AUDIT_LOGS, ADVANCED_SEARCH, EXPORT_DATA) and even holds staff-only grant rows that
bypassed the API. Every path must find nothing of A's (empty list, null, NotFoundError,
PermissionDeniedError or a FORBIDDEN error), the response must not contain any of A's
identifying values, and nothing may change (mutations write nothing at all; reads only add
B's own audit entries).

Adding a path is one line in ``PATHS``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from domcctv.domain.access import Permission, Role
from domcctv.domain.lifecycle import EventStatus
from domcctv.models import (
    AuditAction,
    AuditLog,
    Camera,
    CameraRole,
    ClipStatus,
    Company,
    Event,
    ExportKind,
    ExportStatus,
    IngestDeadLetter,
    ResourceType,
    Site,
    User,
    UserPermission,
    Vehicle,
    VideoClip,
    VideoExport,
    WatchlistEntry,
)
from schema.relay import to_global_id

from factories import make_company, make_event, make_metadata, make_user, make_vehicle
from graphql_client import gql, token_for
from querycount import diff_tables, snapshot_tables


def gid(type_name: str, pk: int) -> str:
    return str(to_global_id(type_name, pk))


@dataclass
class Tenant:
    company: Company
    client: User
    colleague: User
    vehicle: Vehicle
    event: Event
    archived: Event
    plate: str
    guide: str


@dataclass
class World:
    a: Tenant
    b: Tenant
    unassigned: Event
    staff: User
    token: str  # B's client
    a_secrets: list[str] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)  # other rows reached by global id


async def _tenant(name: str, rut: str, plate: str, guide: str, staff: User, tag: str) -> Tenant:
    company = await make_company(name=name, rut=rut, email=f"contacto@{tag}.cl")
    client = await make_user(
        Role.CLIENT_USER, company, email=f"cliente@{tag}.cl", first_name="Cliente", last_name=name
    )
    colleague = await make_user(
        Role.CLIENT_USER, company, email=f"colega@{tag}.cl", first_name="Colega", last_name=name
    )
    vehicle = await make_vehicle(company, plate)
    event = await make_event(company, plate, camera_code=f"CAM-{tag.upper()}")
    await make_metadata(event, staff, guide_number=guide)
    archived = await make_event(company, plate, status=EventStatus.ARCHIVED)
    for action in (AuditAction.EXPORT_DATA, AuditAction.VIEW_EVENT):
        await AuditLog.create(
            action=action,
            resource_type=ResourceType.EVENT,
            resource_id=str(event.id),
            company_id=company.id,
            user_id=client.id,
            after_state={"tag": tag},
        )
    return Tenant(company, client, colleague, vehicle, event, archived, plate, guide)


@pytest.fixture
async def world(settings) -> World:
    staff = await make_user(Role.OPERATOR, email="operador@dom.cl")
    a = await _tenant("Áridos Atacama", "76086428-5", "HJKL42", "GA-7781", staff, "atacama")
    b = await _tenant("Bío Transportes", "96790240-3", "BBCD12", "GB-1234", staff, "biobio")
    unassigned = await make_event(None, "ZZTT99", camera_code="CAM-ATACAMA")
    # B's client: every grant a client can get, plus staff-only rows that bypassed the API
    for permission in (
        Permission.MANAGE_USERS,
        Permission.VIEW_AUDIT_LOGS,
        Permission.ADVANCED_SEARCH,
        Permission.EXPORT_DATA,
        Permission.EXPORT_VIDEO_SEGMENTS,
        Permission.MANAGE_COMPANIES,
        Permission.SEARCH_ALL_COMPANIES,
        Permission.WRITE_BASIC_METADATA,
        Permission.DELETE_EVENTS,
    ):
        await UserPermission.create(user_id=b.client.id, permission=permission)
    world = World(
        a=a, b=b, unassigned=unassigned, staff=staff, token=await token_for(b.client, settings)
    )
    world.a_secrets = [
        a.company.name,
        a.company.rut,
        "76.086.428-5",
        a.client.email,
        a.colleague.email,
        a.guide,
        a.plate,
        "ZZTT99",
        "CAM-ATACAMA",
        "atacama",
        staff.email,
        gid("Event", a.event.id),
        gid("Company", a.company.id),
        gid("User", a.client.id),
    ]
    # rows of every other Node type: A's watchlist entry and audit entry, DOM's devices
    site = await Site.create(name="Patio Atacama")
    camera = await Camera.create(code="CAM-ATACAMA", name="PORTON ATACAMA", site_id=site.id)
    watch = await WatchlistEntry.create(
        company_id=a.company.id, plate=a.plate, plate_skeleton=a.plate, reason="atacama"
    )
    a_entry = await AuditLog.filter(company_id=a.company.id).first()
    assert a_entry is not None
    letter = await IngestDeadLetter.create(natural_key="uuid:CAM-ATACAMA:1", payload={})
    clip = await VideoClip.create(
        event_id=a.event.id,
        camera_code="CAM-ATACAMA",
        role=CameraRole.PRIMARY,
        anchor_time=a.event.event_time,
        next_attempt_at=a.event.event_time,
        status=ClipStatus.FAILED,
        failure_code="RECORDER_OFFLINE",
        failure_reason="atacama recorder down",
    )
    export = await VideoExport.create(
        kind=ExportKind.EVIDENCE,
        requested_by_id=a.client.id,
        company_id=a.company.id,
        event_id=a.event.id,
        status=ExportStatus.READY,
        next_attempt_at=a.event.event_time,
        storage_key="exports/atacama.zip",
        file_name="atacama-evidence.zip",
    )
    world.ids = {
        "Site": site.id,
        "Camera": camera.id,
        "WatchlistEntry": watch.id,
        "AuditEntry": a_entry.id,
        "DeadLetter": letter.id,
        "VideoClip": clip.id,
        "VideoExport": export.id,
    }
    world.a_secrets += [
        "Patio Atacama",
        "PORTON ATACAMA",
        gid("VideoClip", clip.id),
        "atacama-evidence.zip",
    ]
    return world


# --------------------------------------------------------------------------- expectations

Check = Callable[[dict[str, Any], World], None]


def _field(body: dict[str, Any]) -> Any:
    assert body.get("data") is not None, body
    (value,) = body["data"].values()
    return value


def empty(body: dict[str, Any], w: World) -> None:
    """A connection with no edges."""
    assert "errors" not in body, body
    assert _field(body)["edges"] == [], body


def null(body: dict[str, Any], w: World) -> None:
    assert "errors" not in body, body
    assert _field(body) is None, body


def _assert_no_rows(body: dict[str, Any]) -> None:
    """A plain list that works but is empty (B has none of its own)."""
    assert "errors" not in body, body
    assert _field(body) == [], body


def _no_live_url(body: dict[str, Any]) -> None:
    """No URL: null, or a NOT_FOUND/FORBIDDEN error (the camera is not the client's)."""
    if body.get("errors"):
        assert body["errors"][0]["extensions"]["code"] in {"NOT_FOUND", "FORBIDDEN"}, body
    assert (body.get("data") or {}).get("liveStreamUrl") is None, body


def only_b(body: dict[str, Any], w: World) -> None:
    """A connection that works (not an error) but holds nothing of A's."""
    assert "errors" not in body, body
    assert _field(body)["edges"], f"expected B's own rows, got none: {body}"


def refused(body: dict[str, Any], w: World) -> None:
    """A result-union refusal, or a FORBIDDEN top-level error."""
    if body.get("errors"):
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body
        return
    result = _field(body)
    assert result["__typename"] in {
        "NotFoundError",
        "PermissionDeniedError",
        "ValidationError",
    }, result
    if result["__typename"] == "ValidationError":  # an unknown reference, never "not yours"
        assert {f["code"] for f in result["fields"]} == {"UNKNOWN_REFERENCE"}, result


@dataclass(frozen=True)
class Path:
    name: str
    document: str
    variables: Callable[[World], dict[str, Any]]
    expect: Check

    @property
    def writes(self) -> bool:
        return self.document.lstrip().startswith("mutation")


EVENTS = "query($f: EventFilterInput) { events(filter: $f) { edges { node { plate company { name } metadata { guideNumber } } } } }"  # noqa: E501
EVENT = "query($id: ID!) { event(id: $id) { plate company { name } } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Event { plate } ... on Company { name rut } ... on User { email } ... on Vehicle { plate } ... on Site { name } ... on Camera { code name } ... on WatchlistEntry { plate reason } ... on AuditEntry { companyId afterState } ... on DeadLetter { naturalKey } ... on VideoClip { cameraCode failureReason playbackUrl } ... on VideoExport { fileName downloadUrl } } }"  # noqa: E501
COMPANY = "query($id: ID!) { company(id: $id) { name rut } }"
COMPANIES = "query($s: String) { companies(search: $s) { edges { node { name rut } } } }"
USERS = "query($c: ID, $s: String) { users(companyId: $c, search: $s) { edges { node { email company { name } } } } }"  # noqa: E501
USER = "query($id: ID!) { user(id: $id) { email } }"
VEHICLES = "query($c: ID) { vehicles(companyId: $c) { edges { node { plate company { name } } } } }"
AUDIT = "query($f: AuditFilterInput) { auditLogs(filter: $f) { edges { node { companyId resourceId afterState user { email } } } } }"  # noqa: E501
R = "{ __typename ... on Error { code message } ... on ValidationError { fields { field code } } }"


def flt(**f: Any) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"f": {k: (v(w) if callable(v) else v) for k, v in f.items()}}


def a_event(w: World) -> str:
    return gid("Event", w.a.event.id)


def a_company(w: World) -> str:
    return gid("Company", w.a.company.id)


def a_user(w: World) -> str:
    return gid("User", w.a.client.id)


def node_of(w: World, type_name: str) -> str:
    return gid(type_name, w.ids[type_name])


PATHS: list[Path] = [
    # ---- events list
    Path("events: no filter", EVENTS, lambda w: {}, only_b),
    Path("events: companyId = A", EVENTS, flt(companyId=a_company), empty),
    Path("events: A's plate, exact", EVENTS, flt(plate="HJKL42"), empty),
    Path("events: A's plate, prefix", EVENTS, flt(plate="HJ", plateMatch="PREFIX"), empty),
    Path("events: A's plate, OCR", EVENTS, flt(plate="HJKL4Z", plateMatch="OCR"), empty),
    Path("events: A's plate, OCR prefix", EVENTS, flt(plate="HJK", plateMatch="OCR_PREFIX"), empty),
    Path("events: A's guide number", EVENTS, flt(guideNumber="GA-7781"), empty),
    Path("events: A's guide prefix", EVENTS, flt(guideNumber="GA"), empty),
    Path("events: A's guide as text", EVENTS, flt(text="7781"), empty),
    Path("events: A's camera", EVENTS, flt(cameraCode="CAM-ATACAMA"), empty),
    Path("events: unassigned", EVENTS, flt(unassigned=True), empty),
    Path("events: unassigned plate", EVENTS, flt(plate="ZZTT99"), empty),
    Path("events: archived included", EVENTS, flt(includeArchived=True, plate="HJKL42"), empty),
    Path("events: archived status", EVENTS, flt(statuses=["ARCHIVED"], plate="HJKL42"), empty),
    # ---- single lookups
    Path("event: A's event", EVENT, lambda w: {"id": a_event(w)}, null),
    Path("event: A's archived event", EVENT, lambda w: {"id": gid("Event", w.a.archived.id)}, null),
    Path("event: unassigned", EVENT, lambda w: {"id": gid("Event", w.unassigned.id)}, null),
    Path("node: A's event", NODE, lambda w: {"id": a_event(w)}, null),
    Path("node: unassigned event", NODE, lambda w: {"id": gid("Event", w.unassigned.id)}, null),
    Path("node: A's company", NODE, lambda w: {"id": a_company(w)}, null),
    Path("node: A's user", NODE, lambda w: {"id": a_user(w)}, null),
    Path("node: DOM staff user", NODE, lambda w: {"id": gid("User", w.staff.id)}, null),
    Path("node: A's vehicle", NODE, lambda w: {"id": gid("Vehicle", w.a.vehicle.id)}, null),
    Path("node: A's watchlist entry", NODE, lambda w: {"id": node_of(w, "WatchlistEntry")}, null),
    Path("node: A's audit entry", NODE, lambda w: {"id": node_of(w, "AuditEntry")}, null),
    Path("node: a DOM site", NODE, lambda w: {"id": node_of(w, "Site")}, null),
    Path("node: a DOM camera", NODE, lambda w: {"id": node_of(w, "Camera")}, null),
    Path("node: a dead letter", NODE, lambda w: {"id": node_of(w, "DeadLetter")}, null),
    Path("node: A's video clip", NODE, lambda w: {"id": node_of(w, "VideoClip")}, null),
    Path("node: A's video export", NODE, lambda w: {"id": node_of(w, "VideoExport")}, null),
    Path(
        "videoExport: A's export",
        "query($id: ID!) { videoExport(id: $id) { fileName downloadUrl } }",
        lambda w: {"id": node_of(w, "VideoExport")},
        null,
    ),
    Path(
        "videoExports: list",
        "query { videoExports { fileName eventId } }",
        lambda w: {},
        lambda body, w: _assert_no_rows(body),
    ),
    Path(
        "event clips: A's event",
        "query($id: ID!) { event(id: $id) { clips { cameraCode playbackUrl downloadUrl } } }",
        lambda w: {"id": a_event(w)},
        null,
    ),
    Path(
        "liveCameras: DOM cameras",
        "query { liveCameras { code name } }",
        lambda w: {},
        lambda body, w: _assert_no_rows(body),
    ),
    Path(
        "liveStreamUrl: a DOM camera",
        "query($c: ID!) { liveStreamUrl(cameraId: $c) }",
        lambda w: {"c": node_of(w, "Camera")},
        lambda body, w: _no_live_url(body),
    ),
    Path(
        "recordings: a DOM camera",
        'query($c: ID!) { recordings(cameraId: $c, from: "2026-01-01T00:00:00Z", to: "2026-01-01T01:00:00Z") { start } }',  # noqa: E501
        lambda w: {"c": node_of(w, "Camera")},
        refused,
    ),
    Path("company: A", COMPANY, lambda w: {"id": a_company(w)}, null),
    Path("companies: search A's name", COMPANIES, lambda w: {"s": "Árido"}, empty),
    Path("companies: search A's RUT", COMPANIES, lambda w: {"s": "76.086.428-5"}, empty),
    Path("companies: list", COMPANIES, lambda w: {"s": None}, only_b),
    Path("users: list", USERS, lambda w: {}, only_b),
    Path("users: companyId = A", USERS, lambda w: {"c": a_company(w)}, empty),
    Path("users: A's e-mail", USERS, lambda w: {"s": "cliente@atacama"}, empty),
    Path("users: staff e-mail", USERS, lambda w: {"s": "operador@"}, empty),
    Path("user: A's client", USER, lambda w: {"id": a_user(w)}, null),
    Path("user: DOM staff", USER, lambda w: {"id": gid("User", w.staff.id)}, null),
    Path("vehicles: list", VEHICLES, lambda w: {}, only_b),
    Path("vehicles: companyId = A", VEHICLES, lambda w: {"c": a_company(w)}, empty),
    Path("auditLogs: list", AUDIT, lambda w: {}, only_b),
    Path("auditLogs: A's user", AUDIT, flt(userId=a_user), empty),
    Path("auditLogs: A's event", AUDIT, flt(resourceId=lambda w: str(w.a.event.id)), empty),
    Path(
        "auditLogs: A's action",
        AUDIT,
        flt(action="EXPORT_DATA", resourceId=lambda w: str(w.a.event.id)),
        empty,
    ),
    # ---- writes on A's ids
    Path(
        "setCameraLiveCompanies: a DOM camera for B",
        f"mutation($c: ID!, $b: ID!) {{ setCameraLiveCompanies(cameraId: $c, companyIds: [$b]) {R} }}",  # noqa: E501
        lambda w: {"c": node_of(w, "Camera"), "b": gid("Company", w.b.company.id)},
        refused,
    ),
    Path(
        "setCompanyVideoRetention: A",
        f"mutation($c: ID!) {{ setCompanyVideoRetention(companyId: $c, days: 1) {R} }}",
        lambda w: {"c": a_company(w)},
        refused,
    ),
    Path(
        "setSiteClipWindow: a DOM site",
        f"mutation($s: ID!) {{ setSiteClipWindow(siteId: $s, preRollSeconds: 1, postRollSeconds: 1) {R} }}",  # noqa: E501
        lambda w: {"s": node_of(w, "Site")},
        refused,
    ),
    Path(
        "exportEventEvidence: A's event",
        f"mutation($id: ID!) {{ exportEventEvidence(eventId: $id) {R} }}",
        lambda w: {"id": a_event(w)},
        refused,
    ),
    Path(
        "exportVideoSegment: a DOM camera",
        f'mutation($c: ID!) {{ exportVideoSegment(cameraId: $c, from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:01:00Z") {R} }}',  # noqa: E501
        lambda w: {"c": node_of(w, "Camera")},
        refused,
    ),
    Path(
        "retryVideoClip: A's clip",
        f"mutation($id: ID!) {{ retryVideoClip(clipId: $id) {R} }}",
        lambda w: {"id": node_of(w, "VideoClip")},
        refused,
    ),
    Path(
        "setLegalHold: A's event",
        f'mutation($id: ID!) {{ setLegalHold(eventId: $id, hold: true, reason: "x") {R} }}',
        lambda w: {"id": a_event(w)},
        refused,
    ),
    Path(
        "documentEvent: A's event",
        f'mutation($id: ID!) {{ documentEvent(eventId: $id, input: {{guideNumber: "X"}}) {R} }}',
        lambda w: {"id": a_event(w)},
        refused,
    ),
    Path(
        "documentEvent: assign unassigned to B",
        f'mutation($id: ID!, $c: ID!) {{ documentEvent(eventId: $id, input: {{guideNumber: "X", companyId: $c}}) {R} }}',  # noqa: E501
        lambda w: {"id": gid("Event", w.unassigned.id), "c": gid("Company", w.b.company.id)},
        refused,
    ),
    Path(
        "changeEventStatus: archive A's event",
        f"mutation($id: ID!) {{ changeEventStatus(eventId: $id, status: ARCHIVED) {R} }}",
        lambda w: {"id": a_event(w)},
        refused,
    ),
    Path(
        "changeEventStatus: validate A's event",
        f"mutation($id: ID!) {{ changeEventStatus(eventId: $id, status: VALIDATED) {R} }}",
        lambda w: {"id": a_event(w)},
        refused,
    ),
    Path(
        "correctEventPlate: A's event",
        f'mutation($id: ID!) {{ correctEventPlate(eventId: $id, plate: "BBCD12", reason: "x") {R} }}',  # noqa: E501
        lambda w: {"id": a_event(w)},
        refused,
    ),
    Path(
        "assignEventCompany: A's event to B",
        f"mutation($id: ID!, $c: ID!) {{ assignEventCompany(eventId: $id, companyId: $c) {R} }}",
        lambda w: {"id": a_event(w), "c": gid("Company", w.b.company.id)},
        refused,
    ),
    Path(
        "assignEventCompany: unassigned to B",
        f"mutation($id: ID!, $c: ID!) {{ assignEventCompany(eventId: $id, companyId: $c) {R} }}",
        lambda w: {"id": gid("Event", w.unassigned.id), "c": gid("Company", w.b.company.id)},
        refused,
    ),
    Path(
        "updateCompany: A",
        f'mutation($id: ID!) {{ updateCompany(id: $id, input: {{name: "Hacked"}}) {R} }}',
        lambda w: {"id": a_company(w)},
        refused,
    ),
    Path(
        "registerVehicle: into A",
        f'mutation($c: ID!) {{ registerVehicle(companyId: $c, plate: "GGHH77") {R} }}',
        lambda w: {"c": a_company(w)},
        refused,
    ),
    Path(
        "registerVehicle: A's plate into B",
        f'mutation($c: ID!) {{ registerVehicle(companyId: $c, plate: "HJKL42") {R} }}',
        lambda w: {"c": gid("Company", w.b.company.id)},
        refused,
    ),
    Path(
        "removeVehicle: A's",
        f"mutation($id: ID!) {{ removeVehicle(id: $id) {R} }}",
        lambda w: {"id": gid("Vehicle", w.a.vehicle.id)},
        refused,
    ),
    Path(
        "updateUser: A's client",
        f"mutation($id: ID!) {{ updateUser(id: $id, input: {{isActive: false}}) {R} }}",
        lambda w: {"id": a_user(w)},
        refused,
    ),
    Path(
        "updateUser: DOM staff",
        f'mutation($id: ID!) {{ updateUser(id: $id, input: {{phone: "1"}}) {R} }}',
        lambda w: {"id": gid("User", w.staff.id)},
        refused,
    ),
    Path(
        "grantPermission: to A's client",
        f"mutation($id: ID!) {{ grantPermission(input: {{userId: $id, permission: EXPORT_DATA}}) {R} }}",  # noqa: E501
        lambda w: {"id": a_user(w)},
        refused,
    ),
    Path(
        "revokePermission: from A's client",
        f"mutation($id: ID!) {{ revokePermission(userId: $id, permission: READ_EVENTS) {R} }}",
        lambda w: {"id": a_user(w)},
        refused,
    ),
    Path(
        "createUser: in A",
        f'mutation($c: ID!) {{ createUser(input: {{email: "x@x.cl", password: "Strong-Pass-1", firstName: "X", lastName: "Y", role: CLIENT_USER, companyId: $c}}) {R} }}',  # noqa: E501
        lambda w: {"c": a_company(w)},
        refused,
    ),
    Path(
        "createUser: a staff account",
        f'mutation {{ createUser(input: {{email: "x@x.cl", password: "Strong-Pass-1", firstName: "X", lastName: "Y", role: OPERATOR}}) {R} }}',  # noqa: E501
        lambda w: {},
        refused,
    ),
]


def _text(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("path", PATHS, ids=[p.name for p in PATHS])
async def test_client_of_b_cannot_reach_a(api, world: World, path: Path) -> None:
    # given both companies' data, seen by B's client
    before = await snapshot_tables(exclude=("audit_logs",))
    audit_before = await AuditLog.all().count()

    # when it takes the path towards A's data
    body = await gql(api, path.document, path.variables(world), world.token)

    # then it finds nothing of A's ...
    path.expect(body, world)
    text = _text(body)
    leaked = [s for s in world.a_secrets if s in text]
    assert not leaked, f"{path.name} leaked {leaked}: {text}"

    # ... and nothing changed: no row anywhere, and only B's own audit entries
    assert diff_tables(before, await snapshot_tables(exclude=("audit_logs",))) == {}
    new_audit = await AuditLog.filter(id__gt=0).order_by("id").offset(audit_before)
    if path.writes:
        assert new_audit == [], [(a.action, a.company_id) for a in new_audit]
    assert all(a.company_id == world.b.company.id for a in new_audit), [
        (a.action, a.company_id) for a in new_audit
    ]


async def test_a_is_really_there_for_staff(api, settings, world: World) -> None:
    # the same paths return A's data to DOM staff: the suite is not passing vacuously
    token = await token_for(world.staff, settings)
    body = await gql(api, EVENTS, {"f": {"companyId": a_company(world)}}, token)
    assert [e["node"]["plate"] for e in body["data"]["events"]["edges"]] == ["HJKL42"]
    body = await gql(api, EVENTS, {"f": {"unassigned": True}}, token)
    assert [e["node"]["plate"] for e in body["data"]["events"]["edges"]] == ["ZZTT99"]
    node = await gql(api, NODE, {"id": a_company(world)}, token)
    assert node["data"]["node"]["name"] == "Áridos Atacama"
    for type_name, pk in [("Vehicle", world.a.vehicle.id), *world.ids.items()]:
        if type_name in ("AuditEntry", "DeadLetter"):  # need VIEW_AUDIT_LOGS / SYSTEM_CONFIG
            continue
        if type_name == "VideoExport":  # its requester's (and company's) alone: checked below
            continue
        node = await gql(api, NODE, {"id": gid(type_name, pk)}, token)
        assert node["data"]["node"]["id"] == gid(type_name, pk), (type_name, node)
    await UserPermission.create(user_id=world.a.client.id, permission="EXPORT_VIDEO_SEGMENTS")
    export_id = gid("VideoExport", world.ids["VideoExport"])
    node = await gql(api, NODE, {"id": export_id}, await token_for(world.a.client, settings))
    assert node["data"]["node"]["id"] == export_id, node


async def test_b_sees_its_own_data_through_the_same_paths(api, world: World) -> None:
    b = world.b
    token = world.token
    events = await gql(api, EVENTS, {"f": {"plate": b.plate}}, token)
    assert [e["node"]["plate"] for e in events["data"]["events"]["edges"]] == [b.plate]
    assert events["data"]["events"]["edges"][0]["node"]["metadata"] == {"guideNumber": b.guide}
    archived = await gql(api, EVENTS, {"f": {"plate": b.plate, "includeArchived": True}}, token)
    assert len(archived["data"]["events"]["edges"]) == 2
    assert (await gql(api, EVENT, {"id": gid("Event", b.event.id)}, token))["data"]["event"]
    node = await gql(api, NODE, {"id": gid("Company", b.company.id)}, token)
    assert node["data"]["node"]["name"] == b.company.name
    users = await gql(api, USERS, {}, token)
    assert {e["node"]["email"] for e in users["data"]["users"]["edges"]} == {
        b.client.email,
        b.colleague.email,
    }
    audit = await gql(api, AUDIT, {}, token)
    assert {e["node"]["companyId"] for e in audit["data"]["auditLogs"]["edges"]} == {b.company.id}
    # the staff-only grant rows it holds are not effective
    me = await gql(api, "{ me { permissions } }", token=token)
    perms = set(me["data"]["me"]["permissions"])
    assert {"MANAGE_USERS", "VIEW_AUDIT_LOGS", "ADVANCED_SEARCH"} <= perms
    assert not perms & {
        "MANAGE_COMPANIES",
        "SEARCH_ALL_COMPANIES",
        "WRITE_BASIC_METADATA",
        "DELETE_EVENTS",
    }


async def test_client_manages_users_of_its_own_company_only(api, world: World) -> None:
    # a positive control for the write paths: the same mutation on B's colleague works
    body = await gql(
        api,
        f'mutation($id: ID!) {{ updateUser(id: $id, input: {{phone: "+56 2 2345 6789"}}) {R} }}',
        {"id": gid("User", world.b.colleague.id)},
        world.token,
    )
    assert body["data"]["updateUser"]["__typename"] == "UserSuccess"
    entry = await AuditLog.get(action=AuditAction.UPDATE_USER)
    assert entry.company_id == world.b.company.id
