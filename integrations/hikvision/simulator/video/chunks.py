"""The recorder's "disk": encoded chunks in files, bounded by total size (least recently used
first out).

A chunk file is a tiny length-prefixed list of access units (flags, NAL units); frame times
are implied by the chunk's start and the frame rate, so nothing time-related is stored.  A
file that is truncated or unreadable counts as a miss and is re-rendered: the cache can be
deleted at any time.  All methods block (file I/O): call them from worker threads.
"""

from __future__ import annotations

import logging
import os
import struct
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from integrations.hikvision.simulator.video.encoder import EncodedUnit

logger = logging.getLogger(__name__)

_MAGIC = b"HSVU1\n"
_COUNT = struct.Struct(">I")
_UNIT = struct.Struct(">BH")
_LEN = struct.Struct(">I")
SUFFIX = ".units"


def serialize(units: Sequence[EncodedUnit]) -> bytes:
    out = bytearray(_MAGIC + _COUNT.pack(len(units)))
    for unit in units:
        out += _UNIT.pack(1 if unit.keyframe else 0, len(unit.nal_units))
        for nal in unit.nal_units:
            out += _LEN.pack(len(nal)) + nal
    return bytes(out)


def deserialize(data: bytes) -> list[EncodedUnit] | None:
    """The units, or ``None`` for anything that is not a complete chunk file."""
    if not data.startswith(_MAGIC):
        return None
    view, pos = memoryview(data), len(_MAGIC)
    try:
        (count,) = _COUNT.unpack_from(view, pos)
        pos += _COUNT.size
        units = []
        for _ in range(count):
            flags, nal_count = _UNIT.unpack_from(view, pos)
            pos += _UNIT.size
            nals = []
            for _ in range(nal_count):
                (length,) = _LEN.unpack_from(view, pos)
                pos += _LEN.size
                if pos + length > len(data):
                    return None
                nals.append(bytes(view[pos : pos + length]))
                pos += length
            units.append(EncodedUnit(bool(flags & 1), tuple(nals)))
    except struct.error:
        return None
    return units if pos == len(data) else None


class ChunkStore:
    """Chunk files in ``directory``; ``max_bytes`` bounds their total size."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError("video cache size must be positive")
        self.directory = directory
        self._max = max_bytes
        self._lock = threading.Lock()
        self._sizes: OrderedDict[str, int] = OrderedDict()
        self._total = 0
        directory.mkdir(parents=True, exist_ok=True)
        existing = sorted(directory.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime)
        for path in existing:  # a configured directory survives restarts: adopt its files
            self._sizes[path.stem] = path.stat().st_size
            self._total += path.stat().st_size
        self._evict()

    @property
    def total_bytes(self) -> int:
        with self._lock:
            return self._total

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._sizes

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}{SUFFIX}"

    def load(self, key: str) -> list[EncodedUnit] | None:
        with self._lock:
            if key not in self._sizes:
                return None
            self._sizes.move_to_end(key)
        try:
            units = deserialize(self._path(key).read_bytes())
        except OSError:
            units = None
        if units is None:
            logger.warning("video chunk %s unreadable; it will be rendered again", key)
            self.discard(key)
        return units

    def save(self, key: str, units: Sequence[EncodedUnit]) -> None:
        data = serialize(units)
        path = self._path(key)
        tmp = path.with_name(f".{path.name}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        with self._lock:
            self._total += len(data) - self._sizes.pop(key, 0)
            self._sizes[key] = len(data)
        self._evict()

    def discard(self, key: str) -> None:
        with self._lock:
            size = self._sizes.pop(key, None)
            if size is None:
                return
            self._total -= size
        self._path(key).unlink(missing_ok=True)

    def _evict(self) -> None:
        while True:
            with self._lock:
                if self._total <= self._max or len(self._sizes) <= 1:
                    return
                key, size = self._sizes.popitem(last=False)
                self._total -= size
            self._path(key).unlink(missing_ok=True)
