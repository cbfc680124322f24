"""Chilean licence plates (PPU): normalisation, format detection and OCR-tolerant keys.

Why three keys: the original ANPR text must never be lost (evidence), the canonical form is
what people search and correct, and the *skeleton* collapses characters that OCR engines
routinely confuse (0/O/D/Q, 1/I, 2/Z, 5/S, 8/B, 6/G) so that a misread plate is still found
by an indexed equality or prefix lookup instead of a table scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

# Letters used by the post-2007 series: no vowels, no M, N, Ñ, Q.
CURRENT_LETTERS = "BCDFGHJKLPRSTVWXYZ"

_STRIP = re.compile(r"[\s·\-.\u00b7_]+")
_ALNUM = re.compile(r"^[A-Z0-9Ñ]+$")
MAX_PLATE_LENGTH = 10

UNREAD_PLATE = "UNKNOWN"
"""Stored when the camera saw a vehicle but could not read its plate."""


class PlateFormat(StrEnum):
    """Which Chilean series a normalised plate belongs to (or none)."""

    CURRENT = "CURRENT"  # BBBB·12, cars since 2007
    OLD = "OLD"  # AA·1234, cars 1985-2007
    MOTO = "MOTO"  # BBB·12, motorcycles
    MOTO_OLD = "MOTO_OLD"  # AA·123, older motorcycles
    MOTO_NEXT = "MOTO_NEXT"  # BBBB·1, upcoming motorcycle series
    NEXT = "NEXT"  # BBBBB·1, upcoming car series
    FOREIGN = "FOREIGN"  # well-formed but not Chilean (Argentina, Peru, ...): accepted, flagged
    UNREAD = "UNREAD"  # the camera could not read it


_PATTERNS: tuple[tuple[PlateFormat, re.Pattern[str]], ...] = (
    (PlateFormat.CURRENT, re.compile(rf"^[{CURRENT_LETTERS}]{{4}}[1-9][0-9]$")),
    (PlateFormat.OLD, re.compile(r"^[A-Z]{2}[1-9][0-9]{3}$")),
    (PlateFormat.MOTO, re.compile(rf"^[{CURRENT_LETTERS}]{{3}}[1-9][0-9]$")),
    (PlateFormat.MOTO_OLD, re.compile(r"^[A-Z]{2}[1-9][0-9]{2}$")),
    (PlateFormat.NEXT, re.compile(rf"^[{CURRENT_LETTERS}]{{5}}[0-9]$")),
    (PlateFormat.MOTO_NEXT, re.compile(rf"^[{CURRENT_LETTERS}]{{4}}[0-9]$")),
)
_FOREIGN = re.compile(r"^[A-Z0-9]{5,8}$")

# Confusion groups -> representative. Used for the skeleton (search key), never for display.
_SKELETON_MAP = str.maketrans(
    {
        "O": "0",
        "D": "0",
        "Q": "0",
        "I": "1",
        "Z": "2",
        "S": "5",
        "B": "8",
        "G": "6",
    }
)

# Position-aware repair for the current 4+2 and old 2+4 formats (see hikvision-protocols §3.3).
_TO_LETTER = {"8": "B", "5": "S", "2": "Z", "6": "G", "0": "D"}
_TO_DIGIT = {
    "O": "0",
    "D": "0",
    "Q": "0",
    "I": "1",
    "L": "1",
    "T": "1",
    "Z": "2",
    "S": "5",
    "B": "8",
    "G": "6",
}


class InvalidPlateError(ValueError):
    """The text cannot be a licence plate at all (empty, too long, symbols)."""


@dataclass(frozen=True, slots=True)
class Plate:
    """A plate reading in its three forms plus the detected series."""

    raw: str
    normalized: str
    skeleton: str
    format: PlateFormat

    @property
    def is_chilean(self) -> bool:
        return self.format not in (PlateFormat.FOREIGN, PlateFormat.UNREAD)


def canonical(text: str) -> str:
    """Upper-case and strip separators (spaces, dots, hyphens, the middle dot)."""
    return _STRIP.sub("", text).upper()


def skeleton(normalized: str) -> str:
    """Map every character to its OCR confusion-group representative."""
    return normalized.translate(_SKELETON_MAP)


def detect_format(normalized: str) -> PlateFormat:
    if normalized == UNREAD_PLATE:
        return PlateFormat.UNREAD
    for fmt, pattern in _PATTERNS:
        if pattern.match(normalized):
            return fmt
    return PlateFormat.FOREIGN


def parse_plate(text: str) -> Plate:
    """Normalise an ANPR or typed plate; raises InvalidPlateError for non-plates.

    Unknown-but-plausible strings (foreign trucks) are accepted and flagged FOREIGN, because
    rejecting them would lose a real truck pass.
    """
    raw = text.strip()
    norm = canonical(raw)
    if norm in ("", "UNKNOWN", "NOPLATE", "NONE"):
        return Plate(
            raw=raw or UNREAD_PLATE,
            normalized=UNREAD_PLATE,
            skeleton=UNREAD_PLATE,
            format=PlateFormat.UNREAD,
        )
    if len(norm) > MAX_PLATE_LENGTH or not _ALNUM.match(norm):
        raise InvalidPlateError(f"{raw!r} is not a licence plate")
    fmt = detect_format(norm)
    if fmt is PlateFormat.FOREIGN and not _FOREIGN.match(norm):
        raise InvalidPlateError(f"{raw!r} is not a licence plate")
    return Plate(raw=raw, normalized=norm, skeleton=skeleton(norm), format=fmt)


def repair_candidates(normalized: str) -> list[str]:
    """Position-aware OCR repairs that turn an invalid read into a valid Chilean plate.

    Returns every distinct valid candidate; callers auto-repair only when exactly one exists.
    """
    if detect_format(normalized) not in (PlateFormat.FOREIGN,) or len(normalized) != 6:
        return []
    candidates: set[str] = set()
    # Current: 4 letter slots + 2 digit slots. Old: 2 letter slots + 4 digit slots.
    for letter_slots in (4, 2):
        chars = list(normalized)
        for i, ch in enumerate(chars):
            if i < letter_slots:
                chars[i] = _TO_LETTER.get(ch, ch)
            else:
                chars[i] = _TO_DIGIT.get(ch, ch)
        fixed = "".join(chars)
        fmt = detect_format(fixed)
        if (letter_slots == 4 and fmt is PlateFormat.CURRENT) or (
            letter_slots == 2 and fmt is PlateFormat.OLD
        ):
            candidates.add(fixed)
    return sorted(candidates)


def is_search_prefix(text: str) -> bool:
    """A partial plate typed into a search box (1..10 alphanumerics after canonicalising)."""
    norm = canonical(text)
    return 0 < len(norm) <= MAX_PLATE_LENGTH and bool(_ALNUM.match(norm))


def display(normalized: str) -> str:
    """Render with the Chilean middle-dot grouping used on physical plates (HJ·KL·42)."""
    fmt = detect_format(normalized)
    if fmt in (PlateFormat.CURRENT, PlateFormat.OLD):
        return f"{normalized[:2]}·{normalized[2:4]}·{normalized[4:]}"
    return normalized
