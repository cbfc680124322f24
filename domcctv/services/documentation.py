"""Writing to events: dispatch metadata, lifecycle transitions, plate corrections, assignment.

Each change runs in one transaction together with its audit row: either both land or
neither does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domcctv.domain.access import Actor, Permission
from domcctv.domain.errors import (
    Conflict,
    ErrorCode,
    FieldCode,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from domcctv.domain.lifecycle import EventStatus, check_transition
from domcctv.domain.plates import InvalidPlateError, PlateFormat, parse_plate
from domcctv.models import (
    AuditAction,
    BasicEventMetadata,
    Company,
    Event,
    PlateCorrection,
    ResourceType,
)
from domcctv.services import audit, live
from domcctv.services.clock import utcnow
from domcctv.services.scoping import events_in
from domcctv.services.validation import Checker
from domcctv.services.vehicles import company_for_plate


@dataclass(frozen=True, slots=True)
class MetadataInput:
    """What the operator writes about a pass. ``company_id`` assigns an unassigned event."""

    guide_number: str | None = None
    guide_date: date | None = None
    origin_project: str | None = None
    cargo_description: str | None = None
    observations: str | None = None
    company_id: int | None = None


def can_document(actor: Actor) -> bool:
    return actor.can(Permission.WRITE_BASIC_METADATA) or actor.can(Permission.EDIT_OWN_METADATA)


def metadata_snapshot(m: BasicEventMetadata) -> dict[str, Any]:
    return {
        "guideNumber": m.guide_number,
        "guideDate": m.guide_date.isoformat() if m.guide_date else None,
        "originProject": m.origin_project,
        "cargoDescription": m.cargo_description,
        "observations": m.observations,
    }


def _clean_metadata(data: MetadataInput, today: date) -> dict[str, Any]:
    check = Checker()
    values: dict[str, Any] = {
        "guide_number": check.text("guideNumber", data.guide_number, max_length=50),
        "origin_project": check.text("originProject", data.origin_project, max_length=200),
        "cargo_description": check.text(
            "cargoDescription", data.cargo_description, max_length=2000
        ),
        "observations": check.text("observations", data.observations, max_length=2000),
        "guide_date": data.guide_date,
    }
    guide = values["guide_number"]
    if guide is not None and not all(c.isalnum() or c in "-/. " for c in guide):
        check.add(
            "guideNumber",
            FieldCode.INVALID_FORMAT,
            "Guide number takes letters, digits, '-', '/' and '.'",
        )
    if data.guide_date is not None and data.guide_date > today:
        check.add("guideDate", FieldCode.OUT_OF_RANGE, "Guide date cannot be in the future")
    if all(v is None for v in values.values()):
        check.add(
            "guideNumber",
            FieldCode.REQUIRED,
            "Document at least the guide number, cargo or an observation",
        )
    check.raise_if_any()
    return values


async def _locked_event(actor: Actor, event_id: int, conn: BaseDBAsyncClient) -> Event:
    event = (
        await events_in(actor.scope).filter(id=event_id).using_db(conn).select_for_update().first()
    )
    if event is None:
        raise NotFound("Event not found")
    if event.status is EventStatus.ARCHIVED:
        raise Conflict("Archived events are immutable", code=ErrorCode.INVALID_TRANSITION)
    return event


async def _resolve_company(
    actor: Actor, event: Event, company_id: int | None, conn: BaseDBAsyncClient
) -> int | None:
    if company_id is None or company_id == event.company_id:
        if event.company_id is None:
            raise InvalidInput.single(
                "companyId", FieldCode.REQUIRED, "This plate is not registered: choose its company"
            )
        return None
    if not actor.is_staff:
        raise PermissionDenied("Client users cannot reassign events")
    if event.company_id is not None and not actor.can(Permission.WRITE_BASIC_METADATA):
        raise PermissionDenied("Reassigning an event to another company needs WRITE_BASIC_METADATA")
    if not await Company.filter(id=company_id, is_active=True).using_db(conn).exists():
        raise InvalidInput.single(
            "companyId", FieldCode.UNKNOWN_REFERENCE, "Unknown or inactive company"
        )
    return company_id


async def document_event(
    actor: Actor, event_id: int, data: MetadataInput
) -> tuple[Event, BasicEventMetadata]:
    """Create or edit the event's metadata; first documentation moves it to DOCUMENTED."""
    if not can_document(actor):
        raise PermissionDenied("Documenting events needs EDIT_OWN_METADATA or WRITE_BASIC_METADATA")
    values = _clean_metadata(data, utcnow().date())
    async with in_transaction("default") as conn:
        event = await _locked_event(actor, event_id, conn)
        meta = await BasicEventMetadata.filter(event_id=event.id).using_db(conn).first()
        if meta is not None:
            _check_edit(actor, event, meta)
        new_company = await _resolve_company(actor, event, data.company_id, conn)
        if new_company is not None:
            await _assign(actor, event, new_company, conn)
        before = metadata_snapshot(meta) if meta else None
        if meta is None:
            meta = await BasicEventMetadata.create(
                event_id=event.id,
                company_id=event.company_id,
                event_time=event.event_time,
                created_by_id=actor.user_id,
                using_db=conn,
                **values,
            )
            action = AuditAction.CREATE_METADATA
        else:
            meta.update_from_dict(
                {**values, "company_id": event.company_id, "last_modified_by_id": actor.user_id}
            )
            await meta.save(using_db=conn)
            action = AuditAction.UPDATE_METADATA
        if event.status is EventStatus.DETECTED:
            event.status = EventStatus.DOCUMENTED
        event.has_basic_metadata = True
        event.processed_at = event.processed_at or utcnow()
        await event.save(
            using_db=conn,
            update_fields=[
                "status",
                "has_basic_metadata",
                "processed_at",
                "updated_at",
                "company_id",  # set by _assign when documenting an unassigned event
            ],
        )
        await audit.record(
            actor,
            action,
            ResourceType.EVENT,
            event.id,
            company_id=event.company_id,
            before=before,
            after=metadata_snapshot(meta),
            using_db=conn,
        )
        await live.stage_event_change(
            "UPDATED", event, using_db=conn, check_watchlist=new_company is not None
        )
    return event, meta


def _check_edit(actor: Actor, event: Event, meta: BasicEventMetadata) -> None:
    if event.status is EventStatus.VALIDATED:
        raise Conflict(
            "Validated events must be reopened before editing", code=ErrorCode.INVALID_TRANSITION
        )
    own = meta.created_by_id == actor.user_id
    if own and (
        actor.can(Permission.EDIT_OWN_METADATA) or actor.can(Permission.WRITE_BASIC_METADATA)
    ):
        return
    if not own and actor.can(Permission.WRITE_BASIC_METADATA):
        return
    raise PermissionDenied("You may only edit metadata you wrote")


async def change_status(actor: Actor, event_id: int, target: EventStatus) -> Event:
    async with in_transaction("default") as conn:
        event = (
            await events_in(actor.scope)
            .filter(id=event_id)
            .using_db(conn)
            .select_for_update()
            .first()
        )
        if event is None:
            raise NotFound("Event not found")
        meta = await BasicEventMetadata.filter(event_id=event.id).using_db(conn).first()
        check_transition(
            actor,
            event.status,
            target,
            has_metadata=meta is not None,
            documented_by=meta.created_by_id if meta else None,
        )
        before = event.status.value
        event.status = target
        await event.save(using_db=conn, update_fields=["status", "updated_at"])
        await audit.record(
            actor,
            AuditAction.CHANGE_STATUS,
            ResourceType.EVENT,
            event.id,
            company_id=event.company_id,
            before={"status": before},
            after={"status": target.value},
            using_db=conn,
        )
        await live.stage_event_change("UPDATED", event, using_db=conn)
    return event


async def correct_plate(actor: Actor, event_id: int, plate_text: str, reason: str) -> Event:
    """Replace the plate, keeping a correction row; the original ANPR text stays in plate_raw."""
    if not can_document(actor) or not actor.is_staff:
        raise PermissionDenied("Correcting plates needs a documenting permission")
    check = Checker()
    cleaned_reason = check.text("reason", reason, max_length=300, required=True)
    try:
        plate = parse_plate(plate_text)
        if plate.format is PlateFormat.UNREAD:
            check.add("plate", FieldCode.INVALID_PLATE, "A plate is required")
    except InvalidPlateError as exc:
        check.add("plate", FieldCode.INVALID_PLATE, str(exc))
    check.raise_if_any()
    async with in_transaction("default") as conn:
        event = await _locked_event(actor, event_id, conn)
        if event.status is EventStatus.VALIDATED:
            raise Conflict(
                "Validated events must be reopened before correcting",
                code=ErrorCode.INVALID_TRANSITION,
            )
        if plate.normalized == event.plate:
            raise Conflict("The event already has this plate", code=ErrorCode.CONFLICT)
        await PlateCorrection.create(
            event_id=event.id,
            from_plate=event.plate,
            to_plate=plate.normalized,
            reason=cleaned_reason or "",
            corrected_by_id=actor.user_id,
            using_db=conn,
        )
        before = {"plate": event.plate, "companyId": event.company_id}
        event.plate, event.plate_skeleton = plate.normalized, plate.skeleton
        event.plate_format = plate.format
        if event.company_id is None:
            owner = await company_for_plate(plate.normalized)
            if owner is not None:
                event.company_id = owner
        await event.save(using_db=conn)
        await audit.record(
            actor,
            AuditAction.CORRECT_PLATE,
            ResourceType.EVENT,
            event.id,
            company_id=event.company_id,
            before=before,
            after={"plate": event.plate, "companyId": event.company_id, "reason": cleaned_reason},
            using_db=conn,
        )
        # A corrected plate (or the company it brought) may now match a watchlist entry.
        await live.stage_event_change("UPDATED", event, using_db=conn, check_watchlist=True)
    return event


async def assign_company(actor: Actor, event_id: int, company_id: int) -> Event:
    if not can_document(actor) or not actor.is_staff:
        raise PermissionDenied("Assigning events needs a documenting permission")
    async with in_transaction("default") as conn:
        event = await _locked_event(actor, event_id, conn)
        new_company = await _resolve_company(actor, event, company_id, conn)
        if new_company is None:
            raise Conflict("The event already belongs to this company", code=ErrorCode.CONFLICT)
        await _assign(actor, event, new_company, conn)
        await event.save(using_db=conn)
        await live.stage_event_change("UPDATED", event, using_db=conn, check_watchlist=True)
    return event


async def _assign(actor: Actor, event: Event, company_id: int, conn: BaseDBAsyncClient) -> None:
    before = event.company_id
    event.company_id = company_id
    await BasicEventMetadata.filter(event_id=event.id).using_db(conn).update(company_id=company_id)
    await audit.record(
        actor,
        AuditAction.ASSIGN_COMPANY,
        ResourceType.EVENT,
        event.id,
        company_id=company_id,
        before={"companyId": before},
        after={"companyId": company_id},
        using_db=conn,
    )
