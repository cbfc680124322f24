"""Tortoise models, one module per aggregate. Constraints and indexes only; no business logic."""

from domcctv.models.audit import AuditAction, AuditLog, ResourceType
from domcctv.models.camera import Camera, CameraSource, Site
from domcctv.models.event import BasicEventMetadata, Event, PlateCorrection
from domcctv.models.ingest import IngestInbox, PlateReadRecord, WatchlistEntry
from domcctv.models.tenant import Company, Vehicle
from domcctv.models.user import (
    AuthSession,
    Language,
    PasswordResetToken,
    Theme,
    User,
    UserPermission,
    UserPreferences,
    VideoQuality,
)

__all__ = [
    "AuditAction",
    "AuditLog",
    "AuthSession",
    "BasicEventMetadata",
    "Camera",
    "CameraSource",
    "Company",
    "Event",
    "IngestInbox",
    "Language",
    "PasswordResetToken",
    "PlateCorrection",
    "PlateReadRecord",
    "ResourceType",
    "Site",
    "Theme",
    "User",
    "UserPermission",
    "UserPreferences",
    "Vehicle",
    "VideoQuality",
    "WatchlistEntry",
]
