"""The simulator's RTSP server on the wire: status codes, Digest, RTP/FU-A, session release."""

from __future__ import annotations

import asyncio
import base64

from clipfeed import ClipFeed
from rawrtsp import RawRtsp, RtpPacket, depacketize, rtcp_types, until_released

from integrations.hikvision.simulator import SimulatedSite, SiteConfig

PLAYBACK = "/Streaming/tracks/101?starttime=20250115T080001Z&endtime=20250115T080002Z"
TCP = {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}


def _raw(site: SimulatedSite, password: str | None = None) -> RawRtsp:
    cam = site.cameras[0]
    pwd = cam.password if password is None else password
    return RawRtsp(cam.host, site.rtsp_port(cam), cam.username, pwd)


async def test_digest_challenge_like_a_camera(site: SimulatedSite) -> None:
    cam = site.cameras[0]
    async with RawRtsp(cam.host, site.rtsp_port(cam)) as anonymous:
        options = await anonymous.request("OPTIONS", anonymous.url("/Streaming/Channels/101"))
        described = await anonymous.request("DESCRIBE", anonymous.url("/Streaming/Channels/101"))
    assert options.status == 200
    assert "DESCRIBE" in options.headers["public"]
    assert described.status == 401
    assert described.headers["www-authenticate"].startswith('Digest realm="')
    async with _raw(site, password="wrong") as wrong:
        assert (await wrong.request("DESCRIBE", wrong.url(PLAYBACK))).status == 401
    auth = site.rtsp_servers[cam.index_code].auth
    assert auth is not None
    assert auth.failures == 1


async def test_describe_sdp_and_errors(site: SimulatedSite, feed: ClipFeed) -> None:
    async with _raw(site) as rtsp:
        reply = await rtsp.request("DESCRIBE", rtsp.url(PLAYBACK))
        sdp = reply.body.decode()
        assert reply.status == 200
        assert reply.headers["content-type"] == "application/sdp"
        assert "a=rtpmap:96 H264/90000" in sdp
        assert "a=control:trackID=1" in sdp
        sps, pps = feed.clip.params.sps, feed.clip.params.pps
        sprop = f"{base64.b64encode(sps).decode()},{base64.b64encode(pps).decode()}"
        assert f"profile-level-id={sps[1:4].hex().upper()}" in sdp
        assert "packetization-mode=1" in sdp
        assert f"sprop-parameter-sets={sprop}" in sdp
        assert "a=range:npt=0-1.000" in sdp
        assert (await rtsp.request("DESCRIBE", rtsp.url("/Streaming/Channels/201"))).status == 404
        assert (await rtsp.request("DESCRIBE", rtsp.url("/ISAPI/nothing"))).status == 404
        outside = "/Streaming/tracks/101?starttime=20250115T090000Z&endtime=20250115T090010Z"
        assert (await rtsp.request("DESCRIBE", rtsp.url(outside))).status == 457
        udp = {"Transport": "RTP/AVP;unicast;client_port=5000-5001"}
        assert (await rtsp.request("SETUP", rtsp.url(PLAYBACK + "/trackID=1"), udp)).status == 461
        rtsp.session = "DEADBEEF"
        assert (await rtsp.request("PLAY", rtsp.url(PLAYBACK))).status == 454
        feed.broken = True
        assert (await rtsp.request("DESCRIBE", rtsp.url("/Streaming/Channels/101"))).status == 503
    await until_released(site, feed)


async def test_rtp_fu_a_marker_and_bye(site: SimulatedSite, feed: ClipFeed) -> None:
    """The first access unit (a keyframe larger than the MTU) arrives as FU-A fragments that
    reassemble to the recorder's NAL units; the marker bit closes it; the span ends in BYE."""
    async with _raw(site) as rtsp:
        await rtsp.request("DESCRIBE", rtsp.url(PLAYBACK))
        setup = await rtsp.request("SETUP", rtsp.url(PLAYBACK + "/trackID=1"), TCP)
        assert setup.status == 200
        assert "interleaved=0-1" in setup.headers["transport"]
        play = await rtsp.request("PLAY", rtsp.url(PLAYBACK), {"Range": "npt=0.000-"})
        assert play.status == 200
        assert play.headers["range"] == "npt=0.000-1.000"
        first_seq = int(play.headers["rtp-info"].split("seq=")[1].split(";")[0])
        unit: list[RtpPacket] = []
        while not unit or not unit[-1].marker:
            unit.append(await rtsp.read_rtp())
        assert [p.sequence for p in unit] == [(first_seq + i) & 0xFFFF for i in range(len(unit))]
        assert {p.payload_type for p in unit} == {96}
        assert len({p.timestamp for p in unit}) == 1
        assert not any(p.marker for p in unit[:-1])
        assert any(p.payload[0] & 0x1F == 28 for p in unit), "keyframe must be fragmented"
        assert max(len(p.payload) for p in unit) <= 1400 - 12
        keyframe_nals, is_key = feed.clip.units[25]  # 08:00:01 at 25 fps
        assert is_key
        assert depacketize(unit) == list(keyframe_nals)
        second = await rtsp.read_rtp()
        assert second.timestamp - unit[0].timestamp == 90_000 // 25
        channel, data = 0, b""
        while channel == 0 or 203 not in rtcp_types(data):
            channel, data = await rtsp.read_frame()  # IncompleteReadError if no BYE came
            if channel == 1:
                rtsp.rtcp.append(data)
        assert rtcp_types(rtsp.rtcp[0]) == [200], "sender reports while streaming"
        assert rtcp_types(rtsp.rtcp[-1]) == [200, 203], "then SR + BYE at the end of the span"
        assert (await rtsp.request("TEARDOWN", rtsp.url(PLAYBACK))).status == 200
    await until_released(site, feed)


async def test_teardown_and_disconnect_release_the_session(
    site: SimulatedSite, feed: ClipFeed
) -> None:
    server = site.rtsp_servers[site.cameras[0].index_code]
    live = "/Streaming/Channels/101"
    async with _raw(site) as rtsp:
        await rtsp.request("DESCRIBE", rtsp.url(live))
        await rtsp.request("SETUP", rtsp.url(live + "/trackID=1"), TCP)
        await rtsp.request("PLAY", rtsp.url(live))
        await rtsp.read_rtp()
        assert len(server.sessions) == 1
        assert feed.open_iterators == 1
        assert (await rtsp.request("GET_PARAMETER", rtsp.url(live))).status == 200
        assert (await rtsp.request("TEARDOWN", rtsp.url(live))).status == 200
        assert not server.sessions
        assert feed.open_iterators == 0
    await until_released(site, feed)
    async with _raw(site) as rtsp:  # a client that just goes away
        await rtsp.request("DESCRIBE", rtsp.url(live))
        await rtsp.request("SETUP", rtsp.url(live + "/trackID=1"), TCP)
        await rtsp.request("PLAY", rtsp.url(live))
        await rtsp.read_rtp()
    await until_released(site, feed)


async def test_site_exit_ends_open_streams(feed: ClipFeed) -> None:
    async with SimulatedSite(SiteConfig(cameras=1, seed=3)) as running:
        running.use_feed(running.cameras[0], feed)
        rtsp = _raw(running)
        await rtsp.__aenter__()
        await rtsp.request("DESCRIBE", rtsp.url("/Streaming/Channels/101"))
        await rtsp.request("SETUP", rtsp.url("/Streaming/Channels/101/trackID=1"), TCP)
        await rtsp.request("PLAY", rtsp.url("/Streaming/Channels/101"))
        await rtsp.read_rtp()
    assert feed.open_iterators == 0
    await asyncio.wait_for(rtsp.reader.read(), 2)  # read() returns at EOF: the server closed
    assert rtsp.reader.at_eof()
    await rtsp.close()
