"""Turning multipart parts into events: the alert document plus the JPEGs it announces.

The alert document is XML or, on firmware set to ``parameterFormatType=JSON``, JSON; both
give the same event types.  The document's ``pictureInfo/fileName`` (or ``pId``) equals the
picture part's name, so pictures are matched by name; alert-stream JPEG parts sometimes
carry no usable name, and then they fill the announced slots in order.

Only parts whose bytes are a JPEG (``FF D8 FF``) become pictures.  Any other part that is
not the alert document (an HTML error page typed ``image/jpeg``, an empty part...) is left
out and named in ``AnprAlert.rejected_parts`` for the caller to log: the push is still
accepted, because cameras do not retry and the read matters more than one bad picture.

Pure functions/classes: no I/O.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import UTC, tzinfo

from integrations.hikvision.errors import HikvisionProtocolError
from integrations.hikvision.isapi.json_alert import parse_event_json
from integrations.hikvision.isapi.multipart import (
    DEFAULT_MAX_PART_BYTES,
    DEFAULT_MAX_PARTS,
    MimePart,
    parse_push_multipart,
)
from integrations.hikvision.isapi.xml import parse_event_alert
from integrations.hikvision.models import AlertEvent, AnprAlert, AnprPicture, PictureRef

logger = logging.getLogger(__name__)


def _stem(name: str) -> str:
    return name.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def parse_event_document(
    data: bytes,
    content_type: str = "",
    *,
    device_tz: tzinfo = UTC,
    z_is_local: bool = False,
) -> AlertEvent:
    """Parse one alert document, XML or JSON (sniffed from its first byte, else its type).

    ``device_tz`` is the camera's zone for times without an offset; ``z_is_local`` makes
    ``Z`` times local wall clock too (firmware quirk).  Raises ``HikvisionProtocolError``.
    """
    first = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first == b"{" or (first != b"<" and "json" in content_type.lower()):
        return parse_event_json(data, device_tz=device_tz, z_is_local=z_is_local)
    return parse_event_alert(data, device_tz=device_tz, z_is_local=z_is_local)


def attach_pictures(
    alert: AnprAlert, jpeg_parts: Sequence[MimePart], rejected: Sequence[str] = ()
) -> AnprAlert:
    """Return ``alert`` with ``pictures`` filled from JPEG parts (by name, else by order).

    ``rejected`` names the non-JPEG parts left out; they end up in ``rejected_parts``.
    """
    announced: dict[str, PictureRef] = {}
    for announcement in alert.picture_refs:
        announced.setdefault(announcement.file_name, announcement)
        if announcement.picture_id:
            announced.setdefault(announcement.picture_id, announcement)
    unclaimed = list(alert.picture_refs)
    pictures: list[AnprPicture] = []
    for part in jpeg_parts:
        ref: PictureRef | None = next(
            (announced[k] for k in part.match_keys if k in announced), None
        )
        if ref is None and part.name is None and unclaimed:
            ref = unclaimed[0]  # unnamed part: it fills the next announced slot
        if ref is not None:
            if ref in unclaimed:
                unclaimed.remove(ref)
            name, kind = ref.file_name, ref.kind or _stem(ref.file_name)
        else:
            name = part.name or f"picture{len(pictures) + 1}.jpg"
            kind = _stem(name)
        pictures.append(AnprPicture(file_name=name, kind=kind, data=part.data))
    return dataclasses.replace(
        alert, pictures=tuple(pictures), rejected_parts=alert.rejected_parts + tuple(rejected)
    )


def _document_candidates(parts: Sequence[MimePart]) -> list[int]:
    """Indexes of parts that may be the alert document, the most likely first.

    Parts presented as a document (XML/JSON type or ``.xml``/``.json`` name) come before
    parts that merely look like one (an HTML page typed ``image/jpeg`` starts with ``<``
    too, and must not be taken for the alert when it happens to come first).
    """
    possible = [i for i, p in enumerate(parts) if not p.is_jpeg and (p.is_xml or p.is_json)]
    return sorted(possible, key=lambda i: (not parts[i].declared_document, i))


def event_from_parts(
    parts: Sequence[MimePart], *, device_tz: tzinfo = UTC, z_is_local: bool = False
) -> AlertEvent:
    """Find the alert document among the parts, parse it and attach its pictures."""
    first_error: HikvisionProtocolError | None = None
    for index in _document_candidates(parts):
        part = parts[index]
        try:
            event = parse_event_document(
                part.data, part.content_type, device_tz=device_tz, z_is_local=z_is_local
            )
        except HikvisionProtocolError as exc:
            first_error = first_error or exc
            continue
        if not isinstance(event, AnprAlert):
            return event
        others = [p for i, p in enumerate(parts) if i != index]
        return attach_pictures(
            event,
            [p for p in others if p.is_jpeg],
            [p.label for p in others if not p.is_jpeg],
        )
    if first_error is not None:
        raise first_error
    raise HikvisionProtocolError("push carries no event XML or JSON document")


def parse_push(
    content_type_header: str | None,
    body: bytes,
    *,
    max_part_bytes: int = DEFAULT_MAX_PART_BYTES,
    max_parts: int = DEFAULT_MAX_PARTS,
    device_tz: tzinfo = UTC,
    z_is_local: bool = False,
) -> AlertEvent:
    """Whole HTTP-listening push (multipart, bare XML or bare JSON) -> one event.

    ``device_tz``/``z_is_local``: the pushing camera's time zone and "Z is local" quirk.
    Raises ``HikvisionProtocolError`` for framing, limits, or no parseable alert document.
    """
    parts = parse_push_multipart(
        content_type_header, body, max_part_bytes=max_part_bytes, max_parts=max_parts
    )
    return event_from_parts(parts, device_tz=device_tz, z_is_local=z_is_local)


class AlertAssembler:
    """Groups alert-stream parts into events: an ANPR document waits for its JPEG parts.

    A malformed alert document is logged and skipped rather than tearing the stream down: a
    reconnect would not replay it either, and the next alert is still worth receiving.  A
    non-JPEG part arriving where a picture is expected fills that slot as a rejected part.
    """

    def __init__(self, *, device_tz: tzinfo = UTC, z_is_local: bool = False) -> None:
        self._device_tz = device_tz
        self._z_is_local = z_is_local
        self._pending: AnprAlert | None = None
        self._jpegs: list[MimePart] = []
        self._rejected: list[str] = []
        self.skipped = 0

    def add(self, part: MimePart) -> list[AlertEvent]:
        if part.is_jpeg:
            return self._add_picture(part)
        if self._pending is not None and self._takes_picture_slot(part, self._pending):
            self._rejected.append(part.label)
            return self._flush_if_complete()
        if not (part.is_xml or part.is_json):
            self.skipped += 1
            logger.debug("ignoring alert-stream part of type %s", part.content_type)
            return []
        out = self.flush()
        try:
            event = parse_event_document(
                part.data,
                part.content_type,
                device_tz=self._device_tz,
                z_is_local=self._z_is_local,
            )
        except HikvisionProtocolError as exc:
            self.skipped += 1
            logger.warning("skipping malformed alert document: %s", exc)
            return out
        if isinstance(event, AnprAlert) and event.picture_refs:
            self._pending = event
        else:
            out.append(event)
        return out

    @staticmethod
    def _takes_picture_slot(part: MimePart, pending: AnprAlert) -> bool:
        names = {r.file_name for r in pending.picture_refs}
        names |= {r.picture_id for r in pending.picture_refs if r.picture_id}
        return part.declared_picture or any(k in names for k in part.match_keys)

    def _add_picture(self, part: MimePart) -> list[AlertEvent]:
        if self._pending is None:
            self.skipped += 1
            logger.debug("orphan JPEG part in alert stream")
            return []
        self._jpegs.append(part)
        return self._flush_if_complete()

    def _flush_if_complete(self) -> list[AlertEvent]:
        assert self._pending is not None
        if len(self._jpegs) + len(self._rejected) >= len(self._pending.picture_refs):
            return self.flush()
        return []

    def flush(self) -> list[AlertEvent]:
        """Emit a pending alert with whatever pictures arrived (used on the next XML / EOF)."""
        if self._pending is None:
            return []
        alert = attach_pictures(self._pending, self._jpegs, self._rejected)
        self._pending, self._jpegs, self._rejected = None, [], []
        return [alert]
