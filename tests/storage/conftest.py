"""Both blob store backends, for the same behavioural tests.

S3 is the real protocol over the wire: moto's server mode runs as a subprocess on a private
free port for the whole session (started once, stopped by pid at the end), and each test gets
its own bucket, so tests never see each other's objects. Without moto the S3 half fails loudly
instead of skipping: a green run must mean both backends were exercised.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from moto_server import moto_endpoint

from domcctv.infra.storage import BlobStore, LocalBlobStore
from domcctv.infra.storage.s3 import MIN_PART_SIZE, S3BlobStore

MakeS3Store = Callable[..., S3BlobStore]

__all__ = ["moto_endpoint"]


@pytest.fixture
def make_s3_store(moto_endpoint: str) -> MakeS3Store:
    """``make_s3_store(bucket, prefix="")``: a store on the moto server with the smallest part
    size S3 allows, so the 20 MB test file goes up as a 4-part multipart upload."""

    def make(bucket: str, prefix: str = "") -> S3BlobStore:
        return S3BlobStore(
            bucket,
            moto_endpoint,
            "us-east-1",
            "testing-access",
            "testing-secret",
            prefix,
            part_size=MIN_PART_SIZE,
        )

    return make


@pytest.fixture
async def s3_blob_store(make_s3_store: MakeS3Store) -> AsyncIterator[S3BlobStore]:
    async with make_s3_store(f"evidence-{uuid.uuid4().hex[:12]}", "site-a") as store:
        await store.create_bucket()
        yield store


@pytest.fixture
def local_blob_store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest) -> BlobStore:
    """Each behavioural test runs once per backend."""
    name = "local_blob_store" if request.param == "local" else "s3_blob_store"
    backend: BlobStore = request.getfixturevalue(name)
    return backend
