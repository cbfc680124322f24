"""Turning multipart parts into events: the alert XML plus the JPEGs it announces.

The XML's ``pictureInfo/fileName`` equals the part name, so pictures are matched by name;
alert-stream JPEG parts sometimes carry no usable name, and then they fill the announced
slots in order.  Pure functions/classes: no I/O.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import UTC, tzinfo

from integrations.hikvision.errors import HikvisionProtocolError
from integrations.hikvision.isapi.multipart import (
    DEFAULT_MAX_PART_BYTES,
    DEFAULT_MAX_PARTS,
    MimePart,
    parse_push_multipart,
)
from integrations.hikvision.isapi.xml import parse_event_alert
from integrations.hikvision.models import AlertEvent, AnprAlert, AnprPicture

logger = logging.getLogger(__name__)


def _stem(name: str) -> str:
    return name.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def attach_pictures(alert: AnprAlert, jpeg_parts: Sequence[MimePart]) -> AnprAlert:
    """Return ``alert`` with ``pictures`` filled from JPEG parts (by name, else by order)."""
    kinds = {ref.file_name: ref.kind or _stem(ref.file_name) for ref in alert.picture_refs}
    unclaimed = [ref.file_name for ref in alert.picture_refs]
    pictures: list[AnprPicture] = []
    for part in jpeg_parts:
        name = part.name
        if name is None:  # unnamed part: it fills the next announced slot
            name = unclaimed[0] if unclaimed else f"picture{len(pictures) + 1}.jpg"
        if name in unclaimed:
            unclaimed.remove(name)
        pictures.append(
            AnprPicture(file_name=name, kind=kinds.get(name, _stem(name)), data=part.data)
        )
    return dataclasses.replace(alert, pictures=tuple(pictures))


def event_from_parts(parts: Sequence[MimePart], *, naive_tz: tzinfo = UTC) -> AlertEvent:
    """Find the alert XML among the parts, parse it and attach its pictures."""
    xml_part = next((p for p in parts if not p.is_jpeg and p.is_xml), None)
    if xml_part is None:
        if any(p.is_json and not p.is_jpeg for p in parts):
            raise HikvisionProtocolError("JSON event payloads are not supported")
        raise HikvisionProtocolError("push carries no event XML")
    event = parse_event_alert(xml_part.data, naive_tz=naive_tz)
    if isinstance(event, AnprAlert):
        return attach_pictures(event, [p for p in parts if p.is_jpeg])
    return event


def parse_push(
    content_type_header: str | None,
    body: bytes,
    *,
    max_part_bytes: int = DEFAULT_MAX_PART_BYTES,
    max_parts: int = DEFAULT_MAX_PARTS,
    naive_tz: tzinfo = UTC,
) -> AlertEvent:
    """Whole HTTP-listening push (multipart or bare XML) -> one event with its pictures."""
    parts = parse_push_multipart(
        content_type_header, body, max_part_bytes=max_part_bytes, max_parts=max_parts
    )
    return event_from_parts(parts, naive_tz=naive_tz)


class AlertAssembler:
    """Groups alert-stream parts into events: an ANPR XML part waits for its JPEG parts.

    A malformed alert XML is logged and skipped rather than tearing the stream down: a
    reconnect would not replay it either, and the next alert is still worth receiving.
    """

    def __init__(self, *, naive_tz: tzinfo = UTC) -> None:
        self._naive_tz = naive_tz
        self._pending: AnprAlert | None = None
        self._jpegs: list[MimePart] = []
        self.skipped = 0

    def add(self, part: MimePart) -> list[AlertEvent]:
        if part.is_jpeg:
            return self._add_picture(part)
        if not part.is_xml:
            self.skipped += 1
            logger.debug("ignoring alert-stream part of type %s", part.content_type)
            return []
        out = self.flush()
        try:
            event = parse_event_alert(part.data, naive_tz=self._naive_tz)
        except HikvisionProtocolError as exc:
            self.skipped += 1
            logger.warning("skipping malformed alert XML: %s", exc)
            return out
        if isinstance(event, AnprAlert) and event.picture_refs:
            self._pending = event
        else:
            out.append(event)
        return out

    def _add_picture(self, part: MimePart) -> list[AlertEvent]:
        if self._pending is None:
            self.skipped += 1
            logger.debug("orphan JPEG part in alert stream")
            return []
        self._jpegs.append(part)
        if len(self._jpegs) >= len(self._pending.picture_refs):
            return self.flush()
        return []

    def flush(self) -> list[AlertEvent]:
        """Emit a pending alert with whatever pictures arrived (used on the next XML / EOF)."""
        if self._pending is None:
            return []
        alert = attach_pictures(self._pending, self._jpegs)
        self._pending, self._jpegs = None, []
        return [alert]
