"""Event lifecycle: every (from, to) pair, four-eyes validation, archive rights, immutability."""

from __future__ import annotations

import itertools

import pytest

from domcctv.domain.access import Actor, Permission, Role, default_permissions
from domcctv.domain.errors import Conflict, ErrorCode, PermissionDenied
from domcctv.domain.lifecycle import ALLOWED, EventStatus, check_transition

S = EventStatus
ALLOWED_PAIRS = {
    (S.DETECTED, S.DOCUMENTED),
    (S.DETECTED, S.ARCHIVED),
    (S.DOCUMENTED, S.VALIDATED),
    (S.DOCUMENTED, S.ARCHIVED),
    (S.VALIDATED, S.DOCUMENTED),  # reopen
    (S.VALIDATED, S.ARCHIVED),
}
ALL_PAIRS = list(itertools.product(EventStatus, EventStatus))


def actor(role: Role = Role.ADMINISTRATOR, user_id: int = 1, **kw: object) -> Actor:
    perms = kw.get("permissions", default_permissions(role))
    assert isinstance(perms, frozenset)
    return Actor(user_id=user_id, role=role, company_id=None, permissions=perms)


def test_the_transition_table_is_the_documented_one() -> None:
    assert {(a, b) for a, targets in ALLOWED.items() for b in targets} == ALLOWED_PAIRS


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED_PAIRS))
def test_allowed_transitions_pass_for_an_entitled_second_person(
    current: EventStatus, target: EventStatus
) -> None:
    # given an administrator who did not document the event, and metadata exists
    check_transition(actor(), current, target, has_metadata=True, documented_by=99)


@pytest.mark.parametrize(("current", "target"), [p for p in ALL_PAIRS if p not in ALLOWED_PAIRS])
def test_forbidden_transitions_conflict_even_for_an_administrator(
    current: EventStatus, target: EventStatus
) -> None:
    with pytest.raises(Conflict) as caught:
        check_transition(actor(), current, target, has_metadata=True, documented_by=99)
    assert caught.value.code is ErrorCode.INVALID_TRANSITION


@pytest.mark.parametrize("target", list(EventStatus))
def test_archived_events_are_immutable(target: EventStatus) -> None:
    assert ALLOWED[S.ARCHIVED] == frozenset()
    with pytest.raises(Conflict):
        check_transition(actor(), S.ARCHIVED, target, has_metadata=True, documented_by=None)


def test_documenting_needs_metadata() -> None:
    with pytest.raises(Conflict) as caught:
        check_transition(actor(), S.DETECTED, S.DOCUMENTED, has_metadata=False, documented_by=None)
    assert caught.value.code is ErrorCode.INVALID_TRANSITION


def test_four_eyes_the_documenter_cannot_validate() -> None:
    supervisor = actor(Role.SUPERVISOR, user_id=5)
    with pytest.raises(PermissionDenied, match="Four-eyes"):
        check_transition(supervisor, S.DOCUMENTED, S.VALIDATED, has_metadata=True, documented_by=5)
    # and another supervisor can
    other = actor(Role.SUPERVISOR, user_id=6)
    check_transition(other, S.DOCUMENTED, S.VALIDATED, has_metadata=True, documented_by=5)


def test_four_eyes_applies_to_administrators_too() -> None:
    with pytest.raises(PermissionDenied):
        check_transition(
            actor(user_id=3), S.DOCUMENTED, S.VALIDATED, has_metadata=True, documented_by=3
        )


def test_validation_needs_write_basic_metadata() -> None:
    operator = actor(Role.OPERATOR, user_id=7)
    with pytest.raises(PermissionDenied, match="WRITE_BASIC_METADATA"):
        check_transition(operator, S.DOCUMENTED, S.VALIDATED, has_metadata=True, documented_by=1)


def test_reopening_a_validated_event_needs_write_basic_metadata() -> None:
    with pytest.raises(PermissionDenied):
        check_transition(
            actor(Role.OPERATOR), S.VALIDATED, S.DOCUMENTED, has_metadata=True, documented_by=1
        )
    check_transition(
        actor(Role.SUPERVISOR), S.VALIDATED, S.DOCUMENTED, has_metadata=True, documented_by=1
    )


@pytest.mark.parametrize("current", [S.DETECTED, S.DOCUMENTED, S.VALIDATED])
@pytest.mark.parametrize("role", [Role.OPERATOR, Role.CLIENT_USER])
def test_archiving_needs_delete_events(current: EventStatus, role: Role) -> None:
    with pytest.raises(PermissionDenied, match="DELETE_EVENTS"):
        check_transition(actor(role), current, S.ARCHIVED, has_metadata=True, documented_by=None)


def test_a_grant_of_delete_events_is_what_allows_archiving() -> None:
    perms = default_permissions(Role.OPERATOR) | {Permission.DELETE_EVENTS}
    check_transition(
        actor(Role.OPERATOR, permissions=perms),
        S.DETECTED,
        S.ARCHIVED,
        has_metadata=False,
        documented_by=None,
    )
