"""Evidence pictures on disk, and short-lived signed URLs for them.

Pictures are written before a camera push is acknowledged (so nothing is lost). They are
**content-addressed and write-once**: a file is named by the SHA-256 of its bytes and an
existing file is never replaced, so no later push (from another camera, or a replay of the
same event with other bytes) can change evidence already stored for an event. Writes are
atomic (temporary file, hard link into place): a reader never sees half a file, and a killed
process loses nothing (the bytes are in the kernel's page cache, which writes them back within
its dirty-page expiry, 30 s by default). There is no fsync on the push path: one per file and
directory cost ~0.5 s of ack latency at 200 pushes/s on this machine's disk, and flushing from
a background loop stalled every writer behind it (p99 up to 2.8 s). A power cut (not a crash
of the process) can therefore lose the pictures of the last seconds; the read itself is bound
by its queue's sync (Redis ``appendfsync everysec``, SQLite ``synchronous=NORMAL``).

They are served only through URLs that the GraphQL layer signs for events the caller may
see: the signature proves the scoped lookup happened, and it expires, so a leaked URL dies
quickly.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import anyio

SIGNED_URL_TTL_SECONDS = 900

# (magic prefix, media type, file extension); anything else is served as opaque bytes.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
OCTET_STREAM = "application/octet-stream"
SNIFF_BYTES = 16


def sniff_media_type(head: bytes) -> tuple[str, str]:
    """(media type, extension) from a file's first bytes; never trusts a name or a header."""
    for magic, media_type, extension in _SIGNATURES:
        if head.startswith(magic):
            return media_type, extension
    return OCTET_STREAM, "bin"


class MediaStore:
    """Writes pictures under ``root/ab/cd/<sha256>.<ext>``; names are the content's hash."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def relative_path(data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        extension = sniff_media_type(data[:SNIFF_BYTES])[1]
        return f"{digest[:2]}/{digest[2:4]}/{digest}.{extension}"

    @staticmethod
    def _open_temporary(tmp: Path) -> int:
        """Create ``tmp`` for writing; its directory is created only when it is missing.

        Opening first and creating the directories on ``ENOENT`` costs one system call per
        picture once the store's ``ab/cd`` directories exist, where a ``mkdir -p`` before every
        write cost one or more failing ``mkdir`` calls per picture on the push path.
        """
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
        try:
            return os.open(tmp, flags, 0o640)
        except FileNotFoundError:
            tmp.parent.mkdir(parents=True, exist_ok=True)
            return os.open(tmp, flags, 0o640)

    @classmethod
    def _write_temporary(cls, target: Path, data: bytes) -> Path:
        """The bytes in a new temporary file next to ``target``."""
        tmp = target.parent / f".{target.name}.{secrets.token_hex(6)}.part"
        fd = cls._open_temporary(tmp)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except BaseException:
            os.close(fd)
            tmp.unlink()
            raise
        os.close(fd)
        return tmp

    @staticmethod
    def _publish(tmp: Path, target: Path) -> None:
        """Give the written bytes their final name, unless that name exists already."""
        try:
            os.link(tmp, target)  # fails if the name exists: never overwrites
        except FileExistsError:
            pass  # a concurrent writer stored the same bytes first
        except OSError as exc:  # no hard links on this filesystem
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
                raise
            if not target.exists():
                os.replace(tmp, target)

    def write_pictures(self, items: Sequence[bytes]) -> list[str]:
        """Store pictures in the calling thread (it blocks: never call it on the event loop);
        returns their relative paths. Every new file is a temporary file first, then a hard
        link to its final name; an existing name is never written or replaced."""
        paths = [self.relative_path(data) for data in items]
        pending: dict[Path, Path] = {}
        try:
            for relative, data in zip(paths, items, strict=True):
                target = self.root / relative
                if target in pending or target.exists():
                    continue  # already stored (or in this batch): nothing written or replaced
                pending[target] = self._write_temporary(target, data)
            for target, tmp in pending.items():
                self._publish(tmp, target)
        finally:
            for tmp in pending.values():
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
        return paths

    async def save_picture(self, data: bytes) -> str:
        """Store one picture (off the event loop); returns its relative path."""
        return (await self.save_pictures([data]))[0]

    async def save_pictures(self, items: Sequence[bytes]) -> list[str]:
        """Store several pictures in one worker-thread hop; returns their relative paths."""
        if not items:
            return []
        return await anyio.to_thread.run_sync(self.write_pictures, items)

    def resolve(self, relative: str) -> Path | None:
        """Absolute path of a stored file, refusing anything outside the root."""
        pure = PurePosixPath(relative)
        if pure.is_absolute() or ".." in pure.parts or not relative:
            return None
        path = (self.root / pure).resolve()
        root = self.root.resolve()
        return path if path.is_relative_to(root) else None


class MediaSigner:
    """HMAC-signed, expiring URLs for media paths.

    Expiry times are rounded up to a whole ``EXPIRY_STEP_SECONDS``, so a picture's URL stays
    the same for that long (valid ``ttl`` to ``ttl + step`` seconds from when it is made): a
    list refetched within the minute points the browser at URLs it has cached, and the
    signatures themselves are memoised (a dashboard page signs ~150 picture URLs; recomputing
    each HMAC was ~8 % of that page's CPU).
    """

    EXPIRY_STEP_SECONDS = 60

    def __init__(self, secret: str, ttl_seconds: int = SIGNED_URL_TTL_SECONDS) -> None:
        self._key = hashlib.sha256(b"media|" + secret.encode()).digest()
        self._ttl = ttl_seconds
        self._url = functools.lru_cache(maxsize=8192)(self._signed_url)

    def _sig(self, path: str, expires: int) -> str:
        return hmac.new(self._key, f"{path}|{expires}".encode(), hashlib.sha256).hexdigest()

    def _signed_url(self, path: str, expires: int) -> str:
        return f"/media/{quote(path)}?exp={expires}&sig={self._sig(path, expires)}"

    def __call__(self, path: str) -> str:
        step = self.EXPIRY_STEP_SECONDS
        expires = -(-(int(time.time()) + self._ttl) // step) * step
        return self._url(path, expires)

    def verify(self, path: str, expires: str, signature: str) -> bool:
        try:
            exp = int(expires)
        except ValueError:
            return False
        if exp < time.time():
            return False
        return hmac.compare_digest(self._sig(path, exp), signature)
