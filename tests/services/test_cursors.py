"""Keyset cursors and page-size clamping (pure helpers of the pagination service)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from domcctv.domain.errors import FieldCode, InvalidInput
from domcctv.services.pagination import (
    MAX_ROW_ID,
    clamp_page,
    decode_cursor,
    encode_cursor,
    parse_text_id_cursor,
    parse_time_id_cursor,
    time_id_cursor,
)


def raw(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def test_cursors_round_trip() -> None:
    moment = datetime(2025, 1, 15, 12, 30, 0, 123456, tzinfo=UTC)
    assert parse_time_id_cursor(time_id_cursor(moment, 42)) == (moment, 42)
    assert parse_text_id_cursor(encode_cursor("Ñandú Ltda", 7)) == ("Ñandú Ltda", 7)
    assert decode_cursor(encode_cursor("a", 1, 2.5), 3) == ["a", 1, 2.5]


def test_cursors_are_opaque_url_safe_text() -> None:
    cursor = time_id_cursor(datetime(2025, 1, 15, tzinfo=UTC), 1)
    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_time_cursor_keeps_other_offsets_and_reads_naive_as_utc() -> None:
    santiago = datetime(2025, 1, 15, 9, 0, tzinfo=timezone(timedelta(hours=-3)))
    moment, _ = parse_time_id_cursor(raw([santiago.isoformat(), 1]))
    assert moment == santiago
    naive, _ = parse_time_id_cursor(raw(["2025-01-15T12:00:00", 1]))
    assert naive == datetime(2025, 1, 15, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "cursor",
    [
        "???",
        raw("text"),
        raw([1]),
        raw(["2025-01-15T12:00:00+00:00", 1, 2]),
        raw(["not a time", 1]),
        raw([20250115, 1]),
        raw(["2025-01-15T12:00:00+00:00", "1"]),
        raw(["2025-01-15T12:00:00+00:00", 1.5]),
        raw(["2025-01-15T12:00:00+00:00", True]),
        raw(["2025-01-15T12:00:00+00:00", -1]),
        raw(["2025-01-15T12:00:00+00:00", MAX_ROW_ID + 1]),
        raw(["2025-01-15T12:00:00+00:00", None]),
    ],
)
def test_malformed_time_cursors_are_input_errors(cursor: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_time_id_cursor(cursor)
    (error,) = caught.value.errors
    assert (error.field, error.code) == ("after", FieldCode.INVALID_FORMAT)


@pytest.mark.parametrize(
    "cursor", [raw([None, 1]), raw([["x"], 1]), raw(["x", "1"]), raw(["x", [1]]), raw(["x"])]
)
def test_malformed_text_cursors_are_input_errors(cursor: str) -> None:
    with pytest.raises(InvalidInput):
        parse_text_id_cursor(cursor)


@pytest.mark.parametrize(("first", "expected"), [(None, 25), (1, 1), (50, 50)])
def test_clamp_page_accepts_the_range(first: int | None, expected: int) -> None:
    assert clamp_page(first, default=25, maximum=50) == expected


def test_default_page_never_exceeds_the_cap() -> None:
    assert clamp_page(None, default=25, maximum=10) == 10


@pytest.mark.parametrize("first", [0, -5, 51])
def test_clamp_page_rejects_outside_the_range(first: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        clamp_page(first, default=25, maximum=50)
    assert caught.value.errors[0].code is FieldCode.OUT_OF_RANGE
