"""Typed plate-read payloads and the rules a read must meet before it is acknowledged.

One shape for all three paths (push, alert stream, backfill) is what lets one pipeline dedupe,
merge and store them; one policy here is what lets every path refuse the same things.

Cameras do not retry, so the policy never throws a read away for its clock: a live read whose
device time is unreadable or too far from its arrival is stored at its arrival time and
flagged (``TimeIssue``), keeping the device's claim. Only what can never be stored (a
non-finite or out-of-range confidence, oversized or non-printable plate text) is refused, and
then before the sender is answered, so the refusal is visible to it.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

MAX_PLATE_TEXT = 32  # plate_reads.plate_raw / events.plate_raw
MAX_NATURAL_KEY = 190  # plate_reads.natural_key
MAX_CAMERA_CODE = 64  # cameras.code
MAX_DETAIL_TEXT = 64  # direction, vehicle type: descriptive, truncated rather than refused
MAX_TIME_TEXT = 64  # the device's time text kept as evidence
# Any stored read time lies in this window; a payload outside it is corrupt (live reads are
# clamped to their arrival time long before, backfill refuses what is outside its window).
EARLIEST_READ_TIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_READ_TIME = datetime(2200, 1, 1, tzinfo=UTC)
# The device's own claim is stored only where every backend can hold it (MariaDB DATETIME is
# 1000..9999), with a day of margin so no time-zone arithmetic can overflow; beyond that only
# its text is kept.
EARLIEST_REPORTED_TIME = datetime(1000, 1, 2, tzinfo=UTC)
LATEST_REPORTED_TIME = datetime(9999, 12, 30, tzinfo=UTC)


class ReadSource(StrEnum):
    """Which path delivered the read."""

    PUSH = "push"
    ALERT_STREAM = "alertStream"
    BACKFILL = "backfill"


class TimeIssue(StrEnum):
    """Why a read's time is its arrival time rather than the camera's."""

    UNREADABLE = "UNREADABLE"  # no parseable device time
    CLOCK_SKEW = "CLOCK_SKEW"  # device time too far from the arrival time


class InvalidRead(ValueError):
    """A read that can never be stored; refused before it is acknowledged (stable code)."""

    code = "INVALID_READ"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def check_confidence(value: float | None) -> float:
    """0-100 and finite; a missing confidence is 0 (kept, and flagged low confidence)."""
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRead("confidence", "must be a number")
    number = float(value)
    if not math.isfinite(number) or not 0.0 <= number <= 100.0:
        raise InvalidRead("confidence", f"must be a finite number from 0 to 100, got {value!r}")
    return number


def check_plate_text(text: str) -> str:
    """1 to ``MAX_PLATE_TEXT`` printable characters (the raw reading is stored as sent)."""
    if not isinstance(text, str) or not text:
        raise InvalidRead("plateText", "is empty")
    if len(text) > MAX_PLATE_TEXT:
        raise InvalidRead("plateText", f"longer than {MAX_PLATE_TEXT} characters")
    if not text.isprintable():
        raise InvalidRead("plateText", "contains non-printable characters")
    return text


def detail_text(value: str | None) -> str | None:
    """Descriptive device text (direction, vehicle type): printable, bounded, never refused."""
    if value is None:
        return None
    clean = "".join(c for c in value if c.isprintable())[:MAX_DETAIL_TEXT]
    return clean or None


def _aware_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRead(name, "must carry a time zone")
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise InvalidRead(name, "is out of range") from exc


def representable(value: datetime | None) -> datetime | None:
    """``value`` in UTC if every backend can store it safely, else None."""
    if value is None:
        return None
    try:
        utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return utc if EARLIEST_REPORTED_TIME <= utc <= LATEST_REPORTED_TIME else None


@dataclass(frozen=True, slots=True)
class ReadTime:
    """The time a read is stored at, and what the device claimed when that was not used."""

    occurred_at: datetime
    issue: TimeIssue | None = None
    reported_time: datetime | None = None
    reported_text: str | None = None


def live_read_time(
    claimed: datetime | None,
    *,
    text: str | None,
    arrived_at: datetime,
    tolerance: timedelta,
) -> ReadTime:
    """Time policy for live sources (push, alert stream): a bad clock never loses a read.

    ``claimed`` is the parsed device time (None when missing or unreadable), ``text`` what the
    device sent. Within ``tolerance`` of the arrival the device is believed; otherwise the read
    is stored at ``arrived_at`` and flagged, keeping the claim (and its text).
    """
    arrived = _aware_utc(arrived_at, "arrivedAt")
    kept_text = text.strip()[:MAX_TIME_TEXT] if text else None
    if claimed is None:
        return ReadTime(arrived, TimeIssue.UNREADABLE, None, kept_text)
    try:
        utc = claimed.astimezone(UTC)
        skew = abs(utc - arrived)
    except (OverflowError, ValueError):  # year 1 with a positive offset, and the like
        return ReadTime(arrived, TimeIssue.CLOCK_SKEW, None, kept_text or claimed.isoformat())
    if skew > tolerance:
        return ReadTime(
            arrived, TimeIssue.CLOCK_SKEW, representable(utc), kept_text or utc.isoformat()
        )
    return ReadTime(utc)


def historical_read_time(
    claimed: datetime, *, not_before: datetime, now: datetime, tolerance: timedelta
) -> datetime:
    """Time policy for backfill (records that are historical by design): the time must lie in
    the window that was asked for, up to ``tolerance`` in the future; otherwise refused."""
    utc = _aware_utc(claimed, "occurredAt")
    if utc < not_before:
        raise InvalidRead("occurredAt", "older than the backfill window")
    if utc > now + tolerance:
        raise InvalidRead("occurredAt", "in the future")
    return utc


@dataclass(frozen=True, slots=True)
class StoredPicture:
    """A picture already written to media storage (relative path)."""

    kind: str
    path: str


def _parse_time(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    return _aware_utc(parsed, name)


@dataclass(frozen=True, slots=True)
class PlateRead:
    """One camera reading, normalised enough to be queued (JSON-serialisable).

    Construction enforces the invariants (``InvalidRead`` otherwise), so a read that exists
    can be stored: a corrupt queue payload fails to decode instead of failing the consumer.
    """

    source: ReadSource
    natural_key: str
    camera_code: str
    camera_name: str
    plate_text: str
    confidence: float
    occurred_at: datetime
    direction: str | None = None
    vehicle_type: str | None = None
    pictures: tuple[StoredPicture, ...] = field(default_factory=tuple)
    time_issue: TimeIssue | None = None
    reported_time: datetime | None = None
    reported_time_text: str | None = None

    def __post_init__(self) -> None:
        if not self.natural_key or len(self.natural_key) > MAX_NATURAL_KEY:
            raise InvalidRead("naturalKey", f"must be 1 to {MAX_NATURAL_KEY} characters")
        if not self.camera_code or len(self.camera_code) > MAX_CAMERA_CODE:
            raise InvalidRead("cameraCode", f"must be 1 to {MAX_CAMERA_CODE} characters")
        check_plate_text(self.plate_text)
        check_confidence(self.confidence)
        occurred = _aware_utc(self.occurred_at, "occurredAt")
        if not EARLIEST_READ_TIME <= occurred < LATEST_READ_TIME:
            raise InvalidRead("occurredAt", "outside the range a read can be stored at")
        if self.reported_time is not None and representable(self.reported_time) is None:
            raise InvalidRead("reportedTime", "out of range")

    def to_json(self) -> dict[str, Any]:
        return {
            "v": 1,
            "source": self.source.value,
            "naturalKey": self.natural_key,
            "cameraCode": self.camera_code,
            "cameraName": self.camera_name,
            "plateText": self.plate_text,
            "confidence": self.confidence,
            "occurredAt": self.occurred_at.isoformat(),
            "direction": self.direction,
            "vehicleType": self.vehicle_type,
            "pictures": [{"kind": p.kind, "path": p.path} for p in self.pictures],
            "timeIssue": self.time_issue.value if self.time_issue else None,
            "reportedTime": self.reported_time.isoformat() if self.reported_time else None,
            "reportedTimeText": self.reported_time_text,
        }

    @classmethod
    def from_json(cls, data: Any) -> PlateRead:
        """Decode a queued payload; anything malformed raises ``ValueError`` (never another
        exception type, so a consumer can tell a poison payload from a processing failure)."""
        if not isinstance(data, dict):
            raise ValueError("plate-read payload is not an object")
        if data.get("v") != 1:
            raise ValueError(f"unsupported plate-read payload version {data.get('v')!r}")
        try:
            occurred_at = _parse_time(data["occurredAt"], "occurredAt")
            assert occurred_at is not None
            issue = data.get("timeIssue")
            return cls(
                source=ReadSource(data["source"]),
                natural_key=str(data["naturalKey"]),
                camera_code=str(data["cameraCode"]),
                camera_name=str(data["cameraName"]),
                plate_text=str(data["plateText"]),
                confidence=float(data["confidence"]),
                occurred_at=occurred_at,
                direction=data.get("direction"),
                vehicle_type=data.get("vehicleType"),
                pictures=tuple(
                    StoredPicture(str(p["kind"]), str(p["path"])) for p in data.get("pictures", [])
                ),
                time_issue=TimeIssue(issue) if issue else None,
                reported_time=_parse_time(data.get("reportedTime"), "reportedTime"),
                reported_time_text=data.get("reportedTimeText"),
            )
        except ValueError:
            raise
        except (KeyError, TypeError, AttributeError, OverflowError, AssertionError) as exc:
            raise ValueError(f"malformed plate-read payload: {type(exc).__name__}: {exc}") from exc


def device_natural_key(camera_code: str, channel: int, moment: str, plate: str) -> str:
    """(device, channel, time, plate): the key when a camera gives no event UUID.

    ``camera_code`` is the registered device (the token decides it, never the payload);
    ``moment`` is a stable token for the device's time (see ``device_time_token``).
    """
    return f"dev:{camera_code}:{channel}:{moment}:{plate}"[:MAX_NATURAL_KEY]


def device_time_token(claimed: datetime | None, document_digest: str, text: str | None) -> str:
    """What the device said the time was, as a key part that is the same on every channel:
    the UTC stamp when readable, else a digest of the document (or of the text)."""
    if claimed is not None:
        try:
            return claimed.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")
        except (OverflowError, ValueError):
            pass
    basis = document_digest or hashlib.sha256((text or "").encode()).hexdigest()
    return f"sha256:{basis[:32]}"


def event_uuid_key(camera_code: str, event_uuid: str) -> str:
    """Per device and UUID: another camera reusing a UUID is another read, while the push and
    alert-stream deliveries of one camera's event share the key (and dedupe)."""
    key = f"uuid:{camera_code}:{event_uuid}"
    if len(key) <= MAX_NATURAL_KEY and event_uuid.isprintable():
        return key
    return f"uuidh:{camera_code}:{hashlib.sha256(event_uuid.encode()).hexdigest()}"


def pass_key(camera_code: str, occurred_at: datetime, plate: str) -> str:
    """Same camera, same plate, same second: the same pass seen through another channel."""
    stamp = occurred_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    raw = f"{camera_code}|{stamp}|{plate}"
    return hashlib.sha256(raw.encode()).hexdigest()[:40]
