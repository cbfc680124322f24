"""Event lifecycle: DETECTED -> DOCUMENTED -> VALIDATED -> ARCHIVED, and who may move it.

Documenting happens implicitly when an operator saves the dispatch metadata. Validation is a
supervisor act with four-eyes: whoever documented the event may not validate it. Archiving
(the soft delete of evidence) needs DELETE_EVENTS. Archived events are immutable.
"""

from __future__ import annotations

from enum import StrEnum

from domcctv.domain.access import Actor, Permission
from domcctv.domain.errors import Conflict, ErrorCode, PermissionDenied


class EventStatus(StrEnum):
    """Where an event is in its evidence lifecycle."""

    DETECTED = "DETECTED"
    DOCUMENTED = "DOCUMENTED"
    VALIDATED = "VALIDATED"
    ARCHIVED = "ARCHIVED"


ALLOWED: dict[EventStatus, frozenset[EventStatus]] = {
    EventStatus.DETECTED: frozenset({EventStatus.DOCUMENTED, EventStatus.ARCHIVED}),
    EventStatus.DOCUMENTED: frozenset({EventStatus.VALIDATED, EventStatus.ARCHIVED}),
    EventStatus.VALIDATED: frozenset({EventStatus.DOCUMENTED, EventStatus.ARCHIVED}),
    EventStatus.ARCHIVED: frozenset(),
}


def check_transition(
    actor: Actor,
    current: EventStatus,
    target: EventStatus,
    *,
    has_metadata: bool,
    documented_by: int | None,
) -> None:
    """Raise Conflict/PermissionDenied unless ``actor`` may move the event to ``target``."""
    if target not in ALLOWED[current]:
        raise Conflict(
            f"An event cannot go from {current} to {target}", code=ErrorCode.INVALID_TRANSITION
        )
    if target is EventStatus.DOCUMENTED:
        if not has_metadata:
            raise Conflict(
                "Document the event (dispatch metadata) first", code=ErrorCode.INVALID_TRANSITION
            )
        if current is EventStatus.VALIDATED and not actor.can(Permission.WRITE_BASIC_METADATA):
            raise PermissionDenied("Only supervisors may reopen a validated event")
    elif target is EventStatus.VALIDATED:
        if not actor.can(Permission.WRITE_BASIC_METADATA):
            raise PermissionDenied("Validating an event needs WRITE_BASIC_METADATA")
        if documented_by is not None and documented_by == actor.user_id:
            raise PermissionDenied(
                "Four-eyes rule: you documented this event, someone else must validate it"
            )
    elif target is EventStatus.ARCHIVED and not actor.can(Permission.DELETE_EVENTS):
        raise PermissionDenied("Archiving an event needs DELETE_EVENTS")
