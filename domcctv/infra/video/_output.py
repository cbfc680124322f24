"""Writing results: atomically, as fast-start MP4, with a digest of what was written.

Outputs are evidence, so a reader must never see half a file: everything is written to a
hidden temporary name in the destination directory and moved into place with ``os.replace``
only once the muxer has finished (including the fast-start rewrite). A failure removes the
temporary file and raises ``MediaError(OUTPUT_FAILED)``.

``movflags=+faststart`` makes the MP4 muxer move the ``moov`` atom (the index) in front of
``mdat`` after writing, so a browser can start playing (and seek) from the first bytes
instead of fetching the end of the file first.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import av
from av.container import OutputContainer

from domcctv.infra.video.errors import writing

MP4_OPTIONS = {"movflags": "+faststart"}
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What a caller stores about a produced file (content address and size)."""

    sha256: str
    size_bytes: int


def file_facts(path: Path) -> FileFacts:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return FileFacts(digest.hexdigest(), size)


def temporary_sibling(dst: Path) -> Path:
    """A hidden, unique name next to ``dst`` (same filesystem, so the final rename is atomic)."""
    return dst.with_name(f".{dst.name}.{secrets.token_hex(6)}.part")


@contextmanager
def atomic_output(dst: Path | str) -> Iterator[Path]:
    """Yield a temporary path to write; move it onto ``dst`` only if the block succeeds."""
    dst = Path(dst)
    tmp = temporary_sibling(dst)
    try:
        with writing(dst):
            dst.parent.mkdir(parents=True, exist_ok=True)
            yield tmp
            os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def muxer(
    path: Path, label: Path, container_format: str, options: dict[str, str]
) -> Iterator[OutputContainer]:
    """An output container on ``path``; its trailer (and the fast-start pass) is written on
    success. On failure it is closed quietly so the original error is the one reported.
    ``label`` names the output in error messages."""
    with writing(label):
        output = av.open(str(path), mode="w", format=container_format, options=dict(options))
    try:
        yield output
    except BaseException:
        with suppress(Exception):
            output.close()
        raise
    with writing(label):
        output.close()
