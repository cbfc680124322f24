"""Remux a camera's live RTSP stream into fragmented MP4, in memory, for browsers.

A ``<video>`` element (or Media Source Extensions) plays a single progressive fMP4 response:
one init segment (``ftyp`` + ``moov``) followed by media fragments (``moof`` + ``mdat``).
PyAV (ffmpeg) reads the RTSP stream over TCP, as :mod:`.capture` does, and ffmpeg's MP4 muxer
stream-copies the video packets (no re-encode: cheap, and the picture is the camera's own)
with ``movflags=frag_keyframe+empty_moov+default_base_moof``, so the header is written
before any sample and a fragment is cut at every keyframe: **one fragment per GOP, each one
starting with a keyframe**, which is what lets a viewer join at any fragment boundary.

The muxer writes into a write-only (so non-seekable) sink; :class:`BoxSplitter` cuts the
byte stream at top-level ISO BMFF boxes and hands whole segments to a :class:`LiveSink`. All
of this is blocking and meant for a worker thread; :func:`read_live` returns only when asked
to stop and otherwise raises the typed errors of :mod:`.errors`. :func:`rebase_moof` lets
each viewer's timeline start at zero, whenever it joined.
"""

from __future__ import annotations

import contextlib
import struct
import threading
from dataclasses import dataclass
from fractions import Fraction
from typing import Final, Protocol

import av
import av.error

from integrations.hikvision.rtsp.capture import _open_error, _reason, _redact
from integrations.hikvision.rtsp.errors import (
    RtspNothingReceivedError,
    RtspStalledError,
    RtspStreamError,
)

MOVFLAGS: Final = "frag_keyframe+empty_moov+default_base_moof"
MAX_GOP_SECONDS: Final = 20.0
"""Without a keyframe for this long the muxer would buffer without bound: fail instead."""
MAX_BOX_BYTES: Final = 64 * 1024 * 1024
"""A larger top-level box is not a camera's GOP but a broken stream."""


class LiveFormatError(RtspStreamError):
    """The fMP4 bytes do not have the shape this module writes (a bug or a broken muxer)."""


@dataclass(frozen=True, slots=True)
class LiveInit:
    """The init segment (``ftyp`` + ``moov``) every viewer must receive first."""

    data: bytes
    codec: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class LiveFragment:
    """One GOP: ``moof`` + ``mdat``. ``decode_time`` is the ``tfdt`` of its track fragment
    (media timescale), ``sequence`` the muxer's ``mfhd`` number."""

    moof: bytes
    mdat: bytes
    decode_time: int
    sequence: int

    @property
    def size(self) -> int:
        return len(self.moof) + len(self.mdat)


class LiveSink(Protocol):
    """Receives the segments, from the reader's thread, in order."""

    def init(self, segment: LiveInit) -> None: ...

    def fragment(self, fragment: LiveFragment) -> None: ...


# --------------------------------------------------------------------------- ISO BMFF boxes


def _children(data: bytes | bytearray, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, offset, size) of the boxes laid end to end in ``data[start:end]``."""
    boxes: list[tuple[bytes, int, int]] = []
    position = start
    while position < end:
        if end - position < 8:
            raise LiveFormatError("truncated box header")
        size, kind = struct.unpack_from(">I4s", data, position)
        header = 8
        if size == 1:
            if end - position < 16:
                raise LiveFormatError("truncated box header")
            (size,) = struct.unpack_from(">Q", data, position + 8)
            header = 16
        if size < header or position + size > end:
            raise LiveFormatError(f"box {kind!r} overruns its parent")
        boxes.append((kind, position, size))
        position += size
    return boxes


def _fragment_fields(moof: bytes | bytearray) -> tuple[int, int, int | None]:
    """(mfhd sequence offset, tfdt offset, tfdt version) of the first track fragment."""
    sequence_at = tfdt_at = -1
    version: int | None = None
    for kind, offset, size in _children(moof, 8, len(moof)):
        if kind == b"mfhd":
            sequence_at = offset + 12
        elif kind == b"traf" and tfdt_at < 0:
            for inner, at, _ in _children(moof, offset + 8, offset + size):
                if inner == b"tfdt":
                    tfdt_at, version = at + 12, moof[at + 8]
    if sequence_at < 0 or tfdt_at < 0:
        raise LiveFormatError("moof without mfhd or tfdt")
    return sequence_at, tfdt_at, version


def _decode_time(moof: bytes | bytearray, at: int, version: int | None) -> int:
    return int(struct.unpack_from(">Q" if version == 1 else ">I", moof, at)[0])


def rebase_moof(moof: bytes, base_decode_time: int, sequence: int) -> bytes:
    """``moof`` with its decode time moved back by ``base_decode_time`` and ``mfhd`` set to
    ``sequence``: a viewer that joined late still sees a timeline starting at 0 (players
    otherwise wait for, or seek to, the camera's running time). Same size, so the sample
    offsets (relative to the moof) stay valid."""
    out = bytearray(moof)
    sequence_at, tfdt_at, version = _fragment_fields(out)
    decode_time = _decode_time(out, tfdt_at, version) - base_decode_time
    if decode_time < 0:
        raise LiveFormatError("fragment decode time before the viewer's first fragment")
    struct.pack_into(">I", out, sequence_at, sequence & 0xFFFFFFFF)
    if version == 1:
        struct.pack_into(">Q", out, tfdt_at, decode_time)
    else:
        struct.pack_into(">I", out, tfdt_at, decode_time & 0xFFFFFFFF)
    return bytes(out)


class BoxSplitter:
    """Cuts the muxer's byte stream into the init segment and ``moof`` + ``mdat`` pairs.

    ffmpeg writes in arbitrary pieces (its I/O buffer is 32 KiB); only whole top-level boxes
    leave. ``ftyp`` + ``moov`` become the init segment, each ``moof`` is held until its
    ``mdat`` is complete; anything else (``mfra`` at close, ``free``) is dropped.
    """

    def __init__(self, on_init: _InitHook, on_fragment: _FragmentHook) -> None:
        self._buffer = bytearray()
        self._discard = False
        self._ftyp: bytes | None = None
        self._moof: bytes | None = None
        self._on_init = on_init
        self._on_fragment = on_fragment

    def write(self, data: bytes) -> int:
        """The file-object method PyAV calls (no ``seek``: ffmpeg writes forward only)."""
        if self._discard:
            return len(data)
        self._buffer += data
        self._drain()
        return len(data)

    def discard(self) -> None:
        """Drop everything written from now on (the reader is stopping)."""
        self._discard = True
        self._buffer.clear()

    def _drain(self) -> None:
        position = 0
        buffer = self._buffer
        while len(buffer) - position >= 8:
            size, kind = struct.unpack_from(">I4s", buffer, position)
            if size == 1:
                if len(buffer) - position < 16:
                    break
                (size,) = struct.unpack_from(">Q", buffer, position + 8)
            if size < 8 or size > MAX_BOX_BYTES:
                raise LiveFormatError(f"unexpected box {kind!r} of {size} bytes")
            if len(buffer) - position < size:
                break
            self._box(kind, bytes(buffer[position : position + size]))
            position += size
        if position:
            del buffer[:position]

    def _box(self, kind: bytes, box: bytes) -> None:
        if kind == b"ftyp":
            self._ftyp = box
        elif kind == b"moov":
            if self._ftyp is None:
                raise LiveFormatError("moov before ftyp")
            self._on_init(self._ftyp + box)
        elif kind == b"moof":
            self._moof = box
        elif kind == b"mdat" and self._moof is not None:
            moof, self._moof = self._moof, None
            sequence_at, tfdt_at, version = _fragment_fields(moof)
            (sequence,) = struct.unpack_from(">I", moof, sequence_at)
            self._on_fragment(
                LiveFragment(moof, box, _decode_time(moof, tfdt_at, version), int(sequence))
            )


class _InitHook(Protocol):
    def __call__(self, data: bytes, /) -> None: ...


class _FragmentHook(Protocol):
    def __call__(self, fragment: LiveFragment, /) -> None: ...


# --------------------------------------------------------------------------- the reader


class _Remux:
    """One upstream session: open, demux, stream-copy into the splitter until ``stop``."""

    def __init__(self, url: str, sink: LiveSink, timeout: float, stop: threading.Event) -> None:
        self.url, self.sink, self.timeout, self.stop = url, sink, timeout, stop
        self.where = _redact(url)
        self.codec, self.width, self.height = "", 0, 0

    def run(self) -> None:
        options = {
            "rtsp_transport": "tcp",
            "timeout": str(int(self.timeout * 1_000_000)),  # socket I/O timeout, microseconds
        }
        try:
            source = av.open(self.url, options=options, timeout=(self.timeout, self.timeout))
        except (av.error.FFmpegError, OSError) as exc:
            raise _open_error(exc, self.where) from None  # PyAV's text carries the password
        with source:
            if not source.streams.video:
                raise RtspNothingReceivedError(f"{self.where}: the stream has no video track")
            video = source.streams.video[0]
            if not video.codec_context.extradata:
                raise RtspStreamError(
                    f"{self.where}: the stream announces no codec parameters (SPS/PPS)"
                )
            self.codec = video.codec_context.name
            self.width, self.height = video.codec_context.width, video.codec_context.height
            splitter = BoxSplitter(self._init, self.sink.fragment)
            output = av.open(splitter, "w", format="mp4", options={"movflags": MOVFLAGS})
            try:
                self._copy(source, video, output)
            finally:
                # What the muxer writes while closing (a partial GOP, an mfra) goes nowhere.
                splitter.discard()
                with contextlib.suppress(av.error.FFmpegError, OSError):
                    output.close()

    def _init(self, data: bytes) -> None:
        self.sink.init(LiveInit(data, self.codec, self.width, self.height))

    def _copy(
        self,
        source: av.container.InputContainer,
        video: av.VideoStream,
        output: av.container.OutputContainer,
    ) -> None:
        copy = output.add_stream_from_template(video)
        time_base = video.time_base or Fraction(1, 90_000)
        rate = video.guessed_rate or video.average_rate or 25
        ticks = max(1, round(1 / (rate * time_base)))  # one frame, in stream time base
        max_gop = int(MAX_GOP_SECONDS / time_base)
        # ffmpeg leaves the first RTSP packet without timestamps (see capture.py).
        expected = (video.start_time - ticks) if video.start_time is not None else 0
        last_dts: int | None = None
        last_key: int | None = None
        try:
            for packet in source.demux(video):
                if self.stop.is_set():
                    return
                if packet.size == 0:
                    continue  # the demuxer's end-of-stream flush packet
                if packet.pts is None:
                    packet.pts = expected if packet.dts is None else packet.dts
                if packet.dts is None or (last_dts is not None and packet.dts <= last_dts):
                    packet.dts = packet.pts if last_dts is None else max(packet.pts, last_dts + 1)
                expected = packet.pts + ticks
                if packet.is_keyframe:
                    last_key = packet.pts
                elif last_key is None:
                    continue  # fragments, and viewers, start on a keyframe
                elif packet.pts - last_key > max_gop:
                    raise RtspStreamError(
                        f"{self.where}: no keyframe for {MAX_GOP_SECONDS:g}s; not live-viewable"
                    )
                last_dts = packet.dts
                packet.stream = copy
                output.mux(packet)
        except (av.error.ExitError, TimeoutError):
            raise RtspStalledError(f"{self.where}: no packet within {self.timeout:g}s") from None
        except (av.error.FFmpegError, OSError) as exc:
            raise RtspStreamError(f"{self.where}: stream broke: {_reason(exc)}") from None
        if not self.stop.is_set():
            raise RtspStreamError(f"{self.where}: the live stream ended")


def read_live(url: str, sink: LiveSink, *, timeout: float, stop: threading.Event) -> None:
    """Blocking (run it in a worker thread): remux ``url`` into ``sink`` until ``stop`` is set.

    ``sink.init`` is called once, when the first keyframe is in; ``sink.fragment`` once per
    GOP after that, when the next keyframe closes it. ``timeout``: seconds without an RTSP
    answer or a packet. Returns only after ``stop`` (noticed between packets, so within a
    frame interval, or ``timeout`` when stalled); a stream that ends or breaks raises
    :class:`RtspStreamError`, the opening failures are those of :func:`capture_rtsp`
    (``RtspUnreachableError``, ``RtspAuthError``, ``RtspNotFoundError``,
    ``RtspUnavailableError``), a silent stream :class:`RtspStalledError`. Messages never
    contain the URL's password.
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    _Remux(url, sink, timeout, stop).run()
