"""Roles, permissions and the actor/scope pair every service call receives.

Capability ("may this actor do X?") is decided here from the role defaults plus per-user
grants. Visibility ("which rows may this actor see?") is the Scope: DOM staff see every
company, a CLIENT_USER sees exactly one — whatever permissions it was granted. Keeping the
tenant rule out of the grantable permission set is what makes the leak suite meaningful.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """A user's role; decides default permissions and tenancy."""

    ADMINISTRATOR = "ADMINISTRATOR"
    SUPERVISOR = "SUPERVISOR"
    OPERATOR = "OPERATOR"
    CLIENT_USER = "CLIENT_USER"


class Permission(StrEnum):
    """The seed's 18 permissions."""

    READ_EVENTS = "READ_EVENTS"
    WRITE_BASIC_METADATA = "WRITE_BASIC_METADATA"
    EDIT_OWN_METADATA = "EDIT_OWN_METADATA"
    DELETE_EVENTS = "DELETE_EVENTS"
    VIEW_VIDEOS = "VIEW_VIDEOS"
    DOWNLOAD_VIDEOS = "DOWNLOAD_VIDEOS"
    EXPORT_VIDEO_SEGMENTS = "EXPORT_VIDEO_SEGMENTS"
    SEARCH_ALL_COMPANIES = "SEARCH_ALL_COMPANIES"
    SEARCH_OWN_COMPANY = "SEARCH_OWN_COMPANY"
    ADVANCED_SEARCH = "ADVANCED_SEARCH"
    MANAGE_USERS = "MANAGE_USERS"
    MANAGE_COMPANIES = "MANAGE_COMPANIES"
    SYSTEM_CONFIG = "SYSTEM_CONFIG"
    VIEW_AUDIT_LOGS = "VIEW_AUDIT_LOGS"
    GENERATE_BASIC_REPORTS = "GENERATE_BASIC_REPORTS"
    GENERATE_DETAILED_REPORTS = "GENERATE_DETAILED_REPORTS"
    EXPORT_DATA = "EXPORT_DATA"
    SCHEDULE_REPORTS = "SCHEDULE_REPORTS"


P = Permission

ROLE_DEFAULTS: dict[Role, frozenset[Permission]] = {
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.SUPERVISOR: frozenset(
        {
            P.READ_EVENTS,
            P.WRITE_BASIC_METADATA,
            P.EDIT_OWN_METADATA,
            P.DELETE_EVENTS,
            P.VIEW_VIDEOS,
            P.DOWNLOAD_VIDEOS,
            P.EXPORT_VIDEO_SEGMENTS,
            P.SEARCH_ALL_COMPANIES,
            P.ADVANCED_SEARCH,
            P.VIEW_AUDIT_LOGS,
            P.GENERATE_BASIC_REPORTS,
            P.GENERATE_DETAILED_REPORTS,
            P.EXPORT_DATA,
            P.SCHEDULE_REPORTS,
        }
    ),
    Role.OPERATOR: frozenset(
        {
            P.READ_EVENTS,
            P.EDIT_OWN_METADATA,
            P.VIEW_VIDEOS,
            P.SEARCH_ALL_COMPANIES,
            P.GENERATE_BASIC_REPORTS,
        }
    ),
    Role.CLIENT_USER: frozenset(
        {
            P.READ_EVENTS,
            P.VIEW_VIDEOS,
            P.DOWNLOAD_VIDEOS,
            P.SEARCH_OWN_COMPANY,
            P.GENERATE_BASIC_REPORTS,
            P.EXPORT_DATA,
        }
    ),
}

STAFF_ONLY: frozenset[Permission] = frozenset(
    {
        P.SEARCH_ALL_COMPANIES,
        P.MANAGE_COMPANIES,
        P.SYSTEM_CONFIG,
        P.DELETE_EVENTS,
        P.WRITE_BASIC_METADATA,
        P.EDIT_OWN_METADATA,
    }
)
"""Permissions that make no sense for a client company's user and may never be granted to one."""


def default_permissions(role: Role) -> frozenset[Permission]:
    return ROLE_DEFAULTS[role]


def grantable_to(role: Role, permission: Permission) -> bool:
    """Client users may not receive staff-only capabilities (tenancy and evidence integrity)."""
    return not (role is Role.CLIENT_USER and permission in STAFF_ONLY)


@dataclass(frozen=True, slots=True)
class Scope:
    """Which companies' rows are visible. ``company_id=None`` with ``all_companies`` = staff."""

    all_companies: bool
    company_id: int | None

    @classmethod
    def staff(cls) -> Scope:
        return cls(all_companies=True, company_id=None)

    @classmethod
    def company(cls, company_id: int) -> Scope:
        return cls(all_companies=False, company_id=company_id)

    def allows_company(self, company_id: int | None) -> bool:
        """Unassigned rows (company None) are staff-only: they are nobody's evidence yet."""
        return self.all_companies or (company_id is not None and company_id == self.company_id)


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated principal behind a request (or a system worker)."""

    user_id: int | None
    role: Role
    company_id: int | None
    permissions: frozenset[Permission]
    session_id: str | None = None
    ip_address: str = ""
    user_agent: str = ""
    display_name: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def scope(self) -> Scope:
        if self.role is Role.CLIENT_USER:
            # A client user without a company sees nothing: company -1 matches no row.
            return Scope.company(self.company_id if self.company_id is not None else -1)
        return Scope.staff()

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @property
    def is_staff(self) -> bool:
        return self.role is not Role.CLIENT_USER

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        """Workers (ingest, backfill) act as the system: all companies, no user row."""
        return cls(
            user_id=None,
            role=Role.ADMINISTRATOR,
            company_id=None,
            permissions=frozenset(Permission),
            display_name=name,
        )
