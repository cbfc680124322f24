"""XML/JSON documents and multipart bodies exactly as Hikvision cameras emit them.

Element names, the vendor misspellings (``vehileModel``, ``vehileSubLogoRecog``) and the
multipart layouts follow protocols §2.8-§2.11 on purpose: the simulator exists to exercise
the parsers against what devices really send, not against a tidied-up version.  The JSON
alert (``parameterFormatType=JSON``) carries the same fields under the same names, with
``pictureInfoList`` as an array whose ``pId`` names the picture parts, and numbers as
JSON numbers where the firmware writes them so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.sax.saxutils import escape

from integrations.hikvision.simulator.config import NAMESPACES, Namespace, TimeStyle
from integrations.hikvision.simulator.records import SimulatedRead

BOUNDARY = "boundary"
CRLF = b"\r\n"
_ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class Identity:
    """What a camera says about itself in every document."""

    name: str
    serial: str
    mac: str
    ip: str
    port: int
    channel: int
    namespace: Namespace
    model: str = "iDS-TCM403-GIR"


def _root(tag: str, ns: Namespace, body: str) -> bytes:
    uri, version = NAMESPACES[ns]
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<{tag} version="{version}" xmlns="{uri}">\n'
    return (head + body + f"</{tag}>\n").encode()


def _el(tag: str, value: object) -> str:
    return f"<{tag}>{escape(str(value))}</{tag}>"


def device_info(ident: Identity) -> bytes:
    fields = {
        "deviceName": ident.name,
        "deviceID": f"{ident.serial[-8:]}-sim",
        "deviceDescription": "IPCamera",
        "deviceLocation": "hangzhou",
        "systemContact": "Hikvision.China",
        "model": ident.model,
        "serialNumber": ident.serial,
        "macAddress": ident.mac,
        "firmwareVersion": "V5.5.800",
        "firmwareReleasedDate": "build 241118",
        "encoderVersion": "V7.3",
        "encoderReleasedDate": "build 241101",
        "deviceType": "IPCamera",
        "telecontrolID": "88",
        "supportBeep": "true",
        "supportVideoLoss": "false",
        "manufacturer": "hikvision",
    }
    return _root("DeviceInfo", ident.namespace, "".join(_el(k, v) for k, v in fields.items()))


def response_status(
    ns: Namespace, path: str, code: int = 1, string: str = "OK", sub: str = "ok"
) -> bytes:
    body = _el("requestURL", path) + _el("statusCode", code) + _el("statusString", string)
    return _root("ResponseStatus", ns, body + _el("subStatusCode", sub))


def device_time_text(clock: datetime, style: TimeStyle = "offset") -> str:
    """``dateTime`` as a camera whose clock reads ``clock`` (aware, its zone) writes it."""
    local = clock.replace(tzinfo=None).isoformat(timespec="milliseconds")
    match style:
        case "offset":
            return clock.isoformat(timespec="milliseconds")
        case "short_offset":
            minutes = int((clock.utcoffset() or _ZERO).total_seconds() // 60)
            sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
            wall = clock.replace(tzinfo=None).isoformat(timespec="seconds")
            return f"{wall}{sign}{minutes // 60}:{minutes % 60:02d}"
        case "utc_z":
            return (
                clock.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
            )
        case "local_z":
            return local + "Z"
        case "naive":
            return local


def _when(value: datetime | str) -> str:
    return value if isinstance(value, str) else value.isoformat(timespec="milliseconds")


def _envelope(
    ident: Identity, when: datetime | str, event_type: str, state: str, count: int
) -> dict[str, Any]:
    """The alert envelope, in document order (shared by the XML and JSON renderings)."""
    return {
        "ipAddress": ident.ip,
        "portNo": ident.port,
        "protocol": "HTTP",
        "macAddress": ident.mac,
        "channelID": ident.channel,
        "dateTime": _when(when),
        "activePostCount": count,
        "eventType": event_type,
        "eventState": state,
        "eventDescription": f"{event_type} alarm",
        "channelName": ident.name,
    }


def _header(ident: Identity, when: datetime | str, event_type: str, state: str, count: int) -> str:
    return "".join(_el(k, v) for k, v in _envelope(ident, when, event_type, state, count).items())


def heartbeat(ident: Identity, when: datetime | str) -> bytes:
    """The alert-stream keep-alive; ``when`` is a datetime or the exact ``dateTime`` text."""
    return _root(
        "EventNotificationAlert", ident.namespace, _header(ident, when, "videoloss", "inactive", 0)
    )


def heartbeat_json(ident: Identity, when: datetime | str) -> bytes:
    return json.dumps(_envelope(ident, when, "videoloss", "inactive", 0)).encode()


_PICTURES = (
    ("detectionPicture.jpg", "detectionPicture"),
    ("licensePlatePicture.jpg", "licensePlatePicture"),
)


def _anpr_body(read: SimulatedRead, modern: bool) -> str:
    parts = [
        _el("country", "255" if modern else "0"),
        _el("licensePlate", read.plate_text),
        _el("line", 1),
        _el("direction", read.direction),
        _el("confidenceLevel", int(read.confidence)),
        _el("plateType", "unknown"),
        _el("plateColor", "white"),
    ]
    if not modern:
        return "".join(parts)
    chars = ",".join(str(c) for c in read.char_confidences)
    parts += [
        _el("licenseBright", 150),
        _el("plateCharBelieve", chars),
        _el("vehicleType", read.vehicle_type),
        "<vehicleInfo>"
        + _el("index", 12)
        + _el("vehicleType", read.vehicle_type)
        + _el("colorDepth", 0)
        + _el("color", read.vehicle_color)
        + _el("speed", 0)
        + _el("length", 0)
        + _el("vehicleLogoRecog", 0)
        + _el("vehileSubLogoRecog", 0)
        + _el("vehileModel", 0)
        + "</vehicleInfo>",
        "<pictureInfoList>"
        + "".join(
            f"<pictureInfo>{_el('fileName', name)}{_el('type', kind)}{_el('dataType', 0)}"
            f"{_el('absTime', read.occurred_at.strftime('%Y%m%d%H%M%S%f')[:17])}</pictureInfo>"
            for name, kind in _PICTURES
        )
        + "</pictureInfoList>",
        _el("originalLicensePlate", read.plate_text),
        _el("vehicleListName", read.list_name),
    ]
    return "".join(parts)


def picture_id(read: SimulatedRead, index: int) -> str:
    """The ``pId`` of a read's ``index``-th picture (names the JSON push's picture parts)."""
    return f"{read.pic_name}{index + 1:02d}"


def anpr_alert_json(ident: Identity, read: SimulatedRead) -> bytes:
    """The JSON ``EventNotificationAlert`` of a read (newer firmware, JSON format)."""
    doc = _envelope(ident, read.reported_time or read.occurred_at, "ANPR", "active", 1)
    doc["ANPR"] = {
        "country": "255",
        "licensePlate": read.plate_text,
        "line": 1,
        "direction": read.direction,
        "confidenceLevel": int(read.confidence),
        "plateType": "unknown",
        "plateColor": "white",
        "licenseBright": 150,
        "plateCharBelieve": ",".join(str(c) for c in read.char_confidences),
        "vehicleType": read.vehicle_type,
        "vehicleInfo": {
            "index": 12,
            "vehicleType": read.vehicle_type,
            "colorDepth": 0,
            "color": read.vehicle_color,
            "speed": 0,
            "length": 0,
            "vehicleLogoRecog": 0,
            "vehileSubLogoRecog": 0,
            "vehileModel": 0,
        },
        "pictureInfoList": [
            {
                "fileName": name,
                "type": kind,
                "dataType": 0,
                "absTime": read.occurred_at.strftime("%Y%m%d%H%M%S%f")[:17],
                "pId": picture_id(read, i),
            }
            for i, (name, kind) in enumerate(_PICTURES)
        ],
        "originalLicensePlate": read.plate_text,
        "vehicleListName": read.list_name,
    }
    doc["UUID"] = read.uuid
    doc["picNum"] = len(_PICTURES)
    return json.dumps(doc, ensure_ascii=False).encode()


def anpr_alert(ident: Identity, read: SimulatedRead) -> bytes:
    modern = ident.namespace != "std-cgi"
    body = _header(ident, read.reported_time or read.occurred_at, "ANPR", "active", 1)
    body += f"<ANPR>{_anpr_body(read, modern)}</ANPR>" + _el("UUID", read.uuid)
    if modern:
        body += _el("picNum", len(_PICTURES))
    return _root("EventNotificationAlert", ident.namespace, body)


def pictures_of(read: SimulatedRead, *, by_picture_id: bool = False) -> list[tuple[str, bytes]]:
    """(part name, bytes) of a read's pictures: their file names, or ``pId`` (JSON firmware)."""
    names = [picture_id(read, i) if by_picture_id else n for i, (n, _k) in enumerate(_PICTURES)]
    return [(names[0], read.detection_picture), (names[1], read.plate_picture)]


JSON_PART = ("anpr.json", "application/json")
XML_PART = ("anpr.xml", "text/xml")


def push_body(
    xml: bytes,
    pictures: Sequence[tuple[str, bytes]],
    jpeg_type: str = "image/jpeg",
    *,
    document_part: tuple[str, str] = XML_PART,
) -> bytes:
    """The ``multipart/form-data; boundary=boundary`` body of an HTTP-listening push.

    ``xml`` is the alert document; ``document_part`` its (name, content type), e.g.
    :data:`JSON_PART` for a JSON-format camera.
    """
    out = bytearray()
    doc_name, doc_type = document_part
    entries = [(doc_name, doc_type, xml), *((n, jpeg_type, d) for n, d in pictures)]
    for name, ctype, data in entries:
        out += f"--{BOUNDARY}\r\n".encode()
        out += f'Content-Disposition: form-data; name="{name}"; filename="{name}"\r\n'.encode()
        out += f"Content-Type: {ctype}\r\n\r\n".encode() + data + CRLF
    out += f"--{BOUNDARY}--\r\n".encode()
    return bytes(out)


def stream_part(data: bytes, content_type: str, filename: str | None = None) -> bytes:
    """One Content-Length framed part of the never-ending ``alertStream``."""
    head = f"--{BOUNDARY}\r\nContent-Type: {content_type}\r\n"
    if filename:
        head += f'Content-Disposition: attachment; filename="{filename}"\r\n'
    head += f"Content-Length: {len(data)}\r\n\r\n"
    return head.encode() + data + CRLF


def cm_search_result(
    ns: Namespace, search_id: str, status: str, items: Iterable[str], total: int
) -> bytes:
    rendered = list(items)
    body = (
        _el("searchID", search_id)
        + _el("responseStatus", "true" if status != "NO MATCHES" else "false")
        + _el("responseStatusStrg", status)
        + _el("numOfMatches", len(rendered))
        + _el("totalMatches", total)
        + "<matchList>"
        + "".join(rendered)
        + "</matchList>"
    )
    return _root("CMSearchResult", ns, body)


def plates_buffer(ns: Namespace, reads: Iterable[SimulatedRead]) -> bytes:
    items = "".join(
        "<Plate>"
        + _el(
            "captureTime",
            r.occurred_at.strftime("%Y%m%dT%H%M%S") + r.occurred_at.strftime("%f")[:4],
        )
        + _el("plateNumber", r.plate_text)
        + _el("picName", r.pic_name)
        + _el("country", "255")
        + _el("laneNo", 1)
        + _el("direction", r.direction)
        + "</Plate>"
        for r in reads
    )
    return _root("Plates", ns, items)


def http_hosts(ns: Namespace, url: str | None, parameter_format: str = "XML") -> bytes:
    host = (
        "<HttpHostNotification>"
        + _el("id", 1)
        + _el("url", url or "")
        + _el("protocolType", "HTTP")
        + _el("parameterFormatType", parameter_format)
        + _el("addressingFormatType", "ipaddress")
        + _el("httpAuthenticationMethod", "none")
        + "</HttpHostNotification>"
    )
    return _root("HttpHostNotificationList", ns, host)
