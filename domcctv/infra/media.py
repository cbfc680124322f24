"""Evidence pictures on disk, and short-lived signed URLs for them.

Pictures are written before a camera push is acknowledged (so nothing is lost). They are
served only through URLs that the GraphQL layer signs for events the caller may see: the
signature proves the scoped lookup happened, and it expires, so a leaked URL dies quickly.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import anyio

from domcctv.services.clock import utcnow

SIGNED_URL_TTL_SECONDS = 900


class MediaStore:
    """Writes pictures under ``root/YYYY/MM/DD/`` with content-derived names."""

    def __init__(self, root: Path) -> None:
        self.root = root

    async def save_picture(self, data: bytes, key: str, kind: str) -> str:
        digest = hashlib.sha256(key.encode() + b"|" + kind.encode()).hexdigest()[:32]
        day = utcnow().strftime("%Y/%m/%d")
        safe_kind = "".join(c for c in kind if c.isalnum())[:24] or "picture"
        relative = f"{day}/{digest}-{safe_kind}.jpg"
        target = self.root / relative

        def _write() -> None:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".part")
            tmp.write_bytes(data)
            tmp.replace(target)

        await anyio.to_thread.run_sync(_write)
        return relative

    def resolve(self, relative: str) -> Path | None:
        """Absolute path of a stored file, refusing anything outside the root."""
        pure = PurePosixPath(relative)
        if pure.is_absolute() or ".." in pure.parts or not relative:
            return None
        path = (self.root / pure).resolve()
        root = self.root.resolve()
        return path if path.is_relative_to(root) else None


class MediaSigner:
    """HMAC-signed, expiring URLs for media paths."""

    def __init__(self, secret: str, ttl_seconds: int = SIGNED_URL_TTL_SECONDS) -> None:
        self._key = hashlib.sha256(b"media|" + secret.encode()).digest()
        self._ttl = ttl_seconds

    def _sig(self, path: str, expires: int) -> str:
        return hmac.new(self._key, f"{path}|{expires}".encode(), hashlib.sha256).hexdigest()

    def __call__(self, path: str) -> str:
        expires = int(time.time()) + self._ttl
        return f"/media/{quote(path)}?exp={expires}&sig={self._sig(path, expires)}"

    def verify(self, path: str, expires: str, signature: str) -> bool:
        try:
            exp = int(expires)
        except ValueError:
            return False
        if exp < time.time():
            return False
        return hmac.compare_digest(self._sig(path, exp), signature)
