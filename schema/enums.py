"""Domain enums exposed to GraphQL (registered once, reused by every type module).

``strawberry.enum`` decorates the domain classes in place, so the names below are the very
same Enum classes the services use (and mypy sees real types).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

import strawberry

from domcctv.domain.access import Permission, Role
from domcctv.domain.lifecycle import EventStatus
from domcctv.domain.plates import PlateFormat
from domcctv.models.audit import AuditAction, ResourceType
from domcctv.models.user import Language, Theme, VideoQuality
from domcctv.services.events import PlateMatch

strawberry.enum(Role, description="A user's role.")
strawberry.enum(Permission, description="A capability (the seed's 18).")
strawberry.enum(EventStatus, description="DETECTED -> DOCUMENTED -> VALIDATED -> ARCHIVED.")
strawberry.enum(PlateFormat, description="Detected plate series.")
strawberry.enum(PlateMatch, description="How to compare plate text.")
strawberry.enum(AuditAction, description="What an audit entry records.")
strawberry.enum(ResourceType, description="What an audit entry is about.")
strawberry.enum(Language, description="UI language.")
strawberry.enum(Theme, description="UI theme.")
strawberry.enum(VideoQuality, description="Preferred video quality.")


def describe_values(enum_cls: type[Enum], descriptions: Mapping[str, str]) -> None:
    """Give each value of an enum registered with ``strawberry.enum`` its SDL description.

    The domain enums stay free of Strawberry; their values are documented here instead.
    """
    definition = enum_cls.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = descriptions.get(value.name, value.description)


describe_values(
    Role,
    {
        "ADMINISTRATOR": "DOM administrator: every permission.",
        "SUPERVISOR": "DOM supervisor: validates, archives and reads the audit log.",
        "OPERATOR": "DOM operator: searches and documents events.",
        "CLIENT_USER": "User of a client company: sees only that company's data.",
    },
)
describe_values(
    Permission,
    {
        "READ_EVENTS": "Read events (search and detail).",
        "WRITE_BASIC_METADATA": "Write and edit anyone's dispatch metadata; validate events.",
        "EDIT_OWN_METADATA": "Write dispatch metadata and edit your own.",
        "DELETE_EVENTS": "Archive events (the soft delete of evidence).",
        "VIEW_VIDEOS": "Watch event videos.",
        "DOWNLOAD_VIDEOS": "Download event videos.",
        "EXPORT_VIDEO_SEGMENTS": "Export segments of recorded video.",
        "SEARCH_ALL_COMPANIES": "Search the events of every company (DOM staff).",
        "SEARCH_OWN_COMPANY": "Search your own company's events (client users).",
        "ADVANCED_SEARCH": "Advanced search, including archived events.",
        "MANAGE_USERS": "Create and update users and grant permissions.",
        "MANAGE_COMPANIES": "Create and update client companies and their vehicles.",
        "SYSTEM_CONFIG": "Configure the system (yards, cameras).",
        "VIEW_AUDIT_LOGS": "Read the audit log.",
        "GENERATE_BASIC_REPORTS": "Generate basic reports.",
        "GENERATE_DETAILED_REPORTS": "Generate detailed reports.",
        "EXPORT_DATA": "Export data.",
        "SCHEDULE_REPORTS": "Schedule recurring reports.",
    },
)
describe_values(
    EventStatus,
    {
        "DETECTED": "Read by a camera, not documented yet.",
        "DOCUMENTED": "Dispatch metadata written.",
        "VALIDATED": "Checked by a second person (four-eyes).",
        "ARCHIVED": "Archived (the soft delete of evidence); immutable.",
    },
)
describe_values(
    PlateFormat,
    {
        "CURRENT": "Cars since 2007: four letters and two digits (BBBB·12).",
        "OLD": "Cars 1985-2007: two letters and four digits (AA·1234).",
        "MOTO": "Motorcycles: three letters and two digits (BBB·12).",
        "MOTO_OLD": "Older motorcycles: two letters and three digits (AA·123).",
        "MOTO_NEXT": "Upcoming motorcycle series: four letters and one digit (BBBB·1).",
        "NEXT": "Upcoming car series: five letters and one digit (BBBBB·1).",
        "FOREIGN": "Well-formed but not Chilean: accepted and flagged.",
        "UNREAD": "The camera saw a vehicle but could not read its plate.",
    },
)
describe_values(
    PlateMatch,
    {
        "EXACT": "The plate equals the text (separators and case ignored).",
        "PREFIX": "The plate starts with the text.",
        "OCR": "Same OCR skeleton: tolerates 0/O/D/Q, 1/I, 2/Z, 5/S, 8/B and 6/G misreads.",
        "OCR_PREFIX": "The plate's OCR skeleton starts with the text's.",
    },
)
describe_values(
    AuditAction,
    {
        "LOGIN": "Successful login.",
        "LOGIN_FAILED": "Rejected login (wrong credentials or locked account).",
        "LOGOUT": "Session ended.",
        "TOKEN_REFRESH": "Tokens refreshed.",
        "PASSWORD_CHANGE": "Password changed by its owner.",
        "PASSWORD_RESET_REQUEST": "Password-reset e-mail sent.",
        "PASSWORD_RESET": "Password set with a reset token.",
        "VIEW_EVENT": "Event detail viewed.",
        "SEARCH_EVENTS": "Event search run (the filter is recorded).",
        "CREATE_METADATA": "Event documented for the first time.",
        "UPDATE_METADATA": "Event documentation edited.",
        "CHANGE_STATUS": "Event lifecycle status changed.",
        "CORRECT_PLATE": "Event plate corrected.",
        "ASSIGN_COMPANY": "Event assigned to a company.",
        "INGEST_EVENT": "Event received from a camera or platform.",
        "DOWNLOAD_VIDEO": "Video downloaded.",
        "VIEW_VIDEO": "Video played (first request of a playback).",
        "RETRY_VIDEO_CLIP": "A failed clip was sent back to capture.",
        "SET_LEGAL_HOLD": "An event was put on or released from legal hold.",
        "EXPORT_VIDEO": "A video segment or evidence bundle was exported.",
        "PURGE_VIDEO": "Video evidence removed by the retention purge.",
        "EXPORT_DATA": "Data exported.",
        "CREATE_USER": "User created.",
        "UPDATE_USER": "User changed.",
        "MODIFY_PERMISSIONS": "Permission granted or revoked.",
        "UPDATE_PREFERENCES": "UI preferences changed.",
        "CREATE_COMPANY": "Company created.",
        "UPDATE_COMPANY": "Company changed.",
        "REGISTER_VEHICLE": "Plate registered to a company.",
        "REMOVE_VEHICLE": "Plate removed from the registry.",
        "CONFIGURE_DEVICE": "Camera or yard configured.",
        "DEVICE_ACTION": "Camera action (snapshot, PTZ).",
        "UPDATE_WATCHLIST": "Watchlist changed.",
        "RETRY_DEAD_LETTER": "A dead-lettered camera read was put back on the ingest queue.",
        "DISCARD_DEAD_LETTER": "A dead-lettered camera read was discarded.",
    },
)
describe_values(
    ResourceType,
    {
        "USER": "A user account.",
        "COMPANY": "A client company.",
        "EVENT": "An ANPR event.",
        "VIDEO": "A video file or segment.",
        "REPORT": "A report or export.",
        "SESSION": "A login session.",
        "VEHICLE": "A registered plate.",
        "DEVICE": "A camera or yard.",
        "WATCHLIST": "A watchlist entry.",
        "INGEST": "A camera read in the ingest pipeline (dead letters).",
    },
)
describe_values(Language, {"ES": "Spanish.", "EN": "English."})
describe_values(
    Theme,
    {"LIGHT": "Light colours.", "DARK": "Dark colours.", "AUTO": "Follow the operating system."},
)
describe_values(
    VideoQuality,
    {
        "HIGH": "Full resolution.",
        "MEDIUM": "Reduced resolution.",
        "LOW": "Lowest bandwidth.",
        "AUTO": "Chosen from the connection speed.",
    },
)

__all__ = [
    "AuditAction",
    "EventStatus",
    "Language",
    "Permission",
    "PlateFormat",
    "PlateMatch",
    "ResourceType",
    "Role",
    "Theme",
    "VideoQuality",
    "describe_values",
]
