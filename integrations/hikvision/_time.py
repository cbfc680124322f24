"""Time formats used by Hikvision APIs.

HikCentral wants ISO-8601 with an explicit offset and *no* fractional seconds (HCP rejects
them); ISAPI uses ``...Z`` strings that some firmware means as device-local wall clock, and
compact ``YYYYMMDDTHHMMSSZ`` forms in RTSP playback URLs.  Naive datetimes are refused on the
way out because a guessed offset silently shifts evidence by hours.

Device times coming *in* are read with :func:`parse_device_datetime`, which is deliberately
more lenient than ``datetime.fromisoformat``: real cameras send one-digit offset hours
(``-8:00``, seen in a heartbeat), ``+0800``, ``+08``, fractions of any length, a space
instead of ``T`` and no seconds (``2009-11-14T15:27Z`` is the vendor's own JSON example).
Rejecting those would drop the evidence they carry, so only genuinely unreadable text fails.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

_DEVICE_TIME = re.compile(
    r"""
    (?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})
    [Tt\ ]
    (?P<hour>\d{1,2}):(?P<minute>\d{2})
    (?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?
    \ ?
    (?:
        (?P<zulu>[Zz])
        | (?P<sign>[+-])(?P<off_hour>\d{1,2})(?::?(?P<off_minute>\d{2}))?
    )?
    """,
    re.VERBOSE,
)


def require_aware(dt: datetime, name: str = "datetime") -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return dt


def format_hcp(dt: datetime) -> str:
    """``2025-01-15T08:30:00-03:00``: offset kept, fraction dropped."""
    return require_aware(dt).replace(microsecond=0).isoformat()


def parse_iso(text: str, naive_tz: tzinfo = UTC) -> datetime:
    """Parse ISO-8601 (``Z``, offsets, fractions); attach ``naive_tz`` when no offset is given."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=naive_tz)
    return value


def _offset(sign: str, hours: str, minutes: str | None) -> timezone:
    h, m = int(hours), int(minutes or "0")
    if h > 23 or m > 59:
        raise ValueError(f"UTC offset {sign}{hours}:{minutes or '00'} out of range")
    delta = timedelta(hours=h, minutes=m)
    return timezone(-delta if sign == "-" else delta)


def parse_device_datetime(
    text: str, *, device_tz: tzinfo = UTC, z_is_local: bool = False
) -> datetime:
    """Read a device timestamp; always returns an aware datetime or raises ``ValueError``.

    - an explicit offset (``±H``, ``±HH``, ``±H:MM``, ``±HH:MM``, ``±HHMM``) is used as sent;
    - no offset: the wall clock is in ``device_tz`` (the camera's configured zone);
    - ``Z``/``z``: UTC, unless ``z_is_local`` (firmware that writes local time with a ``Z``),
      then it is read like a time without offset.

    Fractions longer than microseconds are truncated (never rounded into the next second).
    """
    match = _DEVICE_TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"unreadable device time {text!r}")
    zone: tzinfo
    if match["sign"]:
        zone = _offset(match["sign"], match["off_hour"], match["off_minute"])
    elif match["zulu"] and not z_is_local:
        zone = UTC
    else:
        zone = device_tz
    return datetime(
        int(match["year"]),
        int(match["month"]),
        int(match["day"]),
        int(match["hour"]),
        int(match["minute"]),
        int(match["second"] or "0"),
        int((match["fraction"] or "")[:6].ljust(6, "0")),
        tzinfo=zone,
    )


def read_device_datetime(
    text: str | None, *, device_tz: tzinfo = UTC, z_is_local: bool = False
) -> datetime | None:
    """:func:`parse_device_datetime`, but ``None`` for missing or unreadable text."""
    if not text:
        return None
    try:
        return parse_device_datetime(text, device_tz=device_tz, z_is_local=z_is_local)
    except ValueError:
        return None


def parse_device_time(text: str, device_tz: tzinfo | None = None) -> datetime:
    """Parse an ISAPI time; with ``device_tz`` a ``Z`` suffix is read as local wall clock."""
    return parse_device_datetime(text, device_tz=device_tz or UTC, z_is_local=device_tz is not None)


def format_device_time(dt: datetime, device_tz: tzinfo | None = None) -> str:
    """``2025-01-15T08:00:00Z``: UTC, or local wall clock with a ``Z`` for quirky devices."""
    local = require_aware(dt).astimezone(device_tz or UTC)
    return local.strftime("%Y-%m-%dT%H:%M:%SZ")


def format_compact(dt: datetime, device_tz: tzinfo | None = None) -> str:
    """``20250115T080000Z`` as used in ``/Streaming/tracks`` playback URLs."""
    return require_aware(dt).astimezone(device_tz or UTC).strftime("%Y%m%dT%H%M%SZ")
