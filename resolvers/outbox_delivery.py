"""Relay the live pushes a GraphQL operation staged, once the operation is over.

Services stage pushes in the outbox inside their transactions; this extension publishes the
operation's own rows right after it, so a mutation's subscribers hear of it at once, and the
sweeper only ever handles what a failure left behind. This process's session cache hears the
session notices among them as they are published, so the next request here reads the session
again whatever the bus's latency.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from domcctv.services import outbox


class OutboxDelivery(SchemaExtension):
    """Wraps each operation in ``outbox.delivering`` with the process bus."""

    async def on_operation(self) -> AsyncIterator[None]:
        services = getattr(self.execution_context.context, "services", None)
        bus = getattr(services, "bus", None)
        cache = getattr(services, "session_cache", None)
        async with outbox.delivering(bus, local=cache.observe if cache is not None else None):
            yield
