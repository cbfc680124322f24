"""Field-level capability checks (top-level GraphQL errors with ``extensions.code``).

These only ask the domain policy about ``ctx.actor``; which rows are visible is the services'
job (scope). Both are needed.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from domcctv.domain.access import Permission
from schema.context import Info


class IsAuthenticated(BasePermission):
    """A valid access token was presented."""

    message = "Authentication required"
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.authenticated


class HasPermission(BasePermission):
    """The actor holds ``permission`` (role default or an unexpired grant)."""

    error_extensions = {"code": "FORBIDDEN"}

    def __init__(self, permission: Permission) -> None:
        self.permission = permission
        self.message = f"Requires permission {permission}"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        # IsAuthenticated runs first (PermissionExtension stops at the first failure).
        return info.context.actor.can(self.permission)


def requires(*perms: Permission) -> list[FieldExtension]:
    """Extensions for a field: authenticated, plus every listed permission."""
    checks: list[BasePermission] = [IsAuthenticated()]
    checks.extend(HasPermission(p) for p in perms)
    return [PermissionExtension(permissions=checks, fail_silently=False)]


def describe(text: str, *perms: Permission) -> str:
    """Append the required permissions to a field description (the SDL is the manual)."""
    if not perms:
        return f"{text} Requires authentication."
    return f"{text} Requires {', '.join(p.value for p in perms)}."
