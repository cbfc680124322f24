"""Pure ISAPI XML parsers (bytes in, frozen dataclasses out).

Two rules drive everything here:
- **Hostile input is normal.** Devices sit on untrusted networks and the push receiver is
  reachable from them, so XML goes through ``defusedxml`` with DTDs forbidden (billion laughs,
  external entities) and every failure becomes ``HikvisionProtocolError``.
- **Namespaces are noise.** The same element arrives under the hikvision ver20, isapi.org
  ver20, std-cgi ver10 or PSIA namespaces, or with an ``ns1:`` prefix via an NVR, so
  elements are matched by *local name* only.  Vendor misspellings are read as sent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, tzinfo
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from integrations.hikvision._time import parse_device_time
from integrations.hikvision.errors import HikvisionDeviceError, HikvisionProtocolError
from integrations.hikvision.isapi.alert_doc import (
    AlertFields,
    AnprFields,
    build_event,
    char_confidences,
)
from integrations.hikvision.models import (
    AlertEvent,
    DeviceInfo,
    PictureRef,
    RecordingMatch,
    ResponseStatus,
    SearchPage,
)

_RESPONSE_OK = 1


def parse_xml(data: bytes | str) -> Element:
    """Parse untrusted XML safely; leading whitespace/BOM (seen on some firmware) is allowed."""
    raw = data.encode() if isinstance(data, str) else data
    raw = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not raw:
        raise HikvisionProtocolError("empty XML document")
    try:
        root: Element = SafeET.fromstring(raw, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise HikvisionProtocolError(f"forbidden XML construct: {type(exc).__name__}") from exc
    except (ParseError, ValueError) as exc:
        raise HikvisionProtocolError(f"malformed XML: {exc}") from exc
    return root


def local_name(tag: str) -> str:
    """``{ns}name`` / ``ns1:name`` / ``name`` -> ``name``."""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def children(el: Element, name: str) -> Iterator[Element]:
    return (c for c in el if isinstance(c.tag, str) and local_name(c.tag) == name)


def children_at(el: Element | None, path: str, name: str) -> list[Element]:
    """Children called ``name`` of the element at ``path`` (empty when the path is missing)."""
    parent = child(el, path)
    return [] if parent is None else list(children(parent, name))


def child(el: Element | None, path: str) -> Element | None:
    """Follow a ``/``-separated path of local names; ``None`` if any step is missing."""
    node = el
    for step in path.split("/"):
        if node is None:
            return None
        node = next(children(node, step), None)
    return node


def text(el: Element | None, path: str, default: str | None = None) -> str | None:
    node = child(el, path)
    if node is None or node.text is None:
        return default
    value = node.text.strip()
    return value if value else default


def _int(value: str | None, default: int | None = None) -> int | None:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return default


def _require_root(root: Element, name: str) -> None:
    if local_name(root.tag) != name:
        raise HikvisionProtocolError(f"expected <{name}>, got <{local_name(root.tag)}>")


# ---------------------------------------------------------------- ResponseStatus / deviceInfo


def is_response_status(data: bytes) -> bool:
    """Cheap sniff used before parsing a body that should have been binary (snapshots)."""
    return b"ResponseStatus" in data[:512]


def parse_response_status(data: bytes) -> ResponseStatus:
    """Return the status if it reports success, else raise ``HikvisionDeviceError``."""
    root = parse_xml(data)
    _require_root(root, "ResponseStatus")
    code = _int(text(root, "statusCode"))
    if code is None:
        raise HikvisionProtocolError("ResponseStatus without a numeric statusCode")
    status = ResponseStatus(
        status_code=code,
        status_string=text(root, "statusString", "") or "",
        sub_status_code=text(root, "subStatusCode", "") or "",
    )
    if code != _RESPONSE_OK:
        raise HikvisionDeviceError(code, status.sub_status_code, status.status_string)
    return status


def parse_device_info(data: bytes) -> DeviceInfo:
    root = parse_xml(data)
    _require_root(root, "DeviceInfo")
    raw = {local_name(c.tag): (c.text or "").strip() for c in root if isinstance(c.tag, str)}
    serial = raw.get("serialNumber", "")
    if not serial:
        raise HikvisionProtocolError("DeviceInfo without serialNumber")
    return DeviceInfo(
        device_name=raw.get("deviceName", ""),
        model=raw.get("model", ""),
        serial_number=serial,
        mac_address=raw.get("macAddress", "").lower(),
        firmware_version=raw.get("firmwareVersion", ""),
        device_type=raw.get("deviceType", ""),
        device_id=raw.get("deviceID") or None,
        firmware_released_date=raw.get("firmwareReleasedDate") or None,
        manufacturer=raw.get("manufacturer") or None,
        raw=raw,
    )


# ---------------------------------------------------------------- EventNotificationAlert


def _picture_refs(anpr: Element) -> tuple[PictureRef, ...]:
    refs = []
    for info in children_at(anpr, "pictureInfoList", "pictureInfo"):
        name, pid = text(info, "fileName"), text(info, "pId")
        if name or pid:
            refs.append(
                PictureRef(
                    file_name=name or pid or "", kind=text(info, "type", "") or "", picture_id=pid
                )
            )
    return tuple(refs)


def _anpr_fields(anpr: Element) -> AnprFields:
    return AnprFields(
        plate=text(anpr, "licensePlate"),
        confidence=text(anpr, "confidenceLevel"),
        char_confidences=char_confidences(text(anpr, "plateCharBelieve")),
        direction=text(anpr, "direction"),
        vehicle_type=text(anpr, "vehicleType") or text(anpr, "vehicleInfo/vehicleType"),
        plate_color=text(anpr, "plateColor"),
        country=text(anpr, "country"),
        list_name=text(anpr, "vehicleListName") or text(anpr, "listType"),
        original_plate=text(anpr, "originalLicensePlate"),
        picture_refs=_picture_refs(anpr),
    )


def event_alert_fields(root: Element) -> AlertFields:
    """Extract an ``EventNotificationAlert`` element's fields (no interpretation yet)."""
    _require_root(root, "EventNotificationAlert")
    anpr = child(root, "ANPR")
    return AlertFields(
        event_type=text(root, "eventType", "") or "",
        event_state=text(root, "eventState", "") or "",
        mac_address=text(root, "macAddress", "") or "",
        ip_address=text(root, "ipAddress", "") or "",
        channel_id=text(root, "channelID"),
        channel_name=text(root, "channelName", "") or "",
        time_text=text(root, "dateTime"),
        event_uuid=text(root, "UUID"),
        anpr=None if anpr is None else _anpr_fields(anpr),
    )


def parse_event_alert(
    data: bytes, *, device_tz: tzinfo = UTC, z_is_local: bool = False
) -> AlertEvent:
    """Classify and parse one XML ``EventNotificationAlert`` (ANPR, heartbeat, anything else).

    Times without an offset are read in ``device_tz``; ``Z`` times too when ``z_is_local``.
    An unreadable time never fails the parse (see :mod:`~integrations.hikvision.isapi.alert_doc`).
    """
    fields = event_alert_fields(parse_xml(data))
    return build_event(fields, data, device_tz=device_tz, z_is_local=z_is_local)


# ---------------------------------------------------------------- CMSearchResult


def _match(item: Element, device_tz: tzinfo | None) -> RecordingMatch | None:
    start, end = text(item, "timeSpan/startTime"), text(item, "timeSpan/endTime")
    uri = text(item, "mediaSegmentDescriptor/playbackURI")
    if start is None or end is None or uri is None:
        return None  # real devices emit items without endTime: skip, never fail the page
    try:
        begin_at, end_at = parse_device_time(start, device_tz), parse_device_time(end, device_tz)
    except ValueError:
        return None
    return RecordingMatch(
        track_id=_int(text(item, "trackID"), 0) or 0,
        start=begin_at,
        end=end_at,
        playback_uri=uri,
        content_type=text(item, "mediaSegmentDescriptor/contentType"),
    )


def parse_cm_search_result(data: bytes, *, device_tz: tzinfo | None = None) -> SearchPage:
    """One page of ``CMSearchResult``; ``device_tz`` reads ``...Z`` times as local wall clock."""
    root = parse_xml(data)
    if local_name(root.tag) == "ResponseStatus":
        parse_response_status(data)  # raises the device error
    _require_root(root, "CMSearchResult")
    status = (text(root, "responseStatusStrg", "") or "").upper()
    if status not in ("MORE", "OK", "NO MATCHES"):
        raise HikvisionProtocolError(f"unknown responseStatusStrg {status!r}")
    items = children_at(root, "matchList", "searchMatchItem")
    matches = [m for m in (_match(i, device_tz) for i in items) if m is not None]
    return SearchPage(
        search_id=text(root, "searchID", "") or "",
        status=status,
        matches=tuple(matches),
        num_of_matches=_int(text(root, "numOfMatches"), len(items)) or 0,
        total_matches=_int(text(root, "totalMatches")),
        skipped=len(items) - len(matches),
    )
