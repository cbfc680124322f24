"""User, permission grant and preference types."""

from __future__ import annotations

from datetime import datetime
from typing import Self

import strawberry

from domcctv.models import User as UserModel
from domcctv.models import UserPermission as GrantModel
from domcctv.models import UserPreferences as PrefsModel
from schema.companies import Company
from schema.enums import Language, Permission, Role, Theme, VideoQuality
from schema.relay import Node, to_global_id


@strawberry.type(description="A permission granted to a user on top of the role defaults.")
class PermissionGrant:
    permission: Permission = strawberry.field(description="The granted capability.")
    granted_at: datetime = strawberry.field(description="When it was granted.")
    expires_at: datetime | None = strawberry.field(description="When it lapses (null: never).")
    granted_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, g: GrantModel) -> Self:
        return cls(
            permission=g.permission,
            granted_at=g.granted_at,
            expires_at=g.expires_at,
            granted_by_id=g.granted_by_id,
        )


@strawberry.type(description="A person who can log in.")
class User(Node):
    database_id: int = strawberry.field(description="Numeric id.")
    email: str = strawberry.field(description="Login e-mail.")
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(description="Last name.")
    full_name: str = strawberry.field(description="First and last name.")
    phone: str | None = strawberry.field(description="Phone.")
    role: Role = strawberry.field(description="Role (decides default permissions and tenancy).")
    department: str | None = strawberry.field(description="Department.")
    position: str | None = strawberry.field(description="Job title.")
    is_active: bool = strawberry.field(description="Inactive users cannot log in.")
    last_login: datetime | None = strawberry.field(description="Last successful login.")
    locked_until: datetime | None = strawberry.field(description="Lockout end, if locked.")
    created_at: datetime = strawberry.field(description="When the account was created.")
    company_id: strawberry.Private[int | None]
    user_id: strawberry.Private[int]

    @strawberry.field(description="The client company (null for DOM staff).")
    async def company(self, info: strawberry.Info) -> Company | None:
        if self.company_id is None:
            return None
        row = await info.context.loaders.company_by_id.load(self.company_id)
        return Company.from_model(row) if row else None

    @strawberry.field(description="Per-user grants currently in force.")
    async def grants(self, info: strawberry.Info) -> list[PermissionGrant]:
        rows = await info.context.loaders.grants_by_user_id.load(self.user_id)
        return [PermissionGrant.from_model(g) for g in rows]

    @classmethod
    def from_model(cls, u: UserModel) -> Self:
        return cls(
            id=to_global_id("User", u.id),
            database_id=u.id,
            email=u.email,
            first_name=u.first_name,
            last_name=u.last_name,
            full_name=u.full_name,
            phone=u.phone,
            role=u.role,
            department=u.department,
            position=u.position,
            is_active=u.is_active,
            last_login=u.last_login,
            locked_until=u.locked_until,
            created_at=u.created_at,
            company_id=u.company_id,
            user_id=u.id,
        )


@strawberry.type(description="The signed-in user's UI preferences.")
class UserPreferences:
    language: Language = strawberry.field(description="UI language (ES default).")
    timezone: str = strawberry.field(description="IANA zone, default America/Santiago.")
    theme: Theme = strawberry.field(description="Colour theme.")
    default_page_size: int = strawberry.field(description="Rows per page in lists.")
    video_quality: VideoQuality = strawberry.field(description="Preferred video quality.")
    auto_play: bool = strawberry.field(description="Start clips automatically.")

    @classmethod
    def from_model(cls, p: PrefsModel) -> Self:
        return cls(
            language=p.language,
            timezone=p.timezone,
            theme=p.theme,
            default_page_size=p.default_page_size,
            video_quality=p.video_quality,
            auto_play=p.auto_play,
        )


@strawberry.type(description="The signed-in user with effective permissions.")
class Viewer:
    user: User = strawberry.field(description="The account.")
    permissions: list[Permission] = strawberry.field(
        description="Effective permissions (role defaults plus unexpired grants)."
    )
