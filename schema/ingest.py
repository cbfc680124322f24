"""Ingest administration types: dead letters (reads the consumer could not store)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry.scalars import JSON

from domcctv.models import DeadLetterStatus
from domcctv.models import IngestDeadLetter as DeadLetterModel
from schema.enums import describe_values
from schema.relay import Node, to_global_id
from schema.users import User

strawberry.enum(DeadLetterStatus, description="Where a dead letter stands.")
describe_values(
    DeadLetterStatus,
    {
        "PENDING": "Waiting for an administrator (counts towards /health's dead-letter limit).",
        "RETRIED": "Put back on the ingest queue.",
        "DISCARDED": "Given up on (kept for the record).",
    },
)


@strawberry.type(
    description="A camera read that failed processing INGEST_MAX_ATTEMPTS times, or whose "
    "queued payload could not be decoded. Kept whole until an administrator retries or "
    "discards it."
)
class DeadLetter(Node):
    database_id: int = strawberry.field(description="Numeric id.")
    natural_key: str = strawberry.field(
        description="The read's idempotency key (stream:<entry id> for undecodable entries)."
    )
    source: str = strawberry.field(description="push, alertStream or backfill (empty if unknown).")
    camera_code: str = strawberry.field(description="Camera code (empty if unknown).")
    payload: JSON = strawberry.field(
        description="The queued read as JSON, or {raw: text} when it was not even JSON."
    )
    error: str = strawberry.field(description="The last processing error.")
    attempts: int = strawberry.field(description="Processing attempts made.")
    status: DeadLetterStatus = strawberry.field(description="PENDING, RETRIED or DISCARDED.")
    first_failed_at: datetime = strawberry.field(description="When it was dead-lettered.")
    last_failed_at: datetime = strawberry.field(description="Last change of this record.")
    resolved_at: datetime | None = strawberry.field(description="When it was retried/discarded.")
    resolved_by_id: strawberry.Private[int | None]

    @strawberry.field(description="Who retried or discarded it (null if nobody yet).")
    async def resolved_by(self, info: strawberry.Info) -> User | None:
        if self.resolved_by_id is None:
            return None
        row = await info.context.loaders.user_by_id.load(self.resolved_by_id)
        return User.from_model(row) if row else None

    @classmethod
    def from_model(cls, d: DeadLetterModel) -> Self:
        payload: Any = d.payload
        return cls(
            id=to_global_id("DeadLetter", d.id),
            database_id=d.id,
            natural_key=d.natural_key,
            source=d.source,
            camera_code=d.camera_code,
            payload=payload,
            error=d.error,
            attempts=d.attempts,
            status=d.status,
            first_failed_at=d.first_failed_at,
            last_failed_at=d.last_failed_at,
            resolved_at=d.resolved_at,
            resolved_by_id=d.resolved_by_id,
        )


@strawberry.type(description="The dead letter after the change.")
class DeadLetterSuccess:
    dead_letter: DeadLetter = strawberry.field(description="The dead letter.")
