"""Pick the evidence blob store from settings: the rest of the app only sees :class:`BlobStore`.

The S3 backend is imported only when chosen, so a local-only deployment never loads
aiobotocore.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from domcctv.infra.storage.base import (
    CHUNK_SIZE,
    BlobInfo,
    BlobNotFound,
    BlobStore,
    InvalidKey,
    InvalidRange,
    check_key,
    open_range,
    resolve_range,
)
from domcctv.infra.storage.local import LocalBlobStore

__all__ = [
    "CHUNK_SIZE",
    "BlobInfo",
    "BlobNotFound",
    "BlobStore",
    "InvalidKey",
    "InvalidRange",
    "LocalBlobStore",
    "S3Options",
    "build_blob_store",
    "check_key",
    "close_blob_store",
    "open_range",
    "resolve_range",
]


@dataclass(frozen=True, slots=True)
class S3Options:
    """Where the S3 backend writes; ``endpoint_url=None`` means AWS itself."""

    bucket: str
    endpoint_url: str | None
    region: str
    access_key: str
    secret_key: str = field(repr=False)
    prefix: str = ""


def build_blob_store(
    kind: Literal["local", "s3"], *, root: Path, s3: S3Options | None
) -> BlobStore:
    """The configured store. ``root`` is used by ``local``; ``s3`` is required by ``s3``.
    An S3 store opens its client on first use: release it with :func:`close_blob_store`."""
    if kind == "local":
        return LocalBlobStore(root)
    if kind == "s3":
        if s3 is None:
            raise ValueError("VIDEO_STORAGE=s3 needs the S3 bucket, endpoint and credentials")
        from domcctv.infra.storage.s3 import S3BlobStore

        return S3BlobStore(
            s3.bucket, s3.endpoint_url, s3.region, s3.access_key, s3.secret_key, s3.prefix
        )
    raise ValueError(f"unknown blob store kind {kind!r} (expected 'local' or 's3')")


@runtime_checkable
class _Closable(Protocol):
    async def close(self) -> None: ...


async def close_blob_store(store: BlobStore) -> None:
    """Release what a store holds open (the S3 client's connection pool; nothing for local)."""
    if isinstance(store, _Closable):
        await store.close()
