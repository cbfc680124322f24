"""Role defaults, grantability and the tenant scope (capability vs. visibility)."""

from __future__ import annotations

import pytest

from domcctv.domain.access import (
    ROLE_DEFAULTS,
    STAFF_ONLY,
    Actor,
    Permission,
    Role,
    Scope,
    default_permissions,
    grantable_to,
)

P = Permission

# The seed's Permission enum (technical-architecture.md), in its order.
SEED_PERMISSIONS = [
    "READ_EVENTS",
    "WRITE_BASIC_METADATA",
    "EDIT_OWN_METADATA",
    "DELETE_EVENTS",
    "VIEW_VIDEOS",
    "DOWNLOAD_VIDEOS",
    "EXPORT_VIDEO_SEGMENTS",
    "SEARCH_ALL_COMPANIES",
    "SEARCH_OWN_COMPANY",
    "ADVANCED_SEARCH",
    "MANAGE_USERS",
    "MANAGE_COMPANIES",
    "SYSTEM_CONFIG",
    "VIEW_AUDIT_LOGS",
    "GENERATE_BASIC_REPORTS",
    "GENERATE_DETAILED_REPORTS",
    "EXPORT_DATA",
    "SCHEDULE_REPORTS",
]

# Pinned role defaults: changing one must be a deliberate, reviewed edit of this table.
EXPECTED_DEFAULTS: dict[Role, set[Permission]] = {
    Role.ADMINISTRATOR: set(Permission),
    Role.SUPERVISOR: set(Permission)
    - {P.MANAGE_USERS, P.MANAGE_COMPANIES, P.SYSTEM_CONFIG, P.SEARCH_OWN_COMPANY},
    Role.OPERATOR: {
        P.READ_EVENTS,
        P.EDIT_OWN_METADATA,
        P.VIEW_VIDEOS,
        P.SEARCH_ALL_COMPANIES,
        P.GENERATE_BASIC_REPORTS,
    },
    Role.CLIENT_USER: {
        P.READ_EVENTS,
        P.VIEW_VIDEOS,
        P.DOWNLOAD_VIDEOS,
        P.SEARCH_OWN_COMPANY,
        P.GENERATE_BASIC_REPORTS,
        P.EXPORT_DATA,
    },
}


def test_the_permission_set_is_exactly_the_seeds_18() -> None:
    assert [p.value for p in Permission] == SEED_PERMISSIONS
    assert len(Permission) == 18


def test_the_four_seed_roles_exist() -> None:
    assert [r.value for r in Role] == ["ADMINISTRATOR", "SUPERVISOR", "OPERATOR", "CLIENT_USER"]
    assert set(ROLE_DEFAULTS) == set(Role)


@pytest.mark.parametrize("role", list(Role))
def test_role_defaults(role: Role) -> None:
    assert set(default_permissions(role)) == EXPECTED_DEFAULTS[role]


def test_roles_are_strictly_ordered_by_capability() -> None:
    admin, sup, op = (
        set(default_permissions(r)) for r in (Role.ADMINISTRATOR, Role.SUPERVISOR, Role.OPERATOR)
    )
    assert op < sup < admin


def test_client_defaults_hold_nothing_staff_only() -> None:
    assert not (default_permissions(Role.CLIENT_USER) & STAFF_ONLY)
    assert P.SEARCH_ALL_COMPANIES not in default_permissions(Role.CLIENT_USER)


@pytest.mark.parametrize("permission", sorted(STAFF_ONLY))
def test_staff_only_permissions_cannot_be_granted_to_client_users(permission: Permission) -> None:
    assert not grantable_to(Role.CLIENT_USER, permission)
    for staff in (Role.ADMINISTRATOR, Role.SUPERVISOR, Role.OPERATOR):
        assert grantable_to(staff, permission)


@pytest.mark.parametrize("permission", sorted(set(Permission) - STAFF_ONLY))
def test_other_permissions_can_be_granted_to_client_users(permission: Permission) -> None:
    assert grantable_to(Role.CLIENT_USER, permission)


def test_staff_only_set_is_the_documented_one() -> None:
    documented = {
        P.SEARCH_ALL_COMPANIES,
        P.MANAGE_COMPANIES,
        P.SYSTEM_CONFIG,
        P.DELETE_EVENTS,
        P.WRITE_BASIC_METADATA,
        P.EDIT_OWN_METADATA,
    }
    assert documented == STAFF_ONLY


def _actor(role: Role, company_id: int | None, perms: frozenset[Permission]) -> Actor:
    return Actor(user_id=1, role=role, company_id=company_id, permissions=perms)


@pytest.mark.parametrize(
    "perms",
    [frozenset(), default_permissions(Role.CLIENT_USER), frozenset(Permission)],
    ids=["none", "defaults", "everything"],
)
def test_client_scope_is_its_own_company_whatever_it_holds(perms: frozenset[Permission]) -> None:
    # given a client user of company 7, even holding every permission
    actor = _actor(Role.CLIENT_USER, 7, perms)
    # then it sees company 7 only, never another company nor unassigned rows
    assert actor.scope == Scope.company(7)
    assert not actor.scope.all_companies
    assert actor.scope.allows_company(7)
    assert not actor.scope.allows_company(8)
    assert not actor.scope.allows_company(None)
    assert not actor.is_staff


def test_client_without_company_sees_nothing() -> None:
    scope = _actor(Role.CLIENT_USER, None, frozenset(Permission)).scope
    assert scope.company_id == -1
    assert not scope.allows_company(None)
    assert not scope.allows_company(1)


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.SUPERVISOR, Role.OPERATOR])
def test_staff_see_every_company_and_unassigned_rows(role: Role) -> None:
    scope = _actor(role, None, default_permissions(role)).scope
    assert scope == Scope.staff()
    assert scope.allows_company(1)
    assert scope.allows_company(None)


def test_capability_comes_only_from_the_actor_permissions() -> None:
    actor = _actor(Role.OPERATOR, None, frozenset({P.READ_EVENTS}))
    assert actor.can(P.READ_EVENTS)
    assert not actor.can(P.EDIT_OWN_METADATA)  # not implied by the role at check time


def test_system_actor_is_all_powerful_staff_without_a_user() -> None:
    system = Actor.system("ingest")
    assert system.user_id is None
    assert system.is_staff
    assert system.permissions == frozenset(Permission)
    assert system.display_name == "ingest"
