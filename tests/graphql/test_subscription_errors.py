"""Errors of pushed subscription events get the same policy as query errors: a bug inside a
field is masked as INTERNAL_SERVER_ERROR with a request id (its traceback is logged), while an
expected error keeps its code. Before, each event's errors went to the websocket as raised,
internal messages included."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator

import pytest
import strawberry

from domcctv.domain.errors import NotFound
from resolvers.errors import DomcctvSchema, ErrorPolicy


@strawberry.type
class Pushed:
    n: int

    @strawberry.field
    def broken(self) -> int | None:
        raise ValueError("internal detail: /var/lib/secret")

    @strawberry.field
    def missing(self) -> int | None:
        raise NotFound("No such thing")


@strawberry.type
class Query:
    ok: bool = True


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self) -> AsyncGenerator[Pushed, None]:
        for n in range(2):
            yield Pushed(n=n)


SCHEMA = DomcctvSchema(query=Query, subscription=Subscription, extensions=[ErrorPolicy])


async def test_event_errors_are_coded_or_masked(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="domcctv.graphql")
    stream = await SCHEMA.subscribe("subscription { ticks { n broken missing } }")
    results = [result async for result in stream]  # type: ignore[union-attr]
    assert len(results) == 2
    for result in results:
        assert result.errors is not None
        by_field = {e.path[-1]: e for e in result.errors if e.path}
        masked = by_field["broken"]
        assert masked.extensions is not None
        assert masked.extensions["code"] == "INTERNAL_SERVER_ERROR"
        assert "secret" not in masked.message
        assert masked.extensions["requestId"] in masked.message
        assert by_field["missing"].extensions == {"code": "NOT_FOUND"}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Unexpected error in GraphQL subscription" in logged
