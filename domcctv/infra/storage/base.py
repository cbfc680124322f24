"""The blob store behind video evidence: one small interface, local files or S3.

Clips, HLS segments, thumbnails, quality variants and export bundles are written once and read
many times, often by byte range (a browser seeking in a clip). Everything above this module
speaks only :class:`BlobStore`; which backend runs is a setting (``VIDEO_STORAGE``).

Keys are relative POSIX paths made of ``[A-Za-z0-9._-]`` segments (``clips/12/34.mp4``);
anything else (absolute, ``..``, empty segments) is refused with :class:`InvalidKey` so no
caller can reach outside the store.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")
CHUNK_SIZE = 256 * 1024


class InvalidKey(ValueError):
    """A key that is not a clean relative path inside the store."""


class BlobNotFound(LookupError):
    """No blob under that key."""


class InvalidRange(ValueError):
    """A byte range the blob cannot serve: negative, backwards, or starting past the last byte.

    An HTTP layer answers it with 416 Range Not Satisfiable; it is never a crash.
    """


def check_key(key: str) -> str:
    """The key itself when it is a clean relative path, else :class:`InvalidKey`."""
    parts = key.split("/")
    if not key or any(p in ("", ".", "..") or not _SEGMENT.match(p) for p in parts):
        raise InvalidKey(key)
    return key


def resolve_range(size: int, start: int, end: int | None) -> tuple[int, int]:
    """The inclusive ``(first, last)`` bytes that ``read_range(start, end)`` serves for a blob of
    ``size`` bytes, with the same rules for every backend (those of HTTP ``Range``):

    * ``end=None`` or an ``end`` past the last byte means "to the last byte" (clamped);
    * ``start < 0``, ``end < start`` or ``start >= size`` raise :class:`InvalidRange`;
    * the one exception: the whole of an empty blob (``start=0, end=None``) is an empty stream,
      so ``last`` is ``-1`` there.
    """
    if start < 0 or (end is not None and end < start):
        raise InvalidRange(f"bad range {start}-{'' if end is None else end}")
    if size == 0 and start == 0 and end is None:
        return 0, -1
    if start >= size:
        raise InvalidRange(f"range starts at {start} but the blob has {size} bytes")
    last = size - 1 if end is None else min(end, size - 1)
    return start, last


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """What a reader needs before streaming: size, a strong validator, the modification time."""

    key: str
    size: int
    etag: str
    modified: datetime
    content_type: str | None = None


class BlobStore(Protocol):
    """Write-once, range-readable storage of evidence files."""

    async def put_file(self, key: str, source: Path, content_type: str) -> BlobInfo:
        """Store a local file under ``key`` (replacing any blob there); the source is kept."""
        ...

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> BlobInfo:
        """Store small bytes (playlists, thumbnails, manifests) under ``key``."""
        ...

    async def stat(self, key: str) -> BlobInfo | None:
        """Size, ETag and time of a blob, or ``None`` when it does not exist."""
        ...

    def read_range(
        self, key: str, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> AsyncIterator[bytes]:
        """Stream bytes ``start`` to ``end`` inclusive (``None``: to the last byte) in chunks,
        never holding the whole blob in memory. Raises :class:`BlobNotFound`.

        Range rules (see :func:`resolve_range`): an ``end`` past the last byte is clamped; a
        ``start`` at or past the size (or a negative or backwards range) raises
        :class:`InvalidRange`, except that the whole of an empty blob is an empty stream. No
        chunk is longer than ``chunk_size``. Implementations are async generators, so both
        errors surface on the first iteration; close the iterator (``contextlib.aclosing``) when
        stopping early so the file or connection behind it is released at once."""
        ...

    async def get_bytes(self, key: str) -> bytes:
        """A small blob whole (playlists, thumbnails). Raises :class:`BlobNotFound`."""
        ...

    async def delete(self, key: str) -> None:
        """Remove a blob; a missing one is not an error."""
        ...

    async def delete_prefix(self, prefix: str) -> int:
        """Remove every blob whose key starts with ``prefix/``; returns how many."""
        ...

    async def fetch_to_path(self, key: str, target: Path) -> None:
        """Copy a blob to a local file (for PyAV, which reads files).

        Raises :class:`BlobNotFound`."""
        ...


@asynccontextmanager
async def open_range(
    store: BlobStore, key: str, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE
) -> AsyncIterator[AsyncIterator[bytes]]:
    """``read_range`` that is closed on leaving the block, even when the reader stops early (a
    browser seeking away): the file handle or S3 connection behind it is released at once
    instead of whenever the garbage collector finalises the generator. ``read_range`` is typed
    as a plain ``AsyncIterator``, which has no ``aclose``; this closes it when it can."""
    stream = store.read_range(key, start, end, chunk_size)
    try:
        yield stream
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
