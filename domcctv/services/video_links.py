"""Signed, user-bound, expiring URLs for video evidence (served by ``domcctv.http.video``).

A URL is minted only for an actor that reached the clip through an event it may see (the
GraphQL field sits on that event) and holds the URL's permission. The token in the path binds
the user, the clip, the purpose (play, HLS, thumbnail, download) and the quality, so a URL
handed to someone else or edited to another clip is refused, and the route still re-checks the
user's access on every request (a user disabled or moved to another company loses access
before the URL expires).
"""

from __future__ import annotations

from urllib.parse import quote

from domcctv.domain.access import Actor, Permission
from domcctv.infra.stream_tokens import StreamKind, StreamPurpose, StreamTokens
from domcctv.models.user import VideoQuality

BASE_PATH = "/video"
ORIGINAL = "original"


def variant_for(quality: VideoQuality | None, available: list[str]) -> str:
    """The stored variant to play: the asked quality when transcoded, else the original
    (HIGH, AUTO and no preference all mean the original)."""
    if quality in (VideoQuality.MEDIUM, VideoQuality.LOW) and quality.value in available:
        return quality.value.lower()
    return ORIGINAL


class VideoLinks:
    """Mints the URLs of the video fields; ``None`` where the actor lacks the permission."""

    def __init__(self, tokens: StreamTokens, ttl_seconds: int) -> None:
        self._tokens = tokens
        self._ttl = ttl_seconds

    def _url(
        self,
        actor: Actor,
        kind: StreamKind,
        subject: int,
        purpose: StreamPurpose,
        variant: str,
        tail: str,
        permission: Permission,
    ) -> str | None:
        if actor.user_id is None or not actor.can(permission):
            return None
        token = self._tokens.issue(
            user_id=actor.user_id,
            kind=kind,
            subject_id=subject,
            purpose=purpose,
            variant=variant,
            ttl_seconds=self._ttl,
        )
        return f"{BASE_PATH}/{quote(token, safe='')}/{tail}"

    def playback(
        self, actor: Actor, clip_id: int, available: list[str], quality: VideoQuality | None
    ) -> str | None:
        variant = variant_for(quality, available)
        return self._url(
            actor, "clip", clip_id, "play", variant, "clip.mp4", Permission.VIEW_VIDEOS
        )

    def hls(self, actor: Actor, clip_id: int) -> str | None:
        return self._url(
            actor, "clip", clip_id, "hls", ORIGINAL, "hls/index.m3u8", Permission.VIEW_VIDEOS
        )

    def thumbnail(self, actor: Actor, clip_id: int, at: float | None) -> str | None:
        tail = "thumb.jpg" if at is None else f"thumb.jpg?at={max(0.0, at):.3f}"
        return self._url(actor, "clip", clip_id, "thumb", ORIGINAL, tail, Permission.VIEW_VIDEOS)

    def download(self, actor: Actor, clip_id: int) -> str | None:
        return self._url(
            actor, "clip", clip_id, "download", ORIGINAL, "download", Permission.DOWNLOAD_VIDEOS
        )

    def export_download(self, actor: Actor, export_id: int) -> str | None:
        return self._url(
            actor,
            "export",
            export_id,
            "download",
            ORIGINAL,
            "download",
            Permission.EXPORT_VIDEO_SEGMENTS,
        )

    def live(self, actor: Actor, camera_id: int) -> str | None:
        return self._url(
            actor, "live", camera_id, "live", ORIGINAL, "live.mp4", Permission.VIEW_VIDEOS
        )
