"""Reading events: scoped lookup, the indexed search, and the loader batches."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum

from tortoise.expressions import Q, Subquery
from tortoise.queryset import QuerySet

from domcctv.domain.access import Actor, Permission, can_see_archived
from domcctv.domain.errors import FieldCode, InvalidInput, PermissionDenied
from domcctv.domain.lifecycle import EventStatus
from domcctv.domain.plates import MAX_PLATE_LENGTH, canonical, is_search_prefix, skeleton
from domcctv.models import AuditAction, BasicEventMetadata, Event, PlateCorrection, ResourceType
from domcctv.models.event_rows import EventRow, fetch_event_rows
from domcctv.services import audit, search_plans, text_search
from domcctv.services.pagination import (
    Page,
    PageRequest,
    parse_time_id_cursor,
    time_id_cursor,
)
from domcctv.services.scoping import events_in, metadata_in
from domcctv.services.search_plans import PrefixColumn, PrefixSearch
from domcctv.services.validation import as_utc

CAMERA_CODE_MAX_LENGTH = 64  # events.camera_code


class PlateMatch(StrEnum):
    """How the plate text of a search is compared (each mode has its own index)."""

    EXACT = "EXACT"
    PREFIX = "PREFIX"
    OCR = "OCR"  # same OCR skeleton: finds 0/O/D, 1/I, 2/Z, 5/S, 8/B, 6/G misreads
    OCR_PREFIX = "OCR_PREFIX"


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Search criteria; every field is optional and they combine with AND."""

    plate: str | None = None
    plate_match: PlateMatch = PlateMatch.EXACT
    company_id: int | None = None
    unassigned: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    statuses: tuple[EventStatus, ...] = field(default_factory=tuple)
    camera_code: str | None = None
    guide_number: str | None = None
    documented: bool | None = None
    low_confidence: bool | None = None
    time_issue: bool | None = None  # events whose time needs a review (camera clock unusable)
    text: str | None = None  # words in the documentation (services.text_search)
    include_archived: bool = False


def _require_search(actor: Actor) -> None:
    if not actor.can(Permission.READ_EVENTS):
        raise PermissionDenied("Reading events needs READ_EVENTS")
    needed = Permission.SEARCH_ALL_COMPANIES if actor.is_staff else Permission.SEARCH_OWN_COMPANY
    if not actor.can(needed):
        raise PermissionDenied(f"Searching needs {needed}")


def _plate_q(text: str, mode: PlateMatch) -> Q:
    if not is_search_prefix(text):
        raise InvalidInput.single(
            "plate",
            FieldCode.INVALID_PLATE,
            f"Plate search takes 1 to {MAX_PLATE_LENGTH} letters/digits",
        )
    norm = canonical(text)
    if mode is PlateMatch.EXACT:
        return Q(plate=norm)
    if mode is PlateMatch.PREFIX:
        return search_plans.prefix_q(PrefixColumn.PLATE, norm)
    if mode is PlateMatch.OCR:
        return Q(plate_skeleton=skeleton(norm))
    return search_plans.prefix_q(PrefixColumn.SKELETON, skeleton(norm))


def _guide_prefix(text: str) -> str:
    return text.strip()[:50]


def _documented(
    actor: Actor, flt: EventFilter, after: str | None = None
) -> QuerySet[BasicEventMetadata]:
    """Scoped documentation rows of the filter's company and time range, past the page's
    cursor ``after`` (each row carries its event's time, so the range and the cursor narrow
    the documentation indexes too)."""
    qs = metadata_in(actor.scope)
    if flt.company_id is not None:
        qs = qs.filter(company_id=flt.company_id)
    if flt.unassigned is not None:
        qs = qs.filter(company_id__isnull=flt.unassigned)
    if flt.since:
        qs = qs.filter(event_time__gte=as_utc(flt.since))
    if flt.until:
        qs = qs.filter(event_time__lt=as_utc(flt.until))
    if after:
        qs = qs.filter(_after(after, id_field="event_id"))
    return qs


def _documented_with_guide(
    actor: Actor, flt: EventFilter, after: str | None = None
) -> QuerySet[BasicEventMetadata]:
    """``_documented`` rows whose guide number starts with the filter's text."""
    assert flt.guide_number
    guide = _guide_prefix(flt.guide_number)
    return _documented(actor, flt, after).filter(guide_number__startswith=guide)


async def _apply(actor: Actor, flt: EventFilter, *, guide: bool = True) -> QuerySet[Event]:
    since, until = as_utc(flt.since), as_utc(flt.until)
    if since and until and since >= until:
        raise InvalidInput.single("until", FieldCode.OUT_OF_RANGE, "until must be after since")
    asks_archived = flt.include_archived or EventStatus.ARCHIVED in flt.statuses
    if asks_archived and not can_see_archived(actor):
        # An explicit ARCHIVED status is asking for archived events just as includeArchived
        # is: one rule (domain.access.can_see_archived) for the search and every lookup.
        raise PermissionDenied("Archived events need ADVANCED_SEARCH")
    qs = events_in(actor.scope)
    if flt.plate:
        qs = qs.filter(_plate_q(flt.plate, flt.plate_match))
    if flt.company_id is not None:
        qs = qs.filter(company_id=flt.company_id)
    if flt.unassigned is not None:
        qs = qs.filter(company_id__isnull=flt.unassigned)
    if since:
        qs = qs.filter(event_time__gte=since)
    if until:
        qs = qs.filter(event_time__lt=until)
    if flt.statuses:
        qs = qs.filter(status__in=list(flt.statuses))
    elif not flt.include_archived:
        qs = qs.exclude(status=EventStatus.ARCHIVED)
    if flt.camera_code:
        if len(flt.camera_code) > CAMERA_CODE_MAX_LENGTH:  # the ORM would raise on the lookup
            raise InvalidInput.single("cameraCode", FieldCode.TOO_LONG, "Camera code is too long")
        qs = qs.filter(camera_code=flt.camera_code)
    if flt.documented is not None:
        qs = qs.filter(has_basic_metadata=flt.documented)
    if flt.low_confidence is not None:
        qs = qs.filter(low_confidence=flt.low_confidence)
    if flt.time_issue is not None:
        qs = qs.filter(time_issue__isnull=not flt.time_issue)
    if flt.guide_number and guide:
        # A subquery, not a capped id list: any cap silently drops matching events.
        documented = _documented_with_guide(actor, flt)
        qs = qs.filter(id__in=Subquery(documented.values("event_id")))
    return qs


def _after(cursor: str, *, id_field: str = "id") -> Q:
    """Rows after a (time, id) cursor, newest first."""
    moment, last_id = parse_time_id_cursor(cursor)
    return search_plans.older_than(moment, last_id, id_field=id_field)


def _by_company(actor: Actor, flt: EventFilter) -> bool:
    """A company_id equality leads the query (the company-first indexes serve it)."""
    return not actor.scope.all_companies or flt.company_id is not None or flt.unassigned is True


async def _page_rows(actor: Actor, flt: EventFilter, page: PageRequest) -> list[EventRow]:
    """The page plus one row (to tell whether another follows), by the plan its shape needs
    (``services.search_plans``)."""
    limit = page.first + 1
    plate_prefix = flt.plate and flt.plate_match in (PlateMatch.PREFIX, PlateMatch.OCR_PREFIX)
    words = text_search.search_words(flt.text) if flt.text is not None else []
    sqlite_text = bool(words) and text_search.is_sqlite()
    guide_plan = bool(flt.guide_number) and not flt.plate and not sqlite_text
    text_plan = bool(words) and not flt.plate and not flt.guide_number
    qs = await _apply(actor, flt, guide=not guide_plan)
    if page.after:
        qs = qs.filter(_after(page.after))
    rows = events_in(actor.scope)
    if sqlite_text:
        # SQLite: one statement with the FTS5 match as a subquery, whatever leads the search.
        ids = await text_search.sqlite_page_ids(qs, words, limit)
        return await search_plans.rows_in_order(rows, ids)
    if text_plan:
        return await text_search.text_page(
            qs,
            _documented(actor, flt, page.after),
            words,
            by_company=_by_company(actor, flt),
            limit=limit,
            rows=rows,
        )
    if words:
        qs = qs.filter(await text_search.text_condition(metadata_in(actor.scope), words))
    if guide_plan:
        return await search_plans.guide_page(
            qs,
            _documented_with_guide(actor, flt, page.after),
            by_company=not actor.scope.all_companies or flt.company_id is not None,
            limit=limit,
            rows=rows,
        )
    if plate_prefix:
        column = (
            PrefixColumn.PLATE if flt.plate_match is PlateMatch.PREFIX else PrefixColumn.SKELETON
        )
        search = PrefixSearch(column, by_company=_by_company(actor, flt))
        return await search_plans.prefix_page(qs, search, limit, rows=rows)
    # One statement: the named index is read newest first and the rows come with it (a
    # separate id pass would only pay where the index alone can reject rows: the prefixes).
    newest = search_plans.forced(qs, _plain_index(actor, flt)).order_by(*search_plans.PAGE_ORDER)
    return await fetch_event_rows(newest.limit(limit))


def _plain_index(actor: Actor, flt: EventFilter) -> str:
    """The time-ordered index whose leading equality serves this filter best.

    MariaDB, left alone, takes the range "status is not ARCHIVED" on a status index and sorts
    the whole table for a page of 50: every shape names its index instead.
    """
    by_company = _by_company(actor, flt)
    if flt.plate and flt.plate_match is PlateMatch.EXACT:
        return search_plans.column_index(PrefixColumn.PLATE, by_company)
    if flt.plate and flt.plate_match is PlateMatch.OCR:
        return search_plans.column_index(PrefixColumn.SKELETON, by_company)
    if by_company:
        return search_plans.time_index(by_company)
    if flt.camera_code:
        return "idx_event_camera_time"
    if flt.time_issue:
        return "idx_event_time_issue"
    if len(flt.statuses) == 1:
        return "idx_event_status_time"
    return search_plans.time_index(by_company)


async def search_events(
    actor: Actor, flt: EventFilter, page: PageRequest, *, audit_search: bool = True
) -> Page[EventRow]:
    """Newest first, keyset-paginated on (event_time, id); audited as SEARCH_EVENTS.

    The audit entry is written on its own connection while the page is read (it does not
    depend on the page): the response waits for both, so the entry is durable before the page
    is sent, at the cost of one statement's latency rather than two. A search that fails
    after it was asked for (a filter the database refuses) stays audited as asked.
    """
    _require_search(actor)
    entry = (
        asyncio.create_task(
            audit.record(
                actor,
                AuditAction.SEARCH_EVENTS,
                ResourceType.EVENT,
                company_id=actor.company_id if not actor.is_staff else flt.company_id,
                after=_filter_snapshot(flt, page),
            )
        )
        if audit_search
        else None
    )
    try:
        rows = await _page_rows(actor, flt, page)
    finally:
        if entry is not None:
            await entry
    items = rows[: page.first]
    return Page(items, [time_id_cursor(r.event_time, r.id) for r in items], len(rows) > page.first)


def _filter_snapshot(flt: EventFilter, page: PageRequest) -> dict[str, object]:
    # Keep False-valued criteria (documented=False is a real filter); drop unset ones.
    data = {
        k: v
        for k, v in asdict(flt).items()
        if v is not None and v != () and not (k == "include_archived" and v is False)
    }
    for key, value in list(data.items()):
        if isinstance(value, datetime):
            data[key] = value.isoformat()
        elif isinstance(value, tuple):
            data[key] = [str(v) for v in value]
    data["first"] = page.first
    if page.after:
        data["after"] = page.after
    return data


async def get_event(actor: Actor, event_id: int, *, audit_view: bool = True) -> Event | None:
    """Scoped single lookup (None when missing *or* foreign); audited as VIEW_EVENT."""
    if not actor.can(Permission.READ_EVENTS):
        raise PermissionDenied("Reading events needs READ_EVENTS")
    event = await events_in(actor.scope).get_or_none(id=event_id)
    if event is None or not _visible(actor, event):
        return None
    if audit_view:
        await audit.record(
            actor, AuditAction.VIEW_EVENT, ResourceType.EVENT, event.id, company_id=event.company_id
        )
    return event


def _visible(actor: Actor, event: Event) -> bool:
    """Within the scope already; archived ones only for who may see archived events."""
    return event.status is not EventStatus.ARCHIVED or can_see_archived(actor)


async def events_by_id(ids: list[int], *, actor: Actor) -> list[Event | None]:
    rows = await events_in(actor.scope).filter(id__in=ids)
    by_id = {e.id: e for e in rows if _visible(actor, e)}
    return [by_id.get(i) for i in ids]


async def metadata_by_event_id(ids: list[int], *, actor: Actor) -> list[BasicEventMetadata | None]:
    rows = await metadata_in(actor.scope).filter(event_id__in=ids)
    by_id = {m.event_id: m for m in rows}
    return [by_id.get(i) for i in ids]


async def corrections_by_event_id(ids: list[int], *, actor: Actor) -> list[list[PlateCorrection]]:
    visible = await events_in(actor.scope).filter(id__in=ids).values_list("id", flat=True)
    rows = await PlateCorrection.filter(event_id__in=list(visible)).order_by("created_at", "id")
    by_event: dict[int, list[PlateCorrection]] = {}
    for row in rows:
        by_event.setdefault(row.event_id, []).append(row)
    return [by_event.get(i, []) for i in ids]
