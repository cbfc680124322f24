"""createCompany / updateCompany / companies / company, and the vehicle registry."""

from __future__ import annotations

from gqlkit import ERROR_FIELDS, field_codes, gid, payload, signed_in

from domcctv.domain.access import Role
from domcctv.models import AuditAction, AuditLog, Company, Vehicle

from factories import make_company, make_vehicle
from graphql_client import gql

COMPANY_FIELDS = (
    "id rut rutDisplay name businessName city email primaryContact { name email } isActive"
)
CREATE = f"""
mutation($input: CompanyInput!) {{
  createCompany(input: $input) {{
    __typename ... on CompanySuccess {{ company {{ {COMPANY_FIELDS} }} }} {ERROR_FIELDS}
  }}
}}"""
UPDATE = f"""
mutation($id: ID!, $input: CompanyInput!) {{
  updateCompany(id: $id, input: $input) {{
    __typename ... on CompanySuccess {{ company {{ {COMPANY_FIELDS} }} }} {ERROR_FIELDS}
  }}
}}"""
LIST = """
query($search: String, $active: Boolean, $first: Int, $after: String) {
  companies(search: $search, active: $active, first: $first, after: $after) {
    edges { node { name } } pageInfo { hasNextPage endCursor }
  }
}"""
REGISTER = f"""
mutation($companyId: ID!, $plate: String!, $description: String! = "") {{
  registerVehicle(companyId: $companyId, plate: $plate, description: $description) {{
    __typename ... on VehicleSuccess {{ vehicle {{ id plate description company {{ name }} }} }}
    {ERROR_FIELDS}
  }}
}}"""
REMOVE = f"mutation($id: ID!) {{ removeVehicle(id: $id) {{ __typename {ERROR_FIELDS} }} }}"
VEHICLES = """
query($companyId: ID, $first: Int, $after: String) {
  vehicles(companyId: $companyId, first: $first, after: $after) {
    edges { node { plate } } pageInfo { hasNextPage endCursor }
  }
}"""


async def create(api, token: str, **fields: object) -> dict:
    data: dict[str, object] = {"rut": "76.086.428-5", "name": "Constructora Andes"}
    data.update(fields)
    return payload(await gql(api, CREATE, {"input": data}, token), "createCompany")


async def test_create_stores_the_rut_canonically_and_shows_it_dotted(api, settings) -> None:
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    result = await create(
        api,
        admin,
        rut="76.086.428-5",
        businessName="Constructora Andes SpA",
        email="Contacto@Andes.CL",
        primaryContact={"name": "María Soto", "email": "maria@andes.cl"},
    )

    assert result["__typename"] == "CompanySuccess", result
    company = result["company"]
    assert company["rut"] == "76086428-5"
    assert company["rutDisplay"] == "76.086.428-5"
    assert company["email"] == "contacto@andes.cl"
    assert company["primaryContact"] == {"name": "María Soto", "email": "maria@andes.cl"}
    assert company["isActive"] is True
    stored = await Company.get(rut="76086428-5")
    assert stored.name == "Constructora Andes"
    entry = await AuditLog.get(action=AuditAction.CREATE_COMPANY)
    assert entry.after_state["rut"] == "76086428-5"
    assert entry.company_id == stored.id


async def test_lower_case_k_is_stored_upper_case(api, settings) -> None:
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    result = await create(api, admin, rut="20.000.003-k")
    assert result["company"]["rut"] == "20000003-K"


async def test_invalid_rut_is_a_validation_error(api, settings) -> None:
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    for rut in ["76.086.428-4", "0-0", "not a rut", ""]:
        result = await create(api, admin, rut=rut)
        assert field_codes(result) == {"rut": "INVALID_RUT"}, rut
    assert await Company.all().count() == 0


async def test_missing_rut_and_name_are_both_reported(api, settings) -> None:
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    body = await gql(api, CREATE, {"input": {}}, admin)
    assert field_codes(payload(body, "createCompany")) == {"rut": "INVALID_RUT", "name": "REQUIRED"}


async def test_duplicate_rut_is_a_conflict_however_it_is_typed(api, settings) -> None:
    await make_company(rut="76086428-5")
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    for typed in ["76086428-5", "76.086.428-5", "760864285"]:
        result = await create(api, admin, rut=typed, name="Otra")
        assert result["__typename"] == "ConflictError", typed
        assert result["code"] == "DUPLICATE"
    assert await Company.all().count() == 1
    assert not await AuditLog.filter(action=AuditAction.CREATE_COMPANY).exists()


async def test_update_changes_given_fields_only_and_audits(api, settings) -> None:
    company = await make_company(name="Vieja", city="Arica")
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    body = await gql(
        api, UPDATE, {"id": gid("Company", company.id), "input": {"name": "Nueva"}}, admin
    )

    result = payload(body, "updateCompany")
    assert result["company"]["name"] == "Nueva"
    assert result["company"]["city"] == "Arica"
    entry = await AuditLog.get(action=AuditAction.UPDATE_COMPANY)
    assert entry.before_state["name"] == "Vieja"
    assert entry.after_state["name"] == "Nueva"


async def test_update_to_another_companys_rut_is_a_duplicate(api, settings) -> None:
    await make_company(rut="76086428-5")
    company = await make_company()
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    body = await gql(
        api, UPDATE, {"id": gid("Company", company.id), "input": {"rut": "76.086.428-5"}}, admin
    )

    assert payload(body, "updateCompany")["code"] == "DUPLICATE"


async def test_update_of_a_missing_company_is_not_found(api, settings) -> None:
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    body = await gql(api, UPDATE, {"id": gid("Company", 999999), "input": {"name": "X"}}, admin)
    assert payload(body, "updateCompany")["__typename"] == "NotFoundError"


async def test_companies_list_searches_by_name_prefix_or_rut_and_pages(api, settings) -> None:
    # created out of alphabetical order, with two companies sharing a name
    for name in ["Calama Trans", "Andes", "Bio Bio", "Antofagasta Minerals", "Andes"]:
        await make_company(name=name)
    await make_company(name="Aaa Inactiva", rut="76086428-5", is_active=False)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    by_prefix = payload(await gql(api, LIST, {"search": "an"}, admin), "companies")
    assert [e["node"]["name"] for e in by_prefix["edges"]] == [
        "Andes",
        "Andes",
        "Antofagasta Minerals",
    ]
    by_rut = payload(await gql(api, LIST, {"search": "76.086.428-5"}, admin), "companies")
    assert [e["node"]["name"] for e in by_rut["edges"]] == ["Aaa Inactiva"]
    inactive = payload(await gql(api, LIST, {"active": False}, admin), "companies")
    assert [e["node"]["name"] for e in inactive["edges"]] == ["Aaa Inactiva"]

    # every page boundary (including between the two "Andes") loses and repeats nothing
    for size in (1, 2, 3):
        names: list[str] = []
        after = None
        while True:
            page = payload(
                await gql(api, LIST, {"first": size, "after": after}, admin), "companies"
            )
            names += [e["node"]["name"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert names == [
            "Aaa Inactiva",
            "Andes",
            "Andes",
            "Antofagasta Minerals",
            "Bio Bio",
            "Calama Trans",
        ], size


async def test_client_user_lists_only_its_own_company(api, settings) -> None:
    mine = await make_company(name="Mía")
    await make_company(name="Ajena")
    _, token = await signed_in(Role.CLIENT_USER, settings, mine)

    page = payload(await gql(api, LIST, {}, token), "companies")

    assert [e["node"]["name"] for e in page["edges"]] == ["Mía"]


async def test_register_and_remove_a_vehicle(api, settings) -> None:
    company = await make_company(name="Andes")
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    body = await gql(
        api,
        REGISTER,
        {"companyId": gid("Company", company.id), "plate": "hj-kl·42", "description": " Tracto "},
        admin,
    )

    vehicle = payload(body, "registerVehicle")["vehicle"]
    assert vehicle["plate"] == "HJKL42"
    assert vehicle["description"] == "Tracto"
    assert vehicle["company"] == {"name": "Andes"}
    stored = await Vehicle.get(plate="HJKL42")
    assert stored.plate_skeleton == "HJKL42"

    removed = await gql(api, REMOVE, {"id": vehicle["id"]}, admin)
    assert payload(removed, "removeVehicle")["__typename"] == "OkSuccess"
    assert not await Vehicle.exists()
    actions = await AuditLog.all().order_by("id").values_list("action", flat=True)
    assert actions[-2:] == [AuditAction.REGISTER_VEHICLE, AuditAction.REMOVE_VEHICLE]


async def test_a_plate_belongs_to_one_company_only(api, settings) -> None:
    first = await make_company()
    second = await make_company()
    await make_vehicle(first, "HJKL42")
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    body = await gql(
        api, REGISTER, {"companyId": gid("Company", second.id), "plate": "HJ-KL-42"}, admin
    )

    assert payload(body, "registerVehicle")["code"] == "DUPLICATE"
    assert await Vehicle.all().count() == 1


async def test_vehicles_list_filters_by_company_and_pages(api, settings) -> None:
    first, second = await make_company(), await make_company()
    for plate in ["HJKL42", "BBCD12", "KBT42", "FK1234"]:  # registered out of order
        await make_vehicle(first, plate)
    await make_vehicle(second, "ZZTT99")
    _, token = await signed_in(Role.OPERATOR, settings)

    plates: list[str] = []
    after = None
    while True:
        variables = {"companyId": gid("Company", first.id), "first": 2, "after": after}
        page = payload(await gql(api, VEHICLES, variables, token), "vehicles")
        plates += [e["node"]["plate"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert plates == ["BBCD12", "FK1234", "HJKL42", "KBT42"]
