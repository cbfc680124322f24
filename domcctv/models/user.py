"""Users, their permission grants, preferences, sessions and password-reset tokens."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

from domcctv.domain.access import Permission, Role

if TYPE_CHECKING:
    from domcctv.models.tenant import Company


class Language(StrEnum):
    """UI language."""

    ES = "ES"
    EN = "EN"


class Theme(StrEnum):
    """UI colour theme."""

    LIGHT = "LIGHT"
    DARK = "DARK"
    AUTO = "AUTO"


class VideoQuality(StrEnum):
    """Preferred playback quality."""

    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    AUTO = "AUTO"


class User(Model):
    """A person who logs in. Staff have no company, client users belong to exactly one."""

    id = fields.IntField(primary_key=True)
    email = fields.CharField(max_length=100, unique=True)
    password_hash = fields.CharField(max_length=255)
    first_name = fields.CharField(max_length=50)
    last_name = fields.CharField(max_length=50)
    phone = fields.CharField(max_length=20, null=True)
    role = fields.CharEnumField(Role, max_length=20)
    company: fields.ForeignKeyNullableRelation[Company] = fields.ForeignKeyField(
        "models.Company", related_name="users", null=True, on_delete=fields.RESTRICT
    )
    company_id: int | None
    department = fields.CharField(max_length=100, null=True)
    position = fields.CharField(max_length=100, null=True)
    is_active = fields.BooleanField(default=True)
    email_verified = fields.BooleanField(default=False)
    last_login = fields.DatetimeField(null=True)
    failed_login_attempts = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    password_changed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    created_by_id = fields.IntField(null=True)

    class Meta:
        table = "users"
        # Unique name per company (the seed's unique_name_per_company).
        unique_together = (("first_name", "last_name", "company_id"),)
        indexes = (
            Index(fields=("company_id", "is_active"), name="idx_user_company_active"),
            Index(fields=("role", "is_active"), name="idx_user_role_active"),
        )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class UserPermission(Model):
    """A per-user grant on top of the role defaults, optionally expiring."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="grants", on_delete=fields.CASCADE
    )
    user_id: int
    permission = fields.CharEnumField(Permission, max_length=40)
    granted_at = fields.DatetimeField(auto_now_add=True)
    granted_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="grants_given", null=True, on_delete=fields.SET_NULL
    )
    granted_by_id: int | None
    expires_at = fields.DatetimeField(null=True)

    class Meta:
        table = "user_permissions"
        unique_together = (("user_id", "permission"),)


class UserPreferences(Model):
    """UI preferences, created lazily with the seed's defaults."""

    id = fields.IntField(primary_key=True)
    user: fields.OneToOneRelation[User] = fields.OneToOneField(
        "models.User", related_name="preferences", on_delete=fields.CASCADE
    )
    user_id: int
    language = fields.CharEnumField(Language, max_length=2, default=Language.ES)
    timezone = fields.CharField(max_length=50, default="America/Santiago")
    theme = fields.CharEnumField(Theme, max_length=5, default=Theme.LIGHT)
    default_page_size = fields.IntField(default=25)
    video_quality = fields.CharEnumField(VideoQuality, max_length=6, default=VideoQuality.HIGH)
    auto_play = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "user_preferences"


class AuthSession(Model):
    """A login session: holds the hash of its current refresh token (rotated on every use).

    Every spent token of the session is kept (``SpentRefreshToken``) so that replaying any
    already-rotated token, however many rotations back, is detected as theft and the whole
    session is revoked.
    """

    id = fields.CharField(max_length=36, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="sessions", on_delete=fields.CASCADE
    )
    user_id: int
    refresh_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    rotated_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)
    ip_address = fields.CharField(max_length=45, default="")
    user_agent = fields.CharField(max_length=300, default="")

    class Meta:
        table = "auth_sessions"
        indexes = (Index(fields=("user_id", "revoked_at"), name="idx_session_user"),)


class SpentRefreshToken(Model):
    """A refresh token already rotated away: the session's token family, for replay detection."""

    id = fields.BigIntField(primary_key=True)
    session: fields.ForeignKeyRelation[AuthSession] = fields.ForeignKeyField(
        "models.AuthSession", related_name="spent_tokens", on_delete=fields.CASCADE
    )
    session_id: str
    token_hash = fields.CharField(max_length=64, unique=True)
    spent_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "spent_refresh_tokens"


class PasswordResetToken(Model):
    """A single-use, expiring password reset token (only its SHA-256 is stored)."""

    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="reset_tokens", on_delete=fields.CASCADE
    )
    user_id: int
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "password_reset_tokens"
