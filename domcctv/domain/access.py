"""Roles, permissions and the actor/scope pair every service call receives.

Capability ("may this actor do X?") is decided here from the role defaults plus per-user
grants. Visibility ("which rows may this actor see?") is the Scope: DOM staff see every
company, a CLIENT_USER sees exactly one — whatever permissions it was granted. Keeping the
tenant rule out of the grantable permission set is what makes the leak suite meaningful.

Escalation ("may this actor give that?") compares Standings (what each user holds, and until
when): nobody gives a role or permission beyond what they hold, for longer than they hold it,
to themselves, or to someone who holds more. Archived evidence has one visibility rule,
``can_see_archived``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from domcctv.domain.errors import FieldCode, InvalidInput, PermissionDenied


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
    def anonymous(cls, ip_address: str = "", user_agent: str = "") -> Actor:
        """No identity: CLIENT_USER of no company, no permissions — sees nothing."""
        return cls(
            user_id=None,
            role=Role.CLIENT_USER,
            company_id=None,
            permissions=frozenset(),
            ip_address=ip_address,
            user_agent=user_agent,
        )

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


# ----------------------------------------------------------------------------- visibility


def can_see_archived(actor: Actor) -> bool:
    """Archived events (the soft-deleted evidence) are visible only with ADVANCED_SEARCH.

    The one rule for every way of reaching an event: search (``includeArchived`` or an
    explicit ARCHIVED status), the single lookup, ``node()`` and the loaders.
    """
    return actor.can(Permission.ADVANCED_SEARCH)


# ------------------------------------------------------------------ escalation (who may give)

IMPLIED: Mapping[Permission, frozenset[Permission]] = {
    P.SEARCH_ALL_COMPANIES: frozenset({P.SEARCH_OWN_COMPANY}),
}
"""Holding the key also covers the values when comparing what two users hold: searching every
company includes searching one (else no staff member could manage a client user)."""


@dataclass(frozen=True, slots=True)
class Standing:
    """What a user holds right now: its role and each effective permission with its end.

    ``held[p] is None`` means held for good (a role default or a grant without expiry);
    a datetime means held only through a grant that expires then. Escalation rules compare
    standings, never requests: an actor can give only what its standing covers, for no longer
    than it holds it.
    """

    user_id: int | None
    role: Role
    held: Mapping[Permission, datetime | None]

    @classmethod
    def of(
        cls,
        user_id: int | None,
        role: Role,
        grants: Iterable[tuple[Permission, datetime | None]],
        now: datetime,
    ) -> Standing:
        """Role defaults (for good) plus the grants in force that the role may receive."""
        held: dict[Permission, datetime | None] = dict.fromkeys(default_permissions(role))
        for permission, expires_at in grants:
            if not grantable_to(role, permission):
                continue
            if expires_at is not None and expires_at <= now:
                continue
            if permission in held:
                held[permission] = _later(held[permission], expires_at)
            else:
                held[permission] = expires_at
        return cls(user_id, role, held)

    @classmethod
    def of_actor(cls, actor: Actor) -> Standing:
        """A system actor (no user row) holds its permissions for good."""
        return cls(actor.user_id, actor.role, dict.fromkeys(actor.permissions))

    @property
    def permissions(self) -> frozenset[Permission]:
        return frozenset(self.held)

    def limited_to(self, permissions: frozenset[Permission]) -> Standing:
        """Never more than ``permissions`` (what the request was authenticated with)."""
        return Standing(
            self.user_id, self.role, {p: e for p, e in self.held.items() if p in permissions}
        )

    def reach(self) -> dict[Permission, datetime | None]:
        """``held`` plus what it implies (see IMPLIED), each with its longest end."""
        reach = dict(self.held)
        for strong, weaker in IMPLIED.items():
            if strong not in self.held:
                continue
            for permission in weaker:
                end = self.held[strong]
                reach[permission] = _later(reach[permission], end) if permission in reach else end
        return reach

    def covers(self, permissions: Iterable[Permission]) -> bool:
        return set(permissions) <= self.reach().keys()

    def covers_for_good(self, permissions: Iterable[Permission]) -> bool:
        reach = self.reach()
        return all(p in reach and reach[p] is None for p in permissions)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later of two ends, None (never) being the latest."""
    if a is None or b is None:
        return None
    return max(a, b)


def check_may_manage(actor: Standing, target: Standing) -> None:
    """Nobody modifies, grants to, revokes from or deactivates someone who holds more.

    Generalises "only administrators manage administrators" (kept explicitly too: the role
    itself is more than its permission list).
    """
    if target.role is Role.ADMINISTRATOR and actor.role is not Role.ADMINISTRATOR:
        raise PermissionDenied("Only administrators may change an administrator")
    if not actor.covers(target.permissions):
        missing = sorted(target.permissions - actor.reach().keys())
        raise PermissionDenied(
            "This user holds permissions you do not hold (" + ", ".join(missing) + ")"
        )


def check_role_grant(actor: Standing, role: Role) -> None:
    """Whether ``actor`` may give ``role`` (creating an account or changing one's role).

    A role is given for good, so its default permissions must be held for good: a permission
    held through an expiring grant cannot be handed on forever by way of a role.
    """
    if role is Role.ADMINISTRATOR and actor.role is not Role.ADMINISTRATOR:
        raise PermissionDenied("Only administrators may create or promote administrators")
    if actor.role is Role.CLIENT_USER and role is not Role.CLIENT_USER:
        raise PermissionDenied("Client companies may only manage client users")
    defaults = default_permissions(role)
    if not actor.covers_for_good(defaults):
        reach = actor.reach()
        missing = sorted(p for p in defaults if not (p in reach and reach[p] is None))
        raise PermissionDenied(
            f"The {role} role includes permissions you do not hold for good ("
            + ", ".join(missing)
            + ")"
        )


def check_role_change(actor: Standing, target: Standing, role: Role) -> None:
    """Changing someone's role: never your own, never someone above you, never above you."""
    if actor.user_id is not None and actor.user_id == target.user_id:
        raise InvalidInput.single("role", FieldCode.NOT_ALLOWED, "You cannot change your own role")
    check_may_manage(actor, target)
    check_role_grant(actor, role)


def check_grant(
    actor: Standing, target: Standing, permission: Permission, expires_at: datetime | None
) -> None:
    """Grant ``permission`` until ``expires_at``: only what you hold, for no longer than you do.

    If the actor holds the permission only through an expiring grant, the grant it gives
    must expire no later (``expires_at=None``, "for good", is refused).
    """
    check_own_grants(actor, target)
    check_may_manage(actor, target)
    reach = actor.reach()
    if permission not in reach:
        raise PermissionDenied("You cannot grant a permission you do not hold")
    until = reach[permission]
    if until is not None and (expires_at is None or expires_at > until):
        raise InvalidInput.single(
            "expiresAt",
            FieldCode.NOT_ALLOWED,
            f"You hold {permission} only until {until.isoformat()}; the grant must expire by then",
        )


def check_revoke(actor: Standing, target: Standing) -> None:
    """Revoking: not your own grants, not from someone who holds more than you."""
    check_own_grants(actor, target)
    check_may_manage(actor, target)


def check_own_grants(actor: Standing, target: Standing) -> None:
    """Nobody changes their own grants (not even an administrator: another one must)."""
    if actor.user_id is not None and actor.user_id == target.user_id:
        raise PermissionDenied("You cannot change your own permissions")
