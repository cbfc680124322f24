"""RUT: módulo-11 check digit, normalisation to ``12345678-5`` and display formatting."""

from __future__ import annotations

import pytest

from domcctv.domain.rut import (
    InvalidRutError,
    check_digit,
    format_rut,
    is_valid_rut,
    normalize_rut,
)

# hikvision-protocols.md §3.2: computed test vectors (body -> check digit).
VECTORS = [
    (12345678, "5"),
    (6265837, "1"),
    (9868503, "0"),
    (20000003, "K"),
    (10000013, "K"),
    (10000004, "0"),
    (7654321, "6"),
]


@pytest.mark.parametrize(("body", "dv"), VECTORS)
def test_check_digit_matches_the_published_vectors(body: int, dv: str) -> None:
    # given a RUT body / when computing módulo 11 / then the documented digit comes out
    assert check_digit(body) == dv
    assert check_digit(str(body)) == dv


@pytest.mark.parametrize(("body", "dv"), VECTORS)
def test_every_vector_normalises_to_its_canonical_form(body: int, dv: str) -> None:
    assert normalize_rut(f"{body}-{dv}") == f"{body}-{dv}"
    assert is_valid_rut(f"{body}{dv}")


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("12.345.678-5", "12345678-5"),
        ("12 345 678-5", "12345678-5"),
        (" 12345678 - 5 ", "12345678-5"),
        ("123456785", "12345678-5"),
        ("20.000.003-k", "20000003-K"),
        ("20000003k", "20000003-K"),
        ("10.000.013-K", "10000013-K"),
        ("07654321-6", "7654321-6"),  # a leading zero is dropped
        ("6.265.837-1", "6265837-1"),
    ],
)
def test_typed_variants_normalise_to_one_canonical_rut(typed: str, canonical: str) -> None:
    # given the many ways people type a RUT / then they all store the same way
    assert normalize_rut(typed) == canonical


@pytest.mark.parametrize(
    "bad",
    [
        "12345678-6",  # wrong check digit
        "12.345.678-K",  # wrong check digit (K)
        "20000003-0",  # K expected
        "0-0",  # zero body, even though 0 "checks"
        "00000000-0",
        "",
        "   ",
        "abc",
        "12345678-X",  # not a digit or K
        "1234567890-1",  # body longer than 8 digits
        "12a45678-5",
        "K-K",
        "-5",
        "12345678-55",
    ],
)
def test_invalid_ruts_are_rejected(bad: str) -> None:
    with pytest.raises(InvalidRutError):
        normalize_rut(bad)
    assert not is_valid_rut(bad)


def test_zero_body_is_rejected_with_its_own_reason() -> None:
    with pytest.raises(InvalidRutError, match="zero"):
        normalize_rut("0-0")


def test_wrong_check_digit_names_the_expected_digit() -> None:
    with pytest.raises(InvalidRutError, match="expected 5"):
        normalize_rut("12.345.678-9")


@pytest.mark.parametrize(
    ("canonical", "shown"),
    [
        ("12345678-5", "12.345.678-5"),
        ("6265837-1", "6.265.837-1"),
        ("20000003-K", "20.000.003-K"),
        ("76086428-5", "76.086.428-5"),
        ("1-9", "1-9"),
        ("999-7", "999-7"),
        ("1000-6", "1.000-6"),
    ],
)
def test_format_rut_adds_thousands_dots(canonical: str, shown: str) -> None:
    assert format_rut(canonical) == shown
    # and the display form parses back to the same canonical RUT
    assert normalize_rut(shown) == canonical
