"""Opening an input and reading its video packets with trustworthy timestamps.

Every module reads sources the same way, so the rules live here once:

* **Offsets are seconds from the first frame of the video stream** (its ``start_time``), not
  from the container's zero: an MPEG-PS from a recorder typically starts at 0.5 s or at an
  arbitrary clock value, and callers think in "seconds into this clip".
* Demuxed packets are normalised: the zero-size flush sentinel is dropped; a damaged packet
  (FFmpeg flags it when the file ends inside it) raises ``CORRUPT`` instead of silently
  copying half a frame into evidence; a missing DTS is interpolated from the previous packet
  and a missing PTS equals the DTS. MPEG-PS muxers only stamp some PES packets, so this is
  normal there. Without reordering (no B-frames) PTS equals DTS, so the fill is exact; with
  B-frames it cannot be reconstructed without parsing slices, so that case is refused with
  ``UNSUPPORTED`` rather than producing a clip that plays frames out of order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.container import InputContainer
from av.packet import Packet
from av.video.frame import VideoFrame
from av.video.stream import VideoStream

from domcctv.infra.video.errors import MediaError, MediaErrorCode, reading


@dataclass(frozen=True, slots=True)
class Source:
    """An open input: its container, its (first) video stream and its timing facts."""

    path: Path
    container: InputContainer
    stream: VideoStream
    time_base: Fraction
    origin: int  # PTS (in time_base ticks) that offset 0.0 refers to
    frame_ticks: int  # nominal frame duration in ticks, used to fill missing durations

    def ticks(self, offset_seconds: float) -> int:
        """An offset in seconds as an absolute PTS, rounded to the nearest tick (infinite
        offsets mean "before the first frame" / "after the last one")."""
        if math.isnan(offset_seconds):
            raise ValueError("an offset must be a number, not NaN")
        if math.isinf(offset_seconds):
            return self.origin + (_FAR if offset_seconds > 0 else -_FAR)
        return self.origin + round(Fraction(offset_seconds) / self.time_base)

    def seek(self, pts: int) -> None:
        """Jump to the keyframe at or before ``pts`` (containers with an index only)."""
        with reading(self.path):
            self.container.seek(pts, backward=True, any_frame=False, stream=self.stream)

    def seconds(self, pts: int) -> float:
        """An absolute PTS as an offset in seconds from the start of the stream."""
        return float((pts - self.origin) * self.time_base)


_FAR = 1 << 62  # ticks beyond any real recording, still an int64 for FFmpeg


def _frame_ticks(stream: VideoStream, time_base: Fraction) -> int:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate:
        return 1
    return max(1, round(1 / (Fraction(rate) * time_base)))


@contextmanager
def open_source(path: Path | str) -> Iterator[Source]:
    """Open ``path`` for reading its first video stream; PyAV errors become ``MediaError``."""
    path = Path(path)
    with reading(path):
        container = av.open(str(path), mode="r")
    try:
        with reading(path):  # the body's own reads are guarded where they happen
            if not container.streams.video:
                raise MediaError(MediaErrorCode.NO_VIDEO, f"{path.name}: no video stream")
            stream = container.streams.video[0]
            if stream.time_base is None:
                raise MediaError(MediaErrorCode.UNSUPPORTED, f"{path.name}: no time base")
            time_base = Fraction(stream.time_base)
            origin = stream.start_time
            if origin is None:
                origin = _first_pts(container, stream)
        yield Source(path, container, stream, time_base, origin, _frame_ticks(stream, time_base))
    finally:
        container.close()


def _first_pts(container: InputContainer, stream: VideoStream) -> int:
    """The first timestamp of a stream whose header does not say (then rewind)."""
    for packet in container.demux(stream):
        stamp = packet.pts if packet.pts is not None else packet.dts
        if stamp is not None:
            container.seek(0, backward=True, any_frame=True, stream=stream)  # rewind
            return stamp
    raise MediaError(MediaErrorCode.CORRUPT, "no timestamped video packet")


@dataclass(frozen=True, slots=True)
class Timed:
    """A demuxed packet with its (filled-in) timing as plain ints, in stream ticks."""

    packet: Packet[VideoStream]
    pts: int
    dts: int
    duration: int

    @property
    def is_keyframe(self) -> bool:
        return self.packet.is_keyframe

    @property
    def size(self) -> int:
        return self.packet.size


def video_packets(source: Source) -> Iterator[Timed]:
    """The video stream's packets in decode order, with PTS, DTS and duration always set.

    Packets before the first timestamped one are skipped (nothing to anchor them to; they
    precede the first keyframe in practice). DTS is forced strictly increasing, which the
    MP4 muxer requires.
    """
    with reading(source.path):
        yield from _normalised(source)


def _normalised(source: Source) -> Iterator[Timed]:
    reorders = source.stream.codec_context.has_b_frames > 0
    last_dts: int | None = None
    last_duration = source.frame_ticks
    for packet in source.container.demux(source.stream):
        if packet.size == 0:
            continue  # the flush sentinel at the end of demuxing
        pts, dts = packet.pts, packet.dts
        if packet.is_corrupt:
            at = pts if pts is not None else dts
            where = f"{source.seconds(at):.3f} s" if at is not None else "an unknown time"
            raise MediaError(
                MediaErrorCode.CORRUPT,
                f"{source.path.name}: damaged or truncated packet at {where}",
            )
        duration = packet.duration if packet.duration else source.frame_ticks
        if dts is None:
            if pts is not None and not reorders:
                dts = pts
            elif last_dts is not None:
                dts = last_dts + last_duration
            else:
                continue
        if pts is None:
            if reorders:
                raise MediaError(
                    MediaErrorCode.UNSUPPORTED,
                    f"{source.path.name}: packets without PTS in a stream with B-frames",
                )
            pts = dts
        if last_dts is not None and dts <= last_dts:
            dts = last_dts + 1
            pts = max(pts, dts)
        last_dts, last_duration = dts, duration
        packet.pts, packet.dts, packet.duration = pts, dts, duration
        yield Timed(packet, pts, dts, duration)


def from_first_keyframe(source: Source) -> Iterator[Timed]:
    """The whole stream from its first keyframe; frames before it cannot be decoded, and
    leading pictures of an open GOP (displayed before the keyframe) reference the missing
    previous GOP."""
    anchor: int | None = None
    for timed in video_packets(source):
        if anchor is None:
            if not timed.is_keyframe:
                continue
            anchor = timed.pts
        if timed.pts >= anchor:
            yield timed


def shifted(timed: Timed, shift: int, stream: VideoStream) -> Packet[VideoStream]:
    """The packet re-stamped ``shift`` ticks earlier and bound to an output ``stream``."""
    packet = timed.packet
    packet.pts = timed.pts - shift
    packet.dts = timed.dts - shift
    packet.duration = timed.duration
    packet.stream = stream
    return packet


def decoded_frames(source: Source, packets: Iterable[Timed]) -> Iterator[VideoFrame]:
    """Decode ``packets`` (then flush the decoder); a decoding failure is ``CORRUPT``."""
    codec = source.stream.codec_context
    with reading(source.path):
        for timed in packets:
            yield from codec.decode(timed.packet)
        yield from codec.decode(None)
