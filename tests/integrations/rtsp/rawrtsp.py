"""A bare RTSP client on a socket, for checking what PyAV does not show: status codes,
headers, RTP headers and FU-A fragments on the wire, and what a TEARDOWN releases."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self

from integrations.hikvision.simulator import SimulatedSite


class _CountsIterators(Protocol):
    open_iterators: int


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - RFC 2617 digest


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class RtpPacket:
    marker: bool
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes


class RawRtsp:
    """``async with RawRtsp(host, port, user, password) as rtsp: await rtsp.request(...)``."""

    def __init__(self, host: str, port: int, username: str = "", password: str = "") -> None:
        self.host, self.port = host, port
        self.username, self.password = username, password
        self.cseq = 0
        self.session = ""
        self._challenge: dict[str, str] | None = None
        self.rtcp: list[bytes] = []

    async def __aenter__(self) -> Self:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()

    def url(self, path: str) -> str:
        return f"rtsp://{self.host}:{self.port}{path}"

    def _authorization(self, method: str, uri: str) -> str | None:
        if self._challenge is None or not self.username:
            return None
        realm, nonce = self._challenge["realm"], self._challenge["nonce"]
        ha1 = _md5(f"{self.username}:{realm}:{self.password}")
        response = _md5(f"{ha1}:{nonce}:{_md5(f'{method}:{uri}')}")
        return (
            f'Digest username="{self.username}", realm="{realm}", nonce="{nonce}", '
            f'uri="{uri}", response="{response}"'
        )

    async def request(
        self, method: str, uri: str, headers: dict[str, str] | None = None, *, retry: bool = True
    ) -> Reply:
        self.cseq += 1
        lines = [f"{method} {uri} RTSP/1.0", f"CSeq: {self.cseq}", "User-Agent: raw-test"]
        if self.session:
            lines.append(f"Session: {self.session}")
        if (auth := self._authorization(method, uri)) is not None:
            lines.append(f"Authorization: {auth}")
        lines.extend(f"{k}: {v}" for k, v in (headers or {}).items())
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        reply = await self.read_reply()
        if reply.status == 401 and retry and self.username:
            self._challenge = dict(
                re.findall(r'(\w+)="([^"]*)"', reply.headers["www-authenticate"])
            )
            return await self.request(method, uri, headers, retry=False)
        if "session" in reply.headers:
            self.session = reply.headers["session"].split(";")[0]
        return reply

    async def read_reply(self) -> Reply:
        """The next RTSP reply, skipping (and keeping RTCP of) interleaved frames before it."""
        while True:
            first = await self.reader.readexactly(1)
            if first == b"$":
                channel, payload = await self._frame_rest()
                if channel % 2:
                    self.rtcp.append(payload)
                continue
            head = first + await self.reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            status = int(lines[0].split(" ")[1])
            headers = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            body = await self.reader.readexactly(int(headers.get("content-length", "0")))
            return Reply(status, headers, body)

    async def _frame_rest(self) -> tuple[int, bytes]:
        header = await self.reader.readexactly(3)
        return header[0], await self.reader.readexactly(int.from_bytes(header[1:], "big"))

    async def read_frame(self) -> tuple[int, bytes]:
        """The next interleaved frame: (channel, payload)."""
        if await self.reader.readexactly(1) != b"$":
            raise AssertionError("expected an interleaved frame")
        return await self._frame_rest()

    async def read_rtp(self) -> RtpPacket:
        """The next RTP packet (RTCP frames are kept in ``rtcp``)."""
        while True:
            if await self.reader.readexactly(1) != b"$":
                raise AssertionError("expected an interleaved frame")
            channel, data = await self._frame_rest()
            if channel % 2:
                self.rtcp.append(data)
                continue
            assert data[0] >> 6 == 2, "RTP version 2"
            return RtpPacket(
                marker=bool(data[1] & 0x80),
                payload_type=data[1] & 0x7F,
                sequence=int.from_bytes(data[2:4], "big"),
                timestamp=int.from_bytes(data[4:8], "big"),
                ssrc=int.from_bytes(data[8:12], "big"),
                payload=data[12:],
            )


def depacketize(packets: list[RtpPacket]) -> list[bytes]:
    """NAL units of RFC 6184 single-NAL and FU-A payloads (what a receiver reassembles)."""
    nals: list[bytes] = []
    pending: bytearray | None = None
    for packet in packets:
        payload = packet.payload
        if payload[0] & 0x1F == 28:
            indicator, fu_header = payload[0], payload[1]
            if fu_header & 0x80:
                pending = bytearray([(indicator & 0xE0) | (fu_header & 0x1F)])
            assert pending is not None, "FU-A continuation without a start fragment"
            pending += payload[2:]
            if fu_header & 0x40:
                nals.append(bytes(pending))
                pending = None
        else:
            nals.append(payload)
    return nals


def rtcp_types(compound: bytes) -> list[int]:
    """Packet types of a compound RTCP packet (200 SR, 203 BYE, ...)."""
    types, offset = [], 0
    while offset + 4 <= len(compound):
        types.append(compound[offset + 1])
        offset += (int.from_bytes(compound[offset + 2 : offset + 4], "big") + 1) * 4
    return types


async def until_released(site: SimulatedSite, feed: _CountsIterators) -> None:
    """Wait (briefly) until every RTSP port of the site has no session, connection or open
    feed iterator: what TEARDOWN / a disconnect must leave behind."""
    servers = [*site.rtsp_servers.values(), site.streaming_server]
    for _ in range(150):
        busy = [s for s in servers if s is not None and (s.sessions or s.connection_count)]
        if not busy and feed.open_iterators == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"still open: {busy}, feed iterators {feed.open_iterators}")
