"""The SDP a Hikvision camera answers to DESCRIBE, built from the feed's codec parameters.

ffmpeg/PyAV configure the H.264 decoder from ``sprop-parameter-sets`` before the first RTP
packet arrives, so the SPS/PPS here must be exactly the ones the access units refer to.
"""

from __future__ import annotations

import base64

from integrations.hikvision.simulator.rtsp.rtp import CLOCK_RATE, H264_PAYLOAD_TYPE
from integrations.hikvision.simulator.video.feed import StreamParameters

TRACK_CONTROL = "trackID=1"


def profile_level_id(sps: bytes) -> str:
    """``profile_idc``, constraint flags and ``level_idc``: the three bytes after the header."""
    if len(sps) < 4:
        raise ValueError("SPS too short for profile-level-id")
    return sps[1:4].hex().upper()


def build_sdp(
    params: StreamParameters, *, host: str, session_id: int, duration: float | None
) -> str:
    """One H.264 video track (``a=control:trackID=1``), live (open range) or of ``duration``."""
    sprop = ",".join(base64.b64encode(p).decode() for p in (params.sps, params.pps))
    npt = "npt=0-" if duration is None else f"npt=0-{duration:.3f}"
    lines = [
        "v=0",
        f"o=- {session_id} {session_id} IN IP4 {host}",
        "s=Media Presentation",
        "e=NONE",
        "t=0 0",
        "a=control:*",
        f"a=range:{npt}",
        f"m=video 0 RTP/AVP {H264_PAYLOAD_TYPE}",
        "c=IN IP4 0.0.0.0",
        "a=recvonly",
        f"a=x-dimensions:{params.width},{params.height}",
        f"a=framerate:{params.fps}",
        f"a=control:{TRACK_CONTROL}",
        f"a=rtpmap:{H264_PAYLOAD_TYPE} H264/{CLOCK_RATE}",
        f"a=fmtp:{H264_PAYLOAD_TYPE} profile-level-id={profile_level_id(params.sps)};"
        f" packetization-mode=1; sprop-parameter-sets={sprop}",
    ]
    return "\r\n".join(lines) + "\r\n"
