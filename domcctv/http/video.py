"""Video evidence over plain HTTP: progressive MP4 with byte ranges, downloads, HLS, thumbnails.

A ``<video>`` element seeks with ``Range`` requests and cannot send the dashboard's bearer
token, so these routes live outside GraphQL and authenticate with a signed grant in the path
(:mod:`domcctv.infra.stream_tokens`). The token only proves that a scoped lookup happened when
the link was made: on **every** request the :class:`VideoCatalog` (implemented by the
services) re-checks that user and tenancy and says which blob to serve, so a revoked user or a
deleted clip stops playing at the next range request. HLS playlists name their segments by
relative names, so ``/video/{token}/hls/index.m3u8`` makes the player fetch
``/video/{token}/hls/<segment>`` with the same token.

HTTP semantics (RFC 9110): strong ``ETag`` and ``Last-Modified`` from the store; preconditions
in the RFC's order (``If-Match``, ``If-Unmodified-Since`` → 412; ``If-None-Match``,
``If-Modified-Since`` → 304; ``If-Range`` → full 200 when stale). ``Range`` is honoured for GET
only (§14.2: it is defined for GET alone, so HEAD answers as the full GET would). One
``bytes=`` range gets a 206; a **multi-range request is answered with the whole body (200)**,
which §14.2 allows ("a server MAY ignore the Range header field"): no player asks for several
ranges, and a ``multipart/byteranges`` body would only be attack surface. A ``Range`` header
that does not parse is ignored (full 200), as the RFC requires; an unsatisfiable one is a 416
with ``Content-Range: bytes */<size>``. Bodies are streamed chunk by chunk from
``BlobStore.read_range``, never read whole.

Audit: ``VideoCatalog.record_view`` runs once per *view*, not per range request: for a GET
whose body starts at byte 0 of the clip (no ``Range`` or a range from 0), for every download
GET, and for an HLS playlist GET (never for its segments, nor for thumbnails, HEAD or 304).

Responses carry the media routes' hardening (``nosniff``, a sandboxing CSP), plus
``Referrer-Policy: no-referrer`` (the token is in the URL) and
``Cross-Origin-Resource-Policy: same-origin`` (another site cannot embed a leaked link).
Errors are JSON ``{"error": {"code", "message"}}`` with stable codes; bad input is never a 500.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Final, Protocol
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from domcctv.http.media import SECURITY_HEADERS
from domcctv.infra.storage.base import (
    CHUNK_SIZE,
    BlobInfo,
    BlobNotFound,
    BlobStore,
    InvalidKey,
    InvalidRange,
)
from domcctv.infra.stream_tokens import StreamGrant, StreamPurpose, StreamTokens, TokenRejected

logger = logging.getLogger("domcctv.video")

PLAYLIST_TYPE: Final = "application/vnd.apple.mpegurl"
SEGMENT_TYPE: Final = "video/iso.segment"
INIT_TYPE: Final = "video/mp4"
THUMBNAIL_TYPE: Final = "image/jpeg"
PLAYLIST_NAME: Final = "index.m3u8"
MAX_THUMBNAIL_AT_SECONDS: Final = 7 * 24 * 3600.0  # longer than any clip: rejects absurd input

# HLS names a playlist may reference: the fMP4 init segment and media segments. Nothing that
# could climb out of the clip's prefix or name another kind of file.
HLS_NAME: Final = re.compile(
    r"init(?:[_-][A-Za-z0-9]{1,16})?\.mp4|[A-Za-z0-9][A-Za-z0-9_-]{0,63}\.m4s"
)

_VIDEO_HEADERS: Final = {
    **SECURITY_HEADERS,
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}
CACHE_MEDIA: Final = "private, max-age=600"
CACHE_PLAYLIST: Final = "private, no-cache"  # live playlists change: revalidate (cheap 304)
_ERROR_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}
STREAM_CHUNK = CHUNK_SIZE
"""Bytes per read of a streamed body. Measured (bench/video.py): 1 MiB reads let five fast
downloads hold the event loop longer per turn and doubled the p95 of concurrent searches
against 256 KiB."""

_ETAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')
_RANGE_SPEC = re.compile(r"(\d*)-(\d*)")
_MAX_DIGITS = 18


# --------------------------------------------------------------------------- the contract


@dataclass(frozen=True, slots=True)
class RequestMeta:
    """Who is asking, for the catalog's checks and audit rows (same fields as the GraphQL
    layer's ``RequestInfo``)."""

    ip_address: str = ""
    user_agent: str = ""


@dataclass(frozen=True, slots=True)
class StreamTarget:
    """What a grant resolves to: the blob to play or download, its name for a download, where
    its HLS rendition lives (``None``: none), and the default thumbnail moment (the plate read)."""

    blob_key: str
    content_type: str
    filename: str
    hls_prefix: str | None = None
    default_thumbnail_at: float | None = None


class StreamDenied(Exception):
    """Raised by the catalog to refuse a grant: ``code`` is sent as the error code with
    ``status`` (e.g. ``FORBIDDEN``/403, ``NOT_FOUND``/404, ``CLIP_NOT_READY``/409)."""

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class VideoCatalog(Protocol):
    """The services' side: authorization, thumbnails and the audit trail."""

    async def authorize(self, grant: StreamGrant, request_info: RequestMeta) -> StreamTarget:
        """Re-check the grant's user and tenancy (every request); raise :class:`StreamDenied`."""
        ...

    async def thumbnail_key(
        self, grant: StreamGrant, target: StreamTarget, at_seconds: float
    ) -> str:
        """The blob key of a JPEG of ``target`` at ``at_seconds`` (made if missing)."""
        ...

    async def record_view(
        self, grant: StreamGrant, request_info: RequestMeta, *, whole: bool
    ) -> None:
        """Audit one view; ``whole`` is True when the response carries the entire file."""
        ...


# --------------------------------------------------------------------------- HTTP helpers


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"error": {"code": code, "message": message}},
        status_code=status,
        headers={**_ERROR_HEADERS, **(headers or {})},
    )


def strong_etag(raw: str) -> str:
    """The store's validator as a quoted entity-tag (``"..."``), whatever quoting it had."""
    opaque = raw.removeprefix("W/").strip('"')
    opaque = "".join(c for c in opaque if c == "!" or "#" <= c <= "~")
    return f'"{opaque}"'


def _etags(header: str) -> list[tuple[bool, str]] | None:
    """(weak, opaque) pairs of an entity-tag list; None when it does not parse."""
    tags: list[tuple[bool, str]] = []
    position = 0
    while position < len(header):
        match = _ETAG.match(header, position)
        if match is None:
            return None
        tags.append((match.group(1) is not None, match.group(2)))
        position = match.end()
    return tags or None


def _http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _seconds(moment: datetime) -> int:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return math.floor(aware.timestamp())


def _none_match(header: str, etag: str) -> bool:
    """If-None-Match: weak comparison; ``*`` matches any current representation."""
    if header.strip() == "*":
        return True
    tags = _etags(header) or []
    return any(opaque == etag.strip('"') for _, opaque in tags)


def _strong_match(header: str, etag: str) -> bool:
    """If-Match / If-Range: strong comparison (a weak tag never matches)."""
    if header.strip() == "*":
        return True
    tags = _etags(header) or []
    return any(not weak and opaque == etag.strip('"') for weak, opaque in tags)


@dataclass(frozen=True, slots=True)
class ByteRange:
    """Inclusive byte positions, already clamped to the blob."""

    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1


class Unsatisfiable(Exception):
    """A well-formed single range that selects no byte of the blob."""


def parse_range(header: str, size: int) -> ByteRange | None:
    """The one range to serve, None to serve everything (absent, not ``bytes``, malformed or
    several ranges: all allowed to be ignored by RFC 9110 §14.2), or :class:`Unsatisfiable`."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        return None
    parts = [p.strip() for p in spec.split(",")]
    specs = [_RANGE_SPEC.fullmatch(p) for p in parts if p]
    if not specs or any(m is None for m in specs):
        return None
    parsed: list[tuple[str, str]] = [(m.group(1), m.group(2)) for m in specs if m is not None]
    for first, last in parsed:
        if (not first and not last) or len(first) > _MAX_DIGITS or len(last) > _MAX_DIGITS:
            return None
        if first and last and int(last) < int(first):
            return None  # invalid int-range: the whole header is invalid, so ignored
    if len(parsed) > 1:
        return None  # multi-range: the whole body instead (documented above)
    first, last = parsed[0]
    if not first:  # suffix range: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(size - length, 0), size - 1)
    start = int(first)
    if start >= size:
        raise Unsatisfiable
    end = size - 1 if not last else min(int(last), size - 1)
    return ByteRange(start, end)


def request_meta(request: Request) -> RequestMeta:
    host = request.client.host if request.client else ""
    return RequestMeta(ip_address=host, user_agent=request.headers.get("user-agent", "")[:300])


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact name as RFC 8187 ``filename*``."""
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", filename).strip(" .") or "video"
    fallback = fallback[:150]
    value = f'attachment; filename="{fallback}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


# --------------------------------------------------------------------------- serving a blob

ViewHook = Callable[[bool], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Plan:
    status: int
    first: int
    last: int  # -1 for an empty body
    headers: dict[str, str]


class BlobResponder:
    """Answers GET/HEAD for one blob with conditional requests, ranges and streaming.

    With ``accel_prefix`` (``VIDEO_ACCEL_REDIRECT``, local storage behind nginx) the bytes of
    large bodies never pass through Python: once the request is authorised (and its view
    audited), the answer is an empty response with ``X-Accel-Redirect: <prefix><key>``, and
    nginx serves the file from an ``internal`` location with its own ranges, conditionals and
    sendfile. The server's event loop then spends nothing per byte, so downloads at link speed
    do not slow the searches it answers meanwhile.
    """

    def __init__(self, store: BlobStore, accel_prefix: str | None = None) -> None:
        self.store = store
        self.accel_prefix = accel_prefix

    async def respond(
        self,
        request: Request,
        key: str,
        *,
        content_type: str,
        cache_control: str,
        extra_headers: dict[str, str] | None = None,
        on_view: ViewHook | None = None,
        view_always: bool = False,
        accel: bool = False,
    ) -> Response:
        """Serve ``key``. ``on_view(whole)`` runs before a GET body that starts at byte 0
        (``view_always``: before every GET body, e.g. downloads resumed mid-file)."""
        try:
            info = await self.store.stat(key)
        except InvalidKey:
            logger.warning("video: the catalog named an invalid blob key %r", key)
            info = None
        if info is None:
            return error(404, "NOT_FOUND", "No such video")
        headers = {
            **_VIDEO_HEADERS,
            "Cache-Control": cache_control,
            "ETag": strong_etag(info.etag),
            "Last-Modified": format_datetime(
                datetime.fromtimestamp(_seconds(info.modified), UTC), usegmt=True
            ),
            "Accept-Ranges": "bytes",
            **(extra_headers or {}),
        }
        if accel and self.accel_prefix is not None:
            return await self._handed_to_proxy(
                request, key, info, headers, content_type, on_view, view_always
            )
        plan = self._plan(request, info, headers)
        if isinstance(plan, Response):
            return plan
        plan.headers["Content-Type"] = content_type
        plan.headers["Content-Length"] = str(plan.last - plan.first + 1)
        if request.method == "HEAD" or plan.last < plan.first:
            if request.method == "GET" and on_view is not None:
                await on_view(True)
            return Response(b"", status_code=plan.status, headers=plan.headers)
        chunks = self.store.read_range(key, plan.first, plan.last, STREAM_CHUNK)
        view: asyncio.Future[None] | None = None
        if on_view is not None and (view_always or plan.first == 0):
            # The audit row is written while the first bytes are read, not before: the viewer
            # does not wait for it, and the body goes on only once it is written.
            view = asyncio.ensure_future(on_view(plan.first == 0 and plan.last == info.size - 1))
        try:
            head = await anext(chunks)
        except (BlobNotFound, InvalidRange, StopAsyncIteration):
            await _close(chunks)
            if view is not None:
                view.cancel()
            return error(404, "NOT_FOUND", "No such video")  # removed since the stat
        except BaseException:
            await _close(chunks)
            if view is not None:
                view.cancel()
            raise
        if view is not None and view.done():
            view.result()  # a refusal raised by the hook is answered as such
        return StreamingResponse(
            _exactly(head, chunks, plan.last - plan.first + 1, view),
            status_code=plan.status,
            headers=plan.headers,
        )

    async def _handed_to_proxy(
        self,
        request: Request,
        key: str,
        info: BlobInfo,
        headers: dict[str, str],
        content_type: str,
        on_view: ViewHook | None,
        view_always: bool,
    ) -> Response:
        """Authorised: let the proxy send the bytes (it answers ranges and conditionals)."""
        assert self.accel_prefix is not None
        if request.method == "GET" and on_view is not None:
            try:
                wanted = parse_range(request.headers.get("range", ""), info.size)
            except Unsatisfiable:
                wanted = None  # the proxy answers 416; nothing is viewed
                starts_at_zero = False
            else:
                starts_at_zero = wanted is None or wanted.first == 0
            if view_always or starts_at_zero:
                whole = wanted is None or (wanted.first == 0 and wanted.last == info.size - 1)
                await on_view(whole and starts_at_zero)
        proxied = {
            name: value
            for name, value in headers.items()
            if name in ("Cache-Control", "Content-Disposition")
        }
        proxied["Content-Type"] = content_type
        proxied["X-Accel-Redirect"] = self.accel_prefix + quote(key)
        return Response(b"", status_code=200, headers=proxied)

    def _plan(self, request: Request, info: BlobInfo, headers: dict[str, str]) -> _Plan | Response:
        """Preconditions then range, in RFC 9110 §13.2.2 order."""
        etag = headers["ETag"]
        modified = _seconds(info.modified)
        asked = request.headers
        if "if-match" in asked:
            if not _strong_match(asked["if-match"], etag):
                return error(412, "PRECONDITION_FAILED", "The video has changed")
        elif "if-unmodified-since" in asked:
            since = _http_date(asked["if-unmodified-since"])
            if since is not None and modified > _seconds(since):
                return error(412, "PRECONDITION_FAILED", "The video has changed")
        if "if-none-match" in asked:
            if _none_match(asked["if-none-match"], etag):
                return _not_modified(headers)
        elif "if-modified-since" in asked:
            since = _http_date(asked["if-modified-since"])
            if since is not None and modified <= _seconds(since):
                return _not_modified(headers)
        full = _Plan(200, 0, info.size - 1, headers)
        range_header = asked.get("range")
        if request.method != "GET" or range_header is None:
            return full
        if_range = asked.get("if-range")
        if if_range is not None and not _if_range_holds(if_range, etag, modified):
            return full
        try:
            wanted = parse_range(range_header, info.size)
        except Unsatisfiable:
            return error(
                416,
                "RANGE_NOT_SATISFIABLE",
                f"The video has {info.size} bytes",
                {"Content-Range": f"bytes */{info.size}", "Accept-Ranges": "bytes"},
            )
        if wanted is None:
            return full
        ranged = {**headers, "Content-Range": f"bytes {wanted.first}-{wanted.last}/{info.size}"}
        return _Plan(206, wanted.first, wanted.last, ranged)


def _if_range_holds(value: str, etag: str, modified: int) -> bool:
    value = value.strip()
    if value.startswith(('"', "W/")):
        return _strong_match(value, etag)
    since = _http_date(value)
    return since is not None and _seconds(since) == modified


def _not_modified(headers: dict[str, str]) -> Response:
    keep = {k: v for k, v in headers.items() if k != "Accept-Ranges"}
    return Response(status_code=304, headers=keep)


async def _close(chunks: AsyncIterator[bytes]) -> None:
    close = getattr(chunks, "aclose", None)
    if close is not None:
        await close()


async def _exactly(
    head: bytes,
    rest: AsyncIterator[bytes],
    length: int,
    view: asyncio.Future[None] | None = None,
) -> AsyncIterator[bytes]:
    """The promised ``length`` bytes: a longer store stream is cut, a shorter one (the blob
    shrank under us) aborts the response rather than send a body that lies about its size.
    ``view`` (the audit row of this view) must be written before anything after the first
    chunk is sent: if writing it fails, the response is aborted."""
    remaining = length
    try:
        chunk: bytes | None = head
        while chunk is not None and remaining > 0:
            piece = chunk[:remaining]
            remaining -= len(piece)
            yield piece
            if view is not None:
                await asyncio.shield(view)
                view = None
            chunk = await anext(rest, None)
        if remaining > 0:
            raise BlobNotFound(f"blob ended {remaining} bytes early")
    finally:
        if view is not None:  # the client left after the first chunk: the view still counts
            await asyncio.shield(view)
        await _close(rest)


# --------------------------------------------------------------------------- the routes


class VideoEndpoints:
    """The handlers of :func:`video_routes` (one instance per app)."""

    def __init__(
        self,
        store: BlobStore,
        tokens: StreamTokens,
        catalog: VideoCatalog,
        accel_prefix: str | None = None,
    ) -> None:
        self.responder = BlobResponder(store, accel_prefix)
        self.tokens = tokens
        self.catalog = catalog

    async def _grant(
        self, request: Request, purposes: frozenset[StreamPurpose]
    ) -> tuple[StreamGrant, StreamTarget, RequestMeta] | Response:
        try:
            grant = self.tokens.verify(request.path_params["token"])
        except TokenRejected as rejected:
            if rejected.reason == "expired":
                return error(403, "FORBIDDEN", "This video link has expired")
            return error(403, "FORBIDDEN", "This video link is invalid")
        if grant.purpose not in purposes:
            return error(403, "FORBIDDEN", "This video link is not valid for this address")
        meta = request_meta(request)
        try:
            target = await self.catalog.authorize(grant, meta)
        except StreamDenied as denied:
            return error(denied.status, denied.code, denied.message)
        return grant, target, meta

    def _view_hook(self, grant: StreamGrant, meta: RequestMeta) -> ViewHook:
        async def record(whole: bool) -> None:
            await self.catalog.record_view(grant, meta, whole=whole)

        return record

    async def clip(self, request: Request) -> Response:
        granted = await self._grant(request, frozenset({"play"}))
        if isinstance(granted, Response):
            return granted
        grant, target, meta = granted
        return await self.responder.respond(
            request,
            target.blob_key,
            content_type=target.content_type,
            cache_control=CACHE_MEDIA,
            on_view=self._view_hook(grant, meta),
            accel=True,
        )

    async def download(self, request: Request) -> Response:
        granted = await self._grant(request, frozenset({"download"}))
        if isinstance(granted, Response):
            return granted
        grant, target, meta = granted
        return await self.responder.respond(
            request,
            target.blob_key,
            content_type=target.content_type,
            cache_control=CACHE_MEDIA,
            extra_headers={"Content-Disposition": content_disposition(target.filename)},
            on_view=self._view_hook(grant, meta),
            view_always=True,
            accel=True,
        )

    async def playlist(self, request: Request) -> Response:
        granted = await self._grant(request, frozenset({"hls", "live"}))
        if isinstance(granted, Response):
            return granted
        grant, target, meta = granted
        if target.hls_prefix is None:
            return error(404, "NOT_FOUND", "This video has no HLS rendition")
        return await self.responder.respond(
            request,
            f"{target.hls_prefix}/{PLAYLIST_NAME}",
            content_type=PLAYLIST_TYPE,
            cache_control=CACHE_PLAYLIST,
            on_view=self._view_hook(grant, meta),
        )

    async def segment(self, request: Request) -> Response:
        name = request.path_params["name"]
        if not HLS_NAME.fullmatch(name):
            return error(404, "NOT_FOUND", "No such segment")
        granted = await self._grant(request, frozenset({"hls", "live"}))
        if isinstance(granted, Response):
            return granted
        _, target, _ = granted
        if target.hls_prefix is None:
            return error(404, "NOT_FOUND", "This video has no HLS rendition")
        return await self.responder.respond(
            request,
            f"{target.hls_prefix}/{name}",
            content_type=SEGMENT_TYPE if name.endswith(".m4s") else INIT_TYPE,
            cache_control=CACHE_MEDIA,
        )

    async def thumbnail(self, request: Request) -> Response:
        granted = await self._grant(request, frozenset({"thumb"}))
        if isinstance(granted, Response):
            return granted
        grant, target, _ = granted
        raw = request.query_params.get("at")
        if raw is None:
            at = target.default_thumbnail_at or 0.0
        else:
            parsed = _thumbnail_at(raw)
            if parsed is None:
                return error(400, "BAD_REQUEST", "at must be a number of seconds from 0")
            at = parsed
        try:
            key = await self.catalog.thumbnail_key(grant, target, at)
        except StreamDenied as denied:
            return error(denied.status, denied.code, denied.message)
        return await self.responder.respond(
            request, key, content_type=THUMBNAIL_TYPE, cache_control=CACHE_MEDIA
        )


def _thumbnail_at(raw: str) -> float | None:
    """Seconds into the clip from ``?at=``: a finite, non-negative decimal number."""
    if not re.fullmatch(r"\d{1,9}(?:\.\d{1,6})?", raw.strip()):
        return None
    value = float(raw)
    return value if value <= MAX_THUMBNAIL_AT_SECONDS else None


def video_routes(
    store: BlobStore,
    tokens: StreamTokens,
    catalog: VideoCatalog,
    *,
    prefix: str = "/video",
    accel_prefix: str | None = None,
) -> list[Route]:
    """The routes to mount (before any catch-all ``Mount("/")``); GET routes answer HEAD too.
    ``accel_prefix``: hand clip and download bodies to nginx (see :class:`BlobResponder`)."""
    endpoints = VideoEndpoints(store, tokens, catalog, accel_prefix)
    methods = ["GET", "HEAD"]
    return [
        Route(f"{prefix}/{{token}}/clip.mp4", endpoints.clip, methods=methods),
        Route(f"{prefix}/{{token}}/download", endpoints.download, methods=methods),
        Route(f"{prefix}/{{token}}/hls/{PLAYLIST_NAME}", endpoints.playlist, methods=methods),
        Route(f"{prefix}/{{token}}/hls/{{name}}", endpoints.segment, methods=methods),
        Route(f"{prefix}/{{token}}/thumb.jpg", endpoints.thumbnail, methods=methods),
    ]
