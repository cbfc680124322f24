"""Chilean plates: canonical form, series detection, OCR skeleton and position-aware repair."""

from __future__ import annotations

import pytest

from domcctv.domain.plates import (
    CURRENT_LETTERS,
    UNREAD_PLATE,
    InvalidPlateError,
    PlateFormat,
    canonical,
    detect_format,
    display,
    is_search_prefix,
    parse_plate,
    repair_candidates,
    skeleton,
)


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("AA1234", PlateFormat.OLD),
        ("FK1234", PlateFormat.OLD),
        ("ZZ9999", PlateFormat.OLD),
        ("BBBB12", PlateFormat.CURRENT),
        ("HJKL42", PlateFormat.CURRENT),
        ("XYZW99", PlateFormat.CURRENT),
        ("KBT42", PlateFormat.MOTO),
        ("BBB10", PlateFormat.MOTO),
        ("FK123", PlateFormat.MOTO_OLD),
        ("BBBB1", PlateFormat.MOTO_NEXT),
        ("BBBB0", PlateFormat.MOTO_NEXT),
        ("BBBBB1", PlateFormat.NEXT),
        ("HJKLP0", PlateFormat.NEXT),
    ],
)
def test_chilean_series_are_detected(text: str, fmt: PlateFormat) -> None:
    plate = parse_plate(text)
    assert plate.format is fmt
    assert plate.normalized == text
    assert plate.is_chilean


@pytest.mark.parametrize("letter", list(CURRENT_LETTERS))
def test_every_letter_of_the_current_series_is_accepted(letter: str) -> None:
    assert detect_format(f"{letter}BCD12") is PlateFormat.CURRENT


@pytest.mark.parametrize("letter", list("AEIOUMNQ"))
def test_vowels_and_m_n_q_are_not_current_series_letters(letter: str) -> None:
    # given a forbidden letter in a 4+2 plate / then it is not CURRENT (accepted as FOREIGN)
    assert letter not in CURRENT_LETTERS
    assert detect_format(f"B{letter}CD12") is PlateFormat.FOREIGN


@pytest.mark.parametrize("text", ["HJKL01", "HJKL00", "AA0123", "BBB01"])
def test_leading_zero_in_the_digit_block_is_not_chilean(text: str) -> None:
    assert not parse_plate(text).is_chilean


@pytest.mark.parametrize("text", ["AB123CD", "ABC123", "1234AB", "X1Y2Z3W4"])
def test_foreign_plates_are_accepted_but_flagged(text: str) -> None:
    # rejecting a foreign truck would lose a real pass: keep it, flagged FOREIGN
    plate = parse_plate(text)
    assert plate.format is PlateFormat.FOREIGN
    assert not plate.is_chilean
    assert plate.normalized == text


@pytest.mark.parametrize("text", ["unknown", "UNKNOWN", "  Unknown ", "", "   ", "noplate", "none"])
def test_unreadable_plates_become_unread(text: str) -> None:
    plate = parse_plate(text)
    assert plate.format is PlateFormat.UNREAD
    assert plate.normalized == UNREAD_PLATE
    assert plate.skeleton == UNREAD_PLATE
    assert not plate.is_chilean
    assert plate.raw  # the raw text is never empty


@pytest.mark.parametrize(
    "text",
    ["HJ·KL·42", "hj-kl-42", "HJ KL 42", "hj.kl.42", "HJ_KL_42", " hjkl42 ", "HJ - KL - 42"],
)
def test_separators_and_case_are_normalised(text: str) -> None:
    plate = parse_plate(text)
    assert plate.normalized == "HJKL42"
    assert plate.format is PlateFormat.CURRENT
    assert plate.raw == text.strip()  # the original reading is kept verbatim


@pytest.mark.parametrize(
    "text",
    [
        "HJ#KL42",  # symbol
        "HJKL42!",
        "ABCDEFGHIJK",  # longer than 10
        "ABCDEFGHI",  # 9 alnum: neither Chilean nor plausible foreign
        "ABC",  # too short for anything
        "AB12",
        "ÑANDU1",  # Ñ is never on a plate in a plausible shape
        "<script>",
    ],
)
def test_junk_is_rejected(text: str) -> None:
    with pytest.raises(InvalidPlateError):
        parse_plate(text)


@pytest.mark.parametrize(
    ("group", "representative"),
    [("0ODQ", "0"), ("1I", "1"), ("2Z", "2"), ("5S", "5"), ("8B", "8"), ("6G", "6")],
)
def test_skeleton_collapses_each_confusion_group(group: str, representative: str) -> None:
    assert skeleton(group) == representative * len(group)


def test_skeleton_leaves_unconfusable_characters_alone() -> None:
    assert skeleton("HJKL42") == "HJKL42"
    assert skeleton("CFHJKLPRTVWXY3479") == "CFHJKLPRTVWXY3479"


def test_misreads_share_the_skeleton_of_the_true_plate() -> None:
    # given an OCR misread inside the confusion groups / then the search key is the same
    assert parse_plate("HJKL4Z").skeleton == parse_plate("HJKL42").skeleton
    assert parse_plate("FKI234").skeleton == parse_plate("FK1234").skeleton
    assert parse_plate("8BCD12").skeleton == parse_plate("BBCD12").skeleton
    # and a confusion outside the groups does not
    assert parse_plate("FK12E4").skeleton != parse_plate("FK1234").skeleton


@pytest.mark.parametrize(
    ("read", "candidates"),
    [
        ("HJKL4Z", ["HJKL42"]),  # Z in a digit slot
        ("8BCD12", ["BBCD12"]),  # 8 in a letter slot
        ("FKI234", ["FK1234"]),  # old series, I in a digit slot
        ("BB8S12", ["BB8512", "BBBS12"]),  # both series fit: ambiguous, keep both
        ("HJKL42", []),  # already valid
        ("FK1234", []),
        ("AB123CD", []),  # not 6 characters
        ("QQQQQQ", []),  # nothing valid comes out
    ],
)
def test_repair_candidates(read: str, candidates: list[str]) -> None:
    assert repair_candidates(read) == candidates
    for fixed in candidates:
        assert parse_plate(fixed).is_chilean


@pytest.mark.parametrize(
    ("normalized", "shown"),
    [("HJKL42", "HJ·KL·42"), ("FK1234", "FK·12·34"), ("KBT42", "KBT42"), ("AB123CD", "AB123CD")],
)
def test_display_groups_like_the_physical_plate(normalized: str, shown: str) -> None:
    assert display(normalized) == shown


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("H", True),
        ("hj-k", True),
        ("HJKL42", True),
        ("ABCDEFGHIJ", True),
        ("", False),
        ("ABCDEFGHIJK", False),
        ("HJ%", False),
        (" - ", False),
    ],
)
def test_search_prefix_accepts_partial_plates_only(text: str, ok: bool) -> None:
    assert is_search_prefix(text) is ok


def test_canonical_strips_every_separator() -> None:
    assert canonical(" hj·kl-4.2_ ") == "HJKL42"
