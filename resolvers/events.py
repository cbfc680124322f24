"""Event search, detail, documentation, lifecycle, plate correction and assignment."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domcctv.domain.access import Permission
from domcctv.domain.lifecycle import EventStatus as StatusValue
from domcctv.models import Event as EventModel
from domcctv.services import documentation as doc_service
from domcctv.services import events as service
from domcctv.services.documentation import MetadataInput
from domcctv.services.events import EventFilter
from resolvers.common import (
    AFTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    mutate,
    optional_pk,
    page_request,
    required_pk,
)
from schema.context import Info
from schema.enums import EventStatus
from schema.events import Event
from schema.inputs import EventFilterInput, EventMetadataInput
from schema.payloads import EventResult, EventSuccess
from schema.permissions import describe, requires
from schema.relay import Connection, int_pk


def _filter(i: EventFilterInput | None) -> EventFilter:
    if i is None:
        return EventFilter()
    return EventFilter(
        plate=i.plate,
        plate_match=i.plate_match,
        company_id=optional_pk(i.company_id, "Company", "filter.companyId"),
        unassigned=i.unassigned,
        since=i.since,
        until=i.until,
        statuses=tuple(StatusValue(s) for s in (i.statuses or [])),
        camera_code=i.camera_code,
        guide_number=i.guide_number,
        documented=i.documented,
        low_confidence=i.low_confidence,
        time_issue=i.time_issue,
        text=i.text,
        include_archived=i.include_archived,
    )


@strawberry.type
class EventQuery:
    @strawberry.field(
        description=describe(
            "Search events, newest first. Plate by EXACT, PREFIX or OCR-tolerant (OCR, "
            "OCR_PREFIX) match; all filters use indexes. Audited.",
            Permission.READ_EVENTS,
        ),
        extensions=requires(Permission.READ_EVENTS),
    )
    async def events(
        self,
        info: Info,
        filter: Annotated[
            EventFilterInput | None, strawberry.argument(description="Criteria.")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Event]:
        ctx = info.context
        page = await service.search_events(
            ctx.actor, _filter(filter), page_request(info, first, after)
        )
        signer = ctx.services.media_signer
        return Connection.from_page(page, [Event.from_model(e, signer) for e in page.items])

    @strawberry.field(
        description=describe(
            "One event (null if missing or not visible). Audited as a view.", Permission.READ_EVENTS
        ),
        extensions=requires(Permission.READ_EVENTS),
    )
    async def event(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Event global id.")],
    ) -> Event | None:
        pk = int_pk(id, "Event")
        ctx = info.context
        row = await service.get_event(ctx.actor, pk) if pk is not None else None
        return Event.from_model(row, ctx.services.media_signer) if row else None


async def _success(info: Info, row: EventModel) -> EventSuccess:
    """Map the changed event (its live push was staged by the service, in its transaction)."""
    return EventSuccess(event=Event.from_model(row, info.context.services.media_signer))


@strawberry.type
class EventMutation:
    @strawberry.mutation(
        description=describe(
            "Write or edit an event's dispatch documentation (first time: DETECTED -> "
            "DOCUMENTED). Editing someone else's needs WRITE_BASIC_METADATA."
        ),
        extensions=requires(),
    )
    async def document_event(
        self,
        info: Info,
        event_id: Annotated[strawberry.ID, strawberry.argument(description="Event global id.")],
        input: Annotated[EventMetadataInput, strawberry.argument(description="The documentation.")],
    ) -> EventResult:
        async def run() -> EventSuccess:
            event, _ = await doc_service.document_event(
                info.context.actor,
                required_pk(event_id, "Event", "eventId"),
                MetadataInput(
                    guide_number=input.guide_number,
                    guide_date=input.guide_date,
                    origin_project=input.origin_project,
                    cargo_description=input.cargo_description,
                    observations=input.observations,
                    company_id=optional_pk(input.company_id, "Company", "companyId"),
                ),
            )
            return await _success(info, event)

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Move an event through its lifecycle. VALIDATED needs WRITE_BASIC_METADATA and a "
            "different person than the documenter; ARCHIVED needs DELETE_EVENTS."
        ),
        extensions=requires(),
    )
    async def change_event_status(
        self,
        info: Info,
        event_id: Annotated[strawberry.ID, strawberry.argument(description="Event global id.")],
        status: Annotated[EventStatus, strawberry.argument(description="Target status.")],
    ) -> EventResult:
        async def run() -> EventSuccess:
            event = await doc_service.change_status(
                info.context.actor, required_pk(event_id, "Event", "eventId"), StatusValue(status)
            )
            return await _success(info, event)

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Correct a misread plate. The original reading and each correction are kept."
        ),
        extensions=requires(),
    )
    async def correct_event_plate(
        self,
        info: Info,
        event_id: Annotated[strawberry.ID, strawberry.argument(description="Event global id.")],
        plate: Annotated[str, strawberry.argument(description="The correct plate, any format.")],
        reason: Annotated[str, strawberry.argument(description="Why (kept in the history).")],
    ) -> EventResult:
        async def run() -> EventSuccess:
            event = await doc_service.correct_plate(
                info.context.actor, required_pk(event_id, "Event", "eventId"), plate, reason
            )
            return await _success(info, event)

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Assign an event to a company (staff; reassigning needs WRITE_BASIC_METADATA)."
        ),
        extensions=requires(),
    )
    async def assign_event_company(
        self,
        info: Info,
        event_id: Annotated[strawberry.ID, strawberry.argument(description="Event global id.")],
        company_id: Annotated[strawberry.ID, strawberry.argument(description="Company global id.")],
    ) -> EventResult:
        async def run() -> EventSuccess:
            event = await doc_service.assign_company(
                info.context.actor,
                required_pk(event_id, "Event", "eventId"),
                required_pk(company_id, "Company", "companyId"),
            )
            return await _success(info, event)

        return await mutate(run)  # type: ignore[return-value]
