"""A minimal RTSP/1.0 server (RFC 2326) streaming a ``VideoFeed`` as RTP/H.264 over TCP.

Just enough of a Hikvision camera (or HikCentral's streaming gateway) for ffmpeg/PyAV and
VLC: OPTIONS, DESCRIBE, SETUP (interleaved TCP only; UDP gets 461 so ffmpeg falls back),
PLAY, TEARDOWN and GET_PARAMETER keep-alives, Digest auth, RFC 6184 packetisation.
Playback is paced at real time times ``playback_speed`` and ends with RTCP BYE, which is
what makes ffmpeg report a clean EOF.  Every connection, pump task and feed iterator is
owned by the server and released on TEARDOWN, disconnect and :meth:`RtspServer.close`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime

from integrations.hikvision.simulator.rtsp.auth import RtspDigestAuth
from integrations.hikvision.simulator.rtsp.messages import (
    RtspProtocolError,
    RtspRequest,
    RtspResponse,
    RtspStatus,
    read_message,
)
from integrations.hikvision.simulator.rtsp.paths import strip_track
from integrations.hikvision.simulator.rtsp.rtp import DEFAULT_MTU, H264Packetizer, interleaved
from integrations.hikvision.simulator.rtsp.sdp import build_sdp
from integrations.hikvision.simulator.video.feed import (
    AccessUnit,
    RecorderOffline,
    RecordingCorrupt,
    RecordingNotYetRecorded,
    RecordingUnavailable,
    StreamParameters,
    VideoFeed,
)

logger = logging.getLogger(__name__)

PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER"
MAX_CONNECTIONS = 64
SENDER_REPORT_INTERVAL = 1.0  # media seconds between RTCP SRs
BYE_LINGER = 5.0  # seconds to wait for TEARDOWN after the end of a playback
CLOSE_TIMEOUT = 2.0
REQUEST_LOG = 500


@dataclass(frozen=True, slots=True)
class StreamSource:
    """What a URI streams: a feed, and the recorded span (``None`` for live)."""

    feed: VideoFeed
    span: tuple[datetime, datetime] | None
    label: str


type Resolver = Callable[[str], StreamSource]


@dataclass(slots=True)
class _Prepared:
    """A described presentation: its feed iterator already produced the first unit."""

    key: str
    source: StreamSource
    params: StreamParameters
    units: AsyncIterator[AccessUnit]
    first: AccessUnit


@dataclass(slots=True)
class _Session:
    id: str
    control_url: str
    prepared: _Prepared
    channels: tuple[int, int]
    packetizer: H264Packetizer = field(default_factory=H264Packetizer)
    pump: asyncio.Task[None] | None = None
    finished: bool = False


async def _close_units(units: AsyncIterator[AccessUnit]) -> None:
    aclose = getattr(units, "aclose", None)
    if aclose is not None:
        with contextlib.suppress(Exception):
            await aclose()


def _refusal(exc: BaseException, *, live: bool) -> RtspStatus:
    """The status a Hikvision recorder answers when it cannot serve the span.

    Down or unreadable: 503 (``Retry-After`` when the footage is just not flushed yet); a
    span outside the recording: 457 Invalid Range (RFC 2326: "out of bounds").
    """
    if isinstance(exc, RecordingNotYetRecorded):
        return RtspStatus(503, f"not recorded yet: {exc}", {"Retry-After": "10"})
    if live or isinstance(exc, RecorderOffline | RecordingCorrupt):
        return RtspStatus(503, f"recorder cannot serve: {exc}")
    if isinstance(exc, StopAsyncIteration):
        return RtspStatus(457, "nothing recorded in that span")
    return RtspStatus(457, f"no recording: {exc}")


def _session_id(header: str) -> str:
    return header.split(";", 1)[0].strip()


def _pick_transport(header: str) -> tuple[int, int] | None:
    """Interleaved channels of the first TCP alternative in ``Transport``; None if no TCP."""
    for alternative in header.split(","):
        fields = [f.strip() for f in alternative.split(";")]
        if not fields or fields[0].upper() != "RTP/AVP/TCP":
            continue
        for item in fields[1:]:
            name, _, value = item.partition("=")
            if name.lower() == "interleaved":
                low, _, high = value.partition("-")
                if low.isdigit() and int(low) < 255:
                    return int(low), int(high) if high.isdigit() else int(low) + 1
        return 0, 1
    return None


class RtspServer:
    """One listening socket; ``resolve`` maps a request URI to a :class:`StreamSource`.

    ``auth``: Digest credentials required for everything but OPTIONS (cameras), or
    ``None`` when the URI itself is the credential (HikCentral ``/EUrl/<token>``).
    ``playback_speed`` may be changed while running; it applies from the next PLAY.
    """

    def __init__(
        self,
        resolve: Resolver,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        auth: RtspDigestAuth | None = None,
        playback_speed: float = 1.0,
        mtu: int = DEFAULT_MTU,
        session_timeout: int = 60,
        name: str = "rtsp",
    ) -> None:
        if playback_speed <= 0:
            raise ValueError("playback_speed must be positive")
        self._resolve = resolve
        self.host, self.port = host, port
        self.auth = auth
        self.playback_speed = playback_speed
        self.mtu = mtu
        self.session_timeout = session_timeout
        self.name = name
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
        self.sessions: dict[str, _Session] = {}
        # (method, uri, status) of recent requests, for tests and debugging
        self.requests: deque[tuple[str, str, int]] = deque(maxlen=REQUEST_LOG)

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        self.port = int(self._server.sockets[0].getsockname()[1])
        logger.info("%s RTSP server listening on %s:%d", self.name, self.host, self.port)
        return self.port

    async def close(self) -> None:
        """Stop listening, end every connection and session, and wait until they are gone."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        tasks = [c.task for c in self._connections if c.task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=CLOSE_TIMEOUT * 2)
        if server is not None:
            await server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._connections) >= MAX_CONNECTIONS or self._server is None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            return
        connection = _Connection(self, reader, writer, asyncio.current_task())
        self._connections.add(connection)
        try:
            await connection.run()
        finally:
            self._connections.discard(connection)

    def resolve(self, path_and_query: str) -> StreamSource:
        return self._resolve(path_and_query)


class _Connection:
    """One client's control connection; it carries the interleaved RTP of its session."""

    def __init__(
        self,
        server: RtspServer,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        task: asyncio.Task[object] | None,
    ) -> None:
        self.server = server
        self.reader, self.writer = reader, writer
        self.task = task
        self.prepared: _Prepared | None = None
        self.session: _Session | None = None
        local = writer.get_extra_info("sockname")
        self.local_host = str(local[0]) if local else server.host

    async def run(self) -> None:
        try:
            while True:
                request = await asyncio.wait_for(
                    read_message(self.reader), self.server.session_timeout * 2
                )
                if request is not None:
                    await self._dispatch(request)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            pass  # client went away (or idled out): release everything below
        except RtspProtocolError as exc:
            logger.info("%s: closing connection: %s", self.server.name, exc)
        finally:
            await self._release()
            self.writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.writer.wait_closed(), CLOSE_TIMEOUT)

    def _send(self, response: RtspResponse, method: str, uri: str) -> None:
        self.server.requests.append((method, uri, response.status))
        if not self.writer.is_closing():
            self.writer.write(response.encode())

    async def _dispatch(self, request: RtspRequest) -> None:
        handlers = {
            "OPTIONS": self._options,
            "DESCRIBE": self._describe,
            "SETUP": self._setup,
            "PLAY": self._play,
            "TEARDOWN": self._teardown,
            "GET_PARAMETER": self._keepalive,
            "SET_PARAMETER": self._keepalive,
        }
        handler = handlers.get(request.method)
        try:
            if request.version != "RTSP/1.0":
                raise RtspStatus(505, "only RTSP/1.0")
            if handler is None:
                raise RtspStatus(501, f"{request.method} not supported")
            if request.method != "OPTIONS":
                self._authenticate(request)
            response = await handler(request)
        except RtspStatus as failure:
            response = RtspResponse(failure.status, request.cseq, dict(failure.headers))
            if failure.status >= 500 or failure.status in (404, 457):
                logger.info(
                    "%s: %s %s -> %s",
                    self.server.name,
                    request.method,
                    strip_track(request.path_and_query)[:120],
                    failure,
                )
        except Exception:  # a bug or a broken feed: answer 500, keep serving others
            logger.exception("%s: %s failed", self.server.name, request.method)
            response = RtspResponse(500, request.cseq)
        self._send(response, request.method, request.uri)
        if request.method == "PLAY" and response.status == 200:
            self._start_pump()

    def _authenticate(self, request: RtspRequest) -> None:
        auth = self.server.auth
        if auth is None:
            return
        ok, stale = auth.check(request)
        if not ok:
            raise RtspStatus(401, "credentials", {"WWW-Authenticate": auth.challenge(stale)})

    def _check_session(self, request: RtspRequest, required: bool) -> _Session | None:
        header = request.headers.get("session")
        if header is None:
            if required:
                raise RtspStatus(454, "no Session header")
            return None
        session = self.session
        if session is None or _session_id(header) != session.id:
            raise RtspStatus(454, "unknown session")
        return session

    async def _options(self, request: RtspRequest) -> RtspResponse:
        return RtspResponse(200, request.cseq, {"Public": PUBLIC})

    async def _prepare(self, request: RtspRequest) -> _Prepared:
        key = strip_track(request.path_and_query)
        if self.prepared is not None and self.prepared.key == key:
            return self.prepared
        source = self.server.resolve(key)
        params = source.feed.parameters()
        units = source.feed.live() if source.span is None else source.feed.recorded(*source.span)
        try:
            first = await anext(units)
        except (RecordingUnavailable, RecordingCorrupt, StopAsyncIteration) as exc:
            await _close_units(units)
            raise _refusal(exc, live=source.span is None) from exc
        old, self.prepared = self.prepared, _Prepared(key, source, params, units, first)
        if old is not None and (self.session is None or self.session.prepared is not old):
            await _close_units(old.units)
        return self.prepared

    async def _describe(self, request: RtspRequest) -> RtspResponse:
        prepared = await self._prepare(request)
        span = prepared.source.span
        duration = None if span is None else (span[1] - span[0]).total_seconds()
        sdp = build_sdp(
            prepared.params,
            host=self.local_host,
            session_id=secrets.randbits(31),
            duration=duration,
        )
        headers = {"Content-Type": "application/sdp"}
        return RtspResponse(200, request.cseq, headers, sdp.encode())

    async def _setup(self, request: RtspRequest) -> RtspResponse:
        if self.session is not None:
            if request.headers.get("session") is not None:
                self._check_session(request, required=True)
            raise RtspStatus(459, "one track per session")
        channels = _pick_transport(request.headers.get("transport", ""))
        if channels is None:
            raise RtspStatus(461, "only RTP/AVP/TCP interleaved")
        prepared = await self._prepare(request)
        session = _Session(
            id=f"{secrets.randbits(32):08X}",
            control_url=request.uri,
            prepared=prepared,
            channels=channels,
            packetizer=H264Packetizer(self.server.mtu),
        )
        self.session = session
        self.server.sessions[session.id] = session
        low, high = channels
        transport = (
            f"RTP/AVP/TCP;unicast;interleaved={low}-{high};"
            f'ssrc={session.packetizer.ssrc:08X};mode="PLAY"'
        )
        headers = {
            "Transport": transport,
            "Session": f"{session.id};timeout={self.server.session_timeout}",
        }
        return RtspResponse(200, request.cseq, headers)

    async def _play(self, request: RtspRequest) -> RtspResponse:
        session = self._check_session(request, required=True)
        assert session is not None
        if session.finished:
            raise RtspStatus(455, "stream already ended")
        span = session.prepared.source.span
        npt = (
            "npt=0.000-" if span is None else f"npt=0.000-{(span[1] - span[0]).total_seconds():.3f}"
        )
        packetizer = session.packetizer
        rtp_info = (
            f"url={session.control_url};seq={packetizer.sequence};rtptime={packetizer.timestamp(0)}"
        )
        headers = {"Session": session.id, "Range": npt, "RTP-Info": rtp_info}
        return RtspResponse(200, request.cseq, headers)

    def _start_pump(self) -> None:
        session = self.session
        if session is None or session.pump is not None:
            return  # a second PLAY while playing: nothing to restart
        session.pump = asyncio.create_task(self._pump(session), name=f"rtsp-pump-{session.id}")

    async def _teardown(self, request: RtspRequest) -> RtspResponse:
        self._check_session(request, required=True)
        await self._release()
        return RtspResponse(200, request.cseq)

    async def _keepalive(self, request: RtspRequest) -> RtspResponse:
        session = self._check_session(request, required=False)
        headers = {"Session": session.id} if session is not None else {}
        return RtspResponse(200, request.cseq, headers)

    async def _pump(self, session: _Session) -> None:
        """Send the units of the session, paced, then RTCP BYE; close if no TEARDOWN."""
        loop = asyncio.get_running_loop()
        prepared = session.prepared
        span = prepared.source.span
        speed = self.server.playback_speed
        rtp_channel, rtcp_channel = session.channels
        packetizer = session.packetizer
        origin, started = prepared.first.time, loop.time()
        last_report = -SENDER_REPORT_INTERVAL
        unit: AccessUnit | None = prepared.first
        try:
            while unit is not None:
                if span is not None and unit.time > span[1]:
                    break
                media = (unit.time - origin).total_seconds()
                if span is not None:
                    delay = started + media / speed - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                frames = [
                    interleaved(rtp_channel, p) for p in packetizer.packets(unit.nal_units, media)
                ]
                if media - last_report >= SENDER_REPORT_INTERVAL:
                    report = packetizer.sender_report(unit.time.timestamp())
                    frames.append(interleaved(rtcp_channel, report))
                    last_report = media
                self.writer.write(b"".join(frames))
                await self.writer.drain()
                try:
                    unit = await anext(prepared.units)
                except StopAsyncIteration:
                    unit = None
                except (RecordingUnavailable, RecordingCorrupt) as exc:
                    logger.warning(
                        "%s: %s ended early: %s", self.server.name, prepared.source.label, exc
                    )
                    unit = None
            session.finished = True
            self.writer.write(interleaved(rtcp_channel, packetizer.goodbye()))
            await self.writer.drain()
            await asyncio.sleep(BYE_LINGER)  # the client should TEARDOWN (cancels this task)
            self.writer.close()
        except ConnectionError:
            self.writer.close()  # the reader loop sees EOF and releases the session
        except Exception:  # a broken feed must not leave the client waiting forever
            logger.exception("%s: streaming %s failed", self.server.name, prepared.source.label)
            self.writer.close()

    async def _release(self) -> None:
        """End the session and close its feed iterator (idempotent)."""
        session, self.session = self.session, None
        prepared, self.prepared = self.prepared, None
        if session is not None:
            self.server.sessions.pop(session.id, None)
            pump = session.pump
            if pump is not None and pump is not asyncio.current_task():
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pump
            await _close_units(session.prepared.units)
        if prepared is not None and (session is None or prepared is not session.prepared):
            await _close_units(prepared.units)
