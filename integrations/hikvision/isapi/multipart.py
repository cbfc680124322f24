"""Multipart framing for ISAPI deliveries: the HTTP-listening push and the alert stream.

Hand-written rather than ``email``/``aiohttp.MultipartReader`` because the two deliveries
share one incremental state machine with hard limits: the alert stream never ends (so the
parser must work on arbitrary chunk boundaries with a bounded buffer), parts are usually
``Content-Length`` framed but not always (then we scan for the boundary), and a peer that
sends an oversized part must be cut off with ``HikvisionProtocolError`` instead of eating
memory.  The same parser, fed a whole body, parses the ``multipart/form-data`` push.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, auto

from integrations.hikvision.errors import HikvisionProtocolError

JPEG_MAGIC = b"\xff\xd8\xff"  # SOI + the first marker: what every real JPEG starts with
DEFAULT_BOUNDARY = "boundary"
DEFAULT_MAX_PART_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_PARTS = 16
MAX_HEADER_BYTES = 16 * 1024
_PARAM = re.compile(r';\s*([\w.-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')


def split_header_value(value: str) -> tuple[str, dict[str, str]]:
    """``multipart/mixed; boundary="x"`` -> (``multipart/mixed``, ``{"boundary": "x"}``)."""
    main, _, rest = value.partition(";")
    params = {}
    for key, raw in _PARAM.findall(";" + rest):
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1].replace('\\"', '"')
        params[key.lower()] = raw
    return main.strip().lower(), params


def boundary_from_content_type(value: str | None, default: str = DEFAULT_BOUNDARY) -> str:
    """The boundary parameter, or Hikvision's habitual ``boundary`` when it is missing."""
    if not value:
        return default
    return split_header_value(value)[1].get("boundary") or default


@dataclass(frozen=True, slots=True)
class MimePart:
    """One body part; header names are lower-cased."""

    headers: Mapping[str, str]
    data: bytes

    @property
    def content_type(self) -> str:
        return split_header_value(self.headers.get("content-type", ""))[0]

    def _disposition(self, key: str) -> str | None:
        value = self.headers.get("content-disposition")
        return split_header_value(value)[1].get(key) if value else None

    @property
    def name(self) -> str | None:
        """Form field name, falling back to the filename (alert-stream JPEGs carry only that)."""
        return self._disposition("name") or self._disposition("filename")

    @property
    def content_id(self) -> str | None:
        """``Content-ID`` without its angle brackets (some firmware names pictures this way)."""
        value = self.headers.get("content-id", "").strip().strip("<>").strip()
        return value or None

    @property
    def match_keys(self) -> tuple[str, ...]:
        """Every name this part may be announced under in the alert document."""
        keys = (self._disposition("name"), self._disposition("filename"), self.content_id)
        return tuple(dict.fromkeys(k for k in keys if k))

    @property
    def label(self) -> str:
        """A name for logs: the part's name, else its Content-ID, else its content type."""
        return self.name or self.content_id or f"unnamed {self.content_type or 'untyped'} part"

    @property
    def is_jpeg(self) -> bool:
        """By signature (``FF D8 FF``), never by declared type: devices type JPEGs as
        ``application/octet-stream``, and error pages arrive typed ``image/jpeg``."""
        return self.data.startswith(JPEG_MAGIC)

    @property
    def declared_picture(self) -> bool:
        """The headers present this part as a picture (whatever its bytes are)."""
        ctype = self.content_type
        return ctype.startswith("image/") or ctype == "application/octet-stream"

    def _first_byte(self) -> bytes:
        return self.data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")[:1]

    @property
    def is_xml(self) -> bool:
        return "xml" in self.content_type or self._first_byte() == b"<"

    @property
    def is_json(self) -> bool:
        return "json" in self.content_type or self._first_byte() == b"{"

    @property
    def declared_document(self) -> bool:
        """The headers or name present this part as the alert document (XML or JSON)."""
        ctype = self.content_type
        names = tuple(k.lower() for k in self.match_keys)
        return (
            "xml" in ctype
            or "json" in ctype
            or ctype.startswith("text/")
            or any(n.endswith((".xml", ".json")) for n in names)
        )


def _parse_headers(block: bytes) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in block.decode("latin-1").splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            headers[name.strip().lower()] = value.strip()
    return headers


class _State(Enum):
    SEEK = auto()
    HEADERS = auto()
    BODY_LENGTH = auto()
    BODY_SCAN = auto()
    DONE = auto()


class AlertStreamParser:
    """Incremental multipart parser: ``feed(chunk)`` returns the parts completed so far."""

    def __init__(
        self,
        boundary: str = DEFAULT_BOUNDARY,
        *,
        max_part_bytes: int = DEFAULT_MAX_PART_BYTES,
    ) -> None:
        if not boundary:
            raise ValueError("empty multipart boundary")
        self._delim = b"--" + boundary.encode("latin-1")
        self._max_part = max_part_bytes
        self._buf = bytearray()
        self._state = _State.SEEK
        self._headers: dict[str, str] = {}
        self._length = 0
        self._scan_from = 0

    @property
    def finished(self) -> bool:
        """The closing ``--boundary--`` was seen."""
        return self._state is _State.DONE

    @property
    def at_part_boundary(self) -> bool:
        """True when no part is half-received (an EOF here lost nothing)."""
        return self._state in (_State.SEEK, _State.DONE) and not bytes(self._buf).strip()

    def feed(self, data: bytes) -> list[MimePart]:
        if self._state is _State.DONE:
            return []  # epilogue: ignored
        self._buf += data
        parts: list[MimePart] = []
        while True:
            result = self._step()
            if result is None:
                return parts
            if isinstance(result, MimePart):
                parts.append(result)

    def _step(self) -> MimePart | bool | None:
        """Advance one state; ``None`` means more input is needed."""
        match self._state:
            case _State.SEEK:
                return self._seek()
            case _State.HEADERS:
                return self._read_headers()
            case _State.BODY_LENGTH:
                return self._read_length_body()
            case _State.BODY_SCAN:
                return self._scan_body()
            case _State.DONE:
                return None

    def _seek(self) -> bool | None:
        idx = self._buf.find(self._delim)
        if idx < 0:
            if len(self._buf) > MAX_HEADER_BYTES:
                raise HikvisionProtocolError("no multipart boundary found")
            return None
        after = idx + len(self._delim)
        if len(self._buf) < after + 2:
            return None
        if self._buf[after : after + 2] == b"--":
            self._state = _State.DONE
            self._buf.clear()
            return None
        eol = self._buf.find(b"\n", after)
        if eol < 0:
            if len(self._buf) - after > 256:
                raise HikvisionProtocolError("garbage after multipart boundary")
            return None
        del self._buf[: eol + 1]
        self._state = _State.HEADERS
        return True

    def _read_headers(self) -> bool | None:
        if self._buf.startswith((b"\r\n", b"\n")):
            end, skip = 0, 2 if self._buf.startswith(b"\r\n") else 1
        else:
            found = [
                (i, n)
                for i, n in ((self._buf.find(b"\r\n\r\n"), 4), (self._buf.find(b"\n\n"), 2))
                if i >= 0
            ]
            if not found:
                if len(self._buf) > MAX_HEADER_BYTES:
                    raise HikvisionProtocolError("multipart part headers too large")
                return None
            end, skip = min(found)
        self._headers = _parse_headers(bytes(self._buf[:end]))
        del self._buf[: end + skip]
        length = self._headers.get("content-length", "").strip()
        if length.isdigit():
            self._length = int(length)
            if self._length > self._max_part:
                raise HikvisionProtocolError(f"part of {self._length} bytes exceeds the limit")
            self._state = _State.BODY_LENGTH
        else:
            self._state, self._scan_from = _State.BODY_SCAN, 0
        return True

    def _emit(self, size: int, consume: int) -> MimePart:
        part = MimePart(headers=self._headers, data=bytes(self._buf[:size]))
        del self._buf[:consume]
        self._state = _State.SEEK
        return part

    def _read_length_body(self) -> MimePart | None:
        if len(self._buf) < self._length:
            return None
        return self._emit(self._length, self._length)

    def _scan_body(self) -> MimePart | None:
        marker = b"\n" + self._delim
        pos = self._buf.find(marker, self._scan_from)
        if pos < 0:
            if len(self._buf) > self._max_part + len(marker) + 1:
                raise HikvisionProtocolError("part exceeds the size limit (no boundary found)")
            self._scan_from = max(0, len(self._buf) - len(marker))
            return None
        end = pos - 1 if pos > 0 and self._buf[pos - 1] == 0x0D else pos
        if end > self._max_part:
            raise HikvisionProtocolError(f"part of {end} bytes exceeds the limit")
        return self._emit(end, pos + 1)


def parse_push_multipart(
    content_type_header: str | None,
    body: bytes,
    *,
    max_part_bytes: int = DEFAULT_MAX_PART_BYTES,
    max_parts: int = DEFAULT_MAX_PARTS,
) -> list[MimePart]:
    """Split an HTTP-listening push into parts; a bare XML/JSON body becomes a single part."""
    main, params = split_header_value(content_type_header or "")
    if not main.startswith("multipart/"):
        if len(body) > max_part_bytes:
            raise HikvisionProtocolError("push body exceeds the size limit")
        return [MimePart(headers={"content-type": content_type_header or ""}, data=body)]
    parser = AlertStreamParser(
        params.get("boundary") or DEFAULT_BOUNDARY, max_part_bytes=max_part_bytes
    )
    parts = parser.feed(body)
    if len(parts) > max_parts:
        raise HikvisionProtocolError(f"push has {len(parts)} parts (limit {max_parts})")
    if not parser.finished:
        raise HikvisionProtocolError("push multipart body is truncated (no closing boundary)")
    return parts
