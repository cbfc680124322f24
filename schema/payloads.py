"""Success types of mutations and their result unions (``<Verb><Noun>Result``)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.audit import AuditEntry  # noqa: F401  (re-exported for schema assembly)
from schema.companies import Company, Vehicle
from schema.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from schema.events import Event
from schema.users import PermissionGrant, User, UserPreferences


@strawberry.type(description="Tokens for a new or refreshed session.")
class AuthSuccess:
    access_token: str = strawberry.field(description="JWT for the Authorization header.")
    access_token_expires_at: int = strawberry.field(description="Expiry, epoch seconds.")
    refresh_token: str = strawberry.field(description="Single-use refresh token.")
    user: User = strawberry.field(description="The signed-in user.")


@strawberry.type(description="The operation succeeded; nothing to return.")
class OkSuccess:
    ok: bool = strawberry.field(description="Always true.")


@strawberry.type(description="The company after the change.")
class CompanySuccess:
    company: Company = strawberry.field(description="The company.")


@strawberry.type(description="The vehicle after the change.")
class VehicleSuccess:
    vehicle: Vehicle = strawberry.field(description="The vehicle.")


@strawberry.type(description="The user after the change.")
class UserSuccess:
    user: User = strawberry.field(description="The user.")


@strawberry.type(description="The grant in force.")
class GrantSuccess:
    grant: PermissionGrant = strawberry.field(description="The grant.")
    user: User = strawberry.field(description="Its user.")


@strawberry.type(description="The preferences after the change.")
class PreferencesSuccess:
    preferences: UserPreferences = strawberry.field(description="Preferences.")


@strawberry.type(description="The event after the change.")
class EventSuccess:
    event: Event = strawberry.field(description="The event.")


LoginResult = Annotated[
    AuthSuccess | AuthenticationError | ValidationError,
    strawberry.union("LoginResult", description="Login outcome."),
]
RefreshTokenResult = Annotated[
    AuthSuccess | AuthenticationError,
    strawberry.union("RefreshTokenResult", description="Refresh outcome."),
]
OkResult = Annotated[
    OkSuccess | ValidationError | AuthenticationError | PermissionDeniedError | NotFoundError,
    strawberry.union("OkResult", description="Outcome without payload."),
]
CompanyResult = Annotated[
    CompanySuccess | ValidationError | ConflictError | NotFoundError | PermissionDeniedError,
    strawberry.union("CompanyResult", description="Company change."),
]
VehicleResult = Annotated[
    VehicleSuccess | ValidationError | ConflictError | NotFoundError | PermissionDeniedError,
    strawberry.union("VehicleResult", description="Vehicle change."),
]
UserResult = Annotated[
    UserSuccess | ValidationError | ConflictError | NotFoundError | PermissionDeniedError,
    strawberry.union("UserResult", description="User change."),
]
GrantResult = Annotated[
    GrantSuccess | ValidationError | NotFoundError | PermissionDeniedError,
    strawberry.union("GrantResult", description="Grant change."),
]
PreferencesResult = Annotated[
    PreferencesSuccess | ValidationError | PermissionDeniedError,
    strawberry.union("PreferencesResult", description="Preferences change."),
]
EventResult = Annotated[
    EventSuccess | ValidationError | ConflictError | NotFoundError | PermissionDeniedError,
    strawberry.union("EventResult", description="Event change."),
]
