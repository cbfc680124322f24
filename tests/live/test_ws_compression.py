"""permessage-deflate on the API's websockets follows WS_PER_MESSAGE_DEFLATE (off by default):
a standard client that offers it gets it only when the setting is on, and a live session works
either way."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect

from domcctv.config import Settings
from domcctv.domain.access import Role

from factories import make_user
from gql_ws import PROTOCOL, expect_ack
from graphql_client import token_for
from live_server import start_server, stop_server

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("deflate", [False, True])
async def test_compression_is_negotiated_only_when_configured(
    settings: Settings, db: str, deflate: bool
) -> None:
    configured = settings.model_copy(update={"ws_per_message_deflate": deflate})
    token = await token_for(await make_user(Role.OPERATOR), configured)
    running = await start_server(configured)
    try:
        # websockets' client offers permessage-deflate by default, as browsers do.
        async with connect(running.ws, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
            assert ws.response is not None
            negotiated = ws.response.headers.get("Sec-WebSocket-Extensions", "")
            assert ("permessage-deflate" in negotiated) is deflate
            await ws.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
                )
            )
            await expect_ack(ws)
            await ws.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ __typename }"}})
            )
            assert json.loads(await ws.recv())["payload"] == {"data": {"__typename": "Query"}}
    finally:
        await stop_server(running)
