"""Privilege escalation through roles and grants, over the API.

The attack from the review: an operator granted MANAGE_USERS for an hour promotes itself,
creates a supervisor, and re-grants itself MANAGE_USERS for good. Each is refused with a typed
error and changes nothing; the legitimate neighbours of each path still work.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from gqlkit import ERROR_FIELDS, field_codes, gid, payload, signed_in

from domcctv.config import Settings
from domcctv.domain.access import Permission, Role
from domcctv.models import User, UserPermission
from domcctv.services.clock import utcnow

from factories import make_company, make_user
from graphql_client import gql
from querycount import diff_tables, snapshot_tables

P = Permission

CREATE = f"""
mutation($input: CreateUserInput!) {{
  createUser(input: $input) {{ __typename ... on UserSuccess {{ user {{ role }} }} {ERROR_FIELDS} }}
}}"""
UPDATE = f"""
mutation($id: ID!, $input: UpdateUserInput!) {{
  updateUser(id: $id, input: $input) {{
    __typename ... on UserSuccess {{ user {{ role isActive phone }} }} {ERROR_FIELDS}
  }}
}}"""
GRANT = f"""
mutation($input: GrantPermissionInput!) {{
  grantPermission(input: $input) {{
    __typename ... on GrantSuccess {{ grant {{ permission expiresAt }} }} {ERROR_FIELDS}
  }}
}}"""
REVOKE = f"""
mutation($id: ID!, $p: Permission!) {{
  revokePermission(userId: $id, permission: $p) {{ __typename {ERROR_FIELDS} }}
}}"""


def new_user(role: str, **extra: object) -> dict[str, object]:
    n = utcnow().strftime("%H%M%S%f")
    return {
        "email": f"nuevo{n}@dom.cl",
        "password": "Strong-Pass-1",
        "firstName": "Nuevo",
        "lastName": f"Usuario {n}",
        "role": role,
        **extra,
    }


async def create(api, token: str, role: str, **extra: object) -> dict:
    return payload(await gql(api, CREATE, {"input": new_user(role, **extra)}, token), "createUser")


async def update(api, token: str, user_id: int, **changes: object) -> dict:
    body = await gql(api, UPDATE, {"id": gid("User", user_id), "input": changes}, token)
    return payload(body, "updateUser")


async def grant(
    api, token: str, user_id: int, permission: Permission, expires: datetime | None = None
) -> dict:
    variables = {
        "input": {
            "userId": gid("User", user_id),
            "permission": permission.value,
            "expiresAt": expires.isoformat() if expires else None,
        }
    }
    return payload(await gql(api, GRANT, variables, token), "grantPermission")


async def revoke(api, token: str, user_id: int, permission: Permission) -> dict:
    body = await gql(api, REVOKE, {"id": gid("User", user_id), "p": permission.value}, token)
    return payload(body, "revokePermission")


async def manager(
    settings: Settings,
    role: Role = Role.OPERATOR,
    expires: datetime | None = None,
    company=None,
) -> tuple[User, str]:
    """A user of ``role`` granted MANAGE_USERS (until ``expires``), and its token."""
    user, token = await signed_in(role, settings, company)
    await UserPermission.create(user_id=user.id, permission=P.MANAGE_USERS, expires_at=expires)
    return user, token


@pytest.fixture
def in_an_hour() -> datetime:
    return (utcnow() + timedelta(hours=1)).replace(microsecond=0)


async def test_an_operator_with_an_hour_of_manage_users_cannot_escalate(
    api, settings, in_an_hour
) -> None:
    # given an operator granted MANAGE_USERS for an hour
    operator, token = await manager(settings, expires=in_an_hour)
    before = await snapshot_tables(exclude=("audit_logs",))

    # when it promotes itself, creates a supervisor and re-grants itself MANAGE_USERS for good
    promote = await update(api, token, operator.id, role="SUPERVISOR")
    created = await create(api, token, "SUPERVISOR")
    regrant = await grant(api, token, operator.id, P.MANAGE_USERS)

    # then each is refused with a typed error ...
    assert field_codes(promote) == {"role": "NOT_ALLOWED"}
    assert created["__typename"] == "PermissionDeniedError", created
    assert created["code"] == "FORBIDDEN"
    assert "SUPERVISOR" in created["message"]
    assert regrant["__typename"] == "PermissionDeniedError", regrant
    # ... and nothing changed: still an operator, no new user, the grant still ends in an hour
    assert diff_tables(before, await snapshot_tables(exclude=("audit_logs",))) == {}
    assert (await User.get(id=operator.id)).role is Role.OPERATOR
    row = await UserPermission.get(user_id=operator.id, permission=P.MANAGE_USERS)
    assert row.expires_at == in_an_hour


async def test_a_grant_held_for_an_hour_is_given_for_at_most_that_hour(
    api, settings, in_an_hour
) -> None:
    _, token = await manager(settings, expires=in_an_hour)
    colleague = await make_user(Role.OPERATOR)

    forever = await grant(api, token, colleague.id, P.MANAGE_USERS)
    longer = await grant(api, token, colleague.id, P.MANAGE_USERS, in_an_hour + timedelta(hours=1))

    assert field_codes(forever) == {"expiresAt": "NOT_ALLOWED"}
    assert field_codes(longer) == {"expiresAt": "NOT_ALLOWED"}
    assert not await UserPermission.exists(user_id=colleague.id)

    # within its own hour it may delegate
    half = in_an_hour - timedelta(minutes=30)
    ok = await grant(api, token, colleague.id, P.MANAGE_USERS, half)
    assert ok["__typename"] == "GrantSuccess", ok
    assert (await UserPermission.get(user_id=colleague.id)).expires_at == half
    # and what it holds for good (its role defaults) it may give for good
    defaults = await grant(api, token, colleague.id, P.READ_EVENTS)
    assert defaults["__typename"] == "GrantSuccess", defaults


async def test_nobody_touches_someone_who_holds_more(api, settings) -> None:
    # given an operator allowed to manage users, and a supervisor (who holds more)
    _, token = await manager(settings)
    supervisor = await make_user(Role.SUPERVISOR)
    await UserPermission.create(user_id=supervisor.id, permission=P.VIEW_AUDIT_LOGS)
    before = await snapshot_tables(exclude=("audit_logs",))

    # when the operator edits, deactivates, grants to or revokes from the supervisor
    results = [
        await update(api, token, supervisor.id, phone="+56 9 0000 0000"),
        await update(api, token, supervisor.id, isActive=False),
        await grant(api, token, supervisor.id, P.READ_EVENTS),
        await revoke(api, token, supervisor.id, P.VIEW_AUDIT_LOGS),
    ]

    # then every one is refused and nothing changed
    assert [r["__typename"] for r in results] == ["PermissionDeniedError"] * 4, results
    assert diff_tables(before, await snapshot_tables(exclude=("audit_logs",))) == {}


async def test_an_extra_grant_puts_a_colleague_out_of_reach(api, settings) -> None:
    _, token = await manager(settings)
    plain = await make_user(Role.OPERATOR)
    stronger = await make_user(Role.OPERATOR)
    await UserPermission.create(user_id=stronger.id, permission=P.DELETE_EVENTS)

    assert (await update(api, token, plain.id, phone="1"))["__typename"] == "UserSuccess"
    refused = await update(api, token, stronger.id, phone="1")
    assert refused["__typename"] == "PermissionDeniedError"
    assert "DELETE_EVENTS" in refused["message"]


async def test_nobody_changes_their_own_role_or_grants_not_even_an_administrator(
    api, settings
) -> None:
    admin, token = await signed_in(Role.ADMINISTRATOR, settings)
    before = await snapshot_tables(exclude=("audit_logs",))

    demote = await update(api, token, admin.id, role="SUPERVISOR")
    own_grant = await grant(api, token, admin.id, P.EXPORT_DATA)
    own_revoke = await revoke(api, token, admin.id, P.EXPORT_DATA)

    assert field_codes(demote) == {"role": "NOT_ALLOWED"}
    assert own_grant["__typename"] == own_revoke["__typename"] == "PermissionDeniedError"
    assert diff_tables(before, await snapshot_tables(exclude=("audit_logs",))) == {}
    # but editing your own contact details is fine
    assert (await update(api, token, admin.id, phone="+56 2 1"))["__typename"] == "UserSuccess"


async def test_a_supervisor_manager_gives_roles_up_to_its_own(api, settings) -> None:
    _, token = await manager(settings, Role.SUPERVISOR)
    operator = await make_user(Role.OPERATOR)
    company = await make_company()

    assert (await create(api, token, "SUPERVISOR"))["__typename"] == "UserSuccess"
    assert (await create(api, token, "OPERATOR"))["__typename"] == "UserSuccess"
    client = await create(api, token, "CLIENT_USER", companyId=gid("Company", company.id))
    assert client["__typename"] == "UserSuccess", client
    assert (await create(api, token, "ADMINISTRATOR"))["__typename"] == "PermissionDeniedError"
    promoted = await update(api, token, operator.id, role="SUPERVISOR")
    assert promoted["user"]["role"] == "SUPERVISOR"


async def test_a_role_cannot_hand_on_for_good_what_is_held_for_an_hour(
    api, settings, in_an_hour
) -> None:
    # given an operator holding every supervisor permission, some only for an hour
    operator, token = await manager(settings)
    for permission in (P.WRITE_BASIC_METADATA, P.DELETE_EVENTS, P.ADVANCED_SEARCH):
        await UserPermission.create(user_id=operator.id, permission=permission)
    for permission in (
        P.DOWNLOAD_VIDEOS,
        P.EXPORT_VIDEO_SEGMENTS,
        P.VIEW_AUDIT_LOGS,
        P.GENERATE_DETAILED_REPORTS,
        P.EXPORT_DATA,
        P.SCHEDULE_REPORTS,
    ):
        await UserPermission.create(
            user_id=operator.id, permission=permission, expires_at=in_an_hour
        )
    colleague = await make_user(Role.OPERATOR)

    # then it cannot make anyone a supervisor (a role is for good)
    created = await create(api, token, "SUPERVISOR")
    promoted = await update(api, token, colleague.id, role="SUPERVISOR")

    assert created["__typename"] == promoted["__typename"] == "PermissionDeniedError"
    assert "for good" in created["message"]
    assert (await User.get(id=colleague.id)).role is Role.OPERATOR


async def test_a_client_manager_cannot_grant_itself_more(api, settings) -> None:
    company = await make_company()
    client, token = await manager(settings, Role.CLIENT_USER, company=company)
    colleague = await make_user(Role.CLIENT_USER, company)

    assert (await grant(api, token, client.id, P.VIEW_AUDIT_LOGS))["__typename"] == (
        "PermissionDeniedError"
    )
    # what it does not hold it cannot give, even to a colleague
    assert (await grant(api, token, colleague.id, P.VIEW_AUDIT_LOGS))["__typename"] == (
        "PermissionDeniedError"
    )
    assert (await grant(api, token, colleague.id, P.EXPORT_DATA))["__typename"] == "GrantSuccess"
