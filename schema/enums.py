"""Domain enums exposed to GraphQL (registered once, reused by every type module).

``strawberry.enum`` decorates the domain classes in place, so the names below are the very
same Enum classes the services use (and mypy sees real types).
"""

from __future__ import annotations

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
]
