"""The tenancy helpers every service starts from (real database)."""

from __future__ import annotations

import pytest

from domcctv.domain.access import Role, Scope
from domcctv.models import AuditAction, AuditLog, ResourceType
from domcctv.services.scoping import (
    audit_in,
    companies_in,
    events_in,
    metadata_in,
    users_in,
    vehicles_in,
)

from factories import make_company, make_event, make_metadata, make_user, make_vehicle


@pytest.fixture
async def two_tenants(db) -> tuple[int, int]:
    author = await make_user(Role.OPERATOR)
    ids = []
    for plate in ("HJKL42", "BBCD12"):
        company = await make_company()
        await make_user(Role.CLIENT_USER, company)
        await make_vehicle(company, plate)
        await make_metadata(await make_event(company, plate), author)
        await AuditLog.create(
            action=AuditAction.EXPORT_DATA,
            resource_type=ResourceType.REPORT,
            company_id=company.id,
        )
        ids.append(company.id)
    await make_event(None, "ZZTT99")
    return ids[0], ids[1]


async def test_staff_scope_sees_every_row(two_tenants) -> None:
    staff = Scope.staff()
    assert await events_in(staff).count() == 3  # including the unassigned one
    assert await companies_in(staff).count() == 2
    assert await vehicles_in(staff).count() == 2
    assert await metadata_in(staff).count() == 2
    assert await audit_in(staff).count() == 2
    assert await users_in(staff).count() == 3


async def test_company_scope_sees_only_its_rows(two_tenants) -> None:
    a, b = two_tenants
    scope = Scope.company(a)
    assert set(await events_in(scope).values_list("company_id", flat=True)) == {a}
    assert await companies_in(scope).values_list("id", flat=True) == [a]
    assert set(await vehicles_in(scope).values_list("company_id", flat=True)) == {a}
    assert set(await metadata_in(scope).values_list("company_id", flat=True)) == {a}
    assert set(await audit_in(scope).values_list("company_id", flat=True)) == {a}
    assert set(await users_in(scope).values_list("company_id", flat=True)) == {a}
    # and a filter on the other company inside the scope finds nothing
    assert await events_in(scope).filter(company_id=b).count() == 0


async def test_a_scope_without_company_sees_nothing(two_tenants) -> None:
    nowhere = Scope(all_companies=False, company_id=None)
    for qs in (events_in, companies_in, vehicles_in, metadata_in, audit_in, users_in):
        assert await qs(nowhere).count() == 0, qs.__name__
