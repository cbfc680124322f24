"""Request bodies sent to ISAPI devices, built with ElementTree so values are always escaped.

Element names follow what devices accept, including the vendor misspelling
``searchResultPostion`` (most firmware and vendor samples use it).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

from integrations.hikvision._time import format_device_time
from integrations.hikvision.models import PtzVector

XMLNS = "http://www.hikvision.com/ver20/XMLSchema"
RECORD_METADATA = "//recordType.meta.std-cgi.com"


def _doc(root: Element) -> bytes:
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _root(name: str) -> Element:
    return Element(name, {"version": "2.0", "xmlns": XMLNS})


def _leaf(parent: Element, name: str, value: object) -> Element:
    node = SubElement(parent, name)
    node.text = str(value)
    return node


def build_cm_search(
    search_id: str,
    track_id: int,
    start: datetime,
    end: datetime,
    max_results: int,
    position: int,
    device_tz: tzinfo | None = None,
) -> bytes:
    root = _root("CMSearchDescription")
    _leaf(root, "searchID", search_id)
    _leaf(SubElement(root, "trackList"), "trackID", track_id)
    span = SubElement(SubElement(root, "timeSpanList"), "timeSpan")
    _leaf(span, "startTime", format_device_time(start, device_tz))
    _leaf(span, "endTime", format_device_time(end, device_tz))
    _leaf(root, "maxResults", max_results)
    _leaf(root, "searchResultPostion", position)  # sic: the vendor spelling
    _leaf(SubElement(root, "metadataList"), "metadataDescriptor", RECORD_METADATA)
    return _doc(root)


def build_ptz_data(vector: PtzVector) -> bytes:
    root = _root("PTZData")
    _leaf(root, "pan", vector.pan)
    _leaf(root, "tilt", vector.tilt)
    _leaf(root, "zoom", vector.zoom)
    return _doc(root)


def build_preset(preset_id: int, name: str | None = None) -> bytes:
    root = _root("PTZPreset")
    _leaf(root, "id", preset_id)
    _leaf(root, "presetName", name or f"preset{preset_id}")
    return _doc(root)


def build_http_hosts(url: str, host_id: int = 1) -> bytes:
    """``HttpHostNotificationList`` pointing the camera's "HTTP listening" push at ``url``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("push URL must be an absolute http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    root = Element("HttpHostNotificationList", {"version": "2.0", "xmlns": XMLNS})
    host = SubElement(root, "HttpHostNotification")
    _leaf(host, "id", host_id)
    _leaf(host, "url", path)
    _leaf(host, "protocolType", parts.scheme.upper())
    _leaf(host, "parameterFormatType", "XML")
    _leaf(host, "addressingFormatType", "ipaddress")
    _leaf(host, "ipAddress", parts.hostname)
    _leaf(host, "portNo", port)
    _leaf(host, "httpAuthenticationMethod", "none")
    return _doc(root)
