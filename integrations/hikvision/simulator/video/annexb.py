"""H.264 Annex-B byte streams <-> NAL units (the feed carries bare NAL units)."""

from __future__ import annotations

from collections.abc import Iterable

NAL_SLICE = 1
NAL_IDR = 5
NAL_SEI = 6
NAL_SPS = 7
NAL_PPS = 8
NAL_AUD = 9
START_CODE = b"\x00\x00\x00\x01"


def nal_type(nal: bytes) -> int:
    return nal[0] & 0x1F if nal else 0


def split_annexb(data: bytes) -> list[bytes]:
    """NAL units of an Annex-B buffer (3- or 4-byte start codes), without the start codes."""
    out: list[bytes] = []
    start = data.find(b"\x00\x00\x01")
    while start >= 0:
        begin = start + 3
        nxt = data.find(b"\x00\x00\x01", begin)
        end = len(data) if nxt < 0 else nxt
        nal = data[begin:end]
        if nxt >= 0:  # a 4-byte start code leaves its leading zero on the previous NAL
            nal = nal.rstrip(b"\x00")
        if nal:
            out.append(nal)
        start = nxt
    return out


def join_annexb(nals: Iterable[bytes]) -> bytes:
    return b"".join(START_CODE + nal for nal in nals)
