"""Pure pieces of the simulator's RTSP server: RFC 6184 payloads, URI parsing, token expiry."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from rawrtsp import RtpPacket, depacketize

from integrations.hikvision.simulator.rtsp.auth import RtspDigestAuth
from integrations.hikvision.simulator.rtsp.messages import RtspRequest, RtspStatus
from integrations.hikvision.simulator.rtsp.paths import parse_stream_path
from integrations.hikvision.simulator.rtsp.rtp import H264Packetizer, fragment_nal
from integrations.hikvision.simulator.rtsp.server import _pick_transport
from integrations.hikvision.simulator.rtsp.tokens import StreamTokens

SANTIAGO = ZoneInfo("America/Santiago")


def _parse(packet: bytes) -> RtpPacket:
    return RtpPacket(
        bool(packet[1] & 0x80),
        packet[1] & 0x7F,
        int.from_bytes(packet[2:4], "big"),
        int.from_bytes(packet[4:8], "big"),
        int.from_bytes(packet[8:12], "big"),
        packet[12:],
    )


def test_fu_a_fragments_reassemble_and_keep_nri() -> None:
    nal = bytes([0x65]) + bytes(range(256)) * 20  # IDR slice, NRI 3, 5121 bytes
    fragments = list(fragment_nal(nal, 1000))
    assert [f[0] for f in fragments] == [0x7C] * len(fragments)  # NRI kept, type 28
    assert fragments[0][1] == 0x85
    assert fragments[-1][1] == 0x45
    assert all(f[1] & 0xC0 == 0 for f in fragments[1:-1])
    assert max(len(f) for f in fragments) <= 1000
    assert list(fragment_nal(b"\x68small", 1000)) == [b"\x68small"]


def test_packetizer_marks_the_last_packet_and_wraps_sequence() -> None:
    packetizer = H264Packetizer(mtu=500, ssrc=0x1234)
    packetizer.sequence, packetizer.timestamp_base = 0xFFFE, 0xFFFFFFF0
    nals = (b"\x67sps", b"\x68pps", bytes([0x65]) + b"x" * 1500)
    packets = [_parse(p) for p in packetizer.packets(nals, 1.0)]
    assert [p.sequence for p in packets][:3] == [0xFFFE, 0xFFFF, 0]
    assert [p.marker for p in packets] == [False] * (len(packets) - 1) + [True]
    assert {p.timestamp for p in packets} == {(0xFFFFFFF0 + 90_000) & 0xFFFFFFFF}
    assert depacketize(packets) == list(nals)


def test_uris_of_cameras_and_hikcentral() -> None:
    live = parse_stream_path("/Streaming/Channels/102/trackID=1")
    assert (live.kind, live.channel, live.stream, live.span) == ("live", 1, 2, None)
    uri = (
        "/Streaming/tracks/101/?starttime=20250115T080000Z&endtime=20250115T081000Z"
        "&name=ch01_0000000000000001&size=104857600/trackID=1"
    )
    playback = parse_stream_path(uri)
    assert playback.span == (
        datetime(2025, 1, 15, 8, 0, tzinfo=UTC),
        datetime(2025, 1, 15, 8, 10, tzinfo=UTC),
    )
    local = parse_stream_path(uri, z_zone=SANTIAGO)
    assert local.span is not None
    assert local.span[0] == datetime(2025, 1, 15, 11, 0, tzinfo=UTC)
    token = parse_stream_path("/EUrl/AbC12xY?playBackMode=1/trackID=1")
    assert (token.kind, token.token) == ("token", "AbC12xY")
    for bad, status in (
        ("/Streaming/tracks/101?starttime=20250115T080000Z", 400),
        ("/Streaming/tracks/101?starttime=20251315T080000Z&endtime=20250115T081000Z", 400),
        ("/Streaming/tracks/101?starttime=20250115T090000Z&endtime=20250115T081000Z", 457),
        ("/ISAPI/Streaming/channels/101/picture", 404),
    ):
        with pytest.raises(RtspStatus) as failure:
            parse_stream_path(bad)
        assert failure.value.status == status


def test_tokens_expire_and_spans_are_checked() -> None:
    now = [100.0]
    tokens = StreamTokens(ttl=300, clock=lambda: now[0])
    token = tokens.issue("447")
    grant = tokens.resolve(token)
    assert grant is not None
    assert (grant.camera_index_code, grant.span) == ("447", None)
    now[0] += 301
    assert tokens.resolve(token) is None
    assert len(tokens) == 0
    start = datetime(2025, 1, 15, 8, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="after its start"):
        tokens.issue("447", (start, start))


def test_only_tcp_interleaved_transport_is_offered() -> None:
    assert _pick_transport("RTP/AVP;unicast;client_port=5000-5001") is None
    both = "RTP/AVP;unicast;client_port=5000-5001,RTP/AVP/TCP;unicast;interleaved=2-3"
    assert _pick_transport(both) == (2, 3)
    assert _pick_transport("RTP/AVP/TCP;unicast") == (0, 1)


def test_digest_with_qop_auth_is_accepted_too() -> None:
    auth = RtspDigestAuth("admin", "pw", realm="r")
    nonce = auth.challenge().split('nonce="')[1].split('"')[0]
    uri = "rtsp://127.0.0.1:554/Streaming/Channels/101"

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - RFC 2617

    ha1, ha2 = md5("admin:r:pw"), md5(f"DESCRIBE:{uri}")
    response = md5(f"{ha1}:{nonce}:00000001:c0ffee:auth:{ha2}")
    header = (
        f'Digest username="admin", realm="r", nonce="{nonce}", uri="{uri}", '
        f'response="{response}", qop=auth, nc=00000001, cnonce="c0ffee"'
    )
    request = RtspRequest("DESCRIBE", uri, "RTSP/1.0", {"authorization": header})
    assert auth.check(request) == (True, False)
    forged = RtspRequest("DESCRIBE", uri, "RTSP/1.0", {"authorization": header[:-3] + 'x"'})
    assert auth.check(forged) == (False, False)
    stale = header.replace(nonce, "0" * 32)
    assert auth.check(RtspRequest("DESCRIBE", uri, "RTSP/1.0", {"authorization": stale})) == (
        False,
        True,
    )
