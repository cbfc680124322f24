"""Baseline of the ingest bench: the same HTTP work as the push receiver, nothing durable.

Starlette on the same uvicorn (uvloop + httptools), reads the body with the same size cap,
runs the very same multipart + XML parse (``parse_push``, off the event loop as the real
receiver does) and answers 200. No device lookup, no picture writes, no queue. The ratio
p99(ingest) / p99(null) is what the real receiver's durability costs under the same load.

Run: ``python -m uvicorn bench.null_server:app --app-dir <repo> --port N``.
"""

from __future__ import annotations

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from integrations.hikvision.errors import HikvisionProtocolError
from integrations.hikvision.isapi.events import parse_push
from integrations.hikvision.models import AnprAlert

MAX_PUSH_BYTES = 8 * 1024 * 1024  # same caps as domcctv.http.ingest
MAX_PART_BYTES = 4 * 1024 * 1024
MAX_PARTS = 8


async def push(request: Request) -> Response:
    # Same body handling as the receiver: the chunks as received, joined once in the thread.
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_PUSH_BYTES:
            return JSONResponse({"error": "too large"}, status_code=413)
        chunks.append(chunk)
    content_type = request.headers.get("content-type")
    try:
        event = await anyio.to_thread.run_sync(
            lambda: parse_push(
                content_type, b"".join(chunks), max_part_bytes=MAX_PART_BYTES, max_parts=MAX_PARTS
            )
        )
    except HikvisionProtocolError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    if not isinstance(event, AnprAlert):
        return JSONResponse({"status": "ignored"})
    return JSONResponse({"status": "accepted", "key": f"uuid:{event.event_uuid}"})


async def health(_: Request) -> Response:
    return PlainTextResponse("ok")


app = Starlette(
    routes=[
        Route("/ingest/isapi/{token}", push, methods=["POST"]),
        Route("/health", health, methods=["GET"]),
    ]
)
