"""A push is executed once per distinct subscription, not once per subscriber.

Subscribers with the same document, variables, role, scope and permissions share one
execution of each pushed event (``resolvers/shared_execution.py``); any difference in those
gets its own. Counted by wrapping graphql-core's ``Executor.execute_operation`` in the same
process as the real server.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from graphql.execution.executor import Executor

from domcctv.domain.access import Role
from schema.live import EventChange

from factories import make_company, make_user, make_vehicle
from gql_ws import expect_ack, next_payload, open_session, subscribe
from graphql_client import token_for

STREAM = """
subscription($filter: EventStreamFilter) {
  eventStream(filter: $filter) { kind at event { id plate company { name }
    primaryCamera { pictures { kind url } } } }
}"""


async def test_subscribers_alike_share_one_execution_per_push(
    server, site, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    company = await make_company(name="Andes")
    await make_vehicle(company, "HJKL42")
    operators = [await make_user(Role.OPERATOR) for _ in range(2)]
    client = await make_user(Role.CLIENT_USER, company=company)
    executions: list[Any] = []
    original = Executor.execute_operation

    def counting(self: Executor[Any], serially: bool | None = None) -> Any:
        if isinstance(self.root_value, EventChange):
            executions.append(self.root_value)
        return original(self, serially)

    monkeypatch.setattr(Executor, "execute_operation", counting)
    sockets = []
    try:
        # four alike (two connections of one operator, one of another, same rights) ...
        for user in (operators[0], operators[0], operators[1]):
            ws = await open_session(server.ws, await token_for(user, settings))
            await expect_ack(ws)
            await subscribe(ws, "1", STREAM)
            sockets.append(ws)
        await subscribe(sockets[0], "2", STREAM)
        # ... one with other variables, one with another scope
        await subscribe(sockets[1], "3", STREAM, {"filter": {"plates": ["HJKL42"]}})
        ws = await open_session(server.ws, await token_for(client, settings))
        await expect_ack(ws)
        await subscribe(ws, "1", STREAM)
        sockets.append(ws)
        await asyncio.sleep(0.3)
        await site.cameras[0].emit_read(plate="HJKL42")
        received = []
        for ws, count in zip(sockets, (2, 2, 1, 1), strict=True):
            for _ in range(count):
                received.append(await asyncio.wait_for(next_payload(ws), timeout=5))
    finally:
        for ws in sockets:
            await ws.close()
    changes = [r["data"]["eventStream"] for r in received]
    assert all(c["event"]["plate"] == "HJKL42" for c in changes)
    assert all(c["event"]["company"] == {"name": "Andes"} for c in changes)
    assert len({str(c) for c in changes}) == 1  # the same bytes for everybody here
    assert len(executions) == 3  # the four alike, the filtered one, the client
    assert len({id(e) for e in executions}) == 1  # all for the one pushed object
