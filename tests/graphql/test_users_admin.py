"""createUser / updateUser / users / user: admin-managed accounts."""

from __future__ import annotations

from gqlkit import ERROR_FIELDS, field_codes, gid, payload, signed_in

from domcctv.domain.access import Role
from domcctv.models import AuditAction, AuditLog, User

from factories import make_company, make_user
from graphql_client import gql

CREATE = f"""
mutation($input: CreateUserInput!) {{
  createUser(input: $input) {{
    __typename
    ... on UserSuccess {{ user {{ email fullName role company {{ name }} isActive }} }}
    {ERROR_FIELDS}
  }}
}}"""

UPDATE = f"""
mutation($id: ID!, $input: UpdateUserInput!) {{
  updateUser(id: $id, input: $input) {{
    __typename
    ... on UserSuccess {{ user {{ firstName phone role isActive }} }}
    {ERROR_FIELDS}
  }}
}}"""

LOGIN = """
mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { __typename ... on Error { code } }
}"""

USERS = """
query($companyId: ID, $role: Role, $search: String, $first: Int, $after: String) {
  users(companyId: $companyId, role: $role, search: $search, first: $first, after: $after) {
    edges { node { email lastName } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def new_user(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": "nuevo@dom.cl",
        "password": "Strong-Pass-1",
        "firstName": "Ana",
        "lastName": "Pérez",
        "role": "OPERATOR",
    }
    data.update(overrides)
    return data


async def create(api, token: str, **overrides: object) -> dict:
    body = await gql(api, CREATE, {"input": new_user(**overrides)}, token)
    return payload(body, "createUser")


async def test_admin_creates_a_staff_user_who_can_log_in(api, settings) -> None:
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    result = await create(api, admin, email="  Nuevo@DOM.cl ")

    assert result["__typename"] == "UserSuccess", result
    assert result["user"] == {
        "email": "nuevo@dom.cl",
        "fullName": "Ana Pérez",
        "role": "OPERATOR",
        "company": None,
        "isActive": True,
    }
    login = await gql(api, LOGIN, {"email": "nuevo@dom.cl", "password": "Strong-Pass-1"})
    assert login["data"]["login"]["__typename"] == "AuthSuccess"
    entry = await AuditLog.get(action=AuditAction.CREATE_USER)
    assert entry.after_state["email"] == "nuevo@dom.cl"
    assert "password" not in str(entry.after_state).lower()


async def test_admin_creates_a_client_user_of_a_company(api, settings) -> None:
    company = await make_company(name="Áridos Sur")
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    result = await create(api, admin, role="CLIENT_USER", companyId=gid("Company", company.id))

    assert result["user"]["company"] == {"name": "Áridos Sur"}
    assert (await User.get(email="nuevo@dom.cl")).company_id == company.id


async def test_duplicate_email_is_a_conflict(api, settings) -> None:
    await make_user(Role.OPERATOR, email="nuevo@dom.cl")
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    result = await create(api, admin, email="NUEVO@dom.cl", firstName="Otra", lastName="Persona")

    assert result["__typename"] == "ConflictError"
    assert result["code"] == "DUPLICATE"
    assert await User.filter(email="nuevo@dom.cl").count() == 1


async def test_same_name_in_the_same_company_is_a_duplicate(api, settings) -> None:
    company = await make_company()
    await make_user(Role.CLIENT_USER, company, first_name="Ana", last_name="Pérez")
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    same = await create(api, admin, role="CLIENT_USER", companyId=gid("Company", company.id))

    assert same["__typename"] == "ConflictError"
    assert same["code"] == "DUPLICATE"
    # the same name in another company is fine
    other = await make_company()
    ok = await create(api, admin, role="CLIENT_USER", companyId=gid("Company", other.id))
    assert ok["__typename"] == "UserSuccess"


async def test_same_name_among_staff_is_a_duplicate_too(api, settings) -> None:
    # staff have no company (NULL): the unique key cannot see them, the service must
    await make_user(Role.OPERATOR, first_name="Ana", last_name="Pérez")
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    result = await create(api, admin)

    assert result["code"] == "DUPLICATE"


async def test_weak_password_is_a_validation_error(api, settings) -> None:
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    for weak in ["short1A", "alllowercaseletters", "x" * 80 + "A1"]:
        result = await create(api, admin, password=weak)
        assert field_codes(result) == {"password": "WEAK_PASSWORD"}, weak
    assert not await User.filter(email="nuevo@dom.cl").exists()


async def test_client_user_without_company_is_a_validation_error(api, settings) -> None:
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    result = await create(api, admin, role="CLIENT_USER")

    assert field_codes(result) == {"companyId": "UNKNOWN_REFERENCE"}


async def test_staff_user_with_a_company_is_a_validation_error(api, settings) -> None:
    company = await make_company()
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    result = await create(api, admin, role="SUPERVISOR", companyId=gid("Company", company.id))

    assert field_codes(result) == {"companyId": "NOT_ALLOWED"}


async def test_every_invalid_field_is_reported_at_once(api, settings) -> None:
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    result = await create(api, admin, email="nope", firstName=" ", lastName="x" * 51, password="a")

    assert field_codes(result) == {
        "email": "INVALID_FORMAT",
        "firstName": "REQUIRED",
        "lastName": "TOO_LONG",
        "password": "WEAK_PASSWORD",
    }


async def test_only_an_administrator_creates_administrators(api, settings) -> None:
    # given a supervisor who was granted MANAGE_USERS
    from domcctv.models import UserPermission

    supervisor, token = await signed_in(Role.SUPERVISOR, settings)
    await UserPermission.create(user_id=supervisor.id, permission="MANAGE_USERS")

    result = await create(api, token, role="ADMINISTRATOR")
    assert result["__typename"] == "PermissionDeniedError"
    assert (await create(api, token))["__typename"] == "UserSuccess"


async def test_update_user_changes_fields_and_audits_before_and_after(api, settings) -> None:
    target = await make_user(Role.OPERATOR, first_name="Luis", phone=None)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    body = await gql(
        api,
        UPDATE,
        {"id": gid("User", target.id), "input": {"phone": "+56 9 1234 5678", "role": "SUPERVISOR"}},
        admin,
    )

    result = payload(body, "updateUser")
    assert result["user"] == {
        "firstName": "Luis",
        "phone": "+56 9 1234 5678",
        "role": "SUPERVISOR",
        "isActive": True,
    }
    entry = await AuditLog.get(action=AuditAction.UPDATE_USER)
    assert entry.before_state["role"] == "OPERATOR"
    assert entry.after_state["role"] == "SUPERVISOR"
    assert entry.before_state["phone"] is None
    assert entry.after_state["phone"] == "+56 9 1234 5678"


async def test_deactivating_a_user_logs_them_out(api, settings) -> None:
    target, target_token = await signed_in(Role.OPERATOR, settings)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    body = await gql(
        api, UPDATE, {"id": gid("User", target.id), "input": {"isActive": False}}, admin
    )

    assert payload(body, "updateUser")["user"]["isActive"] is False
    probe = await gql(api, "{ myPreferences { language } }", token=target_token)
    assert probe["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_an_admin_cannot_deactivate_themself(api, settings) -> None:
    admin, token = await signed_in(Role.ADMINISTRATOR, settings)
    body = await gql(
        api, UPDATE, {"id": gid("User", admin.id), "input": {"isActive": False}}, token
    )
    assert field_codes(payload(body, "updateUser")) == {"isActive": "NOT_ALLOWED"}


async def test_staff_cannot_become_a_client_user(api, settings) -> None:
    target = await make_user(Role.OPERATOR)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    body = await gql(
        api, UPDATE, {"id": gid("User", target.id), "input": {"role": "CLIENT_USER"}}, admin
    )
    assert field_codes(payload(body, "updateUser")) == {"role": "NOT_ALLOWED"}


async def test_renaming_into_an_existing_name_is_a_duplicate(api, settings) -> None:
    await make_user(Role.OPERATOR, first_name="Ana", last_name="Pérez")
    target = await make_user(Role.OPERATOR, first_name="Ana", last_name="Soto")
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    body = await gql(
        api, UPDATE, {"id": gid("User", target.id), "input": {"lastName": "Pérez"}}, admin
    )
    assert payload(body, "updateUser")["code"] == "DUPLICATE"


async def test_users_list_filters_and_pages_without_gaps(api, settings) -> None:
    company = await make_company()
    # created out of order, two people sharing a last name
    for name in ["Errazuriz", "Bravo", "Castro", "Alvarez", "Bravo", "Diaz"]:
        await make_user(Role.CLIENT_USER, company, last_name=name)
    await make_user(Role.OPERATOR, last_name="Zúñiga", email="zu@dom.cl")
    _, admin = await signed_in(Role.ADMINISTRATOR, settings, last_name="Admin")

    seen: list[str] = []
    after = None
    while True:
        body = await gql(
            api, USERS, {"companyId": gid("Company", company.id), "first": 2, "after": after}, admin
        )
        page = payload(body, "users")
        seen += [e["node"]["lastName"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["Alvarez", "Bravo", "Bravo", "Castro", "Diaz", "Errazuriz"]

    by_role = payload(await gql(api, USERS, {"role": "OPERATOR"}, admin), "users")
    assert [e["node"]["lastName"] for e in by_role["edges"]] == ["Zúñiga"]
    by_email = payload(await gql(api, USERS, {"search": "zu@"}, admin), "users")
    assert [e["node"]["email"] for e in by_email["edges"]] == ["zu@dom.cl"]
    by_name = payload(await gql(api, USERS, {"search": "Cas"}, admin), "users")
    assert [e["node"]["lastName"] for e in by_name["edges"]] == ["Castro"]


async def test_user_query_shows_yourself_or_anyone_only_with_manage_users(api, settings) -> None:
    other = await make_user(Role.OPERATOR)
    me, token = await signed_in(Role.SUPERVISOR, settings)
    query = "query($id: ID!) { user(id: $id) { email } }"

    mine = await gql(api, query, {"id": gid("User", me.id)}, token)
    theirs = await gql(api, query, {"id": gid("User", other.id)}, token)

    assert mine["data"]["user"]["email"] == me.email
    assert theirs == {"data": {"user": None}}
