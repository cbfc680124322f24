"""Reading device timestamps as real firmware writes them (offset shapes, zones, Z quirk)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from integrations.hikvision._time import (
    parse_device_datetime,
    parse_device_time,
    read_device_datetime,
)

SANTIAGO = ZoneInfo("America/Santiago")  # -03:00 in January (summer time), -04:00 in July


def tz(hours: int, minutes: int = 0) -> timezone:
    sign = -1 if hours < 0 else 1
    return timezone(sign * timedelta(hours=abs(hours), minutes=minutes))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the real heartbeat that was rejected: one-digit offset hour
        ("2016-12-24T18:59:49-8:00", datetime(2016, 12, 24, 18, 59, 49, tzinfo=tz(-8))),
        ("2025-01-15T08:30:12-03:00", datetime(2025, 1, 15, 8, 30, 12, tzinfo=tz(-3))),
        ("2025-01-15T08:30:12-0300", datetime(2025, 1, 15, 8, 30, 12, tzinfo=tz(-3))),
        ("2025-01-15T08:30:12-03", datetime(2025, 1, 15, 8, 30, 12, tzinfo=tz(-3))),
        ("2025-01-15T08:30:12+5:30", datetime(2025, 1, 15, 8, 30, 12, tzinfo=tz(5, 30))),
        ("2025-01-15T08:30:12+0545", datetime(2025, 1, 15, 8, 30, 12, tzinfo=tz(5, 45))),
        ("2025-01-15T11:30:12Z", datetime(2025, 1, 15, 11, 30, 12, tzinfo=UTC)),
        ("2025-01-15t11:30:12z", datetime(2025, 1, 15, 11, 30, 12, tzinfo=UTC)),
        ("2025-01-15 08:30:12-03:00", datetime(2025, 1, 15, 8, 30, 12, tzinfo=tz(-3))),
        ("2025-01-15T08:30:12.8-03:00", datetime(2025, 1, 15, 8, 30, 12, 800000, tzinfo=tz(-3))),
        ("2025-01-15T08:30:12.847Z", datetime(2025, 1, 15, 8, 30, 12, 847000, tzinfo=UTC)),
        # nine fraction digits: truncated to microseconds, never rounded into the next second
        ("2025-01-15T08:30:12.999999999Z", datetime(2025, 1, 15, 8, 30, 12, 999999, tzinfo=UTC)),
        # the vendor's own JSON example has no seconds
        ("2009-11-14T15:27Z", datetime(2009, 11, 14, 15, 27, tzinfo=UTC)),
        ("  2025-01-15T08:30:12-03:00\n", datetime(2025, 1, 15, 8, 30, 12, tzinfo=tz(-3))),
    ],
)
def test_offsets_and_shapes_real_devices_send(text: str, expected: datetime) -> None:
    parsed = parse_device_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


def test_time_without_offset_is_wall_clock_in_the_device_zone() -> None:
    parsed = parse_device_datetime("2025-01-15T08:30:12", device_tz=SANTIAGO)
    assert parsed == datetime(2025, 1, 15, 11, 30, 12, tzinfo=UTC)
    winter = parse_device_datetime("2025-07-15 08:30:12", device_tz=SANTIAGO)
    assert winter == datetime(2025, 7, 15, 12, 30, 12, tzinfo=UTC)  # DST applied by the zone


def test_z_is_utc_unless_the_device_writes_local_time_with_a_z() -> None:
    text = "2025-01-15T08:30:12Z"
    assert parse_device_datetime(text, device_tz=SANTIAGO) == datetime(
        2025, 1, 15, 8, 30, 12, tzinfo=UTC
    )
    assert parse_device_datetime(text, device_tz=SANTIAGO, z_is_local=True) == datetime(
        2025, 1, 15, 11, 30, 12, tzinfo=UTC
    )
    # an explicit offset always wins over the device zone and the quirk
    explicit = parse_device_datetime(
        "2025-01-15T08:30:12+01:00", device_tz=SANTIAGO, z_is_local=True
    )
    assert explicit == datetime(2025, 1, 15, 7, 30, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "unknown",
        "1970-00-00T00:00:00",  # month 0
        "2025-02-30T10:00:00Z",  # no such day
        "2025-01-15T25:00:00Z",
        "2025-01-15T08:30:12+24:00",  # offset out of range
        "2025-01-15T08:30:12-03:75",
        "2025-01-15",  # a date is not a time of passage
        "2025-01-15T08:30:12 -03:00 extra",
        "1736940612",  # epoch seconds are not what ISAPI sends
    ],
)
def test_unreadable_times_raise_value_error_or_read_as_none(text: str) -> None:
    with pytest.raises(ValueError):
        parse_device_datetime(text)
    assert read_device_datetime(text) is None


def test_read_device_datetime_of_missing_text_is_none() -> None:
    assert read_device_datetime(None) is None


def test_recording_times_keep_their_z_as_local_semantics() -> None:
    assert parse_device_time("2025-01-15T08:00:00Z") == datetime(2025, 1, 15, 8, tzinfo=UTC)
    assert parse_device_time("2025-01-15T08:00:00Z", tz(-3)) == datetime(
        2025, 1, 15, 11, tzinfo=UTC
    )
