"""Time formats used by Hikvision APIs.

HikCentral wants ISO-8601 with an explicit offset and *no* fractional seconds (HCP rejects
them); ISAPI uses ``...Z`` strings that some firmware means as device-local wall clock, and
compact ``YYYYMMDDTHHMMSSZ`` forms in RTSP playback URLs.  Naive datetimes are refused on the
way out because a guessed offset silently shifts evidence by hours.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo


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


def parse_device_time(text: str, device_tz: tzinfo | None = None) -> datetime:
    """Parse an ISAPI time; with ``device_tz`` a ``Z`` suffix is read as local wall clock."""
    stripped = text.strip()
    if device_tz is not None and stripped.endswith(("Z", "z")):
        return datetime.fromisoformat(stripped[:-1]).replace(tzinfo=device_tz)
    return parse_iso(stripped)


def format_device_time(dt: datetime, device_tz: tzinfo | None = None) -> str:
    """``2025-01-15T08:00:00Z``: UTC, or local wall clock with a ``Z`` for quirky devices."""
    local = require_aware(dt).astimezone(device_tz or UTC)
    return local.strftime("%Y-%m-%dT%H:%M:%SZ")


def format_compact(dt: datetime, device_tz: tzinfo | None = None) -> str:
    """``20250115T080000Z`` as used in ``/Streaming/tracks`` playback URLs."""
    return require_aware(dt).astimezone(device_tz or UTC).strftime("%Y%m%dT%H%M%SZ")
