"""Stream-copy access units into a fragmented MP4, handing the bytes back as they are made.

Fragmented (``empty_moov`` + one ``moof``/``mdat`` per GOP) because the download is streamed:
a classic MP4 needs its index (``moov``) written after the last sample, i.e. the whole file
in memory or on disk first.  No re-encode: the SPS/PPS go into ``avcC`` once, and each
sample is the unit's slice NAL units.  The first unit's wall-clock time is written as the
file's ``creation_time`` so a client can tell where the footage starts.

Blocking PyAV work: create and call it from a worker thread, one call at a time.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime
from fractions import Fraction

import av
from av.container import OutputContainer
from av.video.stream import VideoStream

from integrations.hikvision.simulator.video.annexb import NAL_PPS, NAL_SPS, join_annexb, nal_type
from integrations.hikvision.simulator.video.feed import AccessUnit, StreamParameters

MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof"


class _Sink(io.RawIOBase):
    """A write-only, non-seekable file that collects what the muxer writes."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []
        self._position = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self._parts.append(chunk)
        self._position += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._position

    def drain(self) -> bytes:
        out, self._parts = b"".join(self._parts), []
        return out


def _slices(unit: AccessUnit) -> list[bytes]:
    """The unit without its in-band SPS/PPS (an MP4 carries them once, in ``avcC``)."""
    return [n for n in unit.nal_units if nal_type(n) not in (NAL_SPS, NAL_PPS)]


class FragmentedMp4Writer:
    """``write(units)`` / ``finish()`` return the MP4 bytes produced so far."""

    def __init__(self, params: StreamParameters, start: datetime) -> None:
        self._params = params
        self._origin = start
        self._sink = _Sink()
        self._container: OutputContainer | None = None
        self._stream: VideoStream | None = None
        self._time_base = Fraction(1, params.fps)

    def _open(self, first: AccessUnit) -> tuple[OutputContainer, VideoStream]:
        """Open the MP4 with codec parameters (``avcC`` from our SPS/PPS) as FFmpeg's own
        parser reads them from SPS+PPS+the first IDR.  ``add_stream("h264")`` would instead
        open a libx264 *encoder* whose default global header replaces ours."""
        if self._container is None or self._stream is None:
            sample = join_annexb([self._params.sps, self._params.pps, *_slices(first)])
            container = av.open(self._sink, "w", format="mp4", options={"movflags": MOVFLAGS})
            # the template must stay open until copied: its stream dies with its container
            with av.open(io.BytesIO(sample), format="h264") as probe:
                stream = container.add_stream_from_template(probe.streams.video[0])
            stream.time_base = self._time_base
            created = self._origin.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            container.metadata["creation_time"] = created
            self._container, self._stream = container, stream
        return self._container, self._stream

    def write(self, units: Sequence[AccessUnit]) -> bytes:
        """Mux ``units`` (the very first one must be a keyframe)."""
        if not units:
            return self._sink.drain()
        if self._container is None and not units[0].keyframe:
            raise ValueError("an MP4 must start with a keyframe")
        container, stream = self._open(units[0])
        for unit in units:
            offset = (unit.time - self._origin).total_seconds()
            packet = av.Packet(join_annexb(_slices(unit)))
            packet.pts = packet.dts = round(offset * self._params.fps)
            packet.duration = 1
            packet.time_base = self._time_base
            packet.stream = stream
            packet.is_keyframe = unit.keyframe
            container.mux(packet)
        return self._sink.drain()

    def finish(self) -> bytes:
        """Close the file (flushes the last fragment); the writer cannot be used again."""
        if self._container is not None:
            self._container.close()
            self._container = None
        return self._sink.drain()
