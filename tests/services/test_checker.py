"""Per-field input validation helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domcctv.domain.errors import FieldCode, InvalidInput
from domcctv.services.validation import Checker, as_utc


def test_text_strips_and_returns_none_for_blank() -> None:
    check = Checker()
    assert check.text("name", "  Ana  ", max_length=10) == "Ana"
    assert check.text("name", "   ", max_length=10) is None
    assert check.text("name", None, max_length=10) is None
    assert check.errors == []


def test_errors_accumulate_and_raise_together() -> None:
    check = Checker()
    check.text("first", "", max_length=5, required=True)
    check.text("second", "x" * 6, max_length=5)
    check.email("email", "nope")
    with pytest.raises(InvalidInput) as caught:
        check.raise_if_any()
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("first", FieldCode.REQUIRED),
        ("second", FieldCode.TOO_LONG),
        ("email", FieldCode.INVALID_FORMAT),
    ]
    assert "first" in caught.value.message


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("ana@dom.cl", True),
        ("Ana.Soto+x@sub.dom.cl", True),
        ("ana@dom", False),
        ("ana dom.cl", False),
        ("@dom.cl", False),
        ("a@b@c.cl", False),
        ("x" * 65 + "@dom.cl", False),
    ],
)
def test_email_shape(value: str, ok: bool) -> None:
    check = Checker()
    cleaned = check.email("email", value)
    assert (check.errors == []) is ok
    if ok:
        assert cleaned == value.lower()


def test_nothing_to_raise_is_a_no_op() -> None:
    Checker().raise_if_any()


def test_as_utc_reads_naive_as_utc_and_keeps_aware_values() -> None:
    naive = datetime(2025, 1, 15, 12, 0)
    assert as_utc(naive) == datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
    santiago = datetime(2025, 1, 15, 9, 0, tzinfo=timezone(timedelta(hours=-3)))
    assert as_utc(santiago) is santiago
    assert as_utc(None) is None
