"""Pure parsers for Artemis responses: the envelope, pages, cameras, cross records, pictures.

Defensive by design: the ``code`` may arrive as a string or a number, camera status codes
differ between ISC and HCP, and one HCP build spells cross-record fields differently
(``PlateLicense``/``PassTime``).  Anything structurally wrong is a ``HikvisionProtocolError``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import UTC, tzinfo
from typing import Any

from integrations.hikvision._time import parse_iso
from integrations.hikvision.errors import (
    HikvisionAuthError,
    HikvisionProtocolError,
    HikvisionTransportError,
    api_error,
)
from integrations.hikvision.models import CameraResource, CrossRecord, Page, PlatformVersion

JPEG_MAGIC = b"\xff\xd8"


def parse_envelope(body: bytes, http_status: int) -> Any:
    """Return ``data`` of a ``{"code","msg","data"}`` envelope or raise the typed error."""
    try:
        obj = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        if http_status == 401:
            raise HikvisionAuthError("HikCentral answered 401 without an envelope") from exc
        if http_status >= 500:
            raise HikvisionTransportError(f"HikCentral answered HTTP {http_status}") from exc
        raise HikvisionProtocolError(f"invalid JSON envelope (HTTP {http_status})") from exc
    if not isinstance(obj, dict) or "code" not in obj:
        raise HikvisionProtocolError(f"response is not an envelope (HTTP {http_status})")
    code = str(obj["code"])
    if code != "0":
        raise api_error(code, str(obj.get("msg", "")), http_status)
    if http_status >= 400:
        raise HikvisionProtocolError(f"success envelope with HTTP {http_status}")
    return obj.get("data")


def _mapping(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise HikvisionProtocolError(f"{what}: expected an object")
    return data


def _int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def parse_version(data: Any) -> PlatformVersion:
    obj = _mapping(data, "version")
    name = obj.get("produceName", obj.get("productName", ""))
    return PlatformVersion(product_name=str(name), soft_version=str(obj.get("softVersion", "")))


def parse_page[T](data: Any, parse_item: Callable[[Mapping[str, Any]], T]) -> Page[T]:
    """``data.total/pageNo/pageSize/list``; a missing ``list`` means an empty page."""
    obj = _mapping(data, "page")
    raw_items = obj.get("list") or []
    if not isinstance(raw_items, list):
        raise HikvisionProtocolError("page: 'list' is not an array")
    total, page_no, page_size = (_int(obj.get(k)) for k in ("total", "pageNo", "pageSize"))
    if total is None:
        raise HikvisionProtocolError("page: missing 'total'")
    items = tuple(parse_item(_mapping(item, "page item")) for item in raw_items)
    return Page(total=total, page_no=page_no or 0, page_size=page_size or 0, items=items)


def _status_online(value: Any) -> bool | None:
    # ISC: 0 offline / 1 online.  HCP: 1 online / 2 offline.  The schemes agree on every value.
    code = _int(value)
    return None if code is None else {0: False, 1: True, 2: False}.get(code)


def parse_camera(item: Mapping[str, Any]) -> CameraResource:
    index_code = _str(item.get("cameraIndexCode"))
    if index_code is None:
        raise HikvisionProtocolError("camera without cameraIndexCode")
    return CameraResource(
        index_code=index_code,
        name=str(item.get("cameraName", "")),
        region_index_code=_str(item.get("regionIndexCode")),
        encode_dev_index_code=_str(item.get("encodeDevIndexCode")),
        channel_no=_int(item.get("channelNo")),
        status_online=_status_online(item.get("status")),
        raw=dict(item),
    )


def _pick(item: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if item.get(name) not in (None, ""):
            return item[name]
    return None


def parse_cross_record(item: Mapping[str, Any], naive_tz: tzinfo = UTC) -> CrossRecord:
    """Accept both the camelCase list and the ``GUID/PassTime/PlateLicense`` variant.

    A record without a syscode gets a deterministic derived one (``derived:<sha1>``) so that
    re-polling the trailing margin still dedupes it.
    """
    cross_raw = _pick(item, "crossTime", "PassTime", "passTime")
    if cross_raw is None:
        raise HikvisionProtocolError("cross record without crossTime")
    try:
        cross_time = parse_iso(str(cross_raw), naive_tz)
        create_raw = _pick(item, "createTime", "CreateTime")
        create_time = parse_iso(str(create_raw), naive_tz) if create_raw else None
    except ValueError as exc:
        raise HikvisionProtocolError(f"cross record time unparseable: {cross_raw!r}") from exc
    camera = str(_pick(item, "cameraIndexCode", "ResourceID", "resourceId") or "")
    plate = str(_pick(item, "plateNo", "PlateLicense", "plateLicense") or "")
    syscode = _str(_pick(item, "crossRecordSyscode", "GUID", "guid"))
    if syscode is None:
        seed = f"{camera}|{cross_time.isoformat()}|{plate}".encode()
        syscode = "derived:" + hashlib.sha1(seed, usedforsecurity=False).hexdigest()
    return CrossRecord(
        syscode=syscode,
        camera_index_code=camera,
        plate_no=plate,
        cross_time=cross_time,
        create_time=create_time,
        vehicle_type=_int(_pick(item, "vehicleType", "VehicleType")),
        vehicle_color=_int(_pick(item, "vehicleColor", "VehicleColor")),
        direction=_int(_pick(item, "vehicleDirectionType", "VehicleDirectionType")),
        pic_uri=_str(_pick(item, "vehiclePicUri", "VehicleImageUrl")),
        plate_pic_uri=_str(_pick(item, "plateNoPicUri", "PlateImageUrl")),
        camera_name=_str(_pick(item, "cameraName", "ResourceName")),
        raw=dict(item),
    )


def _decode_data_uri(text: bytes) -> bytes:
    header, sep, payload = text.partition(b",")
    if not sep or b";base64" not in header:
        raise HikvisionProtocolError("picture data URI is not base64")
    try:
        data = base64.b64decode(payload.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise HikvisionProtocolError("picture data URI has invalid base64") from exc
    if not data.startswith(JPEG_MAGIC):
        raise HikvisionProtocolError("picture data URI does not hold a JPEG")
    return data


def sniff_picture(body: bytes, http_status: int) -> bytes:
    """``pms/v1/image`` answers raw JPEG, a ``data:`` URI, or a JSON envelope; sniff bytes."""
    head = body.lstrip()
    if head.startswith(JPEG_MAGIC) and http_status < 400:
        return head
    if head.startswith(b'"'):  # a JSON string holding the data URI
        try:
            head = str(json.loads(head)).encode()
        except ValueError as exc:
            raise HikvisionProtocolError("picture body is a malformed JSON string") from exc
    if head[:5].lower() == b"data:":
        return _decode_data_uri(head)
    if head.startswith(b"{"):
        data = parse_envelope(head, http_status)  # raises on a failure code
        raise HikvisionProtocolError(
            f"picture call returned an envelope, not an image: {data!r:.80}"
        )
    if http_status >= 400:
        parse_envelope(head, http_status)
    raise HikvisionProtocolError("picture body is neither JPEG, data URI nor JSON")
