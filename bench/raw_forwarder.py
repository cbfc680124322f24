"""Baseline of the fan-out bench: the least a Redis -> websocket fan-out can do.

One PSUBSCRIBE on the same pattern the server's RedisBus uses (``{namespace}|domcctv:*``), every
message text is forwarded unchanged to every connected raw websocket client with
``websockets.broadcast`` (no GraphQL, no auth, no per-subscriber work). Same event loop
(uvloop) as the server under uvicorn. ``GET /health`` answers 200 once subscribed.

Run: ``python -m bench.raw_forwarder --port N --redis-url redis://127.0.0.1:6379 --namespace X``.
The process exits by itself after ``--max-seconds`` (a bench that died cannot leak it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from http import HTTPStatus
from typing import Any

import redis.asyncio as redis_asyncio
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.http11 import Request, Response


def pattern(namespace: str) -> str:
    """What domcctv.infra.bus.RedisBus subscribes to: ``{REDIS_NAMESPACE}|domcctv:*``."""
    return f"{namespace}|domcctv:*"


class Forwarder:
    def __init__(self) -> None:
        self.clients: set[ServerConnection] = set()
        self.ready = asyncio.Event()
        self.forwarded = 0

    async def handler(self, ws: ServerConnection) -> None:
        self.clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            self.clients.discard(ws)

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.path == "/health":
            if self.ready.is_set():
                return connection.respond(HTTPStatus.OK, "ok\n")
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "subscribing\n")
        return None

    async def pump(self, redis_url: str, namespace: str, max_messages: int) -> None:
        client: Any = redis_asyncio.from_url(redis_url, socket_timeout=None)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.psubscribe(pattern(namespace))
            self.ready.set()
            async for raw in pubsub.listen():
                if raw.get("type") != "pmessage":
                    continue
                data = raw["data"]
                broadcast(self.clients, data.decode() if isinstance(data, bytes) else str(data))
                self.forwarded += 1
                if self.forwarded >= max_messages:
                    return
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            await client.aclose()


async def main_async(args: argparse.Namespace) -> None:
    forwarder = Forwarder()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with serve(
        forwarder.handler,
        "127.0.0.1",
        args.port,
        process_request=forwarder.process_request,
        ping_interval=None,
        # As the API's websockets are configured (WS_PER_MESSAGE_DEFLATE): same work per frame.
        compression="deflate" if args.deflate else None,
    ):
        pump = asyncio.create_task(
            forwarder.pump(args.redis_url, args.namespace, args.max_messages)
        )
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({pump, stopper}, timeout=args.max_seconds, return_when="FIRST_COMPLETED")
        for task in (pump, stopper):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.raw_forwarder")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--namespace", default="domcctv", help="the server's REDIS_NAMESPACE")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    parser.add_argument("--max-messages", type=int, default=1_000_000)
    parser.add_argument("--deflate", action="store_true", help="permessage-deflate, per client")
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] ships it
        asyncio.run(main_async(args))
    else:
        asyncio.run(main_async(args), loop_factory=uvloop.new_event_loop)


if __name__ == "__main__":
    main()
