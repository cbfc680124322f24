"""Chilean RUT (Rol Único Tributario): parsing, módulo-11 check digit and formatting.

Stored canonically as ``12345678-5`` (no dots, upper-case K) so uniqueness holds whatever
way the user typed it; rendered with thousands dots for people.
"""

from __future__ import annotations

import re

_CLEAN = re.compile(r"[.\s\-]")
_SHAPE = re.compile(r"^([0-9]{1,8})([0-9K])$")


class InvalidRutError(ValueError):
    """The text is not a valid RUT (shape or check digit)."""


def check_digit(body: int | str) -> str:
    """Módulo 11: weights 2..7 right to left; 11 -> '0', 10 -> 'K'."""
    digits = str(int(body))
    total = 0
    weight = 2
    for ch in reversed(digits):
        total += int(ch) * weight
        weight = 2 if weight == 7 else weight + 1
    r = 11 - (total % 11)
    if r == 11:
        return "0"
    if r == 10:
        return "K"
    return str(r)


def normalize_rut(text: str) -> str:
    """Return canonical ``body-DV``; raise InvalidRutError on bad shape or check digit."""
    cleaned = _CLEAN.sub("", text or "").upper()
    match = _SHAPE.match(cleaned)
    if not match:
        raise InvalidRutError(f"{text!r} is not shaped like a RUT (12.345.678-5)")
    body, dv = match.groups()
    number = int(body)
    if number == 0:
        raise InvalidRutError("RUT body cannot be zero")
    expected = check_digit(number)
    if dv != expected:
        raise InvalidRutError(f"RUT {text!r} has check digit {dv}, expected {expected}")
    return f"{number}-{dv}"


def is_valid_rut(text: str) -> bool:
    try:
        normalize_rut(text)
    except InvalidRutError:
        return False
    return True


def format_rut(canonical_rut: str) -> str:
    """``12345678-5`` -> ``12.345.678-5``."""
    body, dv = canonical_rut.split("-")
    return f"{int(body):,}".replace(",", ".") + f"-{dv}"
