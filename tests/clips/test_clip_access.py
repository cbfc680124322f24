"""Clips through GraphQL and the streaming route: who gets which URL, what the URL serves, and
that every view and download is audited.

The route re-decides access on each request, so these tests also cover the URL outliving the
access (user disabled, event reassigned) and URLs edited to reach another clip or user.
"""

from __future__ import annotations

import re
from typing import Any

import av
import pytest

from domcctv.domain.access import Role
from domcctv.infra.stream_tokens import StreamTokens
from domcctv.models import AuditAction, AuditLog, ClipStatus, User, VideoClip
from schema.relay import to_global_id

from factories import make_company, make_event, make_user
from graphql_client import gql, token_for

CLIPS = """
query($id: ID!) {
  event(id: $id) {
    legalHold
    clips {
      id databaseId status cameraCode role durationSeconds plateOffsetSeconds sizeBytes sha256
      qualities playbackUrl hlsUrl thumbnailUrl(at: 1.0) plateStillUrl downloadUrl
    }
  }
}
"""

NODE = "query($id: ID!) { node(id: $id) { ... on VideoClip { id playbackUrl } } }"


def gid(type_name: str, pk: int) -> str:
    return str(to_global_id(type_name, pk))


async def _clips(api: Any, token: str, event_id: int) -> list[dict[str, Any]] | None:
    body = await gql(api, CLIPS, {"id": gid("Event", event_id)}, token)
    assert "errors" not in body, body
    event = body["data"]["event"]
    return None if event is None else list(event["clips"])


@pytest.fixture
async def world(settings, make_ready_clip) -> dict[str, Any]:
    a = await make_company(name="Áridos Atacama", rut="76086428-5")
    b = await make_company(name="Bío Transportes", rut="96790240-3")
    event_a = await make_event(a, "HJKL42")
    event_b = await make_event(b, "BBCD12")
    clip_a = await make_ready_clip(event_a)
    clip_b = await make_ready_clip(event_b)
    client_a = await make_user(Role.CLIENT_USER, a, email="cliente@atacama.cl")
    client_b = await make_user(Role.CLIENT_USER, b, email="cliente@bio.cl")
    operator = await make_user(Role.OPERATOR, email="operador@dom.cl")
    supervisor = await make_user(Role.SUPERVISOR, email="supervisor@dom.cl")
    return {
        "a": a,
        "event_a": event_a,
        "event_b": event_b,
        "clip_a": clip_a,
        "clip_b": clip_b,
        "client_a": client_a,
        "client_b": client_b,
        "operator": operator,
        "supervisor": supervisor,
        "tokens": {
            name: await token_for(user, settings)
            for name, user in (
                ("client_a", client_a),
                ("client_b", client_b),
                ("operator", operator),
                ("supervisor", supervisor),
            )
        },
    }


async def test_a_client_sees_its_company_clip_with_every_url(api, world) -> None:
    clips = await _clips(api, world["tokens"]["client_a"], world["event_a"].id)
    assert clips is not None
    assert len(clips) == 1
    clip = clips[0]
    assert clip["status"] == "READY"
    assert clip["qualities"] == ["HIGH"]
    for field in ("playbackUrl", "hlsUrl", "thumbnailUrl", "plateStillUrl", "downloadUrl"):
        assert str(clip[field]).startswith("/video/"), field
    assert clip["sha256"] == world["clip_a"].sha256


async def test_a_client_gets_nothing_of_another_company(api, world) -> None:
    token = world["tokens"]["client_b"]
    assert await _clips(api, token, world["event_a"].id) is None
    body = await gql(api, NODE, {"id": gid("VideoClip", world["clip_a"].id)}, token)
    assert body["data"]["node"] is None, body


async def test_node_reaches_a_visible_clip(api, world) -> None:
    body = await gql(
        api, NODE, {"id": gid("VideoClip", world["clip_a"].id)}, world["tokens"]["client_a"]
    )
    assert body["data"]["node"]["playbackUrl"].startswith("/video/"), body


async def test_download_url_needs_download_videos(api, world) -> None:
    clip = (await _clips(api, world["tokens"]["operator"], world["event_a"].id) or [])[0]
    assert clip["playbackUrl"]
    assert clip["downloadUrl"] is None


async def _url(
    api: Any, world: dict[str, Any], who: str, field: str, event: str = "event_a"
) -> str:
    clips = await _clips(api, world["tokens"][who], world[event].id)
    assert clips
    url = clips[0][field]
    assert url
    return str(url)


async def test_playback_streams_with_ranges_and_is_audited_once(api, world, sample_clip) -> None:
    url = await _url(api, world, "client_a", "playbackUrl")
    size = sample_clip.stat().st_size
    whole = await api.get(url)
    assert whole.status_code == 200
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.content == sample_clip.read_bytes()
    part = await api.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{size}"
    assert part.content == sample_clip.read_bytes()[100:200]
    suffix = await api.get(url, headers={"Range": "bytes=-10"})
    assert suffix.status_code == 206
    assert suffix.content == sample_clip.read_bytes()[-10:]
    past = await api.get(url, headers={"Range": f"bytes={size + 5}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{size}"
    clip = await VideoClip.get(id=world["clip_a"].id)
    assert clip.variants_pending  # played once: its lower qualities are asked for
    views = await AuditLog.filter(action=AuditAction.VIEW_VIDEO).values(
        "user_id", "company_id", "resource_id"
    )
    assert views == [
        {
            "user_id": world["client_a"].id,
            "company_id": world["a"].id,
            "resource_id": str(world["clip_a"].id),
        }
    ]


async def test_download_is_an_attachment_and_audited(api, world, sample_clip) -> None:
    url = await _url(api, world, "client_a", "downloadUrl")
    response = await api.get(url)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    assert "HJKL42" in response.headers["content-disposition"]
    assert response.content == sample_clip.read_bytes()
    assert await AuditLog.filter(action=AuditAction.DOWNLOAD_VIDEO).count() == 1


async def test_hls_playlist_and_segments_decode(api, world, tmp_path) -> None:
    url = await _url(api, world, "client_a", "hlsUrl")
    playlist = await api.get(url)
    assert playlist.status_code == 200
    assert playlist.text.startswith("#EXTM3U")
    assert "#EXT-X-ENDLIST" in playlist.text
    base = url.rsplit("/", 1)[0]
    init = re.search(r'URI="([^"]+)"', playlist.text)
    assert init is not None
    names = [line for line in playlist.text.splitlines() if line and not line.startswith("#")]
    joined = tmp_path / "joined.mp4"
    with joined.open("wb") as out:
        for name in [init.group(1), *names]:
            response = await api.get(f"{base}/{name}")
            assert response.status_code == 200, name
            out.write(response.content)
    with av.open(str(joined)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == 100


async def test_thumbnails_at_any_moment_and_the_plate_still(api, world) -> None:
    still = await api.get(await _url(api, world, "client_a", "plateStillUrl"))
    assert still.status_code == 200
    assert still.content[:3] == b"\xff\xd8\xff"
    thumb = await api.get(await _url(api, world, "client_a", "thumbnailUrl"))
    assert thumb.status_code == 200
    assert thumb.content[:3] == b"\xff\xd8\xff"
    assert thumb.content != still.content  # 1.0 s is red, the still at 2.0 s is blue
    again = await api.get(await _url(api, world, "client_a", "thumbnailUrl"))
    assert again.content == thumb.content  # cached: the same bytes
    base = (await _url(api, world, "client_a", "thumbnailUrl")).split("?")[0]
    assert (await api.get(f"{base}?at=99")).status_code == 400
    assert (await api.get(f"{base}?at=abc")).status_code == 400


async def test_a_url_edited_to_another_clip_or_user_is_refused(api, settings, world) -> None:
    url = await _url(api, world, "client_b", "playbackUrl", event="event_b")
    token = url.split("/")[2]
    parts = token.split(".")
    other_clip = ".".join([*parts[:3], str(world["clip_a"].id), *parts[4:]])
    other_user = ".".join([parts[0], str(world["client_a"].id), *parts[2:]])
    for forged in (other_clip, other_user):
        response = await api.get(f"/video/{forged}/clip.mp4")
        assert response.status_code == 403, forged
        assert response.json()["error"]["code"] == "FORBIDDEN"


async def test_a_genuine_token_for_a_foreign_clip_finds_nothing(api, settings, world) -> None:
    """Even a correctly signed token (as if leaked or minted by a bug) for another company's
    clip is refused: the route re-checks tenancy with the token's user."""
    tokens = StreamTokens(settings.jwt_secret.get_secret_value())
    token = tokens.issue(
        user_id=world["client_b"].id, kind="clip", subject_id=world["clip_a"].id, purpose="play"
    )
    response = await api.get(f"/video/{token}/clip.mp4")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    assert await AuditLog.filter(action=AuditAction.VIEW_VIDEO).count() == 0


async def test_expired_and_tampered_links(api, settings, world) -> None:
    tokens = StreamTokens(settings.jwt_secret.get_secret_value())
    expired = tokens.issue(
        user_id=world["client_a"].id,
        kind="clip",
        subject_id=world["clip_a"].id,
        purpose="play",
        ttl_seconds=1,
        now=1_000_000,
    )
    response = await api.get(f"/video/{expired}/clip.mp4")
    assert response.status_code == 403
    assert "expired" in response.json()["error"]["message"]
    url = await _url(api, world, "client_a", "playbackUrl")
    tampered = url[:-12] + ("A" if url[-12] != "A" else "B") + url[-11:]
    assert (await api.get(tampered)).status_code == 403


async def test_a_play_link_does_not_download(api, world) -> None:
    url = await _url(api, world, "client_a", "playbackUrl")
    response = await api.get(url.replace("/clip.mp4", "/download"))
    assert response.status_code == 403


async def test_access_ends_when_the_user_is_disabled(api, world) -> None:
    url = await _url(api, world, "client_a", "playbackUrl")
    await User.filter(id=world["client_a"].id).update(is_active=False)
    response = await api.get(url)  # nothing streamed before: no cached decision
    assert response.status_code == 403


async def test_pending_and_failed_clips_have_no_urls(api, world) -> None:
    await VideoClip.filter(id=world["clip_a"].id).update(
        status=ClipStatus.FAILED, failure_code="RECORDER_OFFLINE", failure_reason="no answer"
    )
    clip = (await _clips(api, world["tokens"]["client_a"], world["event_a"].id) or [])[0]
    assert clip["status"] == "FAILED"
    assert clip["playbackUrl"] is None
    assert clip["downloadUrl"] is None


LEGAL_HOLD = """
mutation($id: ID!, $hold: Boolean!, $reason: String) {
  setLegalHold(eventId: $id, hold: $hold, reason: $reason) {
    __typename
    ... on EventSuccess { event { legalHold } }
    ... on ValidationError { fields { field code } }
  }
}
"""


async def test_legal_hold_by_a_supervisor(api, world) -> None:
    token = world["tokens"]["supervisor"]
    variables = {"id": gid("Event", world["event_a"].id), "hold": True}
    body = await gql(api, LEGAL_HOLD, variables, token)
    assert body["data"]["setLegalHold"]["__typename"] == "ValidationError"
    body = await gql(api, LEGAL_HOLD, {**variables, "reason": "Fiscalía causa 123"}, token)
    assert body["data"]["setLegalHold"]["event"]["legalHold"] is True
    assert await AuditLog.filter(action=AuditAction.SET_LEGAL_HOLD).count() == 1
    body = await gql(api, LEGAL_HOLD, {**variables, "reason": "x"}, world["tokens"]["operator"])
    assert body.get("errors") or body["data"]["setLegalHold"]["__typename"] in (
        "PermissionDeniedError",
    )
