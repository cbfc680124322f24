"""Blobs as files under one directory: the single-host deployment, and the reference the S3
backend is tested against.

A browser may be reading a clip while a worker replaces it, and the process may die mid-write.
So every write goes to a temporary file in the destination directory and is renamed over the
key with :func:`os.replace`: a reader sees the old version or the new one, never half of one,
and a reader that already opened the old version keeps reading that version to the end. All
file IO runs in worker threads (``anyio.to_thread``) so a slow disk never stalls the event
loop, and range reads go chunk by chunk, never the whole file.

ETag: ``"<inode>-<size>-<mtime_ns>"`` in hex (Apache's recipe). Every write creates a new file
(new inode, new modification time) and renames it into place, so a new version gets a new tag
and an untouched version keeps its tag for ever. The one theoretical collision, a freed inode
reused by a same-sized write within one filesystem timestamp tick, needs a delete and a
rewrite in the same few milliseconds.

This store keeps no metadata beside the bytes: ``content_type`` in :class:`BlobInfo` is guessed
from the key's extension (``.mp4``, ``.m3u8``, ``.ts``, ``.jpg``...), not the one given to put,
with Python's built-in table plus the video types it lacks; never the host's
``/etc/mime.types``, which differs between machines (Debian's says ``.ts`` is Qt Linguist).
"""

from __future__ import annotations

import mimetypes
import os
import secrets
import shutil
import stat as stat_mode
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from anyio import to_thread

from domcctv.infra.storage.base import (
    CHUNK_SIZE,
    BlobInfo,
    BlobNotFound,
    InvalidKey,
    check_key,
    resolve_range,
)

# Temporary names hold a "~", which no key may contain: they can never shadow or be taken for
# a blob, and delete_prefix can tell an in-flight write from a stored blob.
_TEMP_MARK = "~"
_COPY_BUFFER = 1024 * 1024
_MISSING = (FileNotFoundError, NotADirectoryError, IsADirectoryError)
_TYPES = mimetypes.MimeTypes()  # an instance: the built-in table only, no system files
for _type, _extension in (
    ("video/mp2t", ".ts"),
    ("video/iso.segment", ".m4s"),
    ("video/x-matroska", ".mkv"),
    ("application/dash+xml", ".mpd"),
):
    _TYPES.add_type(_type, _extension)


class LocalBlobStore:
    """A :class:`~domcctv.infra.storage.base.BlobStore` over the directory ``root`` (created on
    the first write). Keys map to paths below it segment by segment."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()

    def path_of(self, key: str) -> Path:
        """The file a key lives in (for diagnostics and tests; readers use the methods)."""
        return self.root.joinpath(*check_key(key).split("/"))

    # ------------------------------------------------------------------ writes

    async def put_file(self, key: str, source: Path, content_type: str) -> BlobInfo:
        """Copy ``source`` in (never a hard link: a link shares the inode, so a later in-place
        edit of the source would silently change the evidence)."""

        def fill(out: BinaryIO) -> None:
            with open(source, "rb") as src:
                shutil.copyfileobj(src, out, _COPY_BUFFER)

        return await to_thread.run_sync(self._write, key, fill)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobInfo:
        return await to_thread.run_sync(self._write, key, lambda out: out.write(data))

    def _write(self, key: str, fill: Callable[[BinaryIO], object]) -> BlobInfo:
        path = self.path_of(key)
        fd, temp = self._open_temp(key, path)
        try:
            with os.fdopen(fd, "wb") as out:
                fill(out)
                out.flush()
                # The version we wrote: rename keeps inode and mtime, and a racing writer may
                # replace the key again before we could stat it by name.
                written = os.fstat(out.fileno())
            if path.is_dir():
                raise InvalidKey(f"{key}: a directory of other blobs is there")
            os.replace(temp, path)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temp)
            raise
        return self._info(key, written)

    def _open_temp(self, key: str, path: Path) -> tuple[int, Path]:
        # A concurrent delete may prune the (empty) parent between mkdir and open: try again.
        for attempt in range(3):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError) as exc:
                raise InvalidKey(f"{key}: a parent of this key is itself a blob") from exc
            temp = path.with_name(f".{path.name}{_TEMP_MARK}{secrets.token_hex(8)}.tmp")
            try:
                fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
            except FileNotFoundError:
                if attempt == 2:
                    raise
                continue
            return fd, temp
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------ reads

    async def stat(self, key: str) -> BlobInfo | None:
        path = self.path_of(key)
        try:
            found = await to_thread.run_sync(os.stat, path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not stat_mode.S_ISREG(found.st_mode):
            return None
        return self._info(key, found)

    async def read_range(
        self, key: str, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> AsyncIterator[bytes]:
        if chunk_size <= 0:
            raise ValueError(f"chunk_size must be positive, not {chunk_size}")
        path = self.path_of(key)
        # Open, size, seek and the first read in one worker-thread hop: the first byte of a
        # clip waits for one hop, not five (time to first byte is what a seeking player feels).
        try:
            handle, remaining, chunk = await to_thread.run_sync(
                _open_and_read, path, start, end, chunk_size
            )
        except _MISSING as exc:
            raise BlobNotFound(key) from exc
        try:
            while chunk:
                remaining -= len(chunk)
                yield chunk
                if remaining <= 0:
                    return
                chunk = await to_thread.run_sync(handle.read, min(chunk_size, remaining))
        finally:
            handle.close()

    async def get_bytes(self, key: str) -> bytes:
        path = self.path_of(key)
        try:
            return await to_thread.run_sync(path.read_bytes)
        except _MISSING as exc:
            raise BlobNotFound(key) from exc

    async def fetch_to_path(self, key: str, target: Path) -> None:
        """Copy to ``target`` atomically (temporary file beside it, then rename)."""
        source = self.path_of(key)

        def copy() -> None:
            try:
                src = open(source, "rb")  # noqa: SIM115 - closed by the with below
            except _MISSING as exc:
                raise BlobNotFound(key) from exc
            temp = target.with_name(f".{target.name}{_TEMP_MARK}{secrets.token_hex(8)}.tmp")
            with src:
                try:
                    with open(temp, "xb") as out:
                        shutil.copyfileobj(src, out, _COPY_BUFFER)
                    os.replace(temp, target)
                except BaseException:
                    with suppress(FileNotFoundError):
                        os.unlink(temp)
                    raise

        await to_thread.run_sync(copy)

    # ------------------------------------------------------------------ deletes

    async def delete(self, key: str) -> None:
        path = self.path_of(key)

        def remove() -> None:
            try:
                os.unlink(path)
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                return
            self._prune(path.parent)

        await to_thread.run_sync(remove)

    async def delete_prefix(self, prefix: str) -> int:
        """Unlink every blob below ``prefix/`` one by one (counting only what this call removed,
        so concurrent deletes never double count), then drop the directories left empty.
        Temporary files of writes still in flight are left to finish."""
        top = self.path_of(prefix)

        def remove_tree() -> int:
            removed = 0
            for directory, _dirs, files in os.walk(top, topdown=False):
                for name in files:
                    if _TEMP_MARK in name:
                        continue
                    with suppress(FileNotFoundError):
                        os.unlink(os.path.join(directory, name))
                        removed += 1
                with suppress(OSError):  # not empty: a write in flight, leave it
                    os.rmdir(directory)
            self._prune(top.parent)
            return removed

        return await to_thread.run_sync(remove_tree)

    def _prune(self, directory: Path) -> None:
        """Remove empty directories from ``directory`` up to (not including) the root."""
        while directory != self.root and directory.is_relative_to(self.root):
            try:
                directory.rmdir()
            except OSError:  # not empty (or already gone, or raced): stop here
                return
            directory = directory.parent

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _info(key: str, found: os.stat_result) -> BlobInfo:
        return BlobInfo(
            key=key,
            size=found.st_size,
            etag=f'"{found.st_ino:x}-{found.st_size:x}-{found.st_mtime_ns:x}"',
            modified=datetime.fromtimestamp(found.st_mtime_ns / 1e9, tz=UTC),
            content_type=_TYPES.guess_type(key)[0],
        )


FIRST_READ = 64 * 1024
"""The first read of a range is small: the response starts as soon as it is in."""


def _open_and_read(
    path: Path, start: int, end: int | None, chunk_size: int
) -> tuple[BinaryIO, int, bytes]:
    """The open file (this version pinned: a concurrent replace does not change it), the
    bytes left in the range after the first chunk's start, and that first chunk."""
    handle = path.open("rb")
    try:
        size = os.fstat(handle.fileno()).st_size
        first, last = resolve_range(size, start, end)
        handle.seek(first)
        remaining = last - first + 1
        first_read = min(FIRST_READ, chunk_size, remaining)
        return handle, remaining, handle.read(first_read) if remaining > 0 else b""
    except BaseException:
        handle.close()
        raise
