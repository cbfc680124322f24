"""The escalation policy (domain.access): nobody gives more than they hold, for longer than they
hold it, to themselves, or to someone who holds more. Pure functions, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domcctv.domain.access import (
    Actor,
    Permission,
    Role,
    Standing,
    can_see_archived,
    check_grant,
    check_may_manage,
    check_revoke,
    check_role_change,
    check_role_grant,
    default_permissions,
)
from domcctv.domain.errors import FieldCode, InvalidInput, PermissionDenied

P = Permission
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
HOUR = NOW + timedelta(hours=1)


def standing(role: Role, *grants: tuple[Permission, datetime | None], user_id: int = 1) -> Standing:
    return Standing.of(user_id, role, grants, NOW)


def test_a_standing_holds_role_defaults_for_good_and_grants_until_they_end() -> None:
    s = standing(
        Role.OPERATOR,
        (P.MANAGE_USERS, HOUR),
        (P.VIEW_AUDIT_LOGS, None),
        (P.EXPORT_DATA, NOW - timedelta(seconds=1)),  # lapsed
    )
    assert s.permissions == default_permissions(Role.OPERATOR) | {
        P.MANAGE_USERS,
        P.VIEW_AUDIT_LOGS,
    }
    assert s.held[P.MANAGE_USERS] == HOUR
    assert s.held[P.VIEW_AUDIT_LOGS] is None
    assert s.held[P.READ_EVENTS] is None
    # a grant of a role default never shortens it
    assert standing(Role.OPERATOR, (P.READ_EVENTS, HOUR)).held[P.READ_EVENTS] is None


def test_staff_only_grants_are_not_part_of_a_client_standing() -> None:
    s = standing(Role.CLIENT_USER, (P.DELETE_EVENTS, None), (P.MANAGE_USERS, None))
    assert P.DELETE_EVENTS not in s.permissions
    assert P.MANAGE_USERS in s.permissions


def test_limited_to_never_exceeds_what_the_request_was_authenticated_with() -> None:
    s = standing(Role.SUPERVISOR, (P.MANAGE_USERS, None)).limited_to(frozenset({P.READ_EVENTS}))
    assert s.permissions == {P.READ_EVENTS}


# ----------------------------------------------------------------------------- roles


def test_an_operator_with_an_hour_of_manage_users_cannot_give_the_supervisor_role() -> None:
    operator = standing(Role.OPERATOR, (P.MANAGE_USERS, HOUR))
    with pytest.raises(PermissionDenied, match="SUPERVISOR"):
        check_role_grant(operator, Role.SUPERVISOR)
    check_role_grant(operator, Role.OPERATOR)  # its own role is fine


def test_a_role_needs_its_permissions_held_for_good() -> None:
    # every supervisor permission, but some only for an hour: a role is for good
    grants = [(p, HOUR) for p in default_permissions(Role.SUPERVISOR)]
    temporary = standing(Role.OPERATOR, (P.MANAGE_USERS, None), *grants)
    with pytest.raises(PermissionDenied, match="for good"):
        check_role_grant(temporary, Role.SUPERVISOR)
    forever = standing(Role.OPERATOR, *[(p, None) for p in default_permissions(Role.SUPERVISOR)])
    check_role_grant(forever, Role.SUPERVISOR)


def test_only_administrators_give_the_administrator_role() -> None:
    everything = standing(Role.SUPERVISOR, *[(p, None) for p in Permission])
    with pytest.raises(PermissionDenied, match="administrators"):
        check_role_grant(everything, Role.ADMINISTRATOR)
    check_role_grant(standing(Role.ADMINISTRATOR), Role.ADMINISTRATOR)


def test_staff_may_give_the_client_role_searching_all_companies_covers_one() -> None:
    supervisor = standing(Role.SUPERVISOR, (P.MANAGE_USERS, None))
    check_role_grant(supervisor, Role.CLIENT_USER)
    # an operator lacks DOWNLOAD_VIDEOS and EXPORT_DATA, which client users hold
    with pytest.raises(PermissionDenied, match="DOWNLOAD_VIDEOS"):
        check_role_grant(standing(Role.OPERATOR, (P.MANAGE_USERS, None)), Role.CLIENT_USER)


def test_client_users_give_only_the_client_role() -> None:
    client = standing(Role.CLIENT_USER, (P.MANAGE_USERS, None))
    check_role_grant(client, Role.CLIENT_USER)
    with pytest.raises(PermissionDenied, match="client users"):
        check_role_grant(client, Role.OPERATOR)


def test_nobody_changes_their_own_role_not_even_an_administrator() -> None:
    admin = standing(Role.ADMINISTRATOR, user_id=5)
    with pytest.raises(InvalidInput) as caught:
        check_role_change(admin, standing(Role.ADMINISTRATOR, user_id=5), Role.SUPERVISOR)
    assert [(e.field, e.code) for e in caught.value.errors] == [("role", FieldCode.NOT_ALLOWED)]
    check_role_change(admin, standing(Role.OPERATOR, user_id=6), Role.SUPERVISOR)


# ----------------------------------------------------------------------------- targets


def test_nobody_manages_someone_who_holds_more() -> None:
    operator = standing(Role.OPERATOR, (P.MANAGE_USERS, None), user_id=1)
    supervisor = standing(Role.SUPERVISOR, user_id=2)
    with pytest.raises(PermissionDenied, match="do not hold"):
        check_may_manage(operator, supervisor)
    # an operator holding one extra grant is above a plain operator's manager too
    above = standing(Role.OPERATOR, (P.DELETE_EVENTS, None), user_id=3)
    with pytest.raises(PermissionDenied, match="DELETE_EVENTS"):
        check_may_manage(operator, above)
    check_may_manage(operator, standing(Role.OPERATOR, user_id=4))
    check_may_manage(standing(Role.SUPERVISOR, (P.MANAGE_USERS, None)), supervisor)


def test_only_administrators_manage_administrators() -> None:
    everything = standing(Role.SUPERVISOR, *[(p, None) for p in Permission], user_id=1)
    with pytest.raises(PermissionDenied, match="administrator"):
        check_may_manage(everything, standing(Role.ADMINISTRATOR, user_id=2))


# ----------------------------------------------------------------------------- grants


def test_nobody_grants_to_or_revokes_from_themselves() -> None:
    admin = standing(Role.ADMINISTRATOR, user_id=1)
    with pytest.raises(PermissionDenied, match="your own"):
        check_grant(admin, admin, P.EXPORT_DATA, None)
    with pytest.raises(PermissionDenied, match="your own"):
        check_revoke(admin, admin)


def test_you_grant_only_what_you_hold() -> None:
    supervisor = standing(Role.SUPERVISOR, (P.MANAGE_USERS, None), user_id=1)
    target = standing(Role.OPERATOR, user_id=2)
    with pytest.raises(PermissionDenied, match="do not hold"):
        check_grant(supervisor, target, P.MANAGE_COMPANIES, None)
    check_grant(supervisor, target, P.ADVANCED_SEARCH, None)


def test_a_grant_held_until_t_can_be_given_only_until_t() -> None:
    operator = standing(Role.OPERATOR, (P.MANAGE_USERS, HOUR), user_id=1)
    target = standing(Role.OPERATOR, user_id=2)
    for expires_at in (None, HOUR + timedelta(seconds=1)):
        with pytest.raises(InvalidInput) as caught:
            check_grant(operator, target, P.MANAGE_USERS, expires_at)
        assert [(e.field, e.code) for e in caught.value.errors] == [
            ("expiresAt", FieldCode.NOT_ALLOWED)
        ]
    check_grant(operator, target, P.MANAGE_USERS, HOUR)
    check_grant(operator, target, P.MANAGE_USERS, NOW + timedelta(minutes=30))
    # what it holds for good (its role defaults) it may give for good
    check_grant(operator, target, P.READ_EVENTS, None)


def test_the_system_actor_holds_everything_for_good() -> None:
    system = Standing.of_actor(Actor.system())
    check_role_grant(system, Role.ADMINISTRATOR)
    check_grant(system, standing(Role.ADMINISTRATOR, user_id=9), P.EXPORT_DATA, None)


# ----------------------------------------------------------------------------- visibility


@pytest.mark.parametrize(
    ("permissions", "visible"),
    [
        (frozenset({P.READ_EVENTS}), False),
        (frozenset({P.READ_EVENTS, P.DELETE_EVENTS}), False),
        (frozenset({P.READ_EVENTS, P.ADVANCED_SEARCH}), True),
    ],
)
def test_archived_events_are_visible_only_with_advanced_search(
    permissions: frozenset[Permission], visible: bool
) -> None:
    actor = Actor(user_id=1, role=Role.OPERATOR, company_id=None, permissions=permissions)
    assert can_see_archived(actor) is visible
