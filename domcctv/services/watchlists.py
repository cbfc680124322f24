"""Plate watchlists: per company (client users manage their own) or DOM-wide (staff)."""

from __future__ import annotations

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
from domcctv.models import AuditAction, ResourceType, WatchlistEntry
from domcctv.services import audit
from domcctv.services.scoping import watchlist_in
from domcctv.services.validation import required_plate


def _company_for(actor: Actor, company_id: int | None) -> int | None:
    if not actor.can(Permission.READ_EVENTS):
        raise PermissionDenied("Watchlists need READ_EVENTS")
    if actor.is_staff:
        return company_id
    if company_id not in (None, actor.company_id):
        raise NotFound("Company not found")
    return actor.company_id


async def list_watchlist(actor: Actor) -> list[WatchlistEntry]:
    _company_for(actor, None)
    return await watchlist_in(actor.scope).order_by("plate").limit(1000)


async def get_entry(actor: Actor, entry_id: int) -> WatchlistEntry | None:
    """Scoped single lookup with list_watchlist's rule (None when missing or not visible)."""
    if not actor.can(Permission.READ_EVENTS):
        return None
    return await watchlist_in(actor.scope).get_or_none(id=entry_id)


async def add_entry(
    actor: Actor, plate_text: str, reason: str, company_id: int | None = None
) -> WatchlistEntry:
    company = _company_for(actor, company_id)
    plate = required_plate(plate_text)
    # The unique key cannot see NULL companies (DOM-wide entries), so check here too.
    if await WatchlistEntry.exists(company_id=company, plate=plate.normalized):
        raise Conflict("This plate is already watched", code=ErrorCode.DUPLICATE)
    if len(reason) > 200:
        raise InvalidInput.single("reason", FieldCode.TOO_LONG, "At most 200 characters")
    try:
        async with in_transaction("default") as conn:
            entry = await WatchlistEntry.create(
                company_id=company,
                plate=plate.normalized,
                plate_skeleton=plate.skeleton,
                reason=reason.strip(),
                created_by_id=actor.user_id,
                using_db=conn,
            )

            await audit.record(
                actor,
                AuditAction.UPDATE_WATCHLIST,
                ResourceType.WATCHLIST,
                entry.id,
                company_id=company,
                after={"plate": entry.plate, "reason": entry.reason},
                using_db=conn,
            )
    except IntegrityError as exc:
        raise Conflict("This plate is already watched", code=ErrorCode.DUPLICATE) from exc
    return entry


async def remove_entry(actor: Actor, entry_id: int) -> None:
    entry = await watchlist_in(actor.scope).get_or_none(id=entry_id)
    if entry is None:
        raise NotFound("Watchlist entry not found")
    _company_for(actor, entry.company_id)

    async with in_transaction("default") as conn:
        await entry.delete(using_db=conn)
        await audit.record(
            actor,
            AuditAction.UPDATE_WATCHLIST,
            ResourceType.WATCHLIST,
            entry_id,
            company_id=entry.company_id,
            before={"plate": entry.plate},
            using_db=conn,
        )
