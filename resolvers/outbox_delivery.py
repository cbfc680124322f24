"""Relay the live pushes a GraphQL operation staged, once the operation is over.

Services stage pushes in the outbox inside their transactions; this extension publishes the
operation's own rows right after it, so a mutation's subscribers hear of it at once, and the
sweeper only ever handles what a failure left behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from domcctv.services import outbox


class OutboxDelivery(SchemaExtension):
    """Wraps each operation in ``outbox.delivering`` with the process bus."""

    async def on_operation(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        bus = getattr(getattr(context, "services", None), "bus", None)
        async with outbox.delivering(bus):
            yield
