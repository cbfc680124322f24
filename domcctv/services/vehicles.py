"""The plate registry: which company a plate belongs to (drives automatic assignment)."""

from __future__ import annotations

from collections.abc import Iterable

from tortoise.exceptions import IntegrityError
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
from domcctv.models import AuditAction, ResourceType, Vehicle
from domcctv.services import audit
from domcctv.services.pagination import Page, PageRequest, ascending_page
from domcctv.services.scoping import companies_in, vehicles_in
from domcctv.services.validation import required_plate


async def register_vehicle(
    actor: Actor, company_id: int, plate_text: str, description: str = ""
) -> Vehicle:
    if not actor.can(Permission.MANAGE_COMPANIES):
        raise PermissionDenied("Registering vehicles needs MANAGE_COMPANIES")
    plate = required_plate(plate_text)
    if len(description) > 200:
        raise InvalidInput.single("description", FieldCode.TOO_LONG, "At most 200 characters")
    if not await companies_in(actor.scope).filter(id=company_id).exists():
        raise InvalidInput.single("companyId", FieldCode.UNKNOWN_REFERENCE, "Unknown company")
    try:
        async with in_transaction("default") as conn:
            vehicle = await Vehicle.create(
                company_id=company_id,
                plate=plate.normalized,
                plate_skeleton=plate.skeleton,
                description=description.strip(),
                using_db=conn,
            )
            await audit.record(
                actor,
                AuditAction.REGISTER_VEHICLE,
                ResourceType.VEHICLE,
                vehicle.id,
                company_id=company_id,
                after={"plate": vehicle.plate},
                using_db=conn,
            )
    except IntegrityError as exc:
        raise Conflict(
            "This plate is already registered to a company", code=ErrorCode.DUPLICATE
        ) from exc
    return vehicle


async def remove_vehicle(actor: Actor, vehicle_id: int) -> None:
    if not actor.can(Permission.MANAGE_COMPANIES):
        raise PermissionDenied("Removing vehicles needs MANAGE_COMPANIES")
    vehicle = await vehicles_in(actor.scope).get_or_none(id=vehicle_id)
    if vehicle is None:
        raise NotFound("Vehicle not found")
    async with in_transaction("default") as conn:
        await vehicle.delete(using_db=conn)
        await audit.record(
            actor,
            AuditAction.REMOVE_VEHICLE,
            ResourceType.VEHICLE,
            vehicle_id,
            company_id=vehicle.company_id,
            before={"plate": vehicle.plate},
            using_db=conn,
        )


async def get_vehicle(actor: Actor, vehicle_id: int) -> Vehicle | None:
    """Scoped single lookup (None when missing or another company's), like list_vehicles."""
    return await vehicles_in(actor.scope).get_or_none(id=vehicle_id)


async def list_vehicles(
    actor: Actor, page: PageRequest, *, company_id: int | None = None
) -> Page[Vehicle]:
    qs = vehicles_in(actor.scope)
    if company_id is not None:
        qs = qs.filter(company_id=company_id)
    return await ascending_page(qs, page, "plate")


async def company_for_plate(normalized_plate: str) -> int | None:
    """Registry owner of one canonical plate (None if unregistered)."""
    return (await companies_for_plates([normalized_plate])).get(normalized_plate)


async def companies_for_plates(normalized_plates: Iterable[str]) -> dict[str, int]:
    """The registry owner of each registered plate among these (one query for a batch)."""
    plates = sorted(set(normalized_plates))
    if not plates:
        return {}
    rows = await Vehicle.filter(plate__in=plates, is_active=True).values_list("plate", "company_id")
    return {str(plate): int(company) for plate, company in rows}
