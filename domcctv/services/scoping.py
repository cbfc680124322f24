"""The one place where tenancy is applied to queries.

Every service starts its queries from these helpers, so a CLIENT_USER can only ever reach its
own company's rows. Rows of another company behave exactly like missing rows (NotFound).
"""

from __future__ import annotations

from tortoise.models import Model
from tortoise.queryset import QuerySet

from domcctv.domain.access import Scope
from domcctv.models import (
    AuditLog,
    BasicEventMetadata,
    Company,
    Event,
    User,
    Vehicle,
    VideoClip,
    VideoExport,
    WatchlistEntry,
)

_NO_ROWS = -1


def _company_filter(scope: Scope) -> int | None:
    """The company id to filter on, or None for staff (no filter)."""
    if scope.all_companies:
        return None
    return scope.company_id if scope.company_id is not None else _NO_ROWS


def _scoped[M: Model](model: type[M], scope: Scope, column: str = "company_id") -> QuerySet[M]:
    company = _company_filter(scope)
    qs = model.all()
    return qs if company is None else qs.filter(**{column: company})


def events_in(scope: Scope) -> QuerySet[Event]:
    return _scoped(Event, scope)


def metadata_in(scope: Scope) -> QuerySet[BasicEventMetadata]:
    return _scoped(BasicEventMetadata, scope)


def companies_in(scope: Scope) -> QuerySet[Company]:
    return _scoped(Company, scope, column="id")


def users_in(scope: Scope) -> QuerySet[User]:
    return _scoped(User, scope)


def vehicles_in(scope: Scope) -> QuerySet[Vehicle]:
    return _scoped(Vehicle, scope)


def audit_in(scope: Scope) -> QuerySet[AuditLog]:
    return _scoped(AuditLog, scope)


def watchlist_in(scope: Scope) -> QuerySet[WatchlistEntry]:
    """Client users see their company's entries, not DOM-wide ones (company NULL)."""
    return _scoped(WatchlistEntry, scope)


def clips_in(scope: Scope) -> QuerySet[VideoClip]:
    """A clip is visible exactly when its event is: the tenant is the event's company, read
    through the join at query time, so assigning or moving an event re-scopes its clips."""
    return _scoped(VideoClip, scope, column="event__company_id")


def exports_in(scope: Scope) -> QuerySet[VideoExport]:
    """Exports carry the company of the evidence they hold (None: staff only)."""
    return _scoped(VideoExport, scope)
