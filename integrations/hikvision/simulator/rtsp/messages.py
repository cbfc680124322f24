"""RTSP/1.0 message framing (RFC 2326 §6-7) on an asyncio stream, plus interleaved frames.

A client may send RTCP receiver reports as ``$``-framed binary data on the same connection
as its requests, so the reader returns either a request or ``None`` for a skipped frame.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_HEADER_LINES = 64
MAX_LINE = 8192
MAX_BODY = 65536
REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    454: "Session Not Found",
    455: "Method Not Valid in This State",
    457: "Invalid Range",
    459: "Aggregate Operation Not Allowed",
    461: "Unsupported Transport",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    505: "RTSP Version Not Supported",
}


class RtspProtocolError(Exception):
    """The peer sent something that is not RTSP; the connection is closed."""


class RtspStatus(Exception):
    """A request fails with this status; raised by handlers, rendered as a response."""

    def __init__(self, status: int, detail: str = "", headers: dict[str, str] | None = None):
        super().__init__(f"{status} {detail}".strip())
        self.status = status
        self.detail = detail
        self.headers = headers or {}


@dataclass(slots=True)
class RtspRequest:
    method: str
    uri: str
    version: str
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    @property
    def cseq(self) -> str:
        return self.headers.get("cseq", "0")

    @property
    def path_and_query(self) -> str:
        """``/Streaming/Channels/101?x=y`` of an absolute ``rtsp://`` URI (or a bare path)."""
        if self.uri.startswith("/"):
            return self.uri
        parts = urlsplit(self.uri)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@dataclass(slots=True)
class RtspResponse:
    status: int
    cseq: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def encode(self) -> bytes:
        lines = [
            f"RTSP/1.0 {self.status} {REASONS.get(self.status, 'Error')}",
            f"CSeq: {self.cseq}",
        ]
        lines.append("Server: Hikvision-Webs (simulated)")
        lines.extend(f"{name}: {value}" for name, value in self.headers.items())
        if self.body:
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


async def _line(reader: asyncio.StreamReader) -> bytes:
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.LimitOverrunError as exc:
        raise RtspProtocolError("header line too long") from exc
    if len(line) > MAX_LINE:
        raise RtspProtocolError("header line too long")
    return line.rstrip(b"\r\n")


async def read_message(reader: asyncio.StreamReader) -> RtspRequest | None:
    """The next request, or ``None`` after skipping one interleaved binary frame.

    Raises ``asyncio.IncompleteReadError`` at EOF and :class:`RtspProtocolError` on garbage.
    """
    first = await reader.readexactly(1)
    if first == b"$":
        header = await reader.readexactly(3)
        await reader.readexactly(int.from_bytes(header[1:3], "big"))
        return None
    while first in (b"\r", b"\n"):  # tolerate blank lines between requests
        first = await reader.readexactly(1)
    request_line = (first + await _line(reader)).decode("latin-1")
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("RTSP/"):
        raise RtspProtocolError(f"not an RTSP request line: {request_line[:80]!r}")
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        line = (await _line(reader)).decode("latin-1")
        if not line:
            break
        name, sep, value = line.partition(":")
        if not sep:
            raise RtspProtocolError(f"malformed header {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    else:
        raise RtspProtocolError("too many header lines")
    body = b""
    if length := headers.get("content-length"):
        if not length.isdigit() or int(length) > MAX_BODY:
            raise RtspProtocolError("bad Content-Length")
        body = await reader.readexactly(int(length))
    return RtspRequest(parts[0].upper(), parts[1], parts[2], headers, body)
