"""Company and vehicle-registry operations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domcctv.domain.access import Permission
from domcctv.services import companies as service
from domcctv.services import vehicles as vehicle_service
from domcctv.services.companies import CompanyInput as CompanyData
from domcctv.services.companies import ContactInput as ContactData
from resolvers.common import (
    AFTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    mutate,
    optional_pk,
    page_request,
    required_pk,
)
from schema.companies import Company, Vehicle
from schema.context import Info
from schema.inputs import CompanyInput
from schema.payloads import (
    CompanyResult,
    CompanySuccess,
    OkResult,
    OkSuccess,
    VehicleResult,
    VehicleSuccess,
)
from schema.permissions import describe, requires
from schema.relay import Connection, int_pk


def _data(i: CompanyInput) -> CompanyData:
    contact = i.primary_contact
    return CompanyData(
        rut=i.rut,
        name=i.name,
        business_name=i.business_name,
        address=i.address,
        city=i.city,
        region=i.region,
        phone=i.phone,
        email=i.email,
        is_active=i.is_active,
        primary_contact=ContactData(
            name=contact.name, position=contact.position, phone=contact.phone, email=contact.email
        )
        if contact
        else None,
    )


@strawberry.type
class CompanyQuery:
    @strawberry.field(
        description=describe("Companies visible to you, by name. Client users see only their own."),
        extensions=requires(),
    )
    async def companies(
        self,
        info: Info,
        search: Annotated[
            str | None, strawberry.argument(description="Name prefix or exact RUT.")
        ] = None,
        active: Annotated[bool | None, strawberry.argument(description="Active flag.")] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Company]:
        page = await service.list_companies(
            info.context.actor, page_request(info, first, after), search=search, active=active
        )
        return Connection.from_page(page, [Company.from_model(c) for c in page.items])

    @strawberry.field(
        description=describe("One company (null if missing or not yours)."), extensions=requires()
    )
    async def company(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Company global id.")],
    ) -> Company | None:
        pk = int_pk(id, "Company")
        row = await service.get_company(info.context.actor, pk) if pk is not None else None
        return Company.from_model(row) if row else None

    @strawberry.field(
        description=describe("Registered plates.", Permission.READ_EVENTS),
        extensions=requires(Permission.READ_EVENTS),
    )
    async def vehicles(
        self,
        info: Info,
        company_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Company global id.")
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Vehicle]:
        page = await vehicle_service.list_vehicles(
            info.context.actor,
            page_request(info, first, after),
            company_id=optional_pk(company_id, "Company", "companyId"),
        )
        return Connection.from_page(page, [Vehicle.from_model(v) for v in page.items])


@strawberry.type
class CompanyMutation:
    @strawberry.mutation(
        description=describe(
            "Create a client company (RUT validated, módulo 11).", Permission.MANAGE_COMPANIES
        ),
        extensions=requires(Permission.MANAGE_COMPANIES),
    )
    async def create_company(
        self,
        info: Info,
        input: Annotated[CompanyInput, strawberry.argument(description="The new company.")],
    ) -> CompanyResult:
        async def run() -> CompanySuccess:
            row = await service.create_company(info.context.actor, _data(input))
            return CompanySuccess(company=Company.from_model(row))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe("Update a company.", Permission.MANAGE_COMPANIES),
        extensions=requires(Permission.MANAGE_COMPANIES),
    )
    async def update_company(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Company global id.")],
        input: Annotated[CompanyInput, strawberry.argument(description="Fields to change.")],
    ) -> CompanyResult:
        async def run() -> CompanySuccess:
            row = await service.update_company(
                info.context.actor, required_pk(id, "Company", "id"), _data(input)
            )
            return CompanySuccess(company=Company.from_model(row))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Register a plate to a company so its reads auto-assign.", Permission.MANAGE_COMPANIES
        ),
        extensions=requires(Permission.MANAGE_COMPANIES),
    )
    async def register_vehicle(
        self,
        info: Info,
        company_id: Annotated[
            strawberry.ID, strawberry.argument(description="Owning company global id.")
        ],
        plate: Annotated[str, strawberry.argument(description="Plate, any format (HJ·KL·42).")],
        description: Annotated[
            str, strawberry.argument(description="Free text (tractor, trailer, ...).")
        ] = "",
    ) -> VehicleResult:
        async def run() -> VehicleSuccess:
            row = await vehicle_service.register_vehicle(
                info.context.actor,
                required_pk(company_id, "Company", "companyId"),
                plate,
                description,
            )
            return VehicleSuccess(vehicle=Vehicle.from_model(row))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe("Remove a plate from the registry.", Permission.MANAGE_COMPANIES),
        extensions=requires(Permission.MANAGE_COMPANIES),
    )
    async def remove_vehicle(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Vehicle global id.")],
    ) -> OkResult:
        async def run() -> OkSuccess:
            await vehicle_service.remove_vehicle(
                info.context.actor, required_pk(id, "Vehicle", "id")
            )
            return OkSuccess(ok=True)

        return await mutate(run)  # type: ignore[return-value]
