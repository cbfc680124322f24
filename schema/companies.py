"""Company and Vehicle types."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry

from domcctv.domain.rut import format_rut
from domcctv.models import Company as CompanyModel
from domcctv.models import Vehicle as VehicleModel
from schema.relay import Node, to_global_id


@strawberry.type(description="A company's primary contact person.")
class Contact:
    name: str | None = strawberry.field(description="Full name.")
    position: str | None = strawberry.field(description="Job title.")
    phone: str | None = strawberry.field(description="Phone number.")
    email: str | None = strawberry.field(description="E-mail address.")


@strawberry.type(description="A client company whose trucks DOM receives (a tenant).")
class Company(Node):
    database_id: int = strawberry.field(description="Numeric id (for filters).")
    rut: str = strawberry.field(description="Canonical RUT, e.g. 76086428-5.")
    rut_display: str = strawberry.field(description="RUT with thousands dots: 76.086.428-5.")
    name: str = strawberry.field(description="Trade name.")
    business_name: str | None = strawberry.field(description="Legal name (razón social).")
    address: str = strawberry.field(description="Street address.")
    city: str = strawberry.field(description="City.")
    region: str = strawberry.field(description="Region.")
    phone: str = strawberry.field(description="Main phone.")
    email: str = strawberry.field(description="Main e-mail.")
    primary_contact: Contact | None = strawberry.field(description="Primary contact person.")
    is_active: bool = strawberry.field(description="Inactive companies get no new events.")
    video_retention_days: int | None = strawberry.field(
        description="Days its video evidence is kept (null: the server default); legal holds "
        "are kept regardless."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    updated_at: datetime = strawberry.field(description="Last change.")

    @classmethod
    def from_model(cls, c: CompanyModel) -> Self:
        contact = c.primary_contact or {}
        return cls(
            id=to_global_id("Company", c.id),
            database_id=c.id,
            rut=c.rut,
            rut_display=format_rut(c.rut),
            video_retention_days=c.video_retention_days,
            name=c.name,
            business_name=c.business_name,
            address=c.address,
            city=c.city,
            region=c.region,
            phone=c.phone,
            email=c.email,
            primary_contact=Contact(
                name=contact.get("name"),
                position=contact.get("position"),
                phone=contact.get("phone"),
                email=contact.get("email"),
            )
            if contact
            else None,
            is_active=c.is_active,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


@strawberry.type(description="A plate registered to a company; its reads auto-assign.")
class Vehicle(Node):
    database_id: int = strawberry.field(description="Numeric id.")
    plate: str = strawberry.field(description="Canonical plate.")
    description: str = strawberry.field(description="Free text (tractor, trailer, ...).")
    is_active: bool = strawberry.field(description="Inactive plates do not auto-assign.")
    company_id: strawberry.Private[int]

    @strawberry.field(description="Owning company.")
    async def company(self, info: strawberry.Info) -> Company | None:
        row = await info.context.loaders.company_by_id.load(self.company_id)
        return Company.from_model(row) if row else None

    @classmethod
    def from_model(cls, v: VehicleModel) -> Self:
        return cls(
            id=to_global_id("Vehicle", v.id),
            database_id=v.id,
            plate=v.plate,
            description=v.description,
            is_active=v.is_active,
            company_id=v.company_id,
        )
