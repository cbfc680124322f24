"""The one place where tenancy is applied to queries.

Every service starts its queries from these helpers, so a CLIENT_USER can only ever reach its
own company's rows. Rows of another company behave exactly like missing rows (NotFound).
"""

from __future__ import annotations

from tortoise.queryset import QuerySet

from domcctv.domain.access import Scope
from domcctv.models import AuditLog, BasicEventMetadata, Company, Event, User, Vehicle

_NO_ROWS = -1


def _company_filter(scope: Scope) -> int | None:
    """The company id to filter on, or None for staff (no filter)."""
    if scope.all_companies:
        return None
    return scope.company_id if scope.company_id is not None else _NO_ROWS


def events_in(scope: Scope) -> QuerySet[Event]:
    company = _company_filter(scope)
    qs = Event.all()
    return qs if company is None else qs.filter(company_id=company)


def metadata_in(scope: Scope) -> QuerySet[BasicEventMetadata]:
    company = _company_filter(scope)
    qs = BasicEventMetadata.all()
    return qs if company is None else qs.filter(company_id=company)


def companies_in(scope: Scope) -> QuerySet[Company]:
    company = _company_filter(scope)
    qs = Company.all()
    return qs if company is None else qs.filter(id=company)


def users_in(scope: Scope) -> QuerySet[User]:
    company = _company_filter(scope)
    qs = User.all()
    return qs if company is None else qs.filter(company_id=company)


def vehicles_in(scope: Scope) -> QuerySet[Vehicle]:
    company = _company_filter(scope)
    qs = Vehicle.all()
    return qs if company is None else qs.filter(company_id=company)


def audit_in(scope: Scope) -> QuerySet[AuditLog]:
    company = _company_filter(scope)
    qs = AuditLog.all()
    return qs if company is None else qs.filter(company_id=company)
