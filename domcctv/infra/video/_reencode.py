"""The one decode -> (draw) -> scale -> libx264 -> fast-start MP4 pipeline.

Used by quality variants and by evidence overlays, the only two places that spend CPU on
pixels. Choices:

* **Keyframes mirror the source exactly**: every frame that was a keyframe in the source is
  forced to be an IDR in the output, the encoder's own keyframe interval is the source's
  longest GOP and scene-cut keyframes are off. So "GOP equal to the source's" holds even for
  cameras with irregular GOPs, and every variant segments at the same instants as the
  original when packaged as HLS (what adaptive switching needs). Decoded frames carry their
  old picture type, which libx264 would obey (forcing B/P types), so every other frame's type
  is reset to "encoder decides".
* Source timestamps are kept (rebased to 0), so variable-frame-rate camera footage keeps its
  timing; the output uses the source's time base.
* Conversions go through one ``VideoReformatter`` per job, which keeps its swscale context:
  ``VideoFrame.reformat`` builds a new one per call (3 ms per 320x180 frame here, 40x more).
* ``preset=veryfast``: about 2x the speed of ``medium`` for a few percent more bits, the usual
  trade for server-side transcodes of surveillance footage (static scenes, little motion).
* With a bit-rate target the encoder runs ABR capped by a VBV (max 1.5x, buffer 2x), so HLS
  bandwidth attributes are honest; without one it runs CRF (constant quality) for evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from av.packet import Packet
from av.video.frame import PictureType, VideoFrame
from av.video.reformatter import Interpolation, VideoReformatter
from av.video.stream import VideoStream

from domcctv.infra.video._output import MP4_OPTIONS, atomic_output, file_facts, muxer
from domcctv.infra.video._source import Source, decoded_frames, from_first_keyframe, open_source
from domcctv.infra.video.errors import MediaError, MediaErrorCode, writing
from domcctv.infra.video.probe import probe

PRESET = "veryfast"

FrameEdit = Callable[[VideoFrame, float], VideoFrame]  # (frame, seconds from start) -> frame


@dataclass(frozen=True, slots=True)
class EncodeResult:
    path: Path
    width: int
    height: int
    codec: str
    duration_seconds: float
    frame_count: int
    keyframe_count: int
    bit_rate: int  # measured: video bytes * 8 / duration
    sha256: str
    size_bytes: int


def display_width(width: int, height: int, sample_aspect: Fraction | None, new_height: int) -> int:
    """The even width that keeps the displayed aspect ratio at ``new_height`` lines."""
    aspect = Fraction(width, height) * (sample_aspect or 1)
    return max(2, round(new_height * aspect / 2) * 2)


def _encoder_options(gop_frames: int, video_bitrate: int | None, crf: int) -> dict[str, str]:
    options = {
        "preset": PRESET,
        "forced-idr": "1",
        "x264-params": f"keyint={max(1, gop_frames)}:min-keyint=1:scenecut=0",
    }
    if video_bitrate:
        options |= {"maxrate": str(video_bitrate * 3 // 2), "bufsize": str(video_bitrate * 2)}
    else:
        options["crf"] = str(crf)
    return options


def _output_size(source: Source, height: int | None) -> tuple[int, int]:
    codec = source.stream.codec_context
    sar = Fraction(codec.sample_aspect_ratio) if codec.sample_aspect_ratio else None
    if height is None and sar in (None, 1):
        return codec.width, codec.height
    out_height = height or codec.height
    return display_width(codec.width, codec.height, sar, out_height), out_height


@dataclass(slots=True)
class _Tally:
    """Running facts about the packets written."""

    frame_ticks: int
    count: int = 0
    keyframes: int = 0
    total_bytes: int = 0
    end: int = 0

    def add(self, packet: Packet[VideoStream]) -> None:
        self.count += 1
        self.keyframes += packet.is_keyframe
        self.total_bytes += packet.size
        self.end = max(self.end, (packet.pts or 0) + (packet.duration or self.frame_ticks))


def _prepared(
    source: Source,
    frame: VideoFrame,
    shift: int,
    edit: FrameEdit | None,
    scaler: tuple[VideoReformatter, int, int],
) -> VideoFrame:
    """The frame edited, scaled in YUV 4:2:0, re-stamped, its keyframe-ness kept."""
    assert frame.pts is not None
    picture = edit(frame, float((frame.pts - shift) * source.time_base)) if edit else frame
    reformatter, width, height = scaler
    scaled = reformatter.reformat(
        picture, width=width, height=height, format="yuv420p", interpolation=Interpolation.AREA
    )
    scaled.pts = frame.pts - shift
    scaled.time_base = source.time_base
    scaled.pict_type = PictureType.I if frame.key_frame else PictureType.NONE
    return scaled


def reencode(
    src: Path | str,
    dst: Path | str,
    *,
    height: int | None = None,
    video_bitrate: int | None = None,
    crf: int = 20,
    edit: FrameEdit | None = None,
) -> EncodeResult:
    """Re-encode ``src`` to H.264 MP4 at ``dst``; ``height=None`` keeps the source size."""
    dst = Path(dst)
    info = probe(src)
    with open_source(src) as source:
        width, out_height = _output_size(source, height)
        tally = _Tally(source.frame_ticks)
        scaler = (VideoReformatter(), width, out_height)  # one per job: keeps its swscale context
        shift: int | None = None
        with atomic_output(dst) as tmp, muxer(tmp, dst, "mp4", MP4_OPTIONS) as output:
            with writing(dst):
                rate = Fraction(info.fps).limit_denominator(1001) if info.fps > 0 else None
                options = _encoder_options(info.gop_frames, video_bitrate, crf)
                stream = output.add_stream("libx264", rate=rate, options=options)
                stream.width, stream.height, stream.pix_fmt = width, out_height, "yuv420p"
                stream.time_base = stream.codec_context.time_base = source.time_base
                if video_bitrate:
                    stream.codec_context.bit_rate = video_bitrate
            for frame in decoded_frames(source, from_first_keyframe(source)):
                if frame.pts is None:
                    continue
                shift = frame.pts if shift is None else shift
                scaled = _prepared(source, frame, shift, edit, scaler)
                with writing(dst):
                    for packet in stream.encode(scaled):
                        tally.add(packet)
                        output.mux(packet)
            with writing(dst):
                for packet in stream.encode(None):
                    tally.add(packet)
                    output.mux(packet)
            if tally.count == 0:
                raise MediaError(MediaErrorCode.EMPTY_RANGE, f"{Path(src).name}: no frame decoded")
        duration = float(tally.end * source.time_base)
    facts = file_facts(dst)
    return EncodeResult(
        path=dst,
        width=width,
        height=out_height,
        codec="h264",
        duration_seconds=duration,
        frame_count=tally.count,
        keyframe_count=tally.keyframes,
        bit_rate=round(tally.total_bytes * 8 / duration) if duration > 0 else 0,
        sha256=facts.sha256,
        size_bytes=facts.size_bytes,
    )
