"""Every operation x every role over the real API.

Outcomes: allowed -> the success member / data; missing permission on the field ->
top-level error with ``extensions.code`` FORBIDDEN; a rule inside the use case ->
PermissionDeniedError member; no token -> UNAUTHENTICATED. Refusals write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from gqlkit import gid, signed_in, top_code

from domcctv.domain.access import Permission, Role
from domcctv.models import Company, Event, User, UserPermission, Vehicle

from factories import PASSWORD, make_company, make_event, make_metadata, make_user, make_vehicle
from graphql_client import gql
from querycount import diff_tables, snapshot_tables

ADMIN, SUP, OPER, CLIENT = Role.ADMINISTRATOR, Role.SUPERVISOR, Role.OPERATOR, Role.CLIENT_USER
ALL = frozenset(Role)
STAFF = frozenset({ADMIN, SUP, OPER})


@dataclass
class World:
    company: Company
    vehicle: Vehicle
    event: Event
    documented: Event
    unassigned: Event
    target: User


@dataclass(frozen=True)
class Op:
    name: str  # also the response field
    document: str
    variables: Callable[[World, User], dict[str, Any]]
    allowed: frozenset[Role]
    refusal: str = "FORBIDDEN"  # top-level code, or "PermissionDeniedError" (union member)
    success: str | None = None  # mutation success __typename; None for queries

    @property
    def field(self) -> str:
        return self.name.split(":")[0]


M = "{ __typename ... on Error { code message } }"


def mutation(field: str, args: str, params: str) -> str:
    signature = f"({params})" if params else ""
    return f"mutation{signature} {{ {field}({args}) {M} }}"


OPS: list[Op] = [
    # ---- queries
    Op("me", "{ me { user { id } permissions } }", lambda w, u: {}, ALL),
    Op("myPreferences", "{ myPreferences { language } }", lambda w, u: {}, ALL),
    Op("companies", "{ companies { edges { node { id } } } }", lambda w, u: {}, ALL),
    Op(
        "company",
        "query($id: ID!) { company(id: $id) { name } }",
        lambda w, u: {"id": gid("Company", w.company.id)},
        ALL,
    ),
    Op("vehicles", "{ vehicles { edges { node { plate } } } }", lambda w, u: {}, ALL),
    Op("users", "{ users { edges { node { email } } } }", lambda w, u: {}, frozenset({ADMIN})),
    Op(
        "user",
        "query($id: ID!) { user(id: $id) { email } }",
        lambda w, u: {"id": gid("User", u.id)},
        ALL,
    ),
    Op("events", "{ events { edges { node { plate } } } }", lambda w, u: {}, ALL),
    Op(
        "event",
        "query($id: ID!) { event(id: $id) { plate } }",
        lambda w, u: {"id": gid("Event", w.event.id)},
        ALL,
    ),
    Op(
        "node",
        "query($id: ID!) { node(id: $id) { id } }",
        lambda w, u: {"id": gid("Event", w.event.id)},
        ALL,
    ),
    Op(
        "auditLogs",
        "{ auditLogs { edges { node { action } } } }",
        lambda w, u: {},
        frozenset({ADMIN, SUP}),
    ),
    # ---- mutations
    Op("logout", f"mutation {{ logout {M} }}", lambda w, u: {}, ALL, success="OkSuccess"),
    Op(
        "changePassword",
        mutation(
            "changePassword", "currentPassword: $c, newPassword: $n", "$c: String!, $n: String!"
        ),
        lambda w, u: {"c": PASSWORD, "n": "Brand-New-Pass-42"},
        ALL,
        success="OkSuccess",
    ),
    Op(
        "updateMyPreferences",
        mutation("updateMyPreferences", "input: {theme: DARK}", ""),
        lambda w, u: {},
        ALL,
        success="PreferencesSuccess",
    ),
    Op(
        "requestPasswordReset",
        mutation("requestPasswordReset", "email: $e", "$e: String!"),
        lambda w, u: {"e": w.target.email},
        ALL,
        success="OkSuccess",
    ),
    Op(
        "createCompany",
        mutation("createCompany", 'input: {rut: "76.086.428-5", name: "Nueva"}', ""),
        lambda w, u: {},
        frozenset({ADMIN}),
        success="CompanySuccess",
    ),
    Op(
        "updateCompany",
        mutation("updateCompany", 'id: $id, input: {city: "Calama"}', "$id: ID!"),
        lambda w, u: {"id": gid("Company", w.company.id)},
        frozenset({ADMIN}),
        success="CompanySuccess",
    ),
    Op(
        "registerVehicle",
        mutation("registerVehicle", 'companyId: $id, plate: "GGHH77"', "$id: ID!"),
        lambda w, u: {"id": gid("Company", w.company.id)},
        frozenset({ADMIN}),
        success="VehicleSuccess",
    ),
    Op(
        "removeVehicle",
        mutation("removeVehicle", "id: $id", "$id: ID!"),
        lambda w, u: {"id": gid("Vehicle", w.vehicle.id)},
        frozenset({ADMIN}),
        success="OkSuccess",
    ),
    Op(
        "createUser",
        mutation(
            "createUser",
            'input: {email: "new@dom.cl", password: "Strong-Pass-1", firstName: "Ana", '
            'lastName: "Nueva", role: OPERATOR}',
            "",
        ),
        lambda w, u: {},
        frozenset({ADMIN}),
        success="UserSuccess",
    ),
    Op(
        "updateUser",
        mutation("updateUser", 'id: $id, input: {phone: "+56911112222"}', "$id: ID!"),
        lambda w, u: {"id": gid("User", w.target.id)},
        frozenset({ADMIN}),
        success="UserSuccess",
    ),
    Op(
        "grantPermission",
        mutation(
            "grantPermission", "input: {userId: $id, permission: ADVANCED_SEARCH}", "$id: ID!"
        ),
        lambda w, u: {"id": gid("User", w.target.id)},
        frozenset({ADMIN}),
        success="GrantSuccess",
    ),
    Op(
        "revokePermission",
        mutation("revokePermission", "userId: $id, permission: VIEW_AUDIT_LOGS", "$id: ID!"),
        lambda w, u: {"id": gid("User", w.target.id)},
        frozenset({ADMIN}),
        success="OkSuccess",
    ),
    Op(
        "documentEvent",
        mutation("documentEvent", 'eventId: $id, input: {guideNumber: "GD-1"}', "$id: ID!"),
        lambda w, u: {"id": gid("Event", w.event.id)},
        STAFF,
        refusal="PermissionDeniedError",
        success="EventSuccess",
    ),
    Op(
        "changeEventStatus:archive",
        mutation("changeEventStatus", "eventId: $id, status: ARCHIVED", "$id: ID!"),
        lambda w, u: {"id": gid("Event", w.event.id)},
        frozenset({ADMIN, SUP}),
        refusal="PermissionDeniedError",
        success="EventSuccess",
    ),
    Op(
        "changeEventStatus:validate",
        mutation("changeEventStatus", "eventId: $id, status: VALIDATED", "$id: ID!"),
        lambda w, u: {"id": gid("Event", w.documented.id)},
        frozenset({ADMIN, SUP}),
        refusal="PermissionDeniedError",
        success="EventSuccess",
    ),
    Op(
        "correctEventPlate",
        mutation(
            "correctEventPlate", 'eventId: $id, plate: "FK1235", reason: "misread"', "$id: ID!"
        ),
        lambda w, u: {"id": gid("Event", w.event.id)},
        STAFF,
        refusal="PermissionDeniedError",
        success="EventSuccess",
    ),
    Op(
        "assignEventCompany",
        mutation("assignEventCompany", "eventId: $e, companyId: $c", "$e: ID!, $c: ID!"),
        lambda w, u: {"e": gid("Event", w.unassigned.id), "c": gid("Company", w.company.id)},
        STAFF,
        refusal="PermissionDeniedError",
        success="EventSuccess",
    ),
]

PUBLIC = {"requestPasswordReset"}  # needs no token at all
NULL_WHEN_ANONYMOUS = {"me", "node"}  # answer null instead of an error


@pytest.fixture
async def world() -> World:
    company = await make_company(name="Áridos del Norte")
    documenter = await make_user(Role.OPERATOR)
    documented = await make_event(company, "BBCD12")
    await make_metadata(documented, documenter)
    target = await make_user(Role.OPERATOR, email="target@dom.cl")
    await UserPermission.create(user_id=target.id, permission=Permission.VIEW_AUDIT_LOGS)
    return World(
        company=company,
        vehicle=await make_vehicle(company, "HJKL42"),
        event=await make_event(company, "FK1234"),
        documented=documented,
        unassigned=await make_event(None, "ZZTT99"),
        target=target,
    )


CASES = [
    pytest.param(op, role, id=f"{op.name}-{role.value if role else 'ANONYMOUS'}")
    for op in OPS
    for role in [*Role, None]
]


@pytest.mark.parametrize(("op", "role"), CASES)
async def test_role_matrix(api, settings, world: World, op: Op, role: Role | None) -> None:
    # given an actor of `role` (or no token at all)
    if role is None:
        actor, token = world.target, None
    else:
        actor, token = await signed_in(role, settings, world.company if role is CLIENT else None)
    before = await snapshot_tables()

    # when it calls the operation
    body = await gql(api, op.document, op.variables(world, actor), token)
    data = body.get("data") or {}

    # then the outcome is the one the policy promises
    if role is None and op.name not in PUBLIC:
        if op.field in NULL_WHEN_ANONYMOUS:
            assert "errors" not in body, body
            assert data[op.field] is None
        else:
            assert top_code(body) == "UNAUTHENTICATED"
        refused = True
    elif role is None or role in op.allowed:
        assert "errors" not in body, body
        result = data[op.field]
        assert result is not None
        if op.success:
            assert result["__typename"] == op.success, result
        refused = False
    elif op.refusal == "FORBIDDEN":
        assert top_code(body) == "FORBIDDEN"
        assert data.get(op.field) is None
        refused = True
    else:
        assert "errors" not in body, body
        assert data[op.field]["__typename"] == op.refusal, data
        assert data[op.field]["code"] == "FORBIDDEN"
        refused = True

    if refused:  # and a refusal leaves no trace in the database
        assert diff_tables(before, await snapshot_tables()) == {}


def test_the_matrix_covers_every_foundation_operation() -> None:
    from resolvers.audit import AuditQuery
    from resolvers.auth import AuthMutation, AuthQuery
    from resolvers.companies import CompanyMutation, CompanyQuery
    from resolvers.events import EventMutation, EventQuery
    from resolvers.node import NodeQuery
    from resolvers.users import UserMutation, UserQuery

    roots = {
        _camel(f.python_name)
        for cls in (
            AuditQuery,
            AuthQuery,
            CompanyQuery,
            EventQuery,
            NodeQuery,
            UserQuery,
            AuthMutation,
            CompanyMutation,
            EventMutation,
            UserMutation,
        )
        for f in cls.__strawberry_definition__.fields  # type: ignore[attr-defined]
    }
    covered = {op.field for op in OPS}
    # login / refreshToken / resetPassword take credentials, not roles: tested in test_auth_*.
    assert roots - covered == {"login", "refreshToken", "resetPassword"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
