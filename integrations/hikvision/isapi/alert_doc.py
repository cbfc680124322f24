"""One meaning for ``EventNotificationAlert`` whatever its encoding (XML or JSON).

Devices send the same alert as XML or, with ``parameterFormatType=JSON`` on newer firmware, as
JSON with the same field names.  Each format's parser only *extracts* the fields into an
:class:`AlertFields`; classifying (heartbeat / ANPR / other) and turning text into values
happens here once, so the two formats cannot drift apart.

Values are read only where they are needed: the time is parsed after the event type is
known, and an unreadable time never rejects a heartbeat, a non-ANPR event or an ANPR read
(the read is kept with ``occurred_at=None`` and its raw ``time_text``).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, tzinfo

from integrations.hikvision._time import read_device_datetime
from integrations.hikvision.errors import HikvisionProtocolError
from integrations.hikvision.models import AlertEvent, AnprAlert, Heartbeat, OtherEvent, PictureRef


@dataclass(frozen=True, slots=True)
class AnprFields:
    """The ``ANPR`` block as text (``None`` = absent or empty), before interpretation."""

    plate: str | None
    confidence: str | float | None
    char_confidences: tuple[int, ...]
    direction: str | None
    vehicle_type: str | None
    plate_color: str | None
    country: str | None
    list_name: str | None
    original_plate: str | None
    picture_refs: tuple[PictureRef, ...]


@dataclass(frozen=True, slots=True)
class AlertFields:
    """The envelope of an alert as text, plus its ANPR block when it has one."""

    event_type: str
    event_state: str
    mac_address: str
    ip_address: str
    channel_id: str | None
    channel_name: str
    time_text: str | None
    event_uuid: str | None
    anpr: AnprFields | None


def to_int(value: str | None, default: int | None = None) -> int | None:
    if value is None:
        return default
    try:
        return int(value.strip())
    except ValueError:
        return default


def to_confidence(value: str | float | None) -> float | None:
    """``confidenceLevel`` as sent: integer or decimal text (or a JSON number) -> float.

    Nothing is invented: text that is not a number gives ``None``.  ``inf``/``nan`` and
    out-of-range numbers stay as they are (validation is the application's job); an integer
    too large for a float becomes an infinity of its sign, which is what the float is.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, float):
        return value
    try:
        return float(value.strip())
    except ValueError:
        return None


def char_confidences(value: str | None) -> tuple[int, ...]:
    """``plateCharBelieve``: ``"99,98,97"`` -> ``(99, 98, 97)``; non-numbers are skipped."""
    if not value:
        return ()
    return tuple(int(tok) for tok in value.replace(" ", "").split(",") if tok.isdigit())


def _anpr(
    fields: AlertFields, anpr: AnprFields, *, device_tz: tzinfo, z_is_local: bool, digest: str
) -> AnprAlert:
    if anpr.plate is None:
        raise HikvisionProtocolError("ANPR alert without licensePlate")
    return AnprAlert(
        event_uuid=fields.event_uuid,
        mac_address=fields.mac_address.lower(),
        ip_address=fields.ip_address,
        channel_id=to_int(fields.channel_id, 1) or 1,
        channel_name=fields.channel_name,
        occurred_at=read_device_datetime(
            fields.time_text, device_tz=device_tz, z_is_local=z_is_local
        ),
        time_text=fields.time_text,
        plate_text=anpr.plate,
        confidence=to_confidence(anpr.confidence),
        char_confidences=anpr.char_confidences,
        direction=anpr.direction,
        vehicle_type=anpr.vehicle_type,
        plate_color=anpr.plate_color,
        country=anpr.country,
        list_name=anpr.list_name,
        original_plate_text=anpr.original_plate,
        picture_refs=anpr.picture_refs,
        document_sha256=digest,
    )


def build_event(
    fields: AlertFields,
    document: bytes,
    *,
    device_tz: tzinfo = UTC,
    z_is_local: bool = False,
) -> AlertEvent:
    """Classify extracted fields into a heartbeat, an ANPR read or another event.

    ``device_tz``/``z_is_local`` say how to read times without an offset and ``Z`` times
    (the camera's configured zone and its "Z means local time" firmware quirk).
    """
    event_type, state = fields.event_type, fields.event_state
    mac = fields.mac_address.lower()
    channel = to_int(fields.channel_id)
    if event_type.lower() == "videoloss" and state.lower() == "inactive":
        when = read_device_datetime(fields.time_text, device_tz=device_tz, z_is_local=z_is_local)
        return Heartbeat(mac_address=mac, channel_id=channel, occurred_at=when)
    if event_type.upper() == "ANPR" and fields.anpr is not None:
        digest = hashlib.sha256(document).hexdigest()
        return _anpr(fields, fields.anpr, device_tz=device_tz, z_is_local=z_is_local, digest=digest)
    when = read_device_datetime(fields.time_text, device_tz=device_tz, z_is_local=z_is_local)
    return OtherEvent(event_type, state, mac_address=mac, channel_id=channel, occurred_at=when)
