"""Root operations, merged into one schema with its limits and caches.

Validation rules (depth and alias limits) are built once at import: Strawberry's
ValidationCache keys on the rule classes, and per-request rule classes would never hit it.
"""

from __future__ import annotations

import strawberry
from graphql.validation import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

from resolvers.audit import AuditQuery
from resolvers.auth import AuthMutation, AuthQuery
from resolvers.companies import CompanyMutation, CompanyQuery
from resolvers.devices import DeviceMutation, DeviceQuery
from resolvers.errors import ErrorPolicy
from resolvers.events import EventMutation, EventQuery
from resolvers.execution_fix import install_per_event_memo
from resolvers.live import LiveSubscription
from resolvers.node import NodeQuery
from resolvers.outbox_delivery import OutboxDelivery
from resolvers.users import UserMutation, UserQuery
from schema.audit import AuditEntry
from schema.companies import Company, Vehicle
from schema.errors import (
    AuthenticationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from schema.events import Event
from schema.users import User


@strawberry.type(description="Read operations.")
class Query(NodeQuery, AuthQuery, CompanyQuery, UserQuery, EventQuery, AuditQuery, DeviceQuery):
    pass


@strawberry.type(
    description="Write operations. Expected failures are members of each "
    "result union; branch on __typename."
)
class Mutation(AuthMutation, CompanyMutation, UserMutation, EventMutation, DeviceMutation):
    pass


@strawberry.type(description="Live pushes over graphql-transport-ws.")
class Subscription(LiveSubscription):
    pass


def build_schema(
    *,
    max_depth: int = 12,
    max_tokens: int = 4000,
    max_aliases: int = 20,
) -> strawberry.Schema:
    """The schema with its protective limits; call once per process."""
    install_per_event_memo()
    rules: list[type[ASTValidationRule]] = [
        depth_validator(max_depth, None, None),
        alias_validator(max_aliases),
    ]
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[
            Event,
            Company,
            User,
            Vehicle,
            AuditEntry,
            ValidationError,
            NotFoundError,
            PermissionDeniedError,
            ConflictError,
            AuthenticationError,
        ],
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
            lambda: ParserCache(maxsize=256),
            lambda: AddValidationRules(rules),
            lambda: ValidationCache(maxsize=256),
            ErrorPolicy,
            OutboxDelivery,
        ],
    )
