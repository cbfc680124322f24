"""GraphQL input types (shapes only; services validate content)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from schema.enums import (
    AuditAction,
    EventStatus,
    Language,
    Permission,
    PlateMatch,
    ResourceType,
    Role,
    Theme,
    VideoQuality,
)


@strawberry.input(description="Primary contact of a company.")
class ContactInput:
    name: str = strawberry.field(description="Full name.")
    position: str | None = strawberry.field(default=None, description="Job title.")
    phone: str | None = strawberry.field(default=None, description="Phone.")
    email: str | None = strawberry.field(default=None, description="E-mail.")


@strawberry.input(description="Company fields. On update, omitted fields stay unchanged.")
class CompanyInput:
    rut: str | None = strawberry.field(default=None, description="RUT, any format (dots ok).")
    name: str | None = strawberry.field(default=None, description="Trade name.")
    business_name: str | None = strawberry.field(default=None, description="Legal name.")
    address: str | None = strawberry.field(default=None, description="Street address.")
    city: str | None = strawberry.field(default=None, description="City.")
    region: str | None = strawberry.field(default=None, description="Region.")
    phone: str | None = strawberry.field(default=None, description="Phone.")
    email: str | None = strawberry.field(default=None, description="E-mail.")
    primary_contact: ContactInput | None = strawberry.field(
        default=None, description="Primary contact."
    )
    is_active: bool | None = strawberry.field(default=None, description="Active flag.")


@strawberry.input(description="A new account.")
class CreateUserInput:
    email: str = strawberry.field(description="Login e-mail (unique).")
    password: str = strawberry.field(description="Initial password (10+ chars, 2 classes).")
    first_name: str = strawberry.field(description="First name.")
    last_name: str = strawberry.field(description="Last name (unique with first name per company).")
    role: Role = strawberry.field(description="Role.")
    company_id: strawberry.ID | None = strawberry.field(
        default=None, description="Company global id; required for CLIENT_USER."
    )
    phone: str | None = strawberry.field(default=None, description="Phone.")
    department: str | None = strawberry.field(default=None, description="Department.")
    position: str | None = strawberry.field(default=None, description="Job title.")


@strawberry.input(description="Changes to an account; omitted fields stay unchanged.")
class UpdateUserInput:
    first_name: str | None = strawberry.field(default=None, description="First name.")
    last_name: str | None = strawberry.field(default=None, description="Last name.")
    phone: str | None = strawberry.field(default=None, description="Phone.")
    department: str | None = strawberry.field(default=None, description="Department.")
    position: str | None = strawberry.field(default=None, description="Job title.")
    role: Role | None = strawberry.field(default=None, description="New role.")
    is_active: bool | None = strawberry.field(
        default=None, description="False disables and logs out."
    )


@strawberry.input(description="Grant a permission to a user.")
class GrantPermissionInput:
    user_id: strawberry.ID = strawberry.field(description="User global id.")
    permission: Permission = strawberry.field(description="Permission to grant.")
    expires_at: datetime | None = strawberry.field(
        default=None, description="Expiry (null: permanent)."
    )


@strawberry.input(description="Preference changes; omitted fields stay unchanged.")
class PreferencesInput:
    language: Language | None = strawberry.field(default=None, description="UI language.")
    timezone: str | None = strawberry.field(default=None, description="IANA time zone.")
    theme: Theme | None = strawberry.field(default=None, description="Theme.")
    default_page_size: int | None = strawberry.field(default=None, description="10, 25, 50 or 100.")
    video_quality: VideoQuality | None = strawberry.field(
        default=None, description="Video quality."
    )
    auto_play: bool | None = strawberry.field(default=None, description="Autoplay clips.")


@strawberry.input(description="Dispatch documentation of an event.")
class EventMetadataInput:
    guide_number: str | None = strawberry.field(default=None, description="Dispatch guide number.")
    guide_date: date | None = strawberry.field(default=None, description="Guide date.")
    origin_project: str | None = strawberry.field(default=None, description="Origin project.")
    cargo_description: str | None = strawberry.field(default=None, description="Cargo.")
    observations: str | None = strawberry.field(default=None, description="Observations.")
    company_id: strawberry.ID | None = strawberry.field(
        default=None, description="Company global id: required when the plate is unassigned."
    )


@strawberry.input(description="Event search criteria (combined with AND).")
class EventFilterInput:
    plate: str | None = strawberry.field(default=None, description="Plate text or prefix.")
    plate_match: PlateMatch = strawberry.field(
        default=PlateMatch.EXACT, description="How plate is compared."
    )
    company_id: strawberry.ID | None = strawberry.field(
        default=None, description="Company global id."
    )
    unassigned: bool | None = strawberry.field(
        default=None, description="Only events without company."
    )
    since: datetime | None = strawberry.field(default=None, description="From (inclusive).")
    until: datetime | None = strawberry.field(default=None, description="To (exclusive).")
    statuses: list[EventStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    camera_code: str | None = strawberry.field(default=None, description="Primary camera.")
    guide_number: str | None = strawberry.field(
        default=None, description="Guide number or its prefix."
    )
    documented: bool | None = strawberry.field(
        default=None, description="With or without metadata."
    )
    low_confidence: bool | None = strawberry.field(
        default=None, description="Only flagged low-confidence."
    )
    time_issue: bool | None = strawberry.field(
        default=None,
        description="True: only events whose camera time was not usable (timeIssue set, "
        "needing a time review); false: only the others.",
    )
    text: str | None = strawberry.field(
        default=None,
        description="Words in the documentation (guide number, origin project, cargo, "
        "observations): every word of at least 3 letters or digits must start a word of one "
        "of those fields; case and accents are ignored.",
    )
    include_archived: bool = strawberry.field(
        default=False, description="Also archived events (needs ADVANCED_SEARCH)."
    )


@strawberry.input(description="Audit log filter.")
class AuditFilterInput:
    action: AuditAction | None = strawberry.field(default=None, description="Action.")
    resource_type: ResourceType | None = strawberry.field(
        default=None, description="Resource type."
    )
    resource_id: str | None = strawberry.field(default=None, description="Resource id.")
    user_id: strawberry.ID | None = strawberry.field(default=None, description="User global id.")
    since: datetime | None = strawberry.field(default=None, description="From.")
    until: datetime | None = strawberry.field(default=None, description="To.")
