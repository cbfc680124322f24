"""grantPermission / revokePermission: expiry, hold-what-you-grant, staff-only rules."""

from __future__ import annotations

from datetime import timedelta

from gqlkit import ERROR_FIELDS, field_codes, gid, payload, signed_in, top_code

from domcctv.domain.access import Permission, Role
from domcctv.models import AuditAction, AuditLog, UserPermission
from domcctv.services.clock import utcnow

from factories import make_company, make_user
from graphql_client import gql

GRANT = f"""
mutation($input: GrantPermissionInput!) {{
  grantPermission(input: $input) {{
    __typename
    ... on GrantSuccess {{
      grant {{ permission expiresAt }} user {{ email grants {{ permission }} }}
    }}
    {ERROR_FIELDS}
  }}
}}"""

REVOKE = f"""
mutation($id: ID!, $permission: Permission!) {{
  revokePermission(userId: $id, permission: $permission) {{ __typename {ERROR_FIELDS} }}
}}"""

ME = "{ me { permissions user { grants { permission expiresAt } } } }"
AUDIT = "{ auditLogs { edges { node { action } } } }"


async def grant(api, token: str, user_id: int, permission: str, expires=None) -> dict:
    variables = {
        "input": {
            "userId": gid("User", user_id),
            "permission": permission,
            "expiresAt": expires.isoformat() if expires else None,
        }
    }
    return payload(await gql(api, GRANT, variables, token), "grantPermission")


async def test_a_grant_adds_the_capability_until_it_expires(api, settings) -> None:
    # given an operator (no VIEW_AUDIT_LOGS by default)
    operator, op_token = await signed_in(Role.OPERATOR, settings)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    assert top_code(await gql(api, AUDIT, token=op_token)) == "FORBIDDEN"

    # when the admin grants it for an hour
    expires = utcnow() + timedelta(hours=1)
    result = await grant(api, admin, operator.id, "VIEW_AUDIT_LOGS", expires)

    # then it is in force: listed, effective, and the gated query works
    assert result["__typename"] == "GrantSuccess", result
    assert result["grant"]["permission"] == "VIEW_AUDIT_LOGS"
    assert result["user"]["grants"] == [{"permission": "VIEW_AUDIT_LOGS"}]
    assert "errors" not in await gql(api, AUDIT, token=op_token)
    me = payload(await gql(api, ME, token=op_token), "me")
    assert "VIEW_AUDIT_LOGS" in me["permissions"]

    # when the grant lapses
    await UserPermission.filter(user_id=operator.id).update(
        expires_at=utcnow() - timedelta(seconds=1)
    )

    # then it is neither effective nor listed
    assert top_code(await gql(api, AUDIT, token=op_token)) == "FORBIDDEN"
    me = payload(await gql(api, ME, token=op_token), "me")
    assert "VIEW_AUDIT_LOGS" not in me["permissions"]
    assert me["user"]["grants"] == []


async def test_an_expiry_in_the_past_is_rejected(api, settings) -> None:
    operator = await make_user(Role.OPERATOR)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    result = await grant(api, admin, operator.id, "VIEW_AUDIT_LOGS", utcnow() - timedelta(days=1))

    assert field_codes(result) == {"expiresAt": "OUT_OF_RANGE"}
    assert await UserPermission.all().count() == 0


async def test_you_cannot_grant_what_you_do_not_hold(api, settings) -> None:
    # given a supervisor allowed to manage users, but without MANAGE_COMPANIES
    supervisor, token = await signed_in(Role.SUPERVISOR, settings)
    await UserPermission.create(user_id=supervisor.id, permission=Permission.MANAGE_USERS)
    operator = await make_user(Role.OPERATOR)

    denied = await grant(api, token, operator.id, "MANAGE_COMPANIES")
    allowed = await grant(api, token, operator.id, "ADVANCED_SEARCH")

    assert denied["__typename"] == "PermissionDeniedError"
    assert denied["code"] == "FORBIDDEN"
    assert allowed["__typename"] == "GrantSuccess"
    assert await UserPermission.filter(user_id=operator.id).values_list(
        "permission", flat=True
    ) == [Permission.ADVANCED_SEARCH]


async def test_staff_only_permissions_cannot_be_granted_to_client_users(api, settings) -> None:
    client = await make_user(Role.CLIENT_USER, await make_company())
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)

    for permission in ["WRITE_BASIC_METADATA", "SEARCH_ALL_COMPANIES", "MANAGE_COMPANIES"]:
        result = await grant(api, admin, client.id, permission)
        assert field_codes(result) == {"permission": "NOT_ALLOWED"}, permission
    assert await UserPermission.filter(user_id=client.id).count() == 0
    # but a non-staff permission is fine
    assert (await grant(api, admin, client.id, "VIEW_AUDIT_LOGS"))["__typename"] == "GrantSuccess"


async def test_a_staff_only_grant_row_is_never_effective_for_a_client(api, settings) -> None:
    # given a row that bypassed the API (old data, manual SQL)
    client, token = await signed_in(Role.CLIENT_USER, settings, await make_company())
    await UserPermission.create(user_id=client.id, permission=Permission.MANAGE_COMPANIES)

    me = payload(await gql(api, ME, token=token), "me")
    assert "MANAGE_COMPANIES" not in me["permissions"]
    body = await gql(
        api,
        'mutation { createCompany(input: {name: "X", rut: "1-9"}) { __typename } }',
        token=token,
    )
    assert top_code(body) == "FORBIDDEN"


async def test_regranting_updates_the_expiry_and_audits_before_and_after(api, settings) -> None:
    operator = await make_user(Role.OPERATOR)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    first_expiry = utcnow() + timedelta(days=1)
    await grant(api, admin, operator.id, "ADVANCED_SEARCH", first_expiry)

    again = await grant(api, admin, operator.id, "ADVANCED_SEARCH")

    assert again["grant"]["expiresAt"] is None
    assert await UserPermission.filter(user_id=operator.id).count() == 1
    entries = await AuditLog.filter(action=AuditAction.MODIFY_PERMISSIONS).order_by("id")
    assert entries[0].before_state is None
    assert entries[0].after_state["granted"] == "ADVANCED_SEARCH"
    assert entries[1].before_state["expiresAt"] is not None
    assert entries[1].after_state == {"granted": "ADVANCED_SEARCH", "expiresAt": None}


async def test_revoke_removes_the_grant_and_a_missing_one_is_not_found(api, settings) -> None:
    operator = await make_user(Role.OPERATOR)
    _, admin = await signed_in(Role.ADMINISTRATOR, settings)
    await grant(api, admin, operator.id, "ADVANCED_SEARCH")
    variables = {"id": gid("User", operator.id), "permission": "ADVANCED_SEARCH"}

    first = payload(await gql(api, REVOKE, variables, admin), "revokePermission")
    second = payload(await gql(api, REVOKE, variables, admin), "revokePermission")

    assert first["__typename"] == "OkSuccess"
    assert second["__typename"] == "NotFoundError"
    assert await UserPermission.filter(user_id=operator.id).count() == 0
    revoked = await AuditLog.filter(action=AuditAction.MODIFY_PERMISSIONS).order_by("-id").first()
    assert revoked is not None
    assert revoked.before_state == {"granted": "ADVANCED_SEARCH"}
    assert revoked.after_state == {"revoked": "ADVANCED_SEARCH"}


async def test_only_administrators_change_an_administrators_grants(api, settings) -> None:
    target = await make_user(Role.ADMINISTRATOR)
    supervisor, token = await signed_in(Role.SUPERVISOR, settings)
    await UserPermission.create(user_id=supervisor.id, permission=Permission.MANAGE_USERS)

    result = await grant(api, token, target.id, "ADVANCED_SEARCH")

    assert result["__typename"] == "PermissionDeniedError"
