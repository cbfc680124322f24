"""The whole clip path with VIDEO_STORAGE=s3 against moto's real S3 server: the app builds its
S3 store from the settings, the route streams ranges from S3 and thumbnails are made from a
local copy of the clip."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from moto_server import moto_endpoint
from pydantic import SecretStr

from domcctv.asgi import create_app
from domcctv.config import Settings
from domcctv.domain.access import Role
from domcctv.infra.storage.s3 import S3BlobStore
from schema.relay import to_global_id

from factories import make_company, make_event, make_user
from graphql_client import gql, services_of, token_for

__all__ = ["moto_endpoint"]


@pytest.fixture
async def s3_api(settings: Settings, db: str, moto_endpoint: str) -> AsyncIterator[Any]:
    bucket = f"clips-{uuid.uuid4().hex[:12]}"
    s3_settings = settings.model_copy(
        update={
            "video_storage": "s3",
            "s3_endpoint_url": moto_endpoint,
            "s3_bucket": bucket,
            "s3_access_key": "testing",
            "s3_secret_key": SecretStr("testing"),
        }
    )
    app = create_app(s3_settings, manage_database=False)
    store = services_of(app).blob_store
    assert isinstance(store, S3BlobStore)
    await store.create_bucket()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client, store, s3_settings
    await store.close()


async def test_clips_stream_from_s3(s3_api, make_ready_clip, sample_clip: Path) -> None:
    api, store, settings = s3_api
    company = await make_company()
    event = await make_event(company, "HJKL42")
    clip = await make_ready_clip(event, into=store)
    assert clip.storage_key is not None
    assert await store.stat(clip.storage_key) is not None
    user = await make_user(Role.CLIENT_USER, company)
    body = await gql(
        api,
        "query($id: ID!) { event(id: $id) { clips { playbackUrl thumbnailUrl(at: 1.0) hlsUrl } } }",
        {"id": str(to_global_id("Event", event.id))},
        await token_for(user, settings),
    )
    (row,) = body["data"]["event"]["clips"]
    data = await anyio.to_thread.run_sync(sample_clip.read_bytes)
    part = await api.get(row["playbackUrl"], headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.content == data[1000:2000]
    whole = await api.get(row["playbackUrl"])
    assert whole.content == data
    thumb = await api.get(row["thumbnailUrl"])
    assert thumb.status_code == 200
    assert thumb.content[:3] == b"\xff\xd8\xff"
    playlist = await api.get(row["hlsUrl"])
    assert playlist.status_code == 200
    assert "#EXT-X-ENDLIST" in playlist.text
