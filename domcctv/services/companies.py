"""Client companies: create, update, list, and the batch lookup behind the loader."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from domcctv.domain.access import Actor, Permission
from domcctv.domain.errors import Conflict, ErrorCode, FieldCode, NotFound, PermissionDenied
from domcctv.domain.rut import InvalidRutError, normalize_rut
from domcctv.models import AuditAction, Company, ResourceType
from domcctv.services import audit
from domcctv.services.pagination import Page, PageRequest, ascending_page
from domcctv.services.scoping import companies_in
from domcctv.services.validation import Checker


@dataclass(frozen=True, slots=True)
class ContactInput:
    """The company's primary contact person."""

    name: str
    position: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class CompanyInput:
    """Fields of a company; on update ``None`` means "leave unchanged"."""

    rut: str | None = None
    name: str | None = None
    business_name: str | None = None
    address: str | None = None
    city: str | None = None
    region: str | None = None
    phone: str | None = None
    email: str | None = None
    primary_contact: ContactInput | None = None
    is_active: bool | None = None


def _snapshot(c: Company) -> dict[str, Any]:
    return {
        "rut": c.rut,
        "name": c.name,
        "businessName": c.business_name,
        "address": c.address,
        "city": c.city,
        "region": c.region,
        "phone": c.phone,
        "email": c.email,
        "primaryContact": c.primary_contact,
        "isActive": c.is_active,
    }


def _validated(data: CompanyInput, *, creating: bool) -> dict[str, Any]:
    check = Checker()
    values: dict[str, Any] = {}
    if data.rut is not None or creating:
        try:
            values["rut"] = normalize_rut(data.rut or "")
        except InvalidRutError as exc:
            check.add("rut", FieldCode.INVALID_RUT, str(exc))
    for name, limit in (
        ("name", 200),
        ("business_name", 200),
        ("address", 300),
        ("city", 100),
        ("region", 100),
        ("phone", 20),
    ):
        raw = getattr(data, name)
        if raw is not None or (creating and name == "name"):
            cleaned = check.text(name, raw, max_length=limit, required=name == "name")
            values[name] = cleaned if name == "business_name" else (cleaned or "")
    if data.email is not None:
        values["email"] = check.email("email", data.email) or ""
    if data.primary_contact is not None:
        contact = data.primary_contact
        check.text("primaryContact.name", contact.name, max_length=100, required=True)
        check.email("primaryContact.email", contact.email)
        values["primary_contact"] = {k: v for k, v in asdict(contact).items() if v is not None}
    if data.is_active is not None:
        values["is_active"] = data.is_active
    check.raise_if_any()
    return values


def _require_manage(actor: Actor) -> None:
    if not actor.can(Permission.MANAGE_COMPANIES):
        raise PermissionDenied("Managing companies needs MANAGE_COMPANIES")


async def create_company(actor: Actor, data: CompanyInput) -> Company:
    _require_manage(actor)
    values = _validated(data, creating=True)
    try:
        async with in_transaction("default") as conn:
            company = await Company.create(**values, created_by_id=actor.user_id, using_db=conn)
            await audit.record(
                actor,
                AuditAction.CREATE_COMPANY,
                ResourceType.COMPANY,
                company.id,
                company_id=company.id,
                after=_snapshot(company),
                using_db=conn,
            )
    except IntegrityError as exc:
        raise Conflict("A company with this RUT already exists", code=ErrorCode.DUPLICATE) from exc
    return company


async def update_company(actor: Actor, company_id: int, data: CompanyInput) -> Company:
    _require_manage(actor)
    values = _validated(data, creating=False)
    company = await companies_in(actor.scope).get_or_none(id=company_id)
    if company is None:
        raise NotFound("Company not found")
    before = _snapshot(company)
    company.update_from_dict(values)
    try:
        async with in_transaction("default") as conn:
            await company.save(using_db=conn)
            await audit.record(
                actor,
                AuditAction.UPDATE_COMPANY,
                ResourceType.COMPANY,
                company.id,
                company_id=company.id,
                before=before,
                after=_snapshot(company),
                using_db=conn,
            )
    except IntegrityError as exc:
        raise Conflict("A company with this RUT already exists", code=ErrorCode.DUPLICATE) from exc
    return company


async def get_company(actor: Actor, company_id: int) -> Company | None:
    return await companies_in(actor.scope).get_or_none(id=company_id)


async def list_companies(
    actor: Actor, page: PageRequest, *, search: str | None = None, active: bool | None = None
) -> Page[Company]:
    """Alphabetical, keyset on (name, id). Client users see only their own company."""
    qs = companies_in(actor.scope)
    if search:
        term = search.strip()
        try:
            qs = qs.filter(rut=normalize_rut(term))
        except InvalidRutError:
            qs = qs.filter(name__istartswith=term)
    if active is not None:
        qs = qs.filter(is_active=active)
    return await ascending_page(qs, page, "name")


async def companies_by_id(ids: list[int], *, actor: Actor) -> list[Company | None]:
    rows = await companies_in(actor.scope).filter(id__in=ids)
    by_id = {c.id: c for c in rows}
    return [by_id.get(i) for i in ids]
