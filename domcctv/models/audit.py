"""The append-only audit log."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:
    from domcctv.models.user import User


class AuditAction(StrEnum):
    """What happened (the seed's actions plus the ones the platform needs)."""

    LOGIN = "LOGIN"
    LOGIN_FAILED = "LOGIN_FAILED"
    LOGOUT = "LOGOUT"
    TOKEN_REFRESH = "TOKEN_REFRESH"
    PASSWORD_CHANGE = "PASSWORD_CHANGE"
    PASSWORD_RESET_REQUEST = "PASSWORD_RESET_REQUEST"
    PASSWORD_RESET = "PASSWORD_RESET"
    VIEW_EVENT = "VIEW_EVENT"
    SEARCH_EVENTS = "SEARCH_EVENTS"
    CREATE_METADATA = "CREATE_METADATA"
    UPDATE_METADATA = "UPDATE_METADATA"
    CHANGE_STATUS = "CHANGE_STATUS"
    CORRECT_PLATE = "CORRECT_PLATE"
    ASSIGN_COMPANY = "ASSIGN_COMPANY"
    INGEST_EVENT = "INGEST_EVENT"
    DOWNLOAD_VIDEO = "DOWNLOAD_VIDEO"
    VIEW_VIDEO = "VIEW_VIDEO"
    RETRY_VIDEO_CLIP = "RETRY_VIDEO_CLIP"
    SET_LEGAL_HOLD = "SET_LEGAL_HOLD"
    EXPORT_VIDEO = "EXPORT_VIDEO"
    PURGE_VIDEO = "PURGE_VIDEO"
    EXPORT_DATA = "EXPORT_DATA"
    CREATE_USER = "CREATE_USER"
    UPDATE_USER = "UPDATE_USER"
    MODIFY_PERMISSIONS = "MODIFY_PERMISSIONS"
    UPDATE_PREFERENCES = "UPDATE_PREFERENCES"
    CREATE_COMPANY = "CREATE_COMPANY"
    UPDATE_COMPANY = "UPDATE_COMPANY"
    REGISTER_VEHICLE = "REGISTER_VEHICLE"
    REMOVE_VEHICLE = "REMOVE_VEHICLE"
    CONFIGURE_DEVICE = "CONFIGURE_DEVICE"
    DEVICE_ACTION = "DEVICE_ACTION"
    UPDATE_WATCHLIST = "UPDATE_WATCHLIST"
    RETRY_DEAD_LETTER = "RETRY_DEAD_LETTER"
    DISCARD_DEAD_LETTER = "DISCARD_DEAD_LETTER"


class ResourceType(StrEnum):
    """Kind of thing the audit entry is about."""

    USER = "USER"
    COMPANY = "COMPANY"
    EVENT = "EVENT"
    VIDEO = "VIDEO"
    REPORT = "REPORT"
    SESSION = "SESSION"
    VEHICLE = "VEHICLE"
    DEVICE = "DEVICE"
    WATCHLIST = "WATCHLIST"
    INGEST = "INGEST"


class AuditLog(Model):
    """One audited action with before/after state. ``company_id`` scopes client visibility."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="audit_logs", null=True, on_delete=fields.SET_NULL
    )
    user_id: int | None
    # Explicit descriptions: the default lists every enum value in the column comment, so each
    # new value would need a migration (and a table rebuild on SQLite).
    action = fields.CharEnumField(AuditAction, max_length=30, description="AuditAction value")
    resource_type = fields.CharEnumField(
        ResourceType, max_length=10, description="ResourceType value"
    )
    resource_id = fields.CharField(max_length=64, default="")
    ip_address = fields.CharField(max_length=45, default="")
    user_agent = fields.CharField(max_length=300, default="")
    timestamp = fields.DatetimeField(auto_now_add=True)
    before_state: Any = fields.JSONField(null=True)
    after_state: Any = fields.JSONField(null=True)
    company_id = fields.IntField(null=True)
    session_id = fields.CharField(max_length=64, default="")

    class Meta:
        table = "audit_logs"
        indexes = (
            Index(fields=("timestamp",), name="idx_audit_time"),
            Index(fields=("user_id", "timestamp"), name="idx_audit_user_time"),
            Index(fields=("action", "timestamp"), name="idx_audit_action_time"),
            Index(fields=("company_id", "timestamp"), name="idx_audit_company_time"),
        )
