"""Retention purge of video evidence (per-company days, legal hold) and the background
quality variants of READY clips."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import av
import pytest
from clip_media import write_h264

from domcctv.domain.access import Role
from domcctv.infra.storage.local import LocalBlobStore
from domcctv.infra.video.runner import VideoWorkers
from domcctv.models import AuditAction, AuditLog, Company, Event, Site, VideoClip
from domcctv.services import clip_variants
from domcctv.services.clock import utcnow
from domcctv.services.video_retention import purge_expired
from schema.relay import to_global_id

from factories import make_company, make_event, make_user
from graphql_client import gql, token_for


async def _aged(make_ready_clip, company: Company | None, days: int, plate: str) -> VideoClip:
    event = await make_event(company, plate, when=utcnow() - timedelta(days=days))
    return await make_ready_clip(event, anchor_time=event.event_time)


async def test_purge_honours_company_retention_and_legal_hold(
    api, settings, make_ready_clip
) -> None:
    short = await make_company(name="Corto", rut="76086428-5")
    await Company.filter(id=short.id).update(video_retention_days=1)
    default = await make_company(name="Normal", rut="96790240-3")
    expired = await _aged(make_ready_clip, short, 2, "HJKL42")
    held = await _aged(make_ready_clip, short, 2, "HJKL43")
    await Event.filter(id=held.event_id).update(legal_hold=True, legal_hold_reason="causa")
    fresh = await _aged(make_ready_clip, short, 0, "HJKL44")
    kept_by_default = await _aged(make_ready_clip, default, 2, "BBCD12")
    unassigned_old = await _aged(make_ready_clip, None, 100, "ZZTT99")
    store = LocalBlobStore(settings.video_dir)

    clips, exports = await purge_expired(store, default_days=90)

    assert (clips, exports) == (2, 0)
    left = set(await VideoClip.all().values_list("id", flat=True))
    assert left == {held.id, fresh.id, kept_by_default.id}
    for gone in (expired, unassigned_old):
        assert gone.storage_key is not None
        assert not store.path_of(gone.storage_key).exists()
        assert not store.path_of(f"clips/{gone.event_id}/{gone.id}").exists()
    assert held.storage_key is not None
    assert store.path_of(held.storage_key).exists()
    assert await Event.filter(id=expired.event_id).exists()  # the event itself is kept
    purge = await AuditLog.filter(action=AuditAction.PURGE_VIDEO).values_list(
        "after_state", flat=True
    )
    assert sorted(clip_id for row in purge for clip_id in row["clips"]) == sorted(
        [expired.id, unassigned_old.id]
    )
    assert await purge_expired(store, default_days=90) == (0, 0)  # idempotent


@pytest.fixture(scope="module")
def wide_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wide") / "wide.mp4"
    write_h264(path, seconds=2, width=640, height=360)
    return path


async def test_variants_are_made_once_and_offered(
    api, settings, make_ready_clip, wide_clip
) -> None:
    company = await make_company()
    event = await make_event(company, "HJKL42")
    clip = await make_ready_clip(event, source=wide_clip, width=640, height=360)
    await VideoClip.filter(id=clip.id).update(variants_pending=True)
    store = LocalBlobStore(settings.video_dir)

    todo = await clip_variants.next_clip_needing_variants()
    assert todo is not None
    assert todo.id == clip.id
    made = await clip_variants.make_variants(todo, store, VideoWorkers(2))

    assert set(made) == {"LOW"}  # never upscaled: MEDIUM is 480p, the source 360p
    with av.open(str(store.path_of(made["LOW"]))) as container:
        assert container.streams.video[0].codec_context.height == 240
    assert await clip_variants.next_clip_needing_variants() is None
    user = await make_user(Role.CLIENT_USER, company)
    body = await gql(
        api,
        "query($id: ID!) { event(id: $id) { clips { qualities low: playbackUrl(quality: LOW) "
        "medium: playbackUrl(quality: MEDIUM) } } }",
        {"id": str(to_global_id("Event", event.id))},
        await token_for(user, settings),
    )
    (row,) = body["data"]["event"]["clips"]
    assert row["qualities"] == ["HIGH", "LOW"]
    low = await api.get(row["low"])
    assert low.status_code == 200
    assert low.content == store.path_of(made["LOW"]).read_bytes()
    assert row["medium"] != row["low"]  # MEDIUM is not made: the original is played
    assert (await api.get(row["medium"])).content == wide_clip.read_bytes()


SITE_WINDOW = """
mutation($s: ID!, $pre: Int!, $post: Int!) {
  setSiteClipWindow(siteId: $s, preRollSeconds: $pre, postRollSeconds: $post) {
    __typename
    ... on SiteSuccess { site { clipPreRollSeconds clipPostRollSeconds } }
    ... on ValidationError { fields { field code } }
  }
}
"""

RETENTION = """
mutation($c: ID!, $d: Int) {
  setCompanyVideoRetention(companyId: $c, days: $d) {
    __typename
    ... on CompanySuccess { company { videoRetentionDays } }
    ... on ValidationError { fields { field code } }
  }
}
"""


async def test_site_clip_window_and_company_retention_are_set_by_staff(api, settings) -> None:
    site = await Site.create(name="Patio Norte")
    company = await make_company()
    admin = await token_for(await make_user(Role.ADMINISTRATOR), settings)
    operator = await token_for(await make_user(Role.OPERATOR), settings)
    s_id = str(to_global_id("Site", site.id))
    c_id = str(to_global_id("Company", company.id))

    body = await gql(api, SITE_WINDOW, {"s": s_id, "pre": 15, "post": 45}, admin)
    assert body["data"]["setSiteClipWindow"]["site"] == {
        "clipPreRollSeconds": 15,
        "clipPostRollSeconds": 45,
    }
    bad = await gql(api, SITE_WINDOW, {"s": s_id, "pre": -1, "post": 601}, admin)
    assert {f["field"] for f in bad["data"]["setSiteClipWindow"]["fields"]} == {
        "preRollSeconds",
        "postRollSeconds",
    }
    refused = await gql(api, SITE_WINDOW, {"s": s_id, "pre": 1, "post": 2}, operator)
    assert refused.get("errors") or refused["data"]["setSiteClipWindow"]["__typename"] in {
        "PermissionDeniedError"
    }
    assert (await Site.get(id=site.id)).clip_post_roll_seconds == 45

    body = await gql(api, RETENTION, {"c": c_id, "d": 30}, admin)
    assert body["data"]["setCompanyVideoRetention"]["company"] == {"videoRetentionDays": 30}
    body = await gql(api, RETENTION, {"c": c_id, "d": None}, admin)
    assert body["data"]["setCompanyVideoRetention"]["company"] == {"videoRetentionDays": None}
    bad = await gql(api, RETENTION, {"c": c_id, "d": 0}, admin)
    assert bad["data"]["setCompanyVideoRetention"]["__typename"] == "ValidationError"
    assert await AuditLog.filter(action=AuditAction.UPDATE_COMPANY).count() == 2
