"""The BlobStore contract, run against both backends (local files, S3 over moto's server):
whatever the setting, the video code above sees the same behaviour."""

from __future__ import annotations

import asyncio
import hashlib
import os
import tracemalloc
from datetime import datetime
from pathlib import Path

import pytest

from domcctv.infra.storage import (
    BlobNotFound,
    BlobStore,
    InvalidKey,
    InvalidRange,
    open_range,
)

DATA = bytes(range(256)) * 40 + b"tail"  # 10 244 bytes, every offset distinguishable
MIB = 1024 * 1024


async def collect(
    store: BlobStore, key: str, start: int = 0, end: int | None = None, chunk_size: int = 4096
) -> bytes:
    parts: list[bytes] = []
    async with open_range(store, key, start, end, chunk_size) as chunks:
        async for chunk in chunks:
            assert 0 < len(chunk) <= chunk_size
            parts.append(chunk)
    return b"".join(parts)


async def test_put_bytes_then_stat_and_get(store: BlobStore) -> None:
    info = await store.put_bytes("clips/12/34.mp4", DATA, "video/mp4")
    assert info.key == "clips/12/34.mp4"
    assert info.size == len(DATA)
    assert info.etag.startswith('"')
    assert info.etag.endswith('"')
    assert len(info.etag) > 2
    assert isinstance(info.modified, datetime)
    assert info.modified.tzinfo is not None
    assert info.content_type == "video/mp4"
    assert await store.stat("clips/12/34.mp4") == info
    assert await store.get_bytes("clips/12/34.mp4") == DATA


async def test_put_file_keeps_the_source_and_stores_a_copy(
    store: BlobStore, tmp_path: Path
) -> None:
    source = tmp_path / "clip.mp4"
    source.write_bytes(DATA)
    info = await store.put_file("clips/1/clip.mp4", source, "video/mp4")
    assert info.size == len(DATA)
    assert source.read_bytes() == DATA
    source.write_bytes(b"edited afterwards")  # the evidence must not follow the source
    assert await store.get_bytes("clips/1/clip.mp4") == DATA


async def test_put_file_from_a_missing_source_changes_nothing(
    store: BlobStore, tmp_path: Path
) -> None:
    await store.put_bytes("clips/1/clip.mp4", b"old", "video/mp4")
    with pytest.raises(FileNotFoundError):
        await store.put_file("clips/1/clip.mp4", tmp_path / "gone.mp4", "video/mp4")
    assert await store.get_bytes("clips/1/clip.mp4") == b"old"


async def test_etag_is_stable_for_a_version_and_changes_with_a_rewrite(store: BlobStore) -> None:
    first = await store.put_bytes("thumbs/a.jpg", b"x" * 100, "image/jpeg")
    again = await store.stat("thumbs/a.jpg")
    assert again is not None
    assert again.etag == first.etag
    second = await store.put_bytes("thumbs/a.jpg", b"y" * 100, "image/jpeg")
    assert second.etag != first.etag
    latest = await store.stat("thumbs/a.jpg")
    assert latest is not None
    assert latest.etag == second.etag
    assert await store.get_bytes("thumbs/a.jpg") == b"y" * 100


LAST = len(DATA) - 1


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (0, 0),  # the first byte
        (0, 99),  # the first bytes
        (5000, 5999),  # the middle
        (LAST, LAST),  # the last byte
        (LAST - 3, None),  # the tail, open-ended
        (0, None),  # the whole blob
        (0, LAST),  # the whole blob, explicitly
        (100, LAST + 5000),  # an end past the last byte is clamped
    ],
)
async def test_read_range_serves_exactly_the_inclusive_range(
    store: BlobStore, start: int, end: int | None
) -> None:
    await store.put_bytes("clips/r.mp4", DATA, "video/mp4")
    expected = DATA[start:] if end is None else DATA[start : end + 1]
    assert await collect(store, "clips/r.mp4", start, end, chunk_size=1000) == expected


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (len(DATA), None),  # starts just past the last byte
        (len(DATA) + 10, len(DATA) + 20),  # entirely past the end
        (-1, None),  # negative
        (50, 10),  # backwards
    ],
)
async def test_read_range_outside_the_blob_is_invalid_range(
    store: BlobStore, start: int, end: int | None
) -> None:
    await store.put_bytes("clips/r.mp4", DATA, "video/mp4")
    with pytest.raises(InvalidRange):
        await collect(store, "clips/r.mp4", start, end)


async def test_empty_blob_reads_whole_as_nothing_but_has_no_byte_zero(store: BlobStore) -> None:
    await store.put_bytes("manifests/empty.json", b"", "application/json")
    info = await store.stat("manifests/empty.json")
    assert info is not None
    assert info.size == 0
    assert await collect(store, "manifests/empty.json") == b""
    assert await store.get_bytes("manifests/empty.json") == b""
    with pytest.raises(InvalidRange):
        await collect(store, "manifests/empty.json", 0, 0)


async def test_read_range_rejects_a_useless_chunk_size(store: BlobStore) -> None:
    await store.put_bytes("clips/r.mp4", DATA, "video/mp4")
    with pytest.raises(ValueError, match="chunk_size"):
        await collect(store, "clips/r.mp4", 0, None, chunk_size=0)


async def test_stopping_a_read_early_releases_it(store: BlobStore) -> None:
    await store.put_bytes("clips/r.mp4", DATA, "video/mp4")
    open_before = len(os.listdir("/proc/self/fd"))
    for _ in range(30):  # each leak would keep a file or a pooled connection open
        async with open_range(store, "clips/r.mp4", chunk_size=100) as chunks:
            async for chunk in chunks:
                assert chunk == DATA[:100]
                break
    assert len(os.listdir("/proc/self/fd")) <= open_before + 2
    assert await store.get_bytes("clips/r.mp4") == DATA


async def test_missing_keys(store: BlobStore, tmp_path: Path) -> None:
    assert await store.stat("clips/none.mp4") is None
    with pytest.raises(BlobNotFound):
        await collect(store, "clips/none.mp4")
    with pytest.raises(BlobNotFound):
        await store.get_bytes("clips/none.mp4")
    with pytest.raises(BlobNotFound):
        await store.fetch_to_path("clips/none.mp4", tmp_path / "out.mp4")
    assert os.listdir(tmp_path) in ([], ["blobs"])  # no target, no temporary file left
    await store.delete("clips/none.mp4")  # not an error
    assert await store.delete_prefix("clips/none") == 0


BAD_KEYS = ["", "/etc/passwd", "../x", "a/../../b", "a//b", "a/./b", "a/", "a b", "ü.mp4", "a\\b"]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_bad_keys_are_refused_by_every_method(
    store: BlobStore, key: str, tmp_path: Path
) -> None:
    source = tmp_path / "src"
    source.write_bytes(b"x")
    with pytest.raises(InvalidKey):
        await store.put_bytes(key, b"x", "text/plain")
    with pytest.raises(InvalidKey):
        await store.put_file(key, source, "text/plain")
    with pytest.raises(InvalidKey):
        await store.stat(key)
    with pytest.raises(InvalidKey):
        await collect(store, key)
    with pytest.raises(InvalidKey):
        await store.get_bytes(key)
    with pytest.raises(InvalidKey):
        await store.delete(key)
    with pytest.raises(InvalidKey):
        await store.delete_prefix(key)
    with pytest.raises(InvalidKey):
        await store.fetch_to_path(key, tmp_path / "out")


async def test_delete(store: BlobStore) -> None:
    await store.put_bytes("clips/7/a.mp4", DATA, "video/mp4")
    await store.put_bytes("clips/7/b.mp4", DATA, "video/mp4")
    await store.delete("clips/7/a.mp4")
    assert await store.stat("clips/7/a.mp4") is None
    with pytest.raises(BlobNotFound):
        await store.get_bytes("clips/7/a.mp4")
    assert await store.get_bytes("clips/7/b.mp4") == DATA


async def test_delete_prefix_removes_only_whole_segments_below_it(store: BlobStore) -> None:
    doomed = ["clips/1/a.mp4", "clips/1/b.mp4", "clips/1/hls/seg0.ts", "clips/1/hls/x.m3u8"]
    kept = ["clips/10/a.mp4", "clips/1.mp4", "clips/2/a.mp4"]
    for key in doomed + kept:
        await store.put_bytes(key, key.encode(), "application/octet-stream")
    assert await store.delete_prefix("clips/1") == len(doomed)
    for key in doomed:
        assert await store.stat(key) is None
    for key in kept:
        assert await store.get_bytes(key) == key.encode()
    assert await store.delete_prefix("clips/1") == 0


async def test_fetch_to_path_copies_the_blob(store: BlobStore, tmp_path: Path) -> None:
    await store.put_bytes("exports/9/bundle.zip", DATA, "application/zip")
    target = tmp_path / "work" / "bundle.zip"
    target.parent.mkdir()
    target.write_bytes(b"stale")  # replaced, not appended to
    await store.fetch_to_path("exports/9/bundle.zip", target)
    assert target.read_bytes() == DATA
    assert sorted(p.name for p in target.parent.iterdir()) == ["bundle.zip"]  # no temp left


async def test_big_file_goes_in_and_out_in_bounded_chunks(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "big.mp4"
    with source.open("wb") as out:
        for _ in range(20):
            out.write(os.urandom(MIB))
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    tracemalloc.start()
    try:
        info = await store.put_file("clips/big.mp4", source, "video/mp4")
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        got = hashlib.sha256()
        total = 0
        chunk_size = 256 * 1024
        async with open_range(store, "clips/big.mp4", chunk_size=chunk_size) as chunks:
            async for chunk in chunks:
                assert 0 < len(chunk) <= chunk_size
                got.update(chunk)
                total += len(chunk)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.size == total == 20 * MIB
    assert got.hexdigest() == digest
    # Neither direction ever held the 20 MiB: S3 holds one 5 MiB part (and the client's copy of
    # it), the local store a 1 MiB copy buffer; reads hold a chunk or two.
    assert put_peak < 14 * MIB, f"put_file peaked at {put_peak / MIB:.1f} MiB"
    assert read_peak < 4 * MIB, f"read_range peaked at {read_peak / MIB:.1f} MiB"
    # A seek into the middle of the big file.
    tail = await collect(store, "clips/big.mp4", 15 * MIB, 15 * MIB + 9)
    with source.open("rb") as src:
        src.seek(15 * MIB)
        assert tail == src.read(10)


async def test_two_writers_to_one_key_leave_one_whole_version(
    store: BlobStore, tmp_path: Path
) -> None:
    # 6 MiB: above the S3 test store's part size, so put_file races as a multipart upload.
    versions = [bytes([65 + n]) * (6 * MIB + n) for n in range(2)]
    sources = []
    for n, data in enumerate(versions):
        path = tmp_path / f"v{n}.bin"
        path.write_bytes(data)
        sources.append(path)
    for _ in range(3):
        await asyncio.gather(
            store.put_bytes("clips/race.mp4", versions[0], "video/mp4"),
            store.put_file("clips/race.mp4", sources[1], "video/mp4"),
        )
        stored = await store.get_bytes("clips/race.mp4")
        assert stored in versions
        info = await store.stat("clips/race.mp4")
        assert info is not None
        assert info.size == len(stored)
