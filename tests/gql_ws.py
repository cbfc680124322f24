"""A minimal graphql-transport-ws client written from the protocol spec (not Strawberry's),
so the tests prove a standard client works unchanged."""

from __future__ import annotations

import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PROTOCOL = "graphql-transport-ws"


async def open_session(url: str, token: str | None) -> ClientConnection:
    ws = await connect(url, subprotocols=[PROTOCOL])  # type: ignore[list-item]
    payload = {"authorization": f"Bearer {token}"} if token else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    return ws


async def expect_ack(ws: ClientConnection) -> dict[str, Any] | None:
    """Wait for connection_ack; returns its payload (None when it has none)."""
    message = json.loads(await ws.recv())
    assert message["type"] == "connection_ack", message
    payload: dict[str, Any] | None = message.get("payload")
    return payload


async def subscribe(
    ws: ClientConnection, op_id: str, query: str, variables: dict[str, Any] | None = None
) -> None:
    await ws.send(
        json.dumps(
            {
                "id": op_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )
    )


async def next_payload(ws: ClientConnection) -> dict[str, Any]:
    while True:
        message = json.loads(await ws.recv())
        if message["type"] == "ping":
            await ws.send(json.dumps({"type": "pong"}))
            continue
        assert message["type"] == "next", message
        data: dict[str, Any] = message["payload"]
        return data


async def ping(
    ws: ClientConnection, payload: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """Send a protocol ping (optionally with a payload); returns the pong's payload. Pushes
    that arrive meanwhile are skipped."""
    message: dict[str, Any] = {"type": "ping"}
    if payload is not None:
        message["payload"] = payload
    await ws.send(json.dumps(message))
    while True:
        reply = json.loads(await ws.recv())
        if reply["type"] == "pong":
            pong: dict[str, Any] | None = reply.get("payload")
            return pong
        assert reply["type"] == "next", reply


async def closed_with(ws: ClientConnection) -> tuple[int, str, list[dict[str, Any]]]:
    """Read until the server closes the socket; returns (close code, reason, the payloads of
    the ``next`` messages received before the close). Bound it with ``asyncio.wait_for``."""
    pushed: list[dict[str, Any]] = []
    try:
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif message["type"] == "next":
                pushed.append(message["payload"])
    except ConnectionClosed as closed:
        frame = closed.rcvd
    if frame is None:
        raise AssertionError("the connection ended without a close frame from the server")
    return frame.code, frame.reason, pushed
