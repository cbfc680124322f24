"""The /video routes over real HTTP semantics: a real MP4 and a real HLS set (made with PyAV) in
a real LocalBlobStore, signed tokens, and an in-memory catalog standing in for the services'
authorization and audit side.

What a browser's <video> element, an HLS player and a download manager rely on: byte ranges
(first bytes, middle, suffix, open-ended, past the end), validators (ETag, Last-Modified,
If-None-Match, If-Range), HEAD, attachments; what security relies on: the token's user reaches
the catalog unchanged, edits are refused, the purpose must match the address; and what the
audit log relies on: one view row per view, not one per seek."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import AsyncIterator, Iterator, MutableMapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import anyio
import av
import httpx
import pytest
from PIL import Image, ImageDraw
from starlette.applications import Starlette

from domcctv.http.video import (
    STREAM_CHUNK,
    RequestMeta,
    StreamDenied,
    StreamTarget,
    video_routes,
)
from domcctv.infra.storage.base import CHUNK_SIZE
from domcctv.infra.storage.local import LocalBlobStore
from domcctv.infra.stream_tokens import StreamGrant, StreamKind, StreamPurpose, StreamTokens

SECRET = "video-route-test-secret-0123456789abcdef"
USER = 42
CLIP = "101"
CLIP_KEY = "clips/101/original.mp4"
HLS_PREFIX = "clips/101/hls/original"
BIG = "202"
BIG_KEY = "clips/202/original.mp4"
BIG_SIZE = 20 * 1024 * 1024
PLATE_AT = 1.25


# --------------------------------------------------------------------------- real media


def _frames(count: int, fps: int) -> Iterator[Image.Image]:
    for index in range(count):
        picture = Image.new("RGB", (320, 180), (20, 40 + index % 200, 90))
        draw = ImageDraw.Draw(picture)
        draw.rectangle((index * 4 % 300, 60, index * 4 % 300 + 20, 120), fill=(250, 250, 0))
        draw.text((8, 8), f"frame {index} @ {fps}fps", fill=(255, 255, 255))
        yield picture


def _encode(container: Any, seconds: int, fps: int) -> None:
    stream = container.add_stream("libx264", rate=fps)
    stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
    stream.options = {"g": str(fps), "keyint_min": str(fps), "sc_threshold": "0"}
    for index, picture in enumerate(_frames(seconds * fps, fps)):
        frame = av.VideoFrame.from_image(picture)  # type: ignore[no-untyped-call]
        frame.pts = index
        frame.time_base = Fraction(1, fps)
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


@dataclass(frozen=True)
class Media:
    mp4: Path
    hls: Path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    """A 3 s 320x180 H.264 MP4 and a 3-segment fMP4 HLS set, made once for the module."""
    root = tmp_path_factory.mktemp("video-media")
    mp4 = root / "clip.mp4"
    with av.open(str(mp4), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        _encode(out, 3, 25)
    hls = root / "hls"
    hls.mkdir()
    options = {"hls_time": "1", "hls_segment_type": "fmp4", "hls_playlist_type": "vod"}
    with av.open(str(hls / "index.m3u8"), "w", format="hls", options=options) as out:
        _encode(out, 3, 25)
    return Media(mp4, hls)


# --------------------------------------------------------------------------- test doubles


class CountingStore(LocalBlobStore):
    """The real local store, noting every ranged read and the size of each chunk it yields."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.reads: list[tuple[str, int, int | None]] = []
        self.chunks: list[int] = []

    async def read_range(
        self, key: str, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> AsyncIterator[bytes]:
        self.reads.append((key, start, end))
        async for chunk in super().read_range(key, start, end, chunk_size):
            self.chunks.append(len(chunk))
            yield chunk


@dataclass
class MemoryCatalog:
    """The authorization side as the services will implement it, in memory: which users may
    see which subjects, which subjects are still being prepared, and what was audited."""

    store: LocalBlobStore
    targets: dict[str, StreamTarget]
    source: Path
    allowed_users: set[int] = field(default_factory=lambda: {USER})
    not_ready: set[str] = field(default_factory=set)
    authorized: list[StreamGrant] = field(default_factory=list)
    views: list[tuple[StreamGrant, RequestMeta, bool]] = field(default_factory=list)
    thumbnails_asked: list[float] = field(default_factory=list)

    async def authorize(self, grant: StreamGrant, request_info: RequestMeta) -> StreamTarget:
        self.authorized.append(grant)
        if grant.user_id not in self.allowed_users:
            raise StreamDenied("FORBIDDEN", "You may not see this video", 403)
        if grant.subject_id in self.not_ready:
            raise StreamDenied("CLIP_NOT_READY", "The clip is still being prepared", 409)
        target = self.targets.get(grant.subject_id)
        if target is None:
            raise StreamDenied("NOT_FOUND", "No such clip", 404)
        return target

    async def thumbnail_key(
        self, grant: StreamGrant, target: StreamTarget, at_seconds: float
    ) -> str:
        self.thumbnails_asked.append(at_seconds)
        key = f"thumbs/{grant.subject_id}/{round(at_seconds * 1000)}.jpg"
        if await self.store.stat(key) is None:
            jpeg = await anyio.to_thread.run_sync(_frame_jpeg, self.source, at_seconds)
            await self.store.put_bytes(key, jpeg, "image/jpeg")
        return key

    async def record_view(
        self, grant: StreamGrant, request_info: RequestMeta, *, whole: bool
    ) -> None:
        self.views.append((grant, request_info, whole))


def _frame_jpeg(source: Path, at_seconds: float) -> bytes:
    """The first frame at or after ``at_seconds`` as a JPEG (what the real service does)."""
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        for frame in container.decode(stream):
            if frame.time is not None and frame.time >= at_seconds:
                break
        out = io.BytesIO()
        frame.to_image().save(out, format="JPEG", quality=80)  # type: ignore[no-untyped-call]
        return out.getvalue()


@dataclass
class Env:
    client: httpx.AsyncClient
    store: CountingStore
    catalog: MemoryCatalog
    tokens: StreamTokens
    app: Starlette
    mp4: bytes

    def url(
        self,
        path: str = "clip.mp4",
        *,
        purpose: StreamPurpose = "play",
        subject: str = CLIP,
        user: int = USER,
        kind: StreamKind = "clip",
        ttl: int = 600,
    ) -> str:
        token = self.tokens.issue(
            user_id=user, kind=kind, subject_id=subject, purpose=purpose, ttl_seconds=ttl
        )
        return f"/video/{token}/{path}"


@pytest.fixture
async def env(media: Media, tmp_path: Path) -> AsyncIterator[Env]:
    store = CountingStore(tmp_path / "blobs")
    await store.put_file(CLIP_KEY, media.mp4, "video/mp4")
    for part in sorted(media.hls.iterdir()):
        await store.put_file(f"{HLS_PREFIX}/{part.name}", part, "application/octet-stream")
    targets = {
        CLIP: StreamTarget(
            blob_key=CLIP_KEY,
            content_type="video/mp4",
            filename="ABCD12 Entrada norte 2025-06-01 10.15.mp4",
            hls_prefix=HLS_PREFIX,
            default_thumbnail_at=PLATE_AT,
        ),
        "303": StreamTarget(
            blob_key="clips/303/missing.mp4", content_type="video/mp4", filename="gone.mp4"
        ),
    }
    catalog = MemoryCatalog(store=store, targets=targets, source=media.mp4)
    tokens = StreamTokens(SECRET)
    app = Starlette(routes=video_routes(store, tokens, catalog))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Env(client, store, catalog, tokens, app, media.mp4.read_bytes())


def _error(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()["error"]
    return response.status_code, body["code"], body["message"]


# --------------------------------------------------------------------------- progressive MP4


async def test_a_whole_clip_is_served_with_validators_and_hardening(env: Env) -> None:
    response = await env.client.get(env.url())

    assert response.status_code == 200
    assert response.content == env.mp4
    headers = response.headers
    assert headers["content-type"] == "video/mp4"
    assert headers["content-length"] == str(len(env.mp4))
    assert headers["accept-ranges"] == "bytes"
    info = await env.store.stat(CLIP_KEY)
    assert info is not None
    assert headers["etag"] == info.etag
    assert parsedate_to_datetime(headers["last-modified"]) == info.modified.replace(microsecond=0)
    assert headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in headers["content-security-policy"]
    assert headers["cache-control"].startswith("private")
    assert headers["referrer-policy"] == "no-referrer"
    assert "content-disposition" not in headers


async def test_the_served_bytes_are_a_playable_320x180_video(env: Env) -> None:
    body = (await env.client.get(env.url())).content

    def decode() -> tuple[int, int, int]:
        with av.open(io.BytesIO(body), mode="r") as container:
            frames = list(container.decode(video=0))
            return len(frames), frames[0].width, frames[0].height

    assert await anyio.to_thread.run_sync(decode) == (75, 320, 180)


@pytest.mark.parametrize(
    ("spec", "first", "last"),
    [
        ("bytes=0-99", "0", "99"),  # first bytes
        ("bytes=1000-1999", "1000", "1999"),  # middle
        ("bytes=-500", "{size}-500", "{size}-1"),  # suffix: the last 500 bytes
        ("bytes={size}-300-", "{size}-300", "{size}-1"),  # open-ended
        ("bytes={size}-10-{size}+100", "{size}-10", "{size}-1"),  # last-pos clamped
        ("bytes=-99999999", "0", "{size}-1"),  # a suffix longer than the file: all of it
        ("BYTES = 5-5", "5", "5"),  # the unit is case-insensitive
    ],
)
async def test_single_ranges(env: Env, spec: str, first: str, last: str) -> None:
    size = len(env.mp4)

    def position(expression: str) -> int:
        return sum(int(term) for term in expression.format(size=size).replace("-", "+-").split("+"))

    spec = spec.replace("{size}-300-", f"{size - 300}-").replace("{size}-10-", f"{size - 10}-")
    spec = spec.replace("{size}+100", str(size + 100))
    start, end = position(first), position(last)

    response = await env.client.get(env.url(), headers={"Range": spec})

    assert response.status_code == 206
    assert response.headers["content-range"] == f"bytes {start}-{end}/{size}"
    assert response.headers["content-length"] == str(end - start + 1)
    assert response.content == env.mp4[start : end + 1]
    assert response.headers["etag"]


@pytest.mark.parametrize("spec", ["bytes={size}-", "bytes={size}-{more}", "bytes=-0"])
async def test_unsatisfiable_ranges_get_416_with_the_size(env: Env, spec: str) -> None:
    size = len(env.mp4)
    response = await env.client.get(
        env.url(), headers={"Range": spec.format(size=size, more=size + 50)}
    )
    assert _error(response)[:2] == (416, "RANGE_NOT_SATISFIABLE")
    assert response.headers["content-range"] == f"bytes */{size}"
    assert env.catalog.views == []


@pytest.mark.parametrize(
    "spec",
    [
        "bytes=0-9,20-29",  # multi-range: the whole body (RFC 9110 §14.2 allows ignoring)
        "bytes=abc",  # malformed: ignored
        "bytes=9-3",  # invalid int-range: ignored
        "bytes=",
        "items=0-9",  # another unit: ignored
        "bytes=0-9,{size}-",  # multi-range, one part unsatisfiable: still ignored
        "bytes=99999999999999999999999-",  # absurd numbers: ignored, not a crash
    ],
)
async def test_multi_and_malformed_ranges_get_the_whole_body(env: Env, spec: str) -> None:
    response = await env.client.get(env.url(), headers={"Range": spec.format(size=len(env.mp4))})
    assert response.status_code == 200
    assert "content-range" not in response.headers
    assert response.content == env.mp4


async def test_if_range_with_the_current_validator_keeps_the_range(env: Env) -> None:
    first = await env.client.head(env.url())
    etag, modified = first.headers["etag"], first.headers["last-modified"]

    for validator in (etag, modified):
        response = await env.client.get(
            env.url(), headers={"Range": "bytes=10-19", "If-Range": validator}
        )
        assert response.status_code == 206
        assert response.content == env.mp4[10:20]


async def test_if_range_with_a_stale_validator_sends_the_whole_new_file(env: Env) -> None:
    first = await env.client.head(env.url())
    older = parsedate_to_datetime(first.headers["last-modified"]) - timedelta(hours=1)
    weak = "W/" + first.headers["etag"]

    for validator in ('"an-old-version"', weak, format_datetime(older, usegmt=True), "junk"):
        response = await env.client.get(
            env.url(), headers={"Range": "bytes=10-19", "If-Range": validator}
        )
        assert response.status_code == 200, validator
        assert response.content == env.mp4

    # Replacing the blob changes the validator: the old one no longer resumes a range.
    await env.store.put_bytes(CLIP_KEY, env.mp4[::-1], "video/mp4")
    response = await env.client.get(
        env.url(), headers={"Range": "bytes=10-19", "If-Range": first.headers["etag"]}
    )
    assert response.status_code == 200
    assert response.content == env.mp4[::-1]


async def test_if_none_match_and_if_modified_since_answer_304(env: Env) -> None:
    first = await env.client.get(env.url())
    etag = first.headers["etag"]

    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"other", W/{etag}'},  # weak comparison for If-None-Match
        {"If-None-Match": "*"},
        {"If-Modified-Since": first.headers["last-modified"]},
    ):
        response = await env.client.get(env.url(), headers=headers)
        assert response.status_code == 304, headers
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert "content-length" not in response.headers

    changed = await env.client.get(env.url(), headers={"If-None-Match": '"other"'})
    assert changed.status_code == 200
    assert changed.content == env.mp4
    mismatch = await env.client.get(env.url(), headers={"If-Match": '"other"'})
    assert _error(mismatch)[:2] == (412, "PRECONDITION_FAILED")


async def test_head_has_the_get_headers_and_no_body(env: Env) -> None:
    response = await env.client.head(env.url())
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(env.mp4))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-type"] == "video/mp4"
    # Range is defined for GET only (RFC 9110 §14.2): HEAD describes the whole file.
    ranged = await env.client.head(env.url(), headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 200
    assert ranged.headers["content-length"] == str(len(env.mp4))
    assert env.store.reads == []  # nothing read for a HEAD
    assert env.catalog.views == []  # and nothing audited


async def test_one_view_is_recorded_per_play_not_per_seek(env: Env) -> None:
    url = env.url()
    await env.client.get(url)  # the player's first request: the whole file
    size = len(env.mp4)
    for spec in (f"bytes={size // 3}-", f"bytes={size // 2}-{size - 100}", "bytes=-1000"):  # seeks
        assert (await env.client.get(url, headers={"Range": spec})).status_code == 206
    await env.client.head(url)
    await env.client.get(url, headers={"If-None-Match": "*"})

    assert [whole for _, _, whole in env.catalog.views] == [True]
    grant, meta, _ = env.catalog.views[0]
    assert (grant.user_id, grant.subject_id, grant.purpose) == (USER, CLIP, "play")
    assert meta.ip_address == "127.0.0.1"

    await env.client.get(url, headers={"Range": "bytes=0-1", "User-Agent": "Player/1"})
    assert [whole for _, _, whole in env.catalog.views] == [True, False]
    assert env.catalog.views[1][1].user_agent == "Player/1"
    # authorize ran for every request, each time with the token's own user
    assert len(env.catalog.authorized) == 7
    assert {g.user_id for g in env.catalog.authorized} == {USER}


async def test_a_twenty_megabyte_clip_streams_in_bounded_chunks(env: Env, tmp_path: Path) -> None:
    """Straight through the ASGI interface (httpx would buffer the body): every body message
    is at most one store chunk, the store is read once in ranged chunks, and the memory
    allocated while serving stays far below the file's size."""
    source = tmp_path / "big.mp4"
    with source.open("wb") as out:
        for index in range(BIG_SIZE // 65536):
            out.write(bytes([index % 251]) * 65536)
    await env.store.put_file(BIG_KEY, source, "video/mp4")
    env.catalog.targets[BIG] = StreamTarget(BIG_KEY, "video/mp4", "big.mp4")
    path = env.url(subject=BIG)
    sent: list[MutableMapping[str, Any]] = []
    received = 0
    largest = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal received, largest
        if message["type"] == "http.response.body":
            received += len(message["body"])
            largest = max(largest, len(message["body"]))
        else:
            sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    tracemalloc.start()
    try:
        await env.app(scope, receive, send)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert sent[0]["status"] == 200
    assert dict(sent[0]["headers"])[b"content-length"] == str(BIG_SIZE).encode()
    assert received == BIG_SIZE
    assert largest <= STREAM_CHUNK
    assert env.store.reads == [(BIG_KEY, 0, BIG_SIZE - 1)]
    assert len(env.store.chunks) >= BIG_SIZE // STREAM_CHUNK
    assert max(env.store.chunks) <= STREAM_CHUNK
    assert peak < 4 * 1024 * 1024, f"peak {peak} bytes while serving {BIG_SIZE}"


async def test_an_empty_blob_is_an_empty_200_and_no_range_fits(env: Env) -> None:
    await env.store.put_bytes("clips/404/empty.mp4", b"", "video/mp4")
    env.catalog.targets["404"] = StreamTarget("clips/404/empty.mp4", "video/mp4", "e.mp4")
    whole = await env.client.get(env.url(subject="404"))
    assert (whole.status_code, whole.content, whole.headers["content-length"]) == (200, b"", "0")
    ranged = await env.client.get(env.url(subject="404"), headers={"Range": "bytes=0-"})
    assert ranged.status_code == 416
    assert ranged.headers["content-range"] == "bytes */0"


# --------------------------------------------------------------------------- download


async def test_a_download_is_an_attachment_with_a_safe_name(env: Env) -> None:
    env.catalog.targets[CLIP] = StreamTarget(
        CLIP_KEY, "video/mp4", 'Patente "ÑB" 12.mp4', HLS_PREFIX, PLATE_AT
    )
    url = env.url("download", purpose="download")
    response = await env.client.get(url)

    assert response.status_code == 200
    assert response.content == env.mp4
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Patente __B_ 12.mp4"')
    assert "filename*=UTF-8''Patente%20%22%C3%91B%22%2012.mp4" in disposition

    resumed = await env.client.get(url, headers={"Range": "bytes=1000-"})
    assert resumed.status_code == 206
    assert resumed.content == env.mp4[1000:]
    # every download is audited, even one resumed mid-file
    assert [(g.purpose, whole) for g, _, whole in env.catalog.views] == [
        ("download", True),
        ("download", False),
    ]


async def test_a_grant_works_only_at_the_address_of_its_purpose(env: Env) -> None:
    for path, purpose in (
        ("download", "play"),
        ("clip.mp4", "download"),
        ("clip.mp4", "thumb"),
        ("hls/index.m3u8", "play"),
        ("hls/init.mp4", "download"),
        ("thumb.jpg", "play"),
    ):
        response = await env.client.get(env.url(path, purpose=purpose))  # type: ignore[arg-type]
        assert _error(response)[:2] == (403, "FORBIDDEN"), (path, purpose)
    assert env.catalog.authorized == []  # refused before any lookup


# --------------------------------------------------------------------------- tokens and catalog


async def test_expired_tampered_and_garbage_tokens_are_forbidden(env: Env) -> None:
    expired = env.tokens.issue(
        user_id=USER,
        kind="clip",
        subject_id=CLIP,
        purpose="play",
        ttl_seconds=60,
        now=1_000_000_000,
    )
    status, code, message = _error(await env.client.get(f"/video/{expired}/clip.mp4"))
    assert (status, code) == (403, "FORBIDDEN")
    assert "expired" in message

    token = env.url().split("/")[2]
    parts = token.split(".")
    parts[1] = "7"  # the same link, edited to another user
    for bad in (".".join(parts), "not-a-token", "%2e%2e", token[:-2] + "xx"):
        status, code, message = _error(await env.client.get(f"/video/{bad}/clip.mp4"))
        assert (status, code) == (403, "FORBIDDEN"), bad
        assert "invalid" in message
    assert env.catalog.authorized == []


async def test_the_catalog_decides_with_the_tokens_own_user(env: Env) -> None:
    response = await env.client.get(env.url(user=7))
    assert _error(response) == (403, "FORBIDDEN", "You may not see this video")
    assert [g.user_id for g in env.catalog.authorized] == [7]

    env.catalog.not_ready.add(CLIP)
    assert _error(await env.client.get(env.url()))[:2] == (409, "CLIP_NOT_READY")
    assert _error(await env.client.get(env.url(subject="999")))[:2] == (404, "NOT_FOUND")
    # a target whose blob is not in the store
    assert _error(await env.client.get(env.url(subject="303")))[:2] == (404, "NOT_FOUND")
    assert env.catalog.views == []


# --------------------------------------------------------------------------- HLS


async def test_hls_playlist_and_segments_play_with_the_same_token(env: Env) -> None:
    playlist_url = env.url("hls/index.m3u8", purpose="hls")
    playlist = await env.client.get(playlist_url)

    assert playlist.status_code == 200
    assert playlist.headers["content-type"] == "application/vnd.apple.mpegurl"
    assert playlist.headers["cache-control"] == "private, no-cache"
    text = playlist.text
    assert text.startswith("#EXTM3U")
    names = [line for line in text.splitlines() if line and not line.startswith("#")]
    init = text.split('#EXT-X-MAP:URI="')[1].split('"')[0]
    assert init == "init.mp4"
    assert len(names) == 3
    assert all("/" not in n for n in names)

    body = b""
    for name in [init, *names]:
        # relative names resolve next to the playlist: under the same token
        url = httpx.URL(playlist_url).join(name)
        response = await env.client.get(url)
        assert response.status_code == 200, name
        expected = "video/mp4" if name == "init.mp4" else "video/iso.segment"
        assert response.headers["content-type"] == expected
        body += response.content

    def frames() -> int:
        with av.open(io.BytesIO(body), mode="r") as container:
            return len(list(container.decode(video=0)))

    assert await anyio.to_thread.run_sync(frames) == 75
    # the playlist is the view; its segments are not audited one by one
    assert [g.purpose for g, _, _ in env.catalog.views] == ["hls"]


@pytest.mark.parametrize(
    "name", ["evil.html", "index.m3u8x", ".m4s", "init.mp4.bak", "-x.m4s", "a b.m4s", "x.ts"]
)
async def test_hls_names_outside_the_pattern_are_not_found(env: Env, name: str) -> None:
    response = await env.client.get(env.url(f"hls/{name}", purpose="hls"))
    assert _error(response)[:2] == (404, "NOT_FOUND")


async def test_hls_without_a_rendition_or_segment_is_not_found(env: Env) -> None:
    assert _error(await env.client.get(env.url("hls/index99.m4s", purpose="hls")))[:2] == (
        404,
        "NOT_FOUND",
    )
    env.catalog.targets[CLIP] = StreamTarget(CLIP_KEY, "video/mp4", "clip.mp4")
    for path in ("hls/index.m3u8", "hls/init.mp4"):
        assert _error(await env.client.get(env.url(path, purpose="hls")))[:2] == (404, "NOT_FOUND")


# --------------------------------------------------------------------------- thumbnails


async def test_thumbnails_default_to_the_plate_read_moment(env: Env) -> None:
    response = await env.client.get(env.url("thumb.jpg", purpose="thumb"))
    at = await env.client.get(env.url("thumb.jpg?at=2.5", purpose="thumb"))

    assert env.catalog.thumbnails_asked == [PLATE_AT, 2.5]
    for picture in (response, at):
        assert picture.status_code == 200
        assert picture.headers["content-type"] == "image/jpeg"
        assert picture.headers["cache-control"].startswith("private")
        assert picture.headers["x-content-type-options"] == "nosniff"
        with Image.open(io.BytesIO(picture.content)) as image:
            assert (image.format, image.size) == ("JPEG", (320, 180))
    assert response.content != at.content  # different moments, different frames
    assert env.catalog.views == []  # thumbnails are not views


@pytest.mark.parametrize("at", ["abc", "-1", "nan", "inf", "1e3", "", "0x10", "99999999999"])
async def test_a_bad_at_is_a_400(env: Env, at: str) -> None:
    response = await env.client.get(env.url(f"thumb.jpg?at={at}", purpose="thumb"))
    assert _error(response)[:2] == (400, "BAD_REQUEST")
    assert env.catalog.thumbnails_asked == []
