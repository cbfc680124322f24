"""JSON ``EventNotificationAlert`` (``parameterFormatType=JSON`` on newer firmware).

The JSON alert carries the XML alert's fields under the same names: an envelope
(``ipAddress``, ``macAddress``, ``channelID``, ``dateTime``, ``eventType``, ``eventState``,
``channelName``, ``UUID``...) and, for ``"eventType": "ANPR"``, an ``"ANPR"`` object
(``licensePlate``, ``confidenceLevel``, ``direction``, ``plateCharBelieve``,
``vehicleInfo``, ``pictureInfoList``...).  Devices disagree on the details, so this reader
is defensive rather than strict:

- key case varies (``UUID``/``uuid``, ``channelID``/``channelId``): keys match case-insensitively;
- scalars arrive as strings or numbers (``"confidenceLevel": "98"`` or ``98``);
- ``pictureInfoList`` is a list, or an object wrapping ``pictureInfo`` (one or a list),
  as an XML-to-JSON conversion would produce; the same for an outer
  ``{"EventNotificationAlert": {...}}`` wrapper;
- a missing or wrongly typed field is absent, never an exception.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, tzinfo
from typing import Any

from integrations.hikvision.errors import HikvisionProtocolError
from integrations.hikvision.isapi.alert_doc import (
    AlertFields,
    AnprFields,
    build_event,
    char_confidences,
)
from integrations.hikvision.models import AlertEvent, PictureRef

type JsonObject = Mapping[str, Any]


def _obj(value: Any) -> dict[str, Any] | None:
    """An object with lower-cased keys (the first object of a list), else ``None``."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), None)
    if not isinstance(value, dict):
        return None
    return {str(k).lower(): v for k, v in value.items()}


def _text(obj: JsonObject | None, key: str) -> str | None:
    """A scalar as text: strings stripped (empty -> ``None``), numbers as written."""
    if obj is None:
        return None
    value = obj.get(key.lower())
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    return None


def _confidence(anpr: JsonObject) -> str | float | None:
    """A JSON number is passed on as is (``to_confidence`` converts it), text as text."""
    value = anpr.get("confidencelevel")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return _text(anpr, "confidenceLevel")


def _char_confidences(anpr: JsonObject) -> tuple[int, ...]:
    value = anpr.get("platecharbelieve")
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, int) and not isinstance(v, bool))
    return char_confidences(_text(anpr, "plateCharBelieve"))


def _picture_infos(anpr: JsonObject) -> list[dict[str, Any]]:
    value = anpr.get("pictureinfolist")
    if isinstance(value, dict):
        value = {str(k).lower(): v for k, v in value.items()}.get("pictureinfo")
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    return [info for info in (_obj(v) for v in value if isinstance(v, dict)) if info]


def _picture_refs(anpr: JsonObject) -> tuple[PictureRef, ...]:
    refs = []
    for info in _picture_infos(anpr):
        name, pid = _text(info, "fileName"), _text(info, "pId")
        if name or pid:
            kind = _text(info, "type") or ""
            refs.append(PictureRef(file_name=name or pid or "", kind=kind, picture_id=pid))
    return tuple(refs)


def _anpr_fields(anpr: JsonObject) -> AnprFields:
    vehicle = _obj(anpr.get("vehicleinfo"))
    return AnprFields(
        plate=_text(anpr, "licensePlate"),
        confidence=_confidence(anpr),
        char_confidences=_char_confidences(anpr),
        direction=_text(anpr, "direction"),
        vehicle_type=_text(anpr, "vehicleType") or _text(vehicle, "vehicleType"),
        plate_color=_text(anpr, "plateColor"),
        country=_text(anpr, "country"),
        list_name=_text(anpr, "vehicleListName") or _text(anpr, "listType"),
        original_plate=_text(anpr, "originalLicensePlate"),
        picture_refs=_picture_refs(anpr),
    )


def _time_text(root: JsonObject) -> str | None:
    """``dateTime`` as sent; a non-string (e.g. a number) is kept as its JSON text."""
    value = root.get("datetime")
    if value is None or isinstance(value, str):
        return _text(root, "dateTime")
    return json.dumps(value)


def load_json_alert(data: bytes) -> dict[str, Any]:
    """Decode the document into its (lower-cased key) alert object, or raise."""
    try:
        decoded = json.loads(data)
    except RecursionError as exc:  # absurd nesting from a hostile peer
        raise HikvisionProtocolError("JSON event nested too deeply") from exc
    except ValueError as exc:  # JSONDecodeError, bad encoding, oversized integer text
        raise HikvisionProtocolError(f"malformed JSON event: {exc}") from exc
    root = _obj(decoded) if isinstance(decoded, dict) else None
    if root is None:
        raise HikvisionProtocolError("JSON event is not an object")
    wrapped = _obj(root.get("eventnotificationalert"))
    if wrapped is not None and "eventtype" not in root:
        root = wrapped
    if "eventtype" not in root:
        raise HikvisionProtocolError("JSON document is not an EventNotificationAlert")
    return root


def json_alert_fields(root: JsonObject) -> AlertFields:
    anpr = _obj(root.get("anpr"))
    return AlertFields(
        event_type=_text(root, "eventType") or "",
        event_state=_text(root, "eventState") or "",
        mac_address=_text(root, "macAddress") or "",
        ip_address=_text(root, "ipAddress") or "",
        channel_id=_text(root, "channelID"),
        channel_name=_text(root, "channelName") or "",
        time_text=_time_text(root),
        event_uuid=_text(root, "UUID"),
        anpr=None if anpr is None else _anpr_fields(anpr),
    )


def parse_event_json(
    data: bytes, *, device_tz: tzinfo = UTC, z_is_local: bool = False
) -> AlertEvent:
    """Classify and parse one JSON ``EventNotificationAlert`` into the XML parser's types."""
    fields = json_alert_fields(load_json_alert(data))
    return build_event(fields, data, device_tz=device_tz, z_is_local=z_is_local)
