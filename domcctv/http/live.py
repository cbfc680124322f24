"""``GET /video/{token}/live.mp4``: a camera's live picture as one progressive fMP4 response.

A ``<video>`` element (or MSE) plays it as it arrives: the init segment, then one fragment
per GOP for as long as the request stays open. The token is a stream grant of kind ``live``
and purpose ``live`` (minted by ``VideoLinks.live``); like every ``/video`` route the grant
only proves a scoped lookup happened, so the *authorizer* re-checks the user and the camera
on every request and says which upstream to join (:class:`LiveTarget`). Bytes come from the
shared :class:`~domcctv.infra.live_relay.LiveRelay`: one RTSP session per camera, however
many viewers.

Answers: 403 ``FORBIDDEN`` for a bad, expired or other-purpose token; the authorizer's
refusal (404/403/409); 503 ``INTEGRATION_UNAVAILABLE`` (with ``Retry-After`` when known)
when the camera cannot be streamed now, decided before any byte is sent (the relay waits
for the init segment, bounded by its open timeout), so a browser never hangs on a dead
camera. ``Cache-Control: no-store`` and ``X-Accel-Buffering: no`` keep proxies from holding
the stream back. The response ends when the client disconnects, when the viewer falls too
far behind, or when the upstream fails.

:class:`CameraLiveCatalog` is the app's authorizer: ``services.live_view`` decides, the
camera's own RTSP server (``IsapiClient.live_rtsp_url``) or HikCentral's preview URL is the
upstream, and each started stream is audited.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final

import aiohttp
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from domcctv.http.media import SECURITY_HEADERS
from domcctv.http.video import RequestMeta, StreamDenied, error, request_meta
from domcctv.infra.live_relay import LiveRelay, LiveUnavailable, LiveViewer, UrlSource
from domcctv.infra.stream_tokens import StreamGrant, StreamTokens, TokenRejected
from domcctv.models import Camera
from domcctv.services.auth import RequestInfo
from domcctv.services.live_view import live_access, record_live_view
from domcctv.services.recorder_access import recorder_access
from domcctv.services.video_access import AccessRefused
from integrations.hikvision.errors import HikvisionError
from integrations.hikvision.hikcentral.client import HikCentralClient
from integrations.hikvision.isapi.client import IsapiClient

logger = logging.getLogger("domcctv.live")

LIVE_NAME: Final = "live.mp4"
LIVE_HEADERS: Final = {
    **SECURITY_HEADERS,
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "X-Accel-Buffering": "no",
}


@dataclass(frozen=True, slots=True)
class LiveTarget:
    """Which upstream to join: ``key`` names it in the relay (one RTSP session per key),
    ``url`` gives its RTSP URL when the upstream (re)starts, ``on_view`` audits this view."""

    key: str
    url: UrlSource
    on_view: Callable[[], Awaitable[None]]


LiveAuthorizer = Callable[[StreamGrant, RequestMeta], Awaitable[LiveTarget]]
"""Re-checks a live grant (raise :class:`StreamDenied` to refuse) and names the upstream."""


class _LiveResponse(StreamingResponse):
    """A streaming response that always leaves the relay, however the request ends."""

    def __init__(self, viewer: LiveViewer) -> None:
        self._viewer = viewer
        self._body = viewer.stream()
        super().__init__(self._body, headers=LIVE_HEADERS, media_type="video/mp4")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._viewer.close()
            await self._body.aclose()


class LiveEndpoint:
    """The handler of :func:`live_routes`."""

    def __init__(self, tokens: StreamTokens, relay: LiveRelay, authorize: LiveAuthorizer) -> None:
        self.tokens = tokens
        self.relay = relay
        self.authorize = authorize

    async def handle(self, request: Request) -> Response:
        try:
            grant = self.tokens.verify(request.path_params["token"])
        except TokenRejected as rejected:
            if rejected.reason == "expired":
                return error(403, "FORBIDDEN", "This video link has expired")
            return error(403, "FORBIDDEN", "This video link is invalid")
        if grant.kind != "live" or grant.purpose != "live":
            return error(403, "FORBIDDEN", "This video link is not valid for this address")
        try:
            target = await self.authorize(grant, request_meta(request))
        except StreamDenied as denied:
            return error(denied.status, denied.code, denied.message)
        try:
            viewer = await self.relay.subscribe(target.key, target.url)
        except LiveUnavailable as unavailable:
            headers = {}
            if unavailable.retry_after is not None:
                headers["Retry-After"] = str(max(1, math.ceil(unavailable.retry_after)))
            return error(503, "INTEGRATION_UNAVAILABLE", unavailable.message, headers)
        try:
            await target.on_view()
        except BaseException:
            viewer.close()
            raise
        return _LiveResponse(viewer)


def live_routes(
    tokens: StreamTokens, relay: LiveRelay, authorize: LiveAuthorizer, *, prefix: str = "/video"
) -> list[Route]:
    """The route to mount with the other ``/video`` routes (before any catch-all Mount)."""
    endpoint = LiveEndpoint(tokens, relay, authorize)
    return [Route(f"{prefix}/{{token}}/{LIVE_NAME}", endpoint.handle, methods=["GET"])]


# --------------------------------------------------------------------------- the app's authorizer


def _info(meta: RequestMeta) -> RequestInfo:
    return RequestInfo(ip_address=meta.ip_address, user_agent=meta.user_agent)


class CameraLiveCatalog:
    """Authorizes live grants for cameras and finds their RTSP URL.

    A camera reached directly (ISAPI URL and credentials) streams from its own RTSP port
    (``details["rtsp_port"]``, default 554), channel main stream; otherwise, or when
    ``details["live"] == "hikcentral"``, from a HikCentral preview URL (asked per upstream
    start: they expire). Pass :meth:`authorize` to :func:`live_routes`.
    """

    def __init__(
        self,
        decrypt: Callable[[str], str | None],
        hikcentral: HikCentralClient | None = None,
    ) -> None:
        self._decrypt = decrypt
        self._hikcentral = hikcentral

    def use_hikcentral(self, client: HikCentralClient | None) -> None:
        self._hikcentral = client

    async def authorize(self, grant: StreamGrant, meta: RequestMeta) -> LiveTarget:
        if grant.kind != "live" or not grant.subject_id.isdigit():
            raise StreamDenied("NOT_FOUND", "No such camera", 404)
        try:
            access = await live_access(grant.user_id, int(grant.subject_id), _info(meta))
        except AccessRefused as refused:
            raise StreamDenied(refused.code, refused.message, refused.status) from None

        async def on_view() -> None:
            await record_live_view(access)

        return LiveTarget(f"camera:{access.camera.id}", self._url_source(access.camera), on_view)

    def _url_source(self, camera: Camera) -> UrlSource:
        target = recorder_access(camera, self._decrypt)
        details = camera.details if isinstance(camera.details, dict) else {}
        isapi_url, username, password = target.isapi_url, target.username, target.password
        if isapi_url and username and password and details.get("live") != "hikcentral":
            port, channel = target.rtsp_port or 554, target.channel

            async def camera_url() -> str:
                # IsapiClient needs a session to exist; building a URL sends nothing.
                async with aiohttp.ClientSession() as session:
                    client = IsapiClient(session, isapi_url, username, password, rtsp_port=port)
                    return client.live_rtsp_url(channel, include_credentials=True)

            return camera_url
        index_code = target.hikcentral_index_code
        if index_code and self._hikcentral is not None:
            platform = self._hikcentral

            async def preview_url() -> str:
                try:
                    return await platform.preview_url(index_code)
                except HikvisionError as exc:
                    logger.warning("live: HikCentral gave no preview URL: %s", exc)
                    raise LiveUnavailable("HikCentral gave no live URL") from None

            return preview_url
        raise StreamDenied("NO_LIVE_SOURCE", "This camera has no live stream configured", 409)
