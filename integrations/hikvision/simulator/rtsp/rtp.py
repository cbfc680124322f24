"""RTP packetisation of H.264 access units (RFC 3550 headers, RFC 6184 payloads).

Only what a Hikvision camera sends over RTSP-interleaved TCP: single NAL unit packets for
small NALs, FU-A fragments for NALs above the MTU, the marker bit on the last packet of an
access unit, a 90 kHz clock, and RTCP sender reports / BYE on the odd channel.  Kept free of
I/O so the byte layout can be checked in isolation.
"""

from __future__ import annotations

import secrets
import struct
import time
from collections.abc import Iterator

RTP_VERSION = 2
H264_PAYLOAD_TYPE = 96
CLOCK_RATE = 90_000
DEFAULT_MTU = 1400
RTP_HEADER_SIZE = 12
FU_A = 28
RTCP_SR = 200
RTCP_BYE = 203
NTP_EPOCH_OFFSET = 2_208_988_800  # seconds between 1900-01-01 and 1970-01-01


def interleaved(channel: int, payload: bytes) -> bytes:
    """RFC 2326 §10.12 framing: ``$``, channel, 16-bit length, payload."""
    if len(payload) > 0xFFFF:
        raise ValueError("interleaved frame larger than 65535 bytes")
    return struct.pack("!cBH", b"$", channel, len(payload)) + payload


def fragment_nal(nal: bytes, max_payload: int) -> Iterator[bytes]:
    """One NAL as RTP payloads: itself when it fits, else FU-A fragments (RFC 6184 §5.8)."""
    if not nal:
        return
    if len(nal) <= max_payload:
        yield nal
        return
    header = nal[0]
    indicator = (header & 0xE0) | FU_A  # F and NRI of the NAL, type 28
    nal_type = header & 0x1F
    body = nal[1:]
    chunk = max_payload - 2
    for offset in range(0, len(body), chunk):
        start = offset == 0
        end = offset + chunk >= len(body)
        fu_header = (0x80 if start else 0) | (0x40 if end else 0) | nal_type
        yield bytes((indicator, fu_header)) + body[offset : offset + chunk]


class H264Packetizer:
    """RTP state of one outgoing stream: SSRC, sequence numbers and the timestamp origin."""

    def __init__(self, mtu: int = DEFAULT_MTU, ssrc: int | None = None) -> None:
        if mtu < RTP_HEADER_SIZE + 16:
            raise ValueError("MTU too small for RTP")
        self.ssrc = secrets.randbits(32) if ssrc is None else ssrc
        self.sequence = secrets.randbits(16)
        self.timestamp_base = secrets.randbits(32)
        self._max_payload = mtu - RTP_HEADER_SIZE
        self.packets_sent = 0
        self.octets_sent = 0
        self.last_timestamp = self.timestamp_base

    def timestamp(self, media_seconds: float) -> int:
        """90 kHz RTP timestamp of a point ``media_seconds`` after the stream origin."""
        return (self.timestamp_base + round(media_seconds * CLOCK_RATE)) & 0xFFFFFFFF

    def packets(self, nal_units: tuple[bytes, ...], media_seconds: float) -> list[bytes]:
        """RTP packets of one access unit; the last one carries the marker bit."""
        timestamp = self.timestamp(media_seconds)
        payloads = [p for nal in nal_units for p in fragment_nal(nal, self._max_payload)]
        out = []
        for index, payload in enumerate(payloads):
            marker = 0x80 if index == len(payloads) - 1 else 0
            header = struct.pack(
                "!BBHII",
                RTP_VERSION << 6,
                marker | H264_PAYLOAD_TYPE,
                self.sequence,
                timestamp,
                self.ssrc,
            )
            self.sequence = (self.sequence + 1) & 0xFFFF
            out.append(header + payload)
            self.octets_sent += len(payload)
        self.packets_sent += len(out)
        self.last_timestamp = timestamp
        return out

    def sender_report(self, wall_clock: float | None = None) -> bytes:
        """RTCP SR (RFC 3550 §6.4.1) mapping the last RTP timestamp to NTP wall clock."""
        now = time.time() if wall_clock is None else wall_clock
        ntp = now + NTP_EPOCH_OFFSET
        seconds = int(ntp)
        fraction = int((ntp - seconds) * (1 << 32)) & 0xFFFFFFFF
        return struct.pack(
            "!BBHIIIIII",
            RTP_VERSION << 6,
            RTCP_SR,
            6,  # length in 32-bit words minus one
            self.ssrc,
            seconds & 0xFFFFFFFF,
            fraction,
            self.last_timestamp,
            self.packets_sent & 0xFFFFFFFF,
            self.octets_sent & 0xFFFFFFFF,
        )

    def goodbye(self) -> bytes:
        """A compound RTCP packet (SR + BYE): the end of the stream for RFC 3550 receivers."""
        bye = struct.pack("!BBHI", (RTP_VERSION << 6) | 1, RTCP_BYE, 1, self.ssrc)
        return self.sender_report() + bye
