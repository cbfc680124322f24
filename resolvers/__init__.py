"""Root operations, merged into one schema with its limits and caches.

Validation rules (the document limits, introspection rules) are built once per schema:
Strawberry's ValidationCache keys on the rule classes, and per-request rule classes would never
hit it (see resolvers/request_checks.py).
"""

from __future__ import annotations

import strawberry
from strawberry.extensions import (
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)

from resolvers.audit import AuditQuery
from resolvers.auth import AuthMutation, AuthQuery
from resolvers.companies import CompanyMutation, CompanyQuery
from resolvers.devices import DeviceMutation, DeviceQuery
from resolvers.document_limits import DocumentLimits
from resolvers.errors import DomcctvSchema, ErrorPolicy
from resolvers.events import EventMutation, EventQuery
from resolvers.execution_fix import install_per_event_executor
from resolvers.ingest import IngestMutation, IngestQuery
from resolvers.leaf_fields import LeafFieldExecutionContext
from resolvers.lean_resolvers import install as install_lean_resolvers
from resolvers.live import LiveSubscription
from resolvers.live_view import LiveCamerasMutation, LiveCamerasQuery, LiveViewQuery
from resolvers.node import NodeQuery
from resolvers.outbox_delivery import OutboxDelivery
from resolvers.request_checks import request_checks
from resolvers.users import UserMutation, UserQuery
from resolvers.video import VideoMutation, VideoQuery, VideoSettingsMutation
from resolvers.video_exports import (
    VideoExportMutation,
    VideoExportQuery,
    VideoExportSubscription,
)
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
class Query(
    NodeQuery,
    AuthQuery,
    CompanyQuery,
    UserQuery,
    EventQuery,
    AuditQuery,
    DeviceQuery,
    IngestQuery,
    VideoQuery,
    VideoExportQuery,
    LiveViewQuery,
    LiveCamerasQuery,
):
    pass


@strawberry.type(
    description="Write operations. Expected failures are members of each "
    "result union; branch on __typename."
)
class Mutation(
    AuthMutation,
    CompanyMutation,
    UserMutation,
    EventMutation,
    DeviceMutation,
    IngestMutation,
    VideoMutation,
    VideoSettingsMutation,
    VideoExportMutation,
    LiveCamerasMutation,
):
    pass


@strawberry.type(description="Live pushes over graphql-transport-ws.")
class Subscription(LiveSubscription, VideoExportSubscription):
    pass


def build_schema(
    *,
    max_depth: int = 12,
    max_tokens: int = 4000,
    max_aliases: int = 20,
    max_selections: int = 1500,
    max_document_chars: int = 100_000,
    anonymous_introspection: bool = True,
) -> strawberry.Schema:
    """The schema with its protective limits; call once per process.

    ``anonymous_introspection=False`` refuses ``__schema``/``__type`` to unauthenticated
    requests (production default); signed-in users may always introspect.
    """
    install_per_event_executor()  # fresh memo per event, one execution per distinct subscription
    checks = request_checks(
        DocumentLimits(max_depth=max_depth, max_aliases=max_aliases, max_selections=max_selections),
        max_document_chars=max_document_chars,
        anonymous_introspection=anonymous_introspection,
    )
    schema = DomcctvSchema(
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
            checks,
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            ErrorPolicy,
            OutboxDelivery,
        ],
        execution_context_class=LeafFieldExecutionContext,
    )
    install_lean_resolvers(schema)
    return schema
