"""Tortoise models, one module per aggregate. Constraints and indexes only; no business logic."""

from domcctv.models.audit import AuditAction, AuditLog, ResourceType
from domcctv.models.camera import Camera, CameraSource, Site
from domcctv.models.event import BasicEventMetadata, Event, PlateCorrection
from domcctv.models.ingest import (
    DeadLetterStatus,
    IngestDeadLetter,
    IngestInbox,
    LiveOutbox,
    PlateReadRecord,
    WatchlistEntry,
)
from domcctv.models.tenant import Company, Vehicle
from domcctv.models.user import (
    AuthSession,
    Language,
    PasswordResetToken,
    SpentRefreshToken,
    Theme,
    User,
    UserPermission,
    UserPreferences,
    VideoQuality,
)
from domcctv.models.video import (
    CameraRole,
    ClipStatus,
    ExportKind,
    ExportStatus,
    VideoClip,
    VideoExport,
)

__all__ = [
    "AuditAction",
    "AuditLog",
    "AuthSession",
    "BasicEventMetadata",
    "Camera",
    "CameraRole",
    "CameraSource",
    "ClipStatus",
    "Company",
    "DeadLetterStatus",
    "Event",
    "ExportKind",
    "ExportStatus",
    "IngestDeadLetter",
    "IngestInbox",
    "Language",
    "LiveOutbox",
    "PasswordResetToken",
    "PlateCorrection",
    "PlateReadRecord",
    "ResourceType",
    "Site",
    "SpentRefreshToken",
    "Theme",
    "User",
    "UserPermission",
    "UserPreferences",
    "Vehicle",
    "VideoClip",
    "VideoExport",
    "VideoQuality",
    "WatchlistEntry",
]
