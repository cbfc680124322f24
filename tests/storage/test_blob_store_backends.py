"""What each backend promises beyond the shared contract: atomic files and tidy directories for
the local store; multipart uploads that never leave orphaned parts, paginated prefix deletes,
prefix isolation and a clean client lifecycle for S3; and the factory that picks one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from domcctv.infra.storage import (
    BlobNotFound,
    InvalidKey,
    LocalBlobStore,
    S3Options,
    build_blob_store,
    close_blob_store,
    open_range,
)
from domcctv.infra.storage.s3 import MIN_PART_SIZE, S3BlobStore

MIB = 1024 * 1024
MakeS3Store = Callable[..., S3BlobStore]


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# ---------------------------------------------------------------- local


async def test_local_writes_leave_no_temporary_files(local_blob_store: LocalBlobStore) -> None:
    await local_blob_store.put_bytes("clips/3/a.mp4", b"abc", "video/mp4")
    await local_blob_store.put_bytes("clips/3/a.mp4", b"abcd", "video/mp4")
    assert files_under(local_blob_store.root) == ["clips", "clips/3", "clips/3/a.mp4"]
    info = await local_blob_store.stat("clips/3/a.mp4")
    found = local_blob_store.path_of("clips/3/a.mp4").stat()
    assert info is not None
    assert info.etag == f'"{found.st_ino:x}-{found.st_size:x}-{found.st_mtime_ns:x}"'


async def test_local_failed_write_keeps_the_old_version(
    local_blob_store: LocalBlobStore, tmp_path: Path
) -> None:
    await local_blob_store.put_bytes("clips/3/a.mp4", b"old", "video/mp4")
    with pytest.raises(FileNotFoundError):
        await local_blob_store.put_file("clips/3/a.mp4", tmp_path / "missing.mp4", "video/mp4")
    assert await local_blob_store.get_bytes("clips/3/a.mp4") == b"old"
    assert files_under(local_blob_store.root) == ["clips", "clips/3", "clips/3/a.mp4"]


async def test_local_reader_keeps_its_version_while_the_key_is_replaced(
    local_blob_store: LocalBlobStore,
) -> None:
    old, new = b"o" * 300_000, b"n" * 300_000
    await local_blob_store.put_bytes("clips/v.mp4", old, "video/mp4")
    parts: list[bytes] = []
    async with open_range(local_blob_store, "clips/v.mp4", chunk_size=100_000) as chunks:
        async for chunk in chunks:
            parts.append(chunk)
            if len(parts) == 1:
                await local_blob_store.put_bytes("clips/v.mp4", new, "video/mp4")
    assert b"".join(parts) == old
    assert await local_blob_store.get_bytes("clips/v.mp4") == new


async def test_local_deletes_prune_empty_directories(local_blob_store: LocalBlobStore) -> None:
    await local_blob_store.put_bytes("clips/4/hls/seg0.ts", b"0", "video/mp2t")
    await local_blob_store.put_bytes("clips/4/hls/seg1.ts", b"1", "video/mp2t")
    await local_blob_store.put_bytes("clips/5/a.mp4", b"a", "video/mp4")
    await local_blob_store.delete("clips/5/a.mp4")
    assert files_under(local_blob_store.root) == [
        "clips",
        "clips/4",
        "clips/4/hls",
        "clips/4/hls/seg0.ts",
        "clips/4/hls/seg1.ts",
    ]
    assert await local_blob_store.delete_prefix("clips/4") == 2
    assert files_under(local_blob_store.root) == []
    assert local_blob_store.root.is_dir()  # the root itself stays


async def test_local_keys_that_collide_with_directories(local_blob_store: LocalBlobStore) -> None:
    await local_blob_store.put_bytes("clips/6", b"a blob", "application/octet-stream")
    with pytest.raises(InvalidKey):
        await local_blob_store.put_bytes("clips/6/a.mp4", b"x", "video/mp4")
    await local_blob_store.put_bytes("clips/7/a.mp4", b"x", "video/mp4")
    assert await local_blob_store.stat("clips/7") is None  # a directory is not a blob
    with pytest.raises(BlobNotFound):
        await local_blob_store.get_bytes("clips/7")
    with pytest.raises(InvalidKey):
        await local_blob_store.put_bytes("clips/7", b"x", "video/mp4")
    assert await local_blob_store.get_bytes("clips/7/a.mp4") == b"x"


async def test_local_content_type_is_guessed_from_the_key(local_blob_store: LocalBlobStore) -> None:
    playlist = await local_blob_store.put_bytes("hls/1/index.m3u8", b"#EXTM3U\n", "x/ignored")
    segment = await local_blob_store.put_bytes("hls/1/seg0.ts", b"\x47", "x/ignored")
    assert playlist.content_type == "application/vnd.apple.mpegurl"
    assert segment.content_type == "video/mp2t"


# ---------------------------------------------------------------- s3


async def test_s3_large_files_go_up_as_multipart(
    s3_blob_store: S3BlobStore, tmp_path: Path
) -> None:
    source = tmp_path / "big.mp4"
    source.write_bytes(os.urandom(3 * MIN_PART_SIZE + 1))
    info = await s3_blob_store.put_file("clips/big.mp4", source, "video/mp4")
    assert info.etag.endswith('-4"')  # S3's multipart ETag: MD5 of the part MD5s, then "-parts"
    assert info.content_type == "video/mp4"
    assert await s3_blob_store.stat("clips/big.mp4") == info
    at_threshold = tmp_path / "part.mp4"
    at_threshold.write_bytes(os.urandom(MIN_PART_SIZE))
    single = await s3_blob_store.put_file("clips/part.mp4", at_threshold, "video/mp4")
    assert "-" not in single.etag
    assert single.size == MIN_PART_SIZE


async def test_s3_failed_multipart_upload_is_aborted(
    s3_blob_store: S3BlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await s3_blob_store.put_bytes("clips/big.mp4", b"old version", "video/mp4")
    source = tmp_path / "big.mp4"
    source.write_bytes(os.urandom(2 * MIN_PART_SIZE + 1))
    client = await s3_blob_store._s3()
    real_upload_part = client.upload_part
    calls = 0

    async def flaky_upload_part(**kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionResetError("network gone mid-upload")
        return await real_upload_part(**kwargs)

    monkeypatch.setattr(client, "upload_part", flaky_upload_part)
    with pytest.raises(ConnectionResetError):
        await s3_blob_store.put_file("clips/big.mp4", source, "video/mp4")
    pending = await client.list_multipart_uploads(Bucket=s3_blob_store.bucket)
    assert pending.get("Uploads", []) == []
    assert await s3_blob_store.get_bytes("clips/big.mp4") == b"old version"


async def test_s3_delete_prefix_pages_through_many_objects(s3_blob_store: S3BlobStore) -> None:
    keys = [f"clips/8/seg{n}.ts" for n in range(7)]
    for key in keys:
        await s3_blob_store.put_bytes(key, b"x", "video/mp2t")
    await s3_blob_store.put_bytes("clips/80/keep.ts", b"x", "video/mp2t")
    assert await s3_blob_store.delete_prefix("clips/8", page_size=2) == 7
    for key in keys:
        assert await s3_blob_store.stat(key) is None
    assert await s3_blob_store.stat("clips/80/keep.ts") is not None


async def test_s3_prefix_keeps_deployments_apart(make_s3_store: MakeS3Store) -> None:
    bucket = f"shared-{uuid.uuid4().hex[:12]}"
    async with (
        make_s3_store(bucket, "site-a") as a,
        make_s3_store(bucket, "site-b/") as b,
    ):
        await a.create_bucket()
        await a.put_bytes("clips/1/a.mp4", b"from a", "video/mp4")
        await b.put_bytes("clips/1/a.mp4", b"from b", "video/mp4")
        assert await a.get_bytes("clips/1/a.mp4") == b"from a"
        assert await b.delete_prefix("clips") == 1
        assert await a.get_bytes("clips/1/a.mp4") == b"from a"
        listed = await (await a._s3()).list_objects_v2(Bucket=bucket)
        assert [o["Key"] for o in listed.get("Contents", [])] == ["site-a/clips/1/a.mp4"]
    with pytest.raises(InvalidKey):
        make_s3_store(bucket, "../escape")


async def test_s3_client_lifecycle(make_s3_store: MakeS3Store, moto_endpoint: str) -> None:
    store = make_s3_store(f"life-{uuid.uuid4().hex[:12]}")
    assert "testing-secret" not in repr(store)
    await store.create_bucket()  # the first call opens the client
    await store.put_bytes("a.txt", b"1", "text/plain")
    await store.close()
    await store.close()  # idempotent
    assert await store.get_bytes("a.txt") == b"1"  # reopened on demand
    await store.close()
    with pytest.raises(ValueError, match="part_size"):
        S3BlobStore("b", moto_endpoint, "us-east-1", "k", "s", part_size=MIB)


async def test_s3_missing_bucket_is_not_a_missing_blob(make_s3_store: MakeS3Store) -> None:
    async with make_s3_store(f"absent-{uuid.uuid4().hex[:12]}") as store:
        with pytest.raises(ClientError) as caught:
            await store.get_bytes("a.txt")
        assert caught.value.response["Error"]["Code"] == "NoSuchBucket"


# ---------------------------------------------------------------- factory


async def test_build_blob_store(tmp_path: Path, moto_endpoint: str) -> None:
    local = build_blob_store("local", root=tmp_path / "v", s3=None)
    assert isinstance(local, LocalBlobStore)
    assert local.root == tmp_path / "v"
    await close_blob_store(local)  # nothing to release, and no error
    with pytest.raises(ValueError, match="needs the S3"):
        build_blob_store("s3", root=tmp_path, s3=None)
    with pytest.raises(ValueError, match="unknown blob store"):
        build_blob_store("nfs", root=tmp_path, s3=None)  # type: ignore[arg-type]
    options = S3Options(
        bucket=f"built-{uuid.uuid4().hex[:12]}",
        endpoint_url=moto_endpoint,
        region="us-east-1",
        access_key="k",
        secret_key="very-secret",
        prefix="prod",
    )
    assert "very-secret" not in repr(options)
    remote = build_blob_store("s3", root=tmp_path, s3=options)
    assert isinstance(remote, S3BlobStore)
    assert remote.prefix == "prod"
    try:
        await remote.create_bucket()
        info = await remote.put_bytes("x/y.jpg", b"jpeg", "image/jpeg")
        assert info.size == 4
        assert info.content_type == "image/jpeg"
    finally:
        await close_blob_store(remote)
