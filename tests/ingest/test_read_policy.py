"""The read policy every ingest path applies before a read is acknowledged (pure domain).

Before it, a push dated year 9999 was acknowledged and then raised OverflowError in the
consumer forever; ``inf`` confidence was stored on SQLite (breaking every listing) and refused
by MariaDB (the read lost). Now a bad clock is flagged and stored at the arrival time, and
what can never be stored is refused up front."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from domcctv.domain.reads import (
    InvalidRead,
    PlateRead,
    ReadSource,
    TimeIssue,
    check_confidence,
    check_plate_text,
    event_uuid_key,
    historical_read_time,
    live_read_time,
)

ARRIVED = datetime(2025, 6, 1, 15, 0, 0, tzinfo=UTC)
TOLERANCE = timedelta(minutes=10)


def live(claimed: datetime | None, text: str | None = "sent"):  # type: ignore[no-untyped-def]
    return live_read_time(claimed, text=text, arrived_at=ARRIVED, tolerance=TOLERANCE)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, -0.5, 100.5, 1e308])
def test_non_finite_or_out_of_range_confidence_is_refused(value: float) -> None:
    with pytest.raises(InvalidRead) as refused:
        check_confidence(value)
    assert refused.value.code == "INVALID_READ"
    assert refused.value.field == "confidence"


def test_missing_confidence_is_zero_and_bounds_are_kept() -> None:
    assert check_confidence(None) == 0.0
    assert check_confidence(0) == 0.0
    assert check_confidence(100) == 100.0


@pytest.mark.parametrize("text", ["", "A" * 33, "AB\x00CD", "AB\nCD", "AB\u202eCD"])
def test_empty_oversized_or_non_printable_plate_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidRead) as refused:
        check_plate_text(text)
    assert refused.value.field == "plateText"


def test_unread_and_foreign_plate_text_is_kept_as_sent() -> None:
    assert check_plate_text("unknown") == "unknown"
    assert check_plate_text("ÑANDÚ-12") == "ÑANDÚ-12"
    assert check_plate_text("A" * 32) == "A" * 32


def test_a_device_time_within_tolerance_is_believed() -> None:
    claimed = ARRIVED - timedelta(minutes=9)
    result = live(claimed.astimezone(timezone(timedelta(hours=-4))))
    assert result.occurred_at == claimed
    assert result.issue is None
    assert result.reported_time is None


def test_unreadable_device_time_is_stored_at_arrival_and_flagged() -> None:
    result = live(None, text="31/12/9999 25:61")
    assert result.occurred_at == ARRIVED
    assert result.issue is TimeIssue.UNREADABLE
    assert result.reported_time is None
    assert result.reported_text == "31/12/9999 25:61"


@pytest.mark.parametrize(
    ("claimed", "stored_claim"),
    [
        (datetime(2034, 3, 1, 8, 0, tzinfo=UTC), True),  # a camera whose clock says 2034
        (ARRIVED + timedelta(hours=3, minutes=30), True),  # wrong zone, 3-4 h off
        (ARRIVED - timedelta(hours=4), True),
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), False),  # the DB cannot hold it safely
        (datetime(1, 1, 1, tzinfo=UTC), False),
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))), False),  # overflows to UTC
        (datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-5))), False),
    ],
)
def test_a_skewed_device_clock_never_loses_the_read(claimed: datetime, stored_claim: bool) -> None:
    result = live(claimed, text=None)
    assert result.occurred_at == ARRIVED
    assert result.issue is TimeIssue.CLOCK_SKEW
    if stored_claim:
        assert result.reported_time == claimed
    else:
        assert result.reported_time is None
    assert result.reported_text  # the claim is kept as text in every case


def test_backfill_refuses_times_outside_its_window() -> None:
    since = ARRIVED - timedelta(hours=1)
    inside = ARRIVED - timedelta(minutes=30)
    assert historical_read_time(inside, not_before=since, now=ARRIVED, tolerance=TOLERANCE) == (
        inside
    )
    for outside in (
        since - timedelta(seconds=1),
        ARRIVED + TOLERANCE + timedelta(seconds=1),
        datetime(9999, 12, 31, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
    ):
        with pytest.raises(InvalidRead):
            historical_read_time(outside, not_before=since, now=ARRIVED, tolerance=TOLERANCE)


def _payload(**changes: object) -> dict[str, object]:
    good = PlateRead(
        source=ReadSource.PUSH,
        natural_key="uuid:CAM-1:abc",
        camera_code="CAM-1",
        camera_name="Porton",
        plate_text="HJKL42",
        confidence=90.0,
        occurred_at=ARRIVED,
    ).to_json()
    return {**good, **changes}


@pytest.mark.parametrize(
    "changes",
    [
        {"occurredAt": "9999-12-31T23:59:59+00:00"},  # what a pre-policy receiver queued
        {"occurredAt": "0001-01-01T00:00:00+05:00"},
        {"confidence": "inf"},
        {"confidence": float("nan")},
        {"plateText": "X" * 500},
        {"naturalKey": ""},
        {"occurredAt": None},
        {"pictures": "not-a-list"},
        {"v": 2},
    ],
)
def test_a_poison_queue_payload_fails_to_decode_with_value_error(changes: dict) -> None:
    with pytest.raises(ValueError):  # the contract: ValueError, never another exception type
        PlateRead.from_json(_payload(**changes))


def test_time_issue_survives_the_queue_round_trip() -> None:
    read = PlateRead.from_json(
        _payload(
            timeIssue="CLOCK_SKEW",
            reportedTime="2034-03-01T08:00:00+00:00",
            reportedTimeText="2034-03-01T08:00:00Z",
        )
    )
    assert read.time_issue is TimeIssue.CLOCK_SKEW
    assert read.reported_time == datetime(2034, 3, 1, 8, 0, tzinfo=UTC)
    assert PlateRead.from_json(read.to_json()) == read


def test_a_uuid_is_keyed_per_device() -> None:
    assert event_uuid_key("CAM-A", "u-1") != event_uuid_key("CAM-B", "u-1")
    assert event_uuid_key("CAM-A", "u-1") == event_uuid_key("CAM-A", "u-1")
    long_key = event_uuid_key("CAM-A", "u" * 400)
    assert len(long_key) <= 190
    assert long_key != event_uuid_key("CAM-A", "u" * 401)
