"""The live route end to end: simulated camera -> RTSP (PyAV) -> relay -> uvicorn -> HTTP
clients. What browsers rely on (an init segment, then fragments that decode), what cameras
rely on (one RTSP session per camera however many viewers, closed after the grace period),
and what the other viewers rely on (a stalled one is dropped, a dead camera answers 503)."""

from __future__ import annotations

import asyncio
import io
import socket
import time
from collections.abc import Callable

import av
import pytest
from live_feed import FPS, GOP, HEIGHT, WIDTH, LiveFeed
from live_view_support import GRACE, LiveApp, read_fragments

from domcctv.domain.access import Role
from domcctv.models import AuditAction, AuditLog, Camera, ResourceType, User
from integrations.hikvision.simulator.rtsp.server import RtspServer

from factories import make_company, make_user

FRAGMENTS = 3


def _decode(data: bytes) -> list[tuple[int, bool]]:
    """(pts, keyframe) of every frame PyAV decodes from init + fragments."""
    with av.open(io.BytesIO(data), "r", format="mp4") as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (WIDTH, HEIGHT)
        return [(int(f.pts or 0), f.key_frame) for f in container.decode(stream)]


async def _eventually(check: Callable[[], bool], limit: float, what: str) -> float:
    """Seconds until ``check()`` holds (fails after ``limit``)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < limit, f"not within {limit}s: {what}"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def _watch(live: LiveApp, url: str, fragments: int, holding: asyncio.Event) -> bytes:
    """One viewer: read ``fragments`` fragments, then stay connected until ``holding``."""
    async with live.http.stream("GET", url) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "video/mp4"
        assert response.headers["cache-control"] == "no-store"
        data, got = await read_fragments(response.aiter_bytes(), fragments)
        assert got == fragments
        await holding.wait()
    return data


async def test_viewers_share_one_upstream_that_closes_after_the_grace(
    live_app: LiveApp, camera: Camera, operator: User, rtsp: RtspServer
) -> None:
    url = live_app.url(operator, camera.id)
    holding = asyncio.Event()
    first = asyncio.create_task(_watch(live_app, url, FRAGMENTS, holding))
    await _eventually(lambda: live_app.relay.viewer_count(f"camera:{camera.id}") == 1, 8, "1st")
    second = asyncio.create_task(_watch(live_app, url, FRAGMENTS, holding))
    await _eventually(lambda: live_app.relay.viewer_count(f"camera:{camera.id}") == 2, 8, "2nd")
    assert len(rtsp.sessions) == 1
    assert rtsp.connection_count == 1
    assert live_app.relay.upstream_starts == 1

    holding.set()
    for data in await asyncio.gather(first, second):
        frames = _decode(data)
        assert frames[0] == (0, True), "each viewer's timeline starts at 0, on a keyframe"
        assert len(frames) == FRAGMENTS * GOP
        assert [pts for pts, _ in frames] == sorted(pts for pts, _ in frames)

    # Both left: the upstream stays for the grace period, then closes.
    await _eventually(lambda: live_app.relay.viewer_count(f"camera:{camera.id}") == 0, 3, "left")
    assert len(rtsp.sessions) == 1, "closed before the grace period"
    waited = await _eventually(lambda: not rtsp.sessions, GRACE + 2.5, "upstream closed")
    assert waited >= GRACE * 0.6
    await _eventually(lambda: rtsp.connection_count == 0, 2, "connection closed")
    assert live_app.relay.streaming() == set()

    # A viewer after that starts a new upstream.
    holding = asyncio.Event()
    holding.set()
    frames = _decode(await _watch(live_app, url, 1, holding))
    assert len(frames) == GOP
    assert live_app.relay.upstream_starts == 2


@pytest.mark.parametrize("viewer_queue", [2])
async def test_a_viewer_that_stops_reading_is_dropped_without_slowing_the_others(
    live_app: LiveApp, camera: Camera, operator: User, rtsp: RtspServer
) -> None:
    url = live_app.url(operator, camera.id)
    key = f"camera:{camera.id}"
    path = url.removeprefix(live_app.base)
    port = int(live_app.base.rsplit(":", 1)[1])
    async with live_app.http.stream("GET", url) as response:
        chunks = response.aiter_bytes()
        await read_fragments(chunks, 1)
        # A client that asks, then never reads: a tiny receive window fills at once.
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_connect(stalled, ("127.0.0.1", port))
            request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            await asyncio.get_running_loop().sock_sendall(stalled, request.encode())
            await _eventually(lambda: live_app.relay.viewer_count(key) == 2, 8, "joined")
            # Meanwhile the reading viewer keeps getting every GOP in real time.
            started = time.monotonic()
            received = 0
            while live_app.relay.dropped_viewers == 0:
                _, got = await read_fragments(chunks, 1)
                received += got
                assert time.monotonic() - started < 15, "the stalled viewer was never dropped"
            assert live_app.relay.viewer_count(key) == 1
            before = time.monotonic()
            _, got = await read_fragments(chunks, 4)
            elapsed = time.monotonic() - before
            assert got == 4
            assert elapsed < 4 * GOP / FPS + 1.5, "the remaining viewer was slowed down"
            assert received >= 2
            assert len(rtsp.sessions) == 1
        finally:
            stalled.close()


async def test_a_dead_camera_answers_503_and_backs_off(
    live_app: LiveApp, camera: Camera, operator: User, feed: LiveFeed, rtsp: RtspServer
) -> None:
    feed.offline = True  # RTSP DESCRIBE answers 503
    url = live_app.url(operator, camera.id)
    started = time.monotonic()
    response = await live_app.http.get(url)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "INTEGRATION_UNAVAILABLE"
    assert response.json()["error"]["message"] == "The camera refused to stream"
    assert time.monotonic() - started < 5
    # Within the backoff: refused at once, the camera is not asked again.
    again = await live_app.http.get(url)
    assert again.status_code == 503
    assert int(again.headers["retry-after"]) >= 1
    assert live_app.relay.upstream_starts == 1
    # After it, the next request tries again (and the camera is back).
    feed.offline = False
    await asyncio.sleep(1.1)
    holding = asyncio.Event()
    holding.set()
    assert _decode(await _watch(live_app, url, 1, holding))
    assert live_app.relay.upstream_starts == 2


async def test_an_unreachable_camera_answers_503(
    live_app: LiveApp, camera: Camera, operator: User
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    await Camera.filter(id=camera.id).update(details={"rtsp_port": closed_port})
    response = await live_app.http.get(live_app.url(operator, camera.id))
    assert response.status_code == 503
    assert response.json()["error"] == {
        "code": "INTEGRATION_UNAVAILABLE",
        "message": "The camera did not answer",  # not its address
    }


async def test_an_upstream_failure_ends_the_viewers_streams(
    live_app: LiveApp, camera: Camera, operator: User, feed: LiveFeed, rtsp: RtspServer
) -> None:
    url = live_app.url(operator, camera.id)
    async with live_app.http.stream("GET", url) as response:
        chunks = response.aiter_bytes()
        await read_fragments(chunks, 1)
        feed.cut = True  # the camera ends its stream (RTCP BYE)
        async with asyncio.timeout(8):
            async for _ in chunks:
                pass  # the response ends instead of hanging
    assert live_app.relay.streaming() == set()
    refused = await live_app.http.get(url)  # backing off
    assert refused.status_code == 503


async def test_tokens_of_another_kind_or_purpose_are_refused(
    live_app: LiveApp, camera: Camera, operator: User
) -> None:
    for grant in ({"kind": "clip"}, {"purpose": "hls"}, {"kind": "export", "purpose": "play"}):
        response = await live_app.http.get(live_app.url(operator, camera.id, **grant))
        assert response.status_code == 403, grant
        assert response.json()["error"]["code"] == "FORBIDDEN"
    good = live_app.url(operator, camera.id)
    tampered = good.replace("/live.mp4", "x/live.mp4")
    assert (await live_app.http.get(tampered)).status_code == 403
    assert live_app.relay.upstream_starts == 0


async def test_client_users_see_only_cameras_listed_for_their_company(
    live_app: LiveApp,
    camera: Camera,
    client_pair: tuple[User, User],
) -> None:
    ours, theirs = client_pair
    camera.details = {**camera.details, "company_ids": [ours.company_id]}
    await camera.save()
    refused = await live_app.http.get(live_app.url(theirs, camera.id))
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "NOT_FOUND"
    assert live_app.relay.upstream_starts == 0
    holding = asyncio.Event()
    holding.set()
    assert _decode(await _watch(live_app, live_app.url(ours, camera.id), 1, holding))
    row = await AuditLog.get(user_id=ours.id, action=AuditAction.VIEW_VIDEO)
    assert row.resource_type is ResourceType.VIDEO
    assert row.resource_id == str(camera.id)
    assert row.after_state == {"live": camera.code}
    assert row.company_id == ours.company_id
    assert not await AuditLog.filter(user_id=theirs.id).exists()


async def test_a_deactivated_camera_or_disabled_user_is_refused(
    live_app: LiveApp, camera: Camera, operator: User
) -> None:
    url = live_app.url(operator, camera.id)
    await Camera.filter(id=camera.id).update(is_active=False)
    response = await live_app.http.get(url)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "CONFLICT")
    await Camera.filter(id=camera.id).update(is_active=True)
    await User.filter(id=operator.id).update(is_active=False)
    assert (await live_app.http.get(url)).status_code == 403
    assert live_app.relay.upstream_starts == 0


@pytest.fixture
async def client_pair(db: str) -> tuple[User, User]:
    """Client users of two companies."""
    ours, theirs = await make_company(), await make_company()
    return await make_user(Role.CLIENT_USER, ours), await make_user(Role.CLIENT_USER, theirs)
