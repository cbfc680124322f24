"""Live view without HTTP: the fMP4 box handling, the relay's own lifecycle, who may watch a
camera (service) and the GraphQL field that mints the link."""

from __future__ import annotations

import asyncio
import struct
from dataclasses import replace
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
import strawberry
from live_feed import LiveFeed

from domcctv.domain.access import Actor, Role
from domcctv.domain.errors import Conflict, NotFound, PermissionDenied
from domcctv.http.live import CameraLiveCatalog
from domcctv.http.video import RequestMeta, StreamDenied
from domcctv.infra.live_relay import LiveRelay, LiveUnavailable, RelaySettings
from domcctv.infra.secrets_box import SecretBox
from domcctv.infra.stream_tokens import StreamGrant, StreamTokens
from domcctv.models import Camera, User
from domcctv.services import live_view
from domcctv.services.auth import RequestInfo, build_actor
from domcctv.services.video_links import VideoLinks
from integrations.hikvision.hikcentral import HikCentralClient
from integrations.hikvision.rtsp.live import BoxSplitter, LiveFormatError, rebase_moof
from integrations.hikvision.simulator import SimulatedSite
from integrations.hikvision.simulator.rtsp.server import RtspServer
from resolvers.live_view import LiveViewQuery
from schema.relay import to_global_id

from factories import make_company, make_user


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _moof(decode_time: int, sequence: int, version: int = 1) -> bytes:
    mfhd = _box(b"mfhd", b"\0\0\0\0" + struct.pack(">I", sequence))
    stamp = struct.pack(">Q" if version == 1 else ">I", decode_time)
    tfdt = _box(b"tfdt", bytes([version, 0, 0, 0]) + stamp)
    traf = _box(b"traf", _box(b"tfhd", b"\0\0\0\0\0\0\0\1") + tfdt)
    return _box(b"moof", mfhd + traf)


# --------------------------------------------------------------------------- boxes


@pytest.mark.parametrize("version", [0, 1])
def test_rebase_moves_the_decode_time_and_renumbers(version: int) -> None:
    moof = _moof(900_000, 41, version)
    rebased = rebase_moof(moof, 810_000, 2)
    assert len(rebased) == len(moof)
    assert rebased == _moof(90_000, 2, version)


def test_malformed_fragments_are_typed_errors() -> None:
    with pytest.raises(LiveFormatError):
        rebase_moof(_moof(100, 1), 200, 1)  # before the viewer's first fragment
    with pytest.raises(LiveFormatError):
        rebase_moof(_box(b"moof", _box(b"mfhd", b"\0" * 8)), 0, 1)  # no tfdt
    with pytest.raises(LiveFormatError):
        rebase_moof(_moof(1, 1)[:-3], 0, 1)  # truncated
    splitter = BoxSplitter(lambda data: None, lambda fragment: None)
    with pytest.raises(LiveFormatError):
        splitter.write(struct.pack(">I4s", 4, b"junk"))  # a box smaller than its header


def test_the_splitter_cuts_at_box_boundaries_whatever_the_write_sizes() -> None:
    inits: list[bytes] = []
    fragments: list[tuple[int, int, int]] = []
    splitter = BoxSplitter(
        inits.append, lambda f: fragments.append((f.decode_time, f.sequence, len(f.mdat)))
    )
    ftyp, moov = _box(b"ftyp", b"isom\0\0\0\0"), _box(b"moov", b"\0" * 40)
    stream = ftyp + moov + _moof(0, 1) + _box(b"mdat", b"a" * 100)
    stream += _moof(3600, 2) + _box(b"mdat", b"b" * 7) + _box(b"mfra", b"\0" * 8)
    for start in range(0, len(stream), 5):
        splitter.write(stream[start : start + 5])
    assert inits == [ftyp + moov]
    assert fragments == [(0, 1, 108), (3600, 2, 15)]


# --------------------------------------------------------------------------- relay


async def test_shutdown_ends_viewers_and_closes_the_upstream(
    site: SimulatedSite, rtsp: RtspServer, feed: LiveFeed
) -> None:
    relay = LiveRelay(RelaySettings(grace_seconds=30, open_timeout=6, stall_timeout=3))
    url = site.rtsp_url(site.cameras[0])

    async def source() -> str:
        return url

    viewer = await relay.subscribe("cam", source)
    stream = viewer.stream()
    assert (await anext(stream))[4:8] == b"ftyp"
    assert (await anext(stream))[4:8] == b"moof"
    assert len(rtsp.sessions) == 1
    await relay.aclose()
    assert viewer.ended == "shutdown"
    rest = [chunk async for chunk in stream]
    assert len(rest) <= 1  # at most the mdat of the fragment already taken
    for _ in range(100):
        if not rtsp.sessions and feed.open_iterators == 0:
            break
        await asyncio.sleep(0.02)
    assert not rtsp.sessions
    with pytest.raises(LiveUnavailable):
        await relay.subscribe("cam", source)


def test_relay_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="viewer_queue"):
        RelaySettings(viewer_queue=0)
    with pytest.raises(ValueError, match="positive"):
        RelaySettings(stall_timeout=0)


# --------------------------------------------------------------------------- who may watch


async def _actor(user: User) -> Actor:
    return await build_actor(user, None, RequestInfo("127.0.0.1", "tests"))


def test_company_ids_are_read_strictly() -> None:
    assert live_view.camera_company_ids({"company_ids": [3, "4", True, 5]}) == {3, 5}
    assert live_view.camera_company_ids({"company_ids": "3"}) == frozenset()
    assert live_view.camera_company_ids(None) == frozenset()


async def test_who_may_get_a_live_link(camera: Camera, tokens: StreamTokens) -> None:
    links = VideoLinks(tokens, 900)
    ours, theirs = await make_company(), await make_company()
    staff = await _actor(await make_user(Role.SUPERVISOR))
    client = await _actor(await make_user(Role.CLIENT_USER, ours))
    outsider = await _actor(await make_user(Role.CLIENT_USER, theirs))

    url = await live_view.live_stream_url(staff, camera.id, links)
    assert url is not None
    assert url.startswith("/video/")
    assert url.endswith("/live.mp4")
    grant = tokens.verify(url.split("/")[2])
    assert (grant.kind, grant.purpose, grant.subject_id) == ("live", "live", str(camera.id))

    with pytest.raises(NotFound):  # no company listed: staff only
        await live_view.live_stream_url(client, camera.id, links)
    camera.details = {**camera.details, "company_ids": [ours.id]}
    await camera.save()
    assert await live_view.live_stream_url(client, camera.id, links)
    with pytest.raises(NotFound):
        await live_view.live_stream_url(outsider, camera.id, links)
    with pytest.raises(NotFound):
        await live_view.live_stream_url(staff, camera.id + 999, links)
    with pytest.raises(PermissionDenied):
        await live_view.live_stream_url(replace(staff, permissions=frozenset()), camera.id, links)
    await Camera.filter(id=camera.id).update(is_active=False)
    with pytest.raises(Conflict):
        await live_view.live_stream_url(staff, camera.id, links)


async def test_the_graphql_field(camera: Camera, tokens: StreamTokens) -> None:
    schema = strawberry.Schema(query=LiveViewQuery)
    query = "query ($id: ID!) { liveStreamUrl(cameraId: $id) }"
    operator = await _actor(await make_user(Role.OPERATOR))
    outsider = await _actor(await make_user(Role.CLIENT_USER, await make_company()))

    async def ask(actor: Actor) -> Any:
        services = SimpleNamespace(video_links=VideoLinks(tokens, 900))
        context = SimpleNamespace(actor=actor, authenticated=True, services=services)
        variables = {"id": to_global_id("Camera", camera.id)}
        return await schema.execute(query, variables, context_value=context)

    ok = await ask(operator)
    assert ok.errors is None
    assert ok.data["liveStreamUrl"].endswith("/live.mp4")
    refused = await ask(outsider)
    assert refused.errors
    assert refused.errors[0].message == "No such camera"
    assert (await ask(replace(operator, permissions=frozenset()))).errors


# --------------------------------------------------------------------------- upstream URL


async def test_the_catalog_finds_the_camera_or_hikcentral_url(
    site: SimulatedSite, camera: Camera, operator: User, box: SecretBox
) -> None:
    grant = StreamGrant(operator.id, "live", str(camera.id), "live", "original", 2**40)
    meta = RequestMeta("127.0.0.1", "tests")
    catalog = CameraLiveCatalog(box.decrypt)
    direct = await catalog.authorize(grant, meta)
    assert direct.key == f"camera:{camera.id}"
    assert await direct.url() == site.rtsp_url(site.cameras[0])

    # No ISAPI credentials: HikCentral's preview URL (asked when the upstream starts).
    await Camera.filter(id=camera.id).update(username=None, password_encrypted=None)
    with pytest.raises(StreamDenied) as refused:
        await catalog.authorize(grant, meta)
    assert (refused.value.status, refused.value.code) == (409, "NO_LIVE_SOURCE")
    async with (
        aiohttp.ClientSession() as session,
        HikCentralClient(session, site.gateway_url, site.app_key, site.app_secret) as hcp,
    ):
        catalog.use_hikcentral(hcp)
        platform = await catalog.authorize(grant, meta)
        url = urlsplit(await platform.url())
        assert (url.port, url.path[:6]) == (site.streaming_port, "/EUrl/")
        with pytest.raises(StreamDenied) as other_kind:
            await catalog.authorize(replace(grant, kind="clip"), meta)
        assert other_kind.value.status == 404
