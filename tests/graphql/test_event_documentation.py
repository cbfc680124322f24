"""documentEvent, changeEventStatus, correctEventPlate, assignEventCompany, event(id:)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from gqlkit import ERROR_FIELDS, field_codes, gid, payload, signed_in

from domcctv.domain.access import Role
from domcctv.domain.lifecycle import EventStatus
from domcctv.models import AuditAction, AuditLog, BasicEventMetadata, Event, PlateCorrection
from domcctv.services.clock import utcnow

from factories import make_company, make_event, make_metadata, make_user, make_vehicle
from graphql_client import gql

EVENT_FIELDS = """
  status hasBasicMetadata processedAt plate plateRaw plateFormat plateDisplay
  company { name }
  metadata { guideNumber guideDate cargoDescription createdBy { email }
             lastModifiedBy { email } }
  plateCorrections { fromPlate toPlate reason correctedBy { email } }
"""
RESULT = f"__typename ... on EventSuccess {{ event {{ {EVENT_FIELDS} }} }} {ERROR_FIELDS}"

DOCUMENT = f"""
mutation($id: ID!, $input: EventMetadataInput!) {{
  documentEvent(eventId: $id, input: $input) {{ {RESULT} }}
}}"""
STATUS = f"""
mutation($id: ID!, $status: EventStatus!) {{
  changeEventStatus(eventId: $id, status: $status) {{ {RESULT} }}
}}"""
CORRECT = f"""
mutation($id: ID!, $plate: String!, $reason: String!) {{
  correctEventPlate(eventId: $id, plate: $plate, reason: $reason) {{ {RESULT} }}
}}"""
ASSIGN = f"""
mutation($id: ID!, $company: ID!) {{
  assignEventCompany(eventId: $id, companyId: $company) {{ {RESULT} }}
}}"""
EVENT = f"query($id: ID!) {{ event(id: $id) {{ {EVENT_FIELDS} }} }}"


async def document(api, token: str, event: Event, **fields: object) -> dict:
    data = {"guideNumber": "GD-778", **fields}
    body = await gql(api, DOCUMENT, {"id": gid("Event", event.id), "input": data}, token)
    return payload(body, "documentEvent")


async def change(api, token: str, event: Event, status: str) -> dict:
    body = await gql(api, STATUS, {"id": gid("Event", event.id), "status": status}, token)
    return payload(body, "changeEventStatus")


async def correct(api, token: str, event: Event, plate: str, reason: str = "misread") -> dict:
    variables = {"id": gid("Event", event.id), "plate": plate, "reason": reason}
    return payload(await gql(api, CORRECT, variables, token), "correctEventPlate")


# --------------------------------------------------------------------------- documenting


async def test_first_documentation_moves_detected_to_documented(api, settings) -> None:
    event = await make_event(await make_company(name="Andes"), "HJKL42")
    op, token = await signed_in(Role.OPERATOR, settings)

    result = await document(api, token, event, guideDate="2025-01-15", cargoDescription="Áridos")

    assert result["__typename"] == "EventSuccess", result
    stored = result["event"]
    assert stored["status"] == "DOCUMENTED"
    assert stored["hasBasicMetadata"] is True
    assert stored["processedAt"] is not None
    assert stored["metadata"]["guideNumber"] == "GD-778"
    assert stored["metadata"]["guideDate"] == "2025-01-15"
    assert stored["metadata"]["createdBy"] == {"email": op.email}
    assert stored["metadata"]["lastModifiedBy"] is None
    meta = await BasicEventMetadata.get(event_id=event.id)
    assert meta.company_id == event.company_id  # denormalised for scoped guide searches
    entry = await AuditLog.get(action=AuditAction.CREATE_METADATA)
    assert entry.before_state is None
    assert entry.after_state["cargoDescription"] == "Áridos"


async def test_operator_edits_own_metadata_but_not_another_operators(api, settings) -> None:
    event = await make_event(await make_company(), "HJKL42")
    _, author = await signed_in(Role.OPERATOR, settings)
    _, other = await signed_in(Role.OPERATOR, settings)
    await document(api, author, event)

    own = await document(api, author, event, guideNumber="GD-779")
    foreign = await document(api, other, event, guideNumber="GD-999")

    assert own["event"]["metadata"]["guideNumber"] == "GD-779"
    assert foreign["__typename"] == "PermissionDeniedError"
    assert (await BasicEventMetadata.get(event_id=event.id)).guide_number == "GD-779"


async def test_supervisor_edits_anyones_metadata_and_is_recorded(api, settings) -> None:
    event = await make_event(await make_company(), "HJKL42")
    author, author_token = await signed_in(Role.OPERATOR, settings)
    supervisor, sup_token = await signed_in(Role.SUPERVISOR, settings)
    await document(api, author_token, event)

    result = await document(api, sup_token, event, guideNumber="GD-800", observations="ok")

    metadata = result["event"]["metadata"]
    assert metadata["guideNumber"] == "GD-800"
    assert metadata["createdBy"] == {"email": author.email}
    assert metadata["lastModifiedBy"] == {"email": supervisor.email}
    entry = await AuditLog.get(action=AuditAction.UPDATE_METADATA)
    assert entry.before_state["guideNumber"] == "GD-778"
    assert entry.after_state["guideNumber"] == "GD-800"
    assert entry.user_id == supervisor.id


async def test_unassigned_event_needs_a_company_and_gets_assigned(api, settings) -> None:
    company = await make_company(name="Bío Bío")
    event = await make_event(None, "ZZTT99")
    _, token = await signed_in(Role.OPERATOR, settings)

    missing = await document(api, token, event)
    assert field_codes(missing) == {"companyId": "REQUIRED"}
    assert not await BasicEventMetadata.exists()

    done = await document(api, token, event, companyId=gid("Company", company.id))

    assert done["event"]["company"] == {"name": "Bío Bío"}
    assert done["event"]["status"] == "DOCUMENTED"
    assert (await Event.get(id=event.id)).company_id == company.id
    assert (await BasicEventMetadata.get(event_id=event.id)).company_id == company.id
    assigned = await AuditLog.get(action=AuditAction.ASSIGN_COMPANY)
    assert assigned.before_state == {"companyId": None}
    assert assigned.after_state == {"companyId": company.id}


async def test_documenting_into_an_unknown_or_inactive_company_fails(api, settings) -> None:
    inactive = await make_company(is_active=False)
    event = await make_event(None, "ZZTT99")
    _, token = await signed_in(Role.OPERATOR, settings)

    for company_id in [gid("Company", inactive.id), gid("Company", 987654)]:
        result = await document(api, token, event, companyId=company_id)
        assert field_codes(result) == {"companyId": "UNKNOWN_REFERENCE"}
    assert (await Event.get(id=event.id)).company_id is None


async def test_documenting_a_validated_event_needs_reopening_first(api, settings) -> None:
    event = await make_event(await make_company(), "HJKL42")
    author = await make_user(Role.OPERATOR)
    await make_metadata(event, author)
    await Event.filter(id=event.id).update(status=EventStatus.VALIDATED)
    _, token = await signed_in(Role.SUPERVISOR, settings)

    result = await document(api, token, event)

    assert result["__typename"] == "ConflictError"
    assert result["code"] == "INVALID_TRANSITION"


# --------------------------------------------------------------------------- lifecycle


async def test_full_lifecycle_with_four_eyes(api, settings) -> None:
    # given an event documented by supervisor one
    event = await make_event(await make_company(), "HJKL42")
    _, first = await signed_in(Role.SUPERVISOR, settings)
    _, second = await signed_in(Role.SUPERVISOR, settings)
    await document(api, first, event)

    # then the documenter may not validate it ...
    own = await change(api, first, event, "VALIDATED")
    assert own["__typename"] == "PermissionDeniedError"
    assert "Four-eyes" in own["message"]

    # ... another supervisor may
    validated = await change(api, second, event, "VALIDATED")
    assert validated["event"]["status"] == "VALIDATED"

    # reopen, then archive
    reopened = await change(api, first, event, "DOCUMENTED")
    assert reopened["event"]["status"] == "DOCUMENTED"
    archived = await change(api, second, event, "ARCHIVED")
    assert archived["event"]["status"] == "ARCHIVED"

    statuses = [
        (e.before_state["status"], e.after_state["status"])
        for e in await AuditLog.filter(action=AuditAction.CHANGE_STATUS).order_by("id")
    ]
    assert statuses == [
        ("DOCUMENTED", "VALIDATED"),
        ("VALIDATED", "DOCUMENTED"),
        ("DOCUMENTED", "ARCHIVED"),
    ]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (EventStatus.DETECTED, "VALIDATED"),
        (EventStatus.DETECTED, "DETECTED"),
        (EventStatus.DOCUMENTED, "DETECTED"),
        (EventStatus.VALIDATED, "DETECTED"),
        (EventStatus.ARCHIVED, "DOCUMENTED"),
        (EventStatus.ARCHIVED, "DETECTED"),
    ],
)
async def test_invalid_transitions_conflict(api, settings, start, target) -> None:
    event = await make_event(await make_company(), "HJKL42", status=start)
    await make_metadata(event, await make_user(Role.OPERATOR))
    await Event.filter(id=event.id).update(status=start)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    result = await change(api, admin, event, target)

    assert result["__typename"] == "ConflictError"
    assert result["code"] == "INVALID_TRANSITION"
    assert (await Event.get(id=event.id)).status is start


async def test_documented_status_needs_metadata(api, settings) -> None:
    event = await make_event(await make_company(), "HJKL42")
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    result = await change(api, admin, event, "DOCUMENTED")
    assert result["code"] == "INVALID_TRANSITION"


async def test_operator_cannot_validate_or_archive(api, settings) -> None:
    event = await make_event(await make_company(), "HJKL42")
    await make_metadata(event, await make_user(Role.OPERATOR))
    _, token = await signed_in(Role.OPERATOR, settings)

    assert (await change(api, token, event, "VALIDATED"))["__typename"] == "PermissionDeniedError"
    assert (await change(api, token, event, "ARCHIVED"))["__typename"] == "PermissionDeniedError"
    assert (await Event.get(id=event.id)).status is EventStatus.DOCUMENTED


async def test_archived_events_are_immutable(api, settings) -> None:
    event = await make_event(await make_company(), "HJKL42", status=EventStatus.ARCHIVED)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    edits = [
        await document(api, admin, event),
        await correct(api, admin, event, "HJKL43"),
        await change(api, admin, event, "DOCUMENTED"),
    ]

    assert [e["__typename"] for e in edits] == ["ConflictError"] * 3
    assert not await BasicEventMetadata.exists()
    assert (await Event.get(id=event.id)).plate == "HJKL42"


async def test_archived_events_are_hidden_from_operators_but_not_supervisors(api, settings) -> None:
    event = await make_event(await make_company(), "HJKL42", status=EventStatus.ARCHIVED)
    _, op = await signed_in(Role.OPERATOR, settings)
    _, sup = await signed_in(Role.SUPERVISOR, settings)

    assert (await gql(api, EVENT, {"id": gid("Event", event.id)}, op))["data"]["event"] is None
    shown = await gql(api, EVENT, {"id": gid("Event", event.id)}, sup)
    assert shown["data"]["event"]["status"] == "ARCHIVED"


# --------------------------------------------------------------------------- plate corrections


async def test_correction_keeps_the_raw_reading_and_the_history(api, settings) -> None:
    event = await make_event(await make_company(), "HJKL4Z")
    operator, token = await signed_in(Role.OPERATOR, settings)

    first = await correct(api, token, event, "hj-kl-43", "typo")
    second = await correct(api, token, event, "HJKL42", "checked the picture")

    assert first["__typename"] == "EventSuccess", first
    final = second["event"]
    assert final["plate"] == "HJKL42"
    assert final["plateDisplay"] == "HJ·KL·42"
    assert final["plateFormat"] == "CURRENT"
    assert final["plateRaw"] == "HJKL4Z"  # the original ANPR text never changes
    assert final["plateCorrections"] == [
        {
            "fromPlate": "HJKL4Z",
            "toPlate": "HJKL43",
            "reason": "typo",
            "correctedBy": {"email": operator.email},
        },
        {
            "fromPlate": "HJKL43",
            "toPlate": "HJKL42",
            "reason": "checked the picture",
            "correctedBy": {"email": operator.email},
        },
    ]
    stored = await Event.get(id=event.id)
    assert stored.plate_skeleton == "HJKL42"
    entries = await AuditLog.filter(action=AuditAction.CORRECT_PLATE).order_by("id")
    assert [(e.before_state["plate"], e.after_state["plate"]) for e in entries] == [
        ("HJKL4Z", "HJKL43"),
        ("HJKL43", "HJKL42"),
    ]


async def test_correcting_an_unassigned_event_to_a_registered_plate_assigns_it(
    api, settings
) -> None:
    company = await make_company(name="Andes")
    await make_vehicle(company, "HJKL42")
    event = await make_event(None, "HJKL4Z")
    _, token = await signed_in(Role.OPERATOR, settings)

    result = await correct(api, token, event, "HJKL42")

    assert result["event"]["company"] == {"name": "Andes"}


@pytest.mark.parametrize(
    ("plate", "reason", "errors"),
    [
        ("HJ#42", "typo", {"plate": "INVALID_PLATE"}),
        ("ABCDEFGHIJK", "typo", {"plate": "INVALID_PLATE"}),
        ("unknown", "typo", {"plate": "INVALID_PLATE"}),
        ("HJKL43", "   ", {"reason": "REQUIRED"}),
        ("HJKL43", "x" * 301, {"reason": "TOO_LONG"}),
        ("!!", "", {"plate": "INVALID_PLATE", "reason": "REQUIRED"}),
    ],
)
async def test_bad_corrections_are_rejected(api, settings, plate, reason, errors) -> None:
    event = await make_event(await make_company(), "HJKL42")
    _, token = await signed_in(Role.OPERATOR, settings)

    result = await correct(api, token, event, plate, reason)

    assert field_codes(result) == errors
    assert not await PlateCorrection.exists()


async def test_correcting_to_the_same_plate_is_a_conflict(api, settings) -> None:
    event = await make_event(await make_company(), "HJKL42")
    _, token = await signed_in(Role.OPERATOR, settings)
    assert (await correct(api, token, event, "HJ·KL·42"))["code"] == "CONFLICT"


async def test_a_validated_event_must_be_reopened_before_correcting(api, settings) -> None:
    event = await make_event(await make_company(), "HJKL42", status=EventStatus.VALIDATED)
    _, token = await signed_in(Role.SUPERVISOR, settings)
    assert (await correct(api, token, event, "HJKL43"))["code"] == "INVALID_TRANSITION"


# --------------------------------------------------------------------------- assignment


async def test_operator_assigns_an_unassigned_event_but_cannot_reassign(api, settings) -> None:
    andes, bio = await make_company(name="Andes"), await make_company(name="Bío")
    event = await make_event(None, "ZZTT99")
    _, op = await signed_in(Role.OPERATOR, settings)
    _, sup = await signed_in(Role.SUPERVISOR, settings)

    def variables(company) -> dict:
        return {"id": gid("Event", event.id), "company": gid("Company", company.id)}

    assigned = payload(await gql(api, ASSIGN, variables(andes), op), "assignEventCompany")
    reassign_by_op = payload(await gql(api, ASSIGN, variables(bio), op), "assignEventCompany")
    same = payload(await gql(api, ASSIGN, variables(andes), sup), "assignEventCompany")
    reassigned = payload(await gql(api, ASSIGN, variables(bio), sup), "assignEventCompany")

    assert assigned["event"]["company"] == {"name": "Andes"}
    assert reassign_by_op["__typename"] == "PermissionDeniedError"
    assert same["__typename"] == "ConflictError"
    assert reassigned["event"]["company"] == {"name": "Bío"}
    history = [
        (e.before_state["companyId"], e.after_state["companyId"])
        for e in await AuditLog.filter(action=AuditAction.ASSIGN_COMPANY).order_by("id")
    ]
    assert history == [(None, andes.id), (andes.id, bio.id)]


async def test_reassigning_moves_the_metadata_with_the_event(api, settings) -> None:
    andes, bio = await make_company(), await make_company()
    event = await make_event(andes, "HJKL42")
    await make_metadata(event, await make_user(Role.OPERATOR))
    _, sup = await signed_in(Role.SUPERVISOR, settings)

    variables = {"id": gid("Event", event.id), "company": gid("Company", bio.id)}
    await gql(api, ASSIGN, variables, sup)

    assert (await BasicEventMetadata.get(event_id=event.id)).company_id == bio.id


# --------------------------------------------------------------------------- reading one


async def test_event_detail_is_audited_as_a_view(api, settings) -> None:
    event = await make_event(await make_company(), "HJKL42", when=utcnow() - timedelta(days=1))
    user, token = await signed_in(Role.OPERATOR, settings)

    body = await gql(api, EVENT, {"id": gid("Event", event.id)}, token)

    assert body["data"]["event"]["plate"] == "HJKL42"
    view = await AuditLog.get(action=AuditAction.VIEW_EVENT)
    assert view.resource_id == str(event.id)
    assert view.user_id == user.id
    assert view.company_id == event.company_id


@pytest.mark.parametrize("bad_id", ["nope", "", "RXZlbnQ6", "Q29tcGFueTox"])
async def test_event_with_a_malformed_or_foreign_type_id_is_null(api, settings, bad_id) -> None:
    _, token = await signed_in(Role.OPERATOR, settings)
    assert await gql(api, EVENT, {"id": bad_id}, token) == {"data": {"event": None}}
