"""Domain enums exposed to GraphQL (one definition, reused by every type module)."""

from __future__ import annotations

import strawberry

from domcctv.domain import access, lifecycle, plates
from domcctv.models import audit, user
from domcctv.services import events

Role = strawberry.enum(access.Role, description="A user's role.")
Permission = strawberry.enum(access.Permission, description="A capability (the seed's 18).")
EventStatus = strawberry.enum(
    lifecycle.EventStatus, description="DETECTED -> DOCUMENTED -> VALIDATED -> ARCHIVED."
)
PlateFormat = strawberry.enum(plates.PlateFormat, description="Detected plate series.")
PlateMatch = strawberry.enum(events.PlateMatch, description="How to compare plate text.")
AuditAction = strawberry.enum(audit.AuditAction, description="What an audit entry records.")
ResourceType = strawberry.enum(audit.ResourceType, description="What an audit entry is about.")
Language = strawberry.enum(user.Language, description="UI language.")
Theme = strawberry.enum(user.Theme, description="UI theme.")
VideoQuality = strawberry.enum(user.VideoQuality, description="Preferred video quality.")
