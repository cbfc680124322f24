"""Blobs in an S3 bucket (AWS, MinIO, Ceph, or any S3-compatible endpoint), over aiobotocore.

Evidence outgrows one disk and must survive the host; an object store gives both. Everything
streams: large files go up as a multipart upload one part at a time (at most ``part_size`` bytes
in memory), reads are ``Range`` GETs whose body is passed on chunk by chunk, and prefix deletes
page through ``ListObjectsV2`` and delete each page with one ``DeleteObjects`` call.

Lifecycle: the aiobotocore client (and its aiohttp connection pool) is created on first use, or
explicitly with :meth:`S3BlobStore.start`, and must be released with :meth:`S3BlobStore.close`;
``async with S3BlobStore(...) as store:`` does both. The client belongs to the event loop that
created it. After ``close()`` the next call starts a fresh client.

Compatibility: path-style addressing by default (what MinIO and most self-hosted endpoints
want; ``addressing_style="virtual"`` for AWS buckets that need it) and checksums only where the
API requires them, since several S3-compatible servers reject botocore's default CRC headers.
ETags are S3's own (an MD5 for single-part objects, ``"<md5>-<parts>"`` for multipart ones):
strong, and changed by every write.
"""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, suppress
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal, Self, cast

import anyio
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from anyio import to_thread
from botocore.exceptions import ClientError

from domcctv.infra.storage.base import (
    CHUNK_SIZE,
    BlobInfo,
    BlobNotFound,
    InvalidRange,
    check_key,
    open_range,
    resolve_range,
)

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_s3.literals import BucketLocationConstraintType
    from types_aiobotocore_s3.type_defs import CompletedPartTypeDef, ObjectIdentifierTypeDef

MIB = 1024 * 1024
MIN_PART_SIZE = 5 * MIB  # S3's floor for every part but the last
MAX_PARTS = 10_000  # S3's ceiling on parts per upload
DELETE_BATCH = 1000  # S3's ceiling on keys per DeleteObjects
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


class S3DeleteError(RuntimeError):
    """S3 refused to delete some objects under a prefix (permissions, object lock...)."""


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def _is_missing(exc: ClientError) -> bool:
    """A missing key. ``NoSuchBucket`` (also a 404) is a configuration error and propagates."""
    return _error_code(exc) in _MISSING_CODES


class S3BlobStore:
    """A :class:`~domcctv.infra.storage.base.BlobStore` over ``bucket``; keys are stored under
    ``prefix/`` when a prefix is given (one bucket can then hold several deployments)."""

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None,
        region: str,
        access_key: str,
        secret_key: str,
        prefix: str = "",
        *,
        part_size: int = 8 * MIB,
        addressing_style: Literal["path", "virtual", "auto"] = "path",
        max_connections: int = 20,
    ) -> None:
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3's minimum)")
        self.bucket = bucket
        self.prefix = check_key(prefix.strip("/")) if prefix.strip("/") else ""
        self.part_size = part_size
        self._endpoint_url = endpoint_url
        self._region = region
        self._access_key = access_key
        self._secret_key = secret_key
        self._config = AioConfig(
            signature_version="s3v4",
            s3={"addressing_style": addressing_style},
            retries={"max_attempts": 4, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
            max_pool_connections=max_connections,
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self._client: S3Client | None = None
        self._stack: AsyncExitStack | None = None
        self._starting = anyio.Lock()

    def __repr__(self) -> str:  # never the secret
        return f"S3BlobStore(bucket={self.bucket!r}, prefix={self.prefix!r})"

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Create the client and its connection pool (idempotent)."""
        async with self._starting:
            if self._client is not None:
                return
            stack = AsyncExitStack()
            self._client = await stack.enter_async_context(
                get_session().create_client(
                    "s3",
                    region_name=self._region,
                    endpoint_url=self._endpoint_url,
                    aws_access_key_id=self._access_key,
                    aws_secret_access_key=self._secret_key,
                    config=self._config,
                )
            )
            self._stack = stack

    async def close(self) -> None:
        """Close the client and its connections (idempotent)."""
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def create_bucket(self) -> None:
        """Create the bucket if it does not exist yet (development servers, tests); production
        buckets are provisioned with their policies outside the app."""
        s3 = await self._s3()
        try:
            if self._region == "us-east-1":  # the one region that refuses a LocationConstraint
                await s3.create_bucket(Bucket=self.bucket)
            else:
                await s3.create_bucket(
                    Bucket=self.bucket,
                    CreateBucketConfiguration={
                        "LocationConstraint": cast("BucketLocationConstraintType", self._region)
                    },
                )
        except ClientError as exc:
            if _error_code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    async def _s3(self) -> S3Client:
        if self._client is None:
            await self.start()
        assert self._client is not None
        return self._client

    def object_key(self, key: str) -> str:
        """The S3 object key behind a blob key."""
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    # ------------------------------------------------------------------ writes

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobInfo:
        s3, name = await self._s3(), self.object_key(key)
        sent = await s3.put_object(
            Bucket=self.bucket, Key=name, Body=data, ContentType=content_type
        )
        return await self._written(key, sent["ETag"], len(data), content_type)

    async def put_file(self, key: str, source: Path, content_type: str) -> BlobInfo:
        """One PUT up to ``part_size``; above it a multipart upload that reads the file one
        part at a time and is aborted (no orphaned parts billed) if anything fails."""
        name = self.object_key(key)
        size = (await to_thread.run_sync(os.stat, source)).st_size
        if size <= self.part_size:
            data = await to_thread.run_sync(Path(source).read_bytes)
            return await self.put_bytes(key, data, content_type)
        s3 = await self._s3()
        part_size = max(self.part_size, math.ceil(size / MAX_PARTS))
        upload_id = (
            await s3.create_multipart_upload(Bucket=self.bucket, Key=name, ContentType=content_type)
        )["UploadId"]
        parts: list[CompletedPartTypeDef] = []
        sent_bytes = 0
        try:
            async with await anyio.open_file(source, "rb") as handle:
                while part := await handle.read(part_size):
                    number = len(parts) + 1
                    answer = await s3.upload_part(
                        Bucket=self.bucket,
                        Key=name,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=part,
                    )
                    parts.append({"ETag": answer["ETag"], "PartNumber": number})
                    sent_bytes += len(part)
            done = await s3.complete_multipart_upload(
                Bucket=self.bucket, Key=name, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException:
            # Best effort, bounded, and never hiding the original error; parts it could not
            # abort are what a bucket's AbortIncompleteMultipartUpload lifecycle rule is for.
            with anyio.move_on_after(10, shield=True), suppress(Exception):
                await s3.abort_multipart_upload(Bucket=self.bucket, Key=name, UploadId=upload_id)
            raise
        return await self._written(key, done["ETag"], sent_bytes, content_type)

    async def _written(self, key: str, etag: str, size: int, content_type: str) -> BlobInfo:
        """The info of the version just written: a HEAD conditional on its ETag (for S3's own
        modification time), or, when a concurrent writer already replaced it, what we know."""
        s3 = await self._s3()
        try:
            head = await s3.head_object(Bucket=self.bucket, Key=self.object_key(key), IfMatch=etag)
        except ClientError as exc:
            if _status(exc) not in (404, 412):
                raise
            return BlobInfo(key, size, etag, datetime.now(UTC), content_type)
        return BlobInfo(
            key, head["ContentLength"], head["ETag"], head["LastModified"], head.get("ContentType")
        )

    # ------------------------------------------------------------------ reads

    async def stat(self, key: str) -> BlobInfo | None:
        s3 = await self._s3()
        try:
            head = await s3.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if _status(exc) == 404:  # a HEAD has no body: no error code tells key from bucket
                return None
            raise
        return BlobInfo(
            key, head["ContentLength"], head["ETag"], head["LastModified"], head.get("ContentType")
        )

    async def read_range(
        self, key: str, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> AsyncIterator[bytes]:
        if chunk_size <= 0:
            raise ValueError(f"chunk_size must be positive, not {chunk_size}")
        if start < 0 or (end is not None and end < start):
            resolve_range(0, start, end)  # raises the same InvalidRange as the local store
        s3, name = await self._s3(), self.object_key(key)
        try:
            if start == 0 and end is None:  # the whole blob (also valid for an empty one)
                answer = await s3.get_object(Bucket=self.bucket, Key=name)
            else:
                wanted = f"bytes={start}-{'' if end is None else end}"
                answer = await s3.get_object(Bucket=self.bucket, Key=name, Range=wanted)
        except ClientError as exc:
            if _is_missing(exc):
                raise BlobNotFound(key) from exc
            if _status(exc) == 416 or _error_code(exc) == "InvalidRange":
                raise InvalidRange(f"range starts at {start}, past the end of {key}") from exc
            raise
        async with answer["Body"] as body:
            async for chunk in body.iter_chunks(chunk_size):
                yield chunk

    async def get_bytes(self, key: str) -> bytes:
        s3 = await self._s3()
        try:
            answer = await s3.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if _is_missing(exc):
                raise BlobNotFound(key) from exc
            raise
        async with answer["Body"] as body:
            return await body.read()

    async def fetch_to_path(self, key: str, target: Path) -> None:
        """Stream to a temporary file beside ``target``, then rename it into place."""
        temp = target.with_name(f".{target.name}~{secrets.token_hex(8)}.tmp")
        try:
            async with (
                await anyio.open_file(temp, "xb") as out,
                open_range(self, key, chunk_size=MIB) as chunks,
            ):
                async for chunk in chunks:
                    await out.write(chunk)
            await to_thread.run_sync(os.replace, temp, target)
        except BaseException:
            with anyio.CancelScope(shield=True), suppress(FileNotFoundError):
                await anyio.Path(temp).unlink()
            raise

    # ------------------------------------------------------------------ deletes

    async def delete(self, key: str) -> None:
        s3 = await self._s3()
        await s3.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    async def delete_prefix(self, prefix: str, *, page_size: int = DELETE_BATCH) -> int:
        """List ``prefix/`` a page at a time and delete each page in one ``DeleteObjects``
        (``page_size`` keys at most, S3's limit being 1000); raises :class:`S3DeleteError`
        listing the first refusal if S3 kept any object."""
        s3, name = await self._s3(), self.object_key(prefix) + "/"
        page_size = min(page_size, DELETE_BATCH)
        removed = 0
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=name, PaginationConfig={"PageSize": page_size}
        )
        async for page in pages:
            batch: list[ObjectIdentifierTypeDef] = [
                {"Key": o["Key"]} for o in page.get("Contents", [])
            ]
            if not batch:
                continue
            answer = await s3.delete_objects(
                Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
            )
            errors = answer.get("Errors", [])
            removed += len(batch) - len(errors)
            if errors:
                first = errors[0]
                raise S3DeleteError(
                    f"{len(errors)} object(s) under {name} not deleted; first: "
                    f"{first.get('Key')}: {first.get('Code')} {first.get('Message')}"
                )
        return removed
