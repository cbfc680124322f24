"""Frozen value types produced by the Hikvision parsers and clients.

They are plain data (no I/O, no aiohttp types) so the ingest pipeline can persist them,
serialise them onto the bus, and compare them in tests without touching the network.
Raw vendor text is kept next to parsed values where evidence matters (plate text, ``raw``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PTZ_MIN = -100
PTZ_MAX = 100


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """``/ISAPI/System/deviceInfo``; ``serial_number`` + ``mac_address`` identify the device."""

    device_name: str
    model: str
    serial_number: str
    mac_address: str
    firmware_version: str
    device_type: str
    device_id: str | None = None
    firmware_released_date: str | None = None
    manufacturer: str | None = None
    raw: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ResponseStatus:
    """A successful ISAPI ``ResponseStatus`` (failures raise ``HikvisionDeviceError``)."""

    status_code: int
    status_string: str
    sub_status_code: str


@dataclass(frozen=True, slots=True)
class AnprPicture:
    """One JPEG delivered with an ANPR event; ``file_name`` matches ``pictureInfo/fileName``."""

    file_name: str
    kind: str
    data: bytes


@dataclass(frozen=True, slots=True)
class PictureRef:
    """A picture announced in the alert document, before its bytes are matched to it.

    Parts are matched on ``file_name`` (the form field / file name of the JPEG part) or, on
    firmware that names picture parts by picture id, on ``picture_id`` (``pId``).
    """

    file_name: str
    kind: str
    picture_id: str | None = None


@dataclass(frozen=True, slots=True)
class AnprAlert:
    """An ``EventNotificationAlert`` with ``eventType=ANPR`` (XML or JSON, same fields).

    ``plate_text`` is the raw camera text (may literally be ``"unknown"``; only surrounding
    whitespace is removed); normalisation and length limits are the application's job
    (``domcctv.domain.plates``) so the evidence is never rewritten here.

    ``occurred_at`` is ``None`` when the device sent no readable ``dateTime`` (missing, empty
    or garbage); ``time_text`` keeps the text as sent (``None`` when absent) so the read can be
    stored at its arrival time and flagged instead of being lost.

    ``confidence`` is ``confidenceLevel`` as sent, as a float; it may be outside 0..100 or
    non-finite (``inf``/``nan``): validating it is the application's job.  ``None`` when the
    field is absent or not a number.

    ``rejected_parts`` names the parts delivered as pictures that are not JPEG (bytes not
    starting ``FF D8 FF``, e.g. an HTML error page typed ``image/jpeg``): they are left out
    of ``pictures`` and reported here for logging; the read itself is still good.

    ``document_sha256`` is the SHA-256 (hex) of the alert document (XML or JSON bytes) as
    received: a stable identity for the event when it has neither a UUID nor a readable
    time (see :attr:`natural_key`).
    """

    event_uuid: str | None
    mac_address: str
    ip_address: str
    channel_id: int
    channel_name: str
    occurred_at: datetime | None
    plate_text: str
    confidence: float | None
    char_confidences: tuple[int, ...] = ()
    direction: str | None = None
    vehicle_type: str | None = None
    plate_color: str | None = None
    country: str | None = None
    list_name: str | None = None
    original_plate_text: str | None = None
    picture_refs: tuple[PictureRef, ...] = ()
    pictures: tuple[AnprPicture, ...] = ()
    time_text: str | None = None
    rejected_parts: tuple[str, ...] = ()
    document_sha256: str = ""

    @property
    def natural_key(self) -> tuple[str, int, str, str]:
        """Dedupe key when ``event_uuid`` is missing (protocols §0).

        Without a readable time the document digest stands in for it: a redelivery of the
        same document gets the same key, two different passes of one plate do not.
        """
        when = (
            self.occurred_at.isoformat()
            if self.occurred_at is not None
            else f"sha256:{self.document_sha256}"
        )
        return (self.mac_address, self.channel_id, when, self.plate_text)

    def picture(self, kind: str) -> AnprPicture | None:
        return next((p for p in self.pictures if p.kind == kind), None)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The alert stream keep-alive (``videoloss`` + ``inactive``); not an alarm.

    ``occurred_at`` is ``None`` when the device time is missing or unreadable: a heartbeat
    proves liveness whatever its clock says.
    """

    mac_address: str = ""
    channel_id: int | None = None
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OtherEvent:
    """Any non-ANPR, non-heartbeat alert; kept so callers can log or count them.

    ``occurred_at`` is ``None`` when the device time is missing or unreadable.
    """

    event_type: str
    event_state: str
    mac_address: str = ""
    channel_id: int | None = None
    occurred_at: datetime | None = None


type AlertEvent = AnprAlert | Heartbeat | OtherEvent


@dataclass(frozen=True, slots=True)
class PlatformVersion:
    """``/api/common/v1/version`` (the vendor field is spelled ``produceName``)."""

    product_name: str
    soft_version: str


@dataclass(frozen=True, slots=True)
class CameraResource:
    """A camera as HikCentral lists it; ``index_code`` is the id every other call uses.

    ``status_online``: ISC uses 0 offline / 1 online and HCP 1 online / 2 offline; the two
    agree on every value, so it is ``None`` only when the code is missing or unknown.
    """

    index_code: str
    name: str
    region_index_code: str | None
    encode_dev_index_code: str | None
    channel_no: int | None
    status_online: bool | None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CrossRecord:
    """One HikCentral passing record; ``syscode`` is the idempotency key."""

    syscode: str
    camera_index_code: str
    plate_no: str
    cross_time: datetime
    create_time: datetime | None
    vehicle_type: int | None
    vehicle_color: int | None
    direction: int | None
    pic_uri: str | None
    plate_pic_uri: str | None = None
    camera_name: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Page[T]:
    """One page of a HikCentral list call (``pageNo`` is 1-based)."""

    total: int
    page_no: int
    page_size: int
    items: tuple[T, ...]


@dataclass(frozen=True, slots=True)
class RecordingMatch:
    """A recorded segment from ``/ISAPI/ContentMgmt/search``."""

    track_id: int
    start: datetime
    end: datetime
    playback_uri: str
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One ``CMSearchResult`` page; ``status`` is ``MORE``, ``OK`` or ``NO MATCHES``."""

    search_id: str
    status: str
    matches: tuple[RecordingMatch, ...]
    num_of_matches: int
    total_matches: int | None = None
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class PtzVector:
    """Continuous PTZ speeds: sign is direction, magnitude is speed, all zeros means stop."""

    pan: int = 0
    tilt: int = 0
    zoom: int = 0

    def __post_init__(self) -> None:
        for axis in ("pan", "tilt", "zoom"):
            value = getattr(self, axis)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"PTZ {axis} must be an int, got {type(value).__name__}")
            if not PTZ_MIN <= value <= PTZ_MAX:
                raise ValueError(f"PTZ {axis}={value} outside {PTZ_MIN}..{PTZ_MAX}")

    @property
    def is_stop(self) -> bool:
        return self.pan == self.tilt == self.zoom == 0
