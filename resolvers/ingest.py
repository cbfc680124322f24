"""Ingest administration: dead letters (list, retry, discard). DOM staff with SYSTEM_CONFIG."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domcctv.domain.access import Permission
from domcctv.models import DeadLetterStatus
from domcctv.services import dead_letters as service
from resolvers.common import AFTER_DESCRIPTION, FIRST_DESCRIPTION, mutate, page_request, required_pk
from schema.context import Info
from schema.errors import (
    ConflictError,
    IntegrationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from schema.ingest import DeadLetter, DeadLetterSuccess
from schema.permissions import describe, requires
from schema.relay import Connection

DeadLetterResult = Annotated[
    DeadLetterSuccess
    | ValidationError
    | NotFoundError
    | ConflictError
    | PermissionDeniedError
    | IntegrationError,
    strawberry.union("DeadLetterResult", description="Dead-letter retry or discard outcome."),
]


@strawberry.type
class IngestQuery:
    @strawberry.field(
        description=describe(
            "Camera reads the ingest consumer could not store, newest first (DOM staff).",
            Permission.SYSTEM_CONFIG,
        ),
        extensions=requires(Permission.SYSTEM_CONFIG),
    )
    async def dead_letters(
        self,
        info: Info,
        status: Annotated[
            DeadLetterStatus | None,
            strawberry.argument(description="Only this status (e.g. PENDING)."),
        ] = None,
        first: Annotated[int | None, strawberry.argument(description=FIRST_DESCRIPTION)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[DeadLetter]:
        page = await service.list_dead_letters(
            info.context.actor, status, page_request(info, first, after)
        )
        return Connection.from_page(page, [DeadLetter.from_model(d) for d in page.items])


@strawberry.type
class IngestMutation:
    @strawberry.mutation(
        description=describe(
            "Put a PENDING dead letter back on the ingest queue (status RETRIED). Audited.",
            Permission.SYSTEM_CONFIG,
        ),
        extensions=requires(Permission.SYSTEM_CONFIG),
    )
    async def retry_dead_letter(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Dead letter global id.")],
    ) -> DeadLetterResult:
        ctx = info.context

        async def run() -> DeadLetterSuccess:
            letter = await service.retry_dead_letter(
                ctx.actor, required_pk(id, "DeadLetter", "id"), ctx.services.ingest_queue
            )
            return DeadLetterSuccess(dead_letter=DeadLetter.from_model(letter))

        return await mutate(run)  # type: ignore[return-value]

    @strawberry.mutation(
        description=describe(
            "Give up on a PENDING dead letter (status DISCARDED; the record is kept). Audited.",
            Permission.SYSTEM_CONFIG,
        ),
        extensions=requires(Permission.SYSTEM_CONFIG),
    )
    async def discard_dead_letter(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="Dead letter global id.")],
    ) -> DeadLetterResult:
        async def run() -> DeadLetterSuccess:
            letter = await service.discard_dead_letter(
                info.context.actor, required_pk(id, "DeadLetter", "id")
            )
            return DeadLetterSuccess(dead_letter=DeadLetter.from_model(letter))

        return await mutate(run)  # type: ignore[return-value]
